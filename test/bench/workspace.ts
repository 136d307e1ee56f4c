/**
 * A pipelines repository for benchmarks: `pipelines` modules of about 30 tasks each, built partly with
 * functions and constants from `helpers` shared modules (which import each other in chains of five),
 * as a team's repository grows. Every task has a static output ID.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const sha = (i: number) => ((i * 2654435761) >>> 0).toString(16).padStart(8, '0').slice(0, 5);

export function helperModule(i: number): string {
  const base = i % 5 === 0 ? "const base = { registry: 'registry.example.com', tag: '2024.06' };" : `import { base${i - 1} as base } from './helper${i - 1}';`;
  return `import type { Dag, Task } from 'a-la-mode';
${base}

export const base${i} = { registry: base.registry, tag: \`\${base.tag}.${i}\` };
export const image${i} = \`\${base${i}.registry}/team${i}:\${base${i}.tag}\`;
export const common${i} = { image: image${i}, retries: ${i % 3}, env: { STAGE: 'prod', SHARD: '${i}' } };

/** A task of this team's kind, with its inputs. */
export function step${i}(dag: Dag, name: string, sha: string, ...deps: Task[]): Task {
  const task = dag.task(name, { ...common${i}, sha, command: \`python step${i}.py --name \${name}\` });
  if (deps.length > 0) task.addDep(...deps);
  return task;
}
`;
}

export function pipelineModule(j: number, helpers: number): string {
  const used = [...new Set([j % helpers, (j * 7 + 3) % helpers, (j * 13 + 5) % helpers])];
  const lines = [
    "import { Dag } from 'a-la-mode';",
    ...used.map((h) => `import { common${h}, step${h} } from '../shared/helper${h}';`),
    '',
    `const dag = new Dag({ schedule: '@daily', owner: 'team-${j}' });`,
    '',
  ];
  let n = 0;
  const names: string[] = [];
  for (const h of used) {
    for (let k = 0; k < 5; k++, n++) {
      const deps = names.slice(-2).join(', ');
      lines.push(`const s${n} = step${h}(dag, 'step_${n}', '${sha(j * 100 + n)}'${deps ? `, ${deps}` : ''});`);
      names.push(`s${n}`);
    }
  }
  for (; n < 30; n++) {
    const h = used[n % used.length]!;
    lines.push(`const s${n} = dag.task('task_${n}', { ...common${h}, sha: '${sha(j * 100 + n)}', command: 'python task.py ${n}' });`);
    lines.push(`s${n}.addDep(${names.slice(-2).join(', ')});`);
    names.push(`s${n}`);
  }
  lines.push('', 'export default dag;', '');
  return lines.join('\n');
}

/** Writes the repository under `dir`; returns the pipeline modules' paths. */
export function writeWorkspace(dir: string, pipelines = 200, helpers = 50): string[] {
  mkdirSync(join(dir, 'shared'), { recursive: true });
  mkdirSync(join(dir, 'pipelines'), { recursive: true });
  for (let i = 0; i < helpers; i++) writeFileSync(join(dir, 'shared', `helper${i}.ts`), helperModule(i));
  const paths: string[] = [];
  for (let j = 0; j < pipelines; j++) {
    const path = join(dir, 'pipelines', `pipeline${j}.alamode.ts`);
    writeFileSync(path, pipelineModule(j, helpers));
    paths.push(path);
  }
  return paths;
}
