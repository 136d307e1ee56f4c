/**
 * `npm run bench [core|analysis|cli|diff|lsp|panel]`: how the cost grows with DAG size, so a regression to the seed's exponential
 * behaviour (or anything super-linear) is visible at a glance. Prints a table; asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { analyseModule, analyseSourceFile, type ModuleHost } from '../../server/src/analysis/analyse';
import { nodeFileHost } from '../../server/src/analysis/modules/host';
import { repoRoot } from '../support/paths';
import { bencodeDag, diffDags, encodeDag, type DagDefinition, type EncodedDag } from '../../server/src/core/index';
import fc from 'fast-check';
import { generateLargeModule } from '../analysis/generate';
import { applyEdits, editedFixtureArbitrary, fixtures } from '../analysis/randomEdits';
import { cliPath } from '../support/cli';
import { benchLsp } from './lspBench';
import { benchPanel } from './panelBench';
import { chain, diamondLadder, diamondLadderModule, fanOut, independent } from './shapes';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timeEncode(def: DagDefinition, runs: number): { ms: number; bytes: number } {
  let bytes = 0;
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    const result = encodeDag(def);
    bytes = bencodeDag(result.encoded!).length;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return { ms: median(times), bytes };
}

const section = (title: string) => console.log(`\n## ${title}`);
const row = (...cells: (string | number)[]) => console.log(cells.map((c, i) => String(c).padStart(i === 0 ? 24 : 12)).join(''));

export function benchCore(): void {
  section('core: encode (output IDs + bencoded .dag), median of 5, in process');
  row('shape', 'tasks', 'ms', 'µs/task', 'dag bytes');
  encodeDag(diamondLadder(100)); // warm up the JIT
  for (const levels of [30, 300, 3000, 10000]) {
    const def = diamondLadder(levels);
    const { ms, bytes } = timeEncode(def, 5);
    row('diamond ladder', def.tasks.length, ms.toFixed(1), ((ms * 1000) / def.tasks.length).toFixed(1), bytes);
  }
  for (const width of [100, 1000, 10000, 30000]) {
    const def = fanOut(width);
    const { ms, bytes } = timeEncode(def, 5);
    row('fan-out + fan-in', def.tasks.length, ms.toFixed(1), ((ms * 1000) / def.tasks.length).toFixed(1), bytes);
  }
}

/** Milliseconds of each of `runs` calls of `f`. */
function timings(runs: number, f: () => void): number[] {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint();
    f();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times;
}

export function benchAnalysis(): void {
  section('analysis: a 3,000-task, 6,000-line module, in process (what the server does per keystroke)');
  row('step', 'runs', 'p50 ms', 'p90 ms', 'min ms');
  const report = (what: string, times: number[]) => {
    const s = [...times].sort((a, b) => a - b);
    row(what, s.length, s[Math.floor(s.length / 2)]!.toFixed(1), s[Math.floor(s.length * 0.9)]!.toFixed(1), s[0]!.toFixed(1));
  };
  const text = generateLargeModule(3000);
  const sourceFile = ts.createSourceFile('bench.alamode.ts', text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  timings(5, () => analyseSourceFile(sourceFile)); // warm up the JIT
  report('evaluate a parsed module', timings(25, () => analyseSourceFile(sourceFile)));
  report('parse + evaluate', timings(10, () => analyseModule(text, 'bench-fresh.alamode.ts', { fresh: true })));
  let current = text;
  analyseModule(current, 'bench-edit.alamode.ts');
  let i = 0;
  report('one-character edit in a sha', timings(25, () => {
    // Change one character of a sha somewhere in the module, as typing does (applied in place:
    // analysis/literalEdits.ts).
    const at = current.indexOf("sha: '", Math.floor((current.length * ((i % 7) + 1)) / 9)) + 6;
    current = current.slice(0, at) + String.fromCharCode(97 + (i++ % 26)) + current.slice(at + 1);
    analyseModule(current, 'bench-edit.alamode.ts');
  }));
  report('one-character edit of a key', timings(25, () => {
    // A key's first letter (`sha` → `aha`): not inside a string, so the module is analysed again.
    const at = current.indexOf("ha: '", Math.floor((current.length * ((i % 7) + 1)) / 9)) - 1;
    current = current.slice(0, at) + String.fromCharCode(97 + (i++ % 26)) + current.slice(at + 1);
    analyseModule(current, 'bench-edit.alamode.ts');
  }));
  report('same text again (cache)', timings(25, () => analyseModule(current, 'bench-edit.alamode.ts')));

  // The same module with what its specs share in a helper module the analysis follows (through a host
  // over files in memory), and an edit of that helper, which re-keys every task.
  const files = new Map<string, string>([['/bench/common.ts', "export const common = { image: 'registry.example.com/ladder:2024.06', retries: 2 };\n"]]);
  const host: ModuleHost = { readFile: (p) => files.get(p) };
  const split = text.replace(/^const common = .*$/m, "import { common } from './common';");
  let edited = split;
  analyseModule(edited, '/bench/split.alamode.ts', { host });
  report('edit, helper followed', timings(25, () => {
    const at = edited.indexOf("sha: '", Math.floor((edited.length * ((i % 7) + 1)) / 9)) + 6;
    edited = edited.slice(0, at) + String.fromCharCode(97 + (i++ % 26)) + edited.slice(at + 1);
    analyseModule(edited, '/bench/split.alamode.ts', { host });
  }));
  report('edit of the helper', timings(25, () => {
    files.set('/bench/common.ts', `export const common = { image: 'registry.example.com/ladder:${i++}', retries: 2 };\n`);
    analyseModule(edited, '/bench/split.alamode.ts', { host });
  }));
  const reports = join(repoRoot, 'test', 'fixtures', 'repo', 'pipelines', 'daily', 'reports.alamode.ts');
  const reportsText = readFileSync(reports, 'utf8');
  report('fixture repo, from disk', timings(25, () => analyseModule(reportsText, reports, { fresh: true, host: nodeFileHost() })));

  // Half-typed code is where budgets get tested: the slowest of many random edits of the fixtures
  // (a fixed seed, so runs compare) is the worst pause a keystroke can cause in these modules.
  const samples = fc.sample(editedFixtureArbitrary, { numRuns: 2000, seed: 20261125 });
  let worst = { ms: 0, fixture: '' };
  const times = samples.map(([which, edits]) => {
    const text = applyEdits(which, edits);
    const [ms] = timings(1, () => analyseModule(text, 'bench-random.alamode.ts', { fresh: true }));
    if (ms! > worst.ms) worst = { ms: ms!, fixture: fixtures[which]!.path.split('/').slice(-2).join('/') };
    return ms!;
  });
  report('random edits of fixtures', times);
  console.log(`  slowest random edit: ${worst.ms.toFixed(0)} ms, an edit of ${worst.fixture}`);
}

export function benchCli(): void {
  section('CLI: `alamode encode ladder.alamode.ts` end to end (node start, esbuild bundle, run, encode, write)');
  row('shape', 'tasks', 'wall ms', 'cpu ms');
  const dir = mkdtempSync(join(tmpdir(), 'alamode-bench-'));
  try {
    for (const levels of [300, 3000]) {
      const module = join(dir, `ladder${levels}.alamode.ts`);
      writeFileSync(module, diamondLadderModule(levels));
      const walls: number[] = [];
      const cpus: number[] = [];
      for (let r = 0; r < 3; r++) {
        const t0 = Date.now();
        // `bash -c time` gives user+sys of the CLI and its children (esbuild, the module runner).
        const r2 = spawnSync('bash', ['-c', `TIMEFORMAT='%U %S'; time ${JSON.stringify(process.execPath)} ${JSON.stringify(cliPath)} encode ${JSON.stringify(module)} --out ${JSON.stringify(join(dir, 'out.dag'))} 2>/dev/null`], { encoding: 'utf8' });
        walls.push(Date.now() - t0);
        const [user, sys] = r2.stderr.trim().split(/\s+/).slice(-2).map(Number);
        cpus.push(((user ?? 0) + (sys ?? 0)) * 1000);
        if (r2.status !== 0) throw new Error(`alamode encode failed: ${r2.stderr}`);
      }
      row('diamond ladder', levels * 3 + 1, median(walls), median(cpus).toFixed(0));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `diff` by size (issue 11: the rename pass was quadratic, 27.6 s for a 3,000-task rename through the
 * CLI): in process, and end to end through `alamode diff a.dag b.dag` (which also decodes and verifies
 * both files).
 */
export function benchDiff(): void {
  section('diff: renamed and added tasks (in process: median of 3; CLI: `alamode diff a.dag b.dag`, one run)');
  row('case', 'tasks', 'diff ms', 'CLI ms');
  const encoded = (def: DagDefinition) => encodeDag(def).encoded!;
  const dir = mkdtempSync(join(tmpdir(), 'alamode-bench-diff-'));
  const cli = (base: EncodedDag, target: EncodedDag) => {
    writeFileSync(join(dir, 'a.dag'), bencodeDag(base));
    writeFileSync(join(dir, 'b.dag'), bencodeDag(target));
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [cliPath, 'diff', join(dir, 'a.dag'), join(dir, 'b.dag')], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`alamode diff failed: ${r.stderr}`);
    return performance.now() - t0;
  };
  try {
    diffDags(encoded(chain(500, 'a')), encoded(chain(500, 'b'))); // warm up the JIT
    for (const n of [1000, 3000, 10000, 100000]) {
      // Every task of a chain renamed (step_i → stage_i): only the root keeps its output ID, so the
      // rest goes through the rename-by-definition pass.
      const steps = encoded(chain(n, 'step_'));
      const stages = encoded(chain(n, 'stage_'));
      row('renamed chain', n, median(timings(3, () => diffDags(steps, stages))).toFixed(1), cli(steps, stages).toFixed(0));
      // n tasks added to a one-task pipeline.
      const one = encoded(independent(1, 'old_'));
      const many = encoded({ meta: {}, tasks: [...independent(1, 'old_').tasks, ...independent(n, 'new_').tasks] });
      row('added tasks', n, median(timings(3, () => diffDags(one, many))).toFixed(1), cli(one, many).toFixed(0));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const only = process.argv[2];
// The servers the bench starts keep their code cache (server/src/lsp/launch.ts) in a folder of this
// run, not the user's: each run starts as a new install does, whatever earlier runs left.
const codeCache = process.env.ALAMODE_CODE_CACHE ? undefined : mkdtempSync(join(tmpdir(), 'alamode-bench-code-cache-'));
if (codeCache) process.env.ALAMODE_CODE_CACHE = codeCache;
try {
  if (!only || only === 'core') benchCore();
  if (!only || only === 'analysis') benchAnalysis();
  if (!only || only === 'cli') benchCli();
  if (!only || only === 'diff') benchDiff();
  if (!only || only === 'lsp') await benchLsp();
  if (!only || only === 'panel') await benchPanel();
} finally {
  if (codeCache) rmSync(codeCache, { recursive: true, force: true });
}
