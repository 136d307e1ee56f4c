/**
 * Runs a pipeline module for real (bundled with esbuild, `a-la-mode` resolved to the built runtime) and
 * compares what it builds with what the static analysis says: the ground truth the analysis is held to.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { toDagDefinition } from '../../server/src/analysis/definition';
import type { AnalysedDag } from '../../server/src/analysis/types';
import { encodeDag } from '../../server/src/core/outputIds';
import type { Dag } from '../../server/src/runtime/index';
import { repoRoot } from '../support/paths';

export const runtimePath = join(repoRoot, 'server', 'a-la-mode', 'dist', 'index.cjs');
const require = createRequire(import.meta.url);

/** The module's exports after running it (`text` instead of the file's contents, when given). */
export async function executeModule(path: string, text?: string): Promise<Record<string, unknown>> {
  const absolute = resolve(path);
  const result = await build({
    ...(text === undefined ? { entryPoints: [absolute] } : { stdin: { contents: text, resolveDir: dirname(absolute), sourcefile: absolute, loader: 'ts' as const } }),
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'silent',
    plugins: [{
      name: 'a-la-mode-runtime',
      setup(b) {
        b.onResolve({ filter: /^a-la-mode$/ }, () => ({ path: runtimePath, external: true }));
      },
    }],
  });
  const dir = mkdtempSync(join(tmpdir(), 'alamode-analysis-'));
  const bundlePath = join(dir, 'module.cjs');
  try {
    writeFileSync(bundlePath, result.outputFiles[0]!.text);
    return require(bundlePath) as Record<string, unknown>;
  } finally {
    delete require.cache[bundlePath];
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The default export, which must be a Dag. */
export async function executeDefaultDag(path: string, text?: string): Promise<Dag> {
  const exports = await executeModule(path, text);
  const dag = exports.default as Dag | undefined;
  assert.ok(dag && typeof dag === 'object' && 'tasks' in dag, 'the module\'s default export is not a Dag');
  return dag;
}

export interface TaskSummary {
  readonly name: string;
  readonly spec: unknown;
  readonly inputs: readonly string[];
  readonly output: string | undefined;
}

/** What the runtime built: each task's name, spec, inputs and output. */
export function summariseRuntime(dag: Dag): { meta: unknown; tasks: TaskSummary[] } {
  const encoding = dag.analyse();
  return {
    meta: dag.meta,
    tasks: dag.tasks.map((t, i) => ({ name: t.name, spec: t.spec, inputs: [...t.inputs], output: encoding.outcomes[i]!.output })),
  };
}

/** What the analysis says, through the same core as the server. */
export function summariseAnalysis(dag: AnalysedDag): { meta: unknown; tasks: TaskSummary[]; unknown: (string | undefined)[] } {
  const definition = toDagDefinition(dag);
  const encoding = encodeDag(definition);
  return {
    meta: dag.meta,
    tasks: definition.tasks.map((t, i) => ({ name: t.name, spec: t.spec, inputs: [...t.inputs], output: encoding.outcomes[i]!.output })),
    unknown: definition.tasks.map((t) => t.unknown),
  };
}

/**
 * A value with what cannot be compared across the two sides made comparable: functions (the analysis
 * has a stand-in for each) and class instances (whose class names a minified runtime changes). Holes
 * stay holes.
 */
export function comparable(v: unknown, seen = new Map<object, unknown>()): unknown {
  if (typeof v === 'function') return '<function>';
  if (typeof v !== 'object' || v === null) return v;
  if (seen.has(v)) return seen.get(v);
  if (Array.isArray(v)) {
    const out: unknown[] = new Array(v.length);
    seen.set(v, out);
    for (let i = 0; i < v.length; i++) if (i in v) out[i] = comparable(v[i], seen);
    return out;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return '<instance>';
  const out: Record<string, unknown> = {};
  seen.set(v, out);
  for (const k of Object.keys(v)) Object.defineProperty(out, k, { value: comparable((v as Record<string, unknown>)[k], seen), enumerable: true, writable: true, configurable: true });
  return out;
}

/** Full parity: same tasks in the same order, same names, specs, inputs and outputs, same meta. */
export function assertSameDag(analysed: AnalysedDag, runtime: Dag): void {
  const a = summariseAnalysis(analysed);
  const r = summariseRuntime(runtime);
  assert.deepEqual(a.unknown.filter((u) => u !== undefined), [], 'the analysis left something unknown');
  assert.deepStrictEqual(comparable(a.meta), comparable(r.meta));
  assert.deepStrictEqual(a.tasks.map((t) => t.name), r.tasks.map((t) => t.name));
  for (let i = 0; i < r.tasks.length; i++) {
    const [x, y] = [a.tasks[i]!, r.tasks[i]!];
    assert.deepStrictEqual({ ...x, spec: comparable(x.spec) }, { ...y, spec: comparable(y.spec) }, `task ${i} ('${y.name}') differs`);
  }
}

/**
 * The cardinal rule, for modules the analysis only partly knows: every output it shows is the output
 * the runtime computes for that task. (Tasks it cannot know may be missing or unnamed.)
 */
export function assertNoWrongOutput(analysed: AnalysedDag, runtime: Dag): number {
  const a = summariseAnalysis(analysed);
  const r = summariseRuntime(runtime);
  const runtimeOutputs = new Map<string, string | undefined>();
  for (const t of r.tasks) if (!runtimeOutputs.has(t.name)) runtimeOutputs.set(t.name, t.output);
  let shown = 0;
  for (const t of a.tasks) {
    if (t.output === undefined) continue;
    shown++;
    assert.ok(runtimeOutputs.has(t.name), `the analysis shows an output for '${t.name}', which the runtime does not define`);
    assert.equal(t.output, runtimeOutputs.get(t.name), `the analysis shows a wrong output for '${t.name}'`);
  }
  return shown;
}
