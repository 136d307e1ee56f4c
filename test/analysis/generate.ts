/**
 * Large pipeline modules for the analysis' performance tests: a diamond ladder written the way a user
 * would write it by hand (or a generator would), one `const` per task and one `addDep` line per task.
 */

const shaOf = (i: number) => ((i * 2654435761) >>> 0).toString(16).padStart(8, '0').slice(0, 5);

/**
 * A module of `tasks` tasks, 2 lines each: `top(k)` feeds `left(k+1)` and `right(k+1)`, which both feed
 * `top(k+1)`. Every task has a spec of a few fields, some shared through a spread.
 */
export function generateLargeModule(tasks: number): string {
  const lines: string[] = [
    "import { Dag } from 'a-la-mode';",
    '',
    "const dag = new Dag({ schedule: '@daily', owner: 'data-eng' });",
    "const common = { image: 'registry.example.com/ladder:2024.06', retries: 2 };",
    '',
  ];
  let made = 0;
  const define = (name: string, kind: string, deps: string[]) => {
    lines.push(`const ${name} = dag.task('${name}', { ...common, sha: '${shaOf(made)}', command: 'python ${kind}.py --step ${made}' });`);
    lines.push(deps.length > 0 ? `${name}.addDep(${deps.join(', ')});` : `// ${name} has no inputs`);
    made++;
  };
  define('top0', 'top', []);
  for (let level = 1; made < tasks; level++) {
    define(`left${level}`, 'left', [`top${level - 1}`]);
    if (made >= tasks) break;
    define(`right${level}`, 'right', [`top${level - 1}`]);
    if (made >= tasks) break;
    define(`top${level}`, 'top', [`left${level}`, `right${level}`]);
  }
  lines.push('', 'export default dag;', '');
  return lines.join('\n');
}
