// Spec helpers shared by the pipelines. A spec is plain data: what is hashed into the output ID.
import { DBT_IMAGE, PYTHON_IMAGE } from './images';

/** The commit of the jobs repository the tasks run; a new one re-keys the tasks that use it. */
export const JOBS_SHA = '4be2c71';

/** A Python job from the jobs repository: `python -m jobs.<script> <args…>`. */
export function python(script: string, ...args: string[]) {
  return {
    image: PYTHON_IMAGE,
    sha: JOBS_SHA,
    command: ['python', '-m', `jobs.${script}`, ...args].join(' '),
  };
}

/** A dbt model build, selected by name. */
export function dbt(model: string, options: { fullRefresh?: boolean } = {}) {
  return {
    image: DBT_IMAGE,
    sha: JOBS_SHA,
    command: `dbt build --select ${model}${options.fullRefresh ? ' --full-refresh' : ''}`,
    resources: { cpu: 2, memory_mb: 4096 },
  };
}
