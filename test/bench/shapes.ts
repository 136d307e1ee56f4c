/** DAG shapes for benchmarks: the diamond ladder that made the seed exponential, and a wide fan-out. */
import type { DagDefinition, TaskDefinition } from '../../server/src/core/index';

const spec = (kind: string, i: number) => ({ image: 'bench', sha: `${kind}${i}`, command: `python ${kind}.py ${i}` });

/**
 * `levels` diamonds stacked: top(i) feeds left(i+1) and right(i+1), which both feed top(i+1).
 * 3·levels + 1 tasks; the number of paths from the bottom to the top doubles with every level.
 */
export function diamondLadder(levels: number): DagDefinition {
  const tasks: TaskDefinition[] = [{ name: 'top0', spec: spec('top', 0), inputs: [] }];
  for (let i = 1; i <= levels; i++) {
    tasks.push({ name: `left${i}`, spec: spec('left', i), inputs: [`top${i - 1}`] });
    tasks.push({ name: `right${i}`, spec: spec('right', i), inputs: [`top${i - 1}`] });
    tasks.push({ name: `top${i}`, spec: spec('top', i), inputs: [`left${i}`, `right${i}`] });
  }
  return { meta: { schedule: '@daily' }, tasks };
}

/** One source feeding `width` tasks, all of which feed one sink. */
export function fanOut(width: number): DagDefinition {
  const tasks: TaskDefinition[] = [{ name: 'source', spec: spec('source', 0), inputs: [] }];
  for (let i = 0; i < width; i++) tasks.push({ name: `leaf${i}`, spec: spec('leaf', i), inputs: ['source'] });
  tasks.push({ name: 'sink', spec: spec('sink', 0), inputs: tasks.slice(1).map((t) => t.name) });
  return { meta: {}, tasks };
}

/** The ladder as a pipeline module, for the CLI (a loop, as a user would write it). */
export function diamondLadderModule(levels: number): string {
  return `import { Dag } from 'a-la-mode';
const dag = new Dag({ schedule: '@daily' });
let top = dag.task('top0', { image: 'bench', sha: 'top0', command: 'python top.py 0' });
for (let i = 1; i <= ${levels}; i++) {
  const left = dag.task('left' + i, { image: 'bench', sha: 'left' + i, command: 'python left.py ' + i }).addDep(top);
  const right = dag.task('right' + i, { image: 'bench', sha: 'right' + i, command: 'python right.py ' + i }).addDep(top);
  top = dag.task('top' + i, { image: 'bench', sha: 'top' + i, command: 'python top.py ' + i }).addDep(left, right);
}
export default dag;
`;
}

/** A chain of `length` tasks named `${prefix}${i}`, each the input of the next (issue 11's rename case). */
export function chain(length: number, prefix: string): DagDefinition {
  return { meta: {}, tasks: Array.from({ length }, (_, i) => ({ name: `${prefix}${i}`, spec: spec('step', i), inputs: i === 0 ? [] : [`${prefix}${i - 1}`] })) };
}

/** `count` independent tasks. */
export function independent(count: number, prefix: string): DagDefinition {
  return { meta: {}, tasks: Array.from({ length: count }, (_, i) => ({ name: `${prefix}${i}`, spec: spec('leaf', i), inputs: [] })) };
}
