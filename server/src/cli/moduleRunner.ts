/**
 * Child process that executes one bundled pipeline module and reports its default-export DAG to the
 * CLI (see `loadModule.ts`). Executing the module is the ground truth the static analysis is held to.
 *
 * argv[2]: path of the bundle (with an inline source map, so call sites map to the .ts file): CommonJS
 * (`.cjs`), or an ES module (`.mjs`) when the module uses top-level `await`.
 * argv[3]: path of the runtime (CommonJS), which the bundle imports too.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Dag, Task } from '../runtime/index';
import { firstFrame } from '../runtime/callSites';
import type { LocatedProblem, RunnerResult, SourceLocation } from './protocol';

process.setSourceMapsEnabled(true);

function send(result: RunnerResult): void {
  process.send!(result, () => process.exit(0));
}

/**
 * A bundle's files as stack frames name them: the bundle and, with source maps on, the sources its
 * map lists (the runtime's `server/src/runtime/index.ts`, where a `TypeError` of `addDep` is thrown).
 */
function filesOf(bundle: string): string[] {
  try {
    const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources?: string[]; sourceRoot?: string };
    return [bundle, ...(map.sources ?? []).map((source) => resolve(dirname(bundle), map.sourceRoot ?? '', source))];
  } catch {
    return [bundle]; // no map beside it: frames name the bundle itself
  }
}

/**
 * The first stack frame of an error that lies in the user's code: not in the runtime, node, a package,
 * this runner, or the bundle where its source map does not reach (a bundled package's wrapper: that
 * temporary file is gone when the CLI reports, so no place is better than it).
 */
function userFrame(error: unknown): SourceLocation | undefined {
  const stack = error instanceof Error ? error.stack : undefined;
  const ours = new Set([...filesOf(process.argv[3]!), ...filesOf(__filename)]);
  const bundleDir = `${dirname(process.argv[2]!)}/`;
  return firstFrame(stack, (s) => s.file.startsWith('/') && !s.file.includes('/node_modules/') && !s.file.includes('a-la-mode/dist/') && !ours.has(s.file) && !s.file.startsWith(bundleDir));
}

function locate(dag: Dag, problem: LocatedProblem['problem']): SourceLocation | undefined {
  const tasks = dag.tasks;
  const byName = (name: string): Task | undefined => tasks.find((t) => t.name === name);
  switch (problem.code) {
    case 'cycle': {
      const edge = problem.edges[0]!;
      return byName(edge.task)?.inputSite(edge.input);
    }
    case 'missing-input':
      return byName(problem.task)?.inputSite(problem.input);
    case 'duplicate-task':
      return tasks[problem.definitions[1]!]?.definedAt;
    case 'invalid-value':
    case 'reserved-key':
      return problem.definition === undefined ? dag.definedAt : tasks[problem.definition]?.definedAt;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${Object.getPrototypeOf(value)?.constructor?.name ?? 'no prototype'})`;
  return typeof value;
}

async function main(): Promise<void> {
  const bundle = process.argv[2]!;
  // The runner tells the formats apart by the extension, as Node does (see `loadModule.ts`).
  const isModule = bundle.endsWith('.mjs');
  const runtime = require(process.argv[3]!) as typeof import('../runtime/index');
  let exported: unknown;
  try {
    // `import()` settles once the module's top-level `await`s have, and rejects with what they threw.
    const mod = (isModule ? await import(pathToFileURL(bundle).href) : require(bundle)) as { default?: unknown };
    exported = mod.default;
    // A module may export a promise of a Dag (top-level work behind an async function).
    if (exported && typeof (exported as PromiseLike<unknown>).then === 'function') exported = await exported;
  } catch (e) {
    // An assignment to an undeclared name works in a CommonJS bundle (sloppy mode) but not in the ES
    // module bundle top-level `await` needs, which is strict throughout, packages included.
    const strict = isModule && e instanceof ReferenceError && / is not defined$/.test(e.message) ? ' (the module uses top-level await, so it runs as an ES module, in strict mode throughout, its packages included)' : '';
    const message = e instanceof Error ? `${e.name}: ${e.message}${strict}` : `a non-error value: ${String(e)}`;
    const at = userFrame(e);
    send({ kind: 'threw', message, ...(at ? { at } : {}) });
    return;
  }
  if (!runtime.Dag.isDag(exported)) {
    send({ kind: 'no-dag', exported: describe(exported) });
    return;
  }
  const dag = exported;
  const result = dag.analyse();
  const problems = result.problems.map((problem) => {
    const at = locate(dag, problem);
    return at ? { problem, at } : { problem };
  });
  send({ kind: 'ok', ...(result.encoded ? { encoded: result.encoded } : {}), problems, taskCount: dag.tasks.length });
}

process.on('unhandledRejection', (e) => {
  const at = userFrame(e);
  send({ kind: 'threw', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e), ...(at ? { at } : {}) });
});

void main();
