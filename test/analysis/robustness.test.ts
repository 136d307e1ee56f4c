/**
 * No text may crash or hang the analysis: every prefix of every fixture (a module as it is being
 * typed) and random edits of them are analysed, quickly, without an internal error, and every range
 * in the result lies within the text. Incremental parsing must agree with parsing from scratch.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { analyseModule, type AnalyseOptions } from '../../server/src/analysis/analyse';
import { Evaluator } from '../../server/src/analysis/evaluator';
import { UnknownValue, type ModuleAnalysis, type SourceRange } from '../../server/src/analysis/types';
import { fixturesDir } from '../support/paths';

const fixtureFiles = [
  ...readdirSync(join(fixturesDir, 'analysis')).map((f) => join(fixturesDir, 'analysis', f)),
  ...readdirSync(join(fixturesDir, 'pipelines')).filter((f) => f.endsWith('.ts')).map((f) => join(fixturesDir, 'pipelines', f)),
  ...readdirSync(join(fixturesDir, 'bad')).filter((f) => f.endsWith('.ts')).map((f) => join(fixturesDir, 'bad', f)),
];
const fixtures = fixtureFiles.map((path) => ({ path, text: readFileSync(path, 'utf8') }));

/** Analyses from scratch, failing on an internal error, and checks every range lies within the text. */
function analyseChecked(text: string, limits?: AnalyseOptions['limits']): ModuleAnalysis {
  let internal: unknown;
  const analysis = analyseModule(text, 'robust.alamode.ts', { fresh: true, onInternalError: (e) => { internal = e; }, ...(limits ? { limits } : {}) });
  if (internal !== undefined) throw internal;
  checkRanges(analysis, text.length);
  return analysis;
}

function checkRange(r: SourceRange | undefined, length: number, what: string): void {
  if (!r) return;
  assert.ok(Number.isInteger(r.start) && Number.isInteger(r.end) && r.start >= 0 && r.start <= r.end && r.end <= length, `${what}: bad range ${JSON.stringify(r)} (text length ${length})`);
}

function checkRanges(a: ModuleAnalysis, length: number): void {
  for (const d of a.diagnostics) checkRange(d.range, length, `diagnostic '${d.message}'`);
  for (const r of a.references) checkRange(r.range, length, 'reference');
  for (const c of a.completionSites) checkRange(c.range, length, 'completion site');
  for (const dag of a.dags) {
    checkRange(dag.range, length, 'dag');
    checkRange(dag.metaRange, length, 'meta');
    checkRange(dag.tainted?.range, length, 'dag taint');
    for (const r of dag.metaValueRanges.values()) checkRange(r, length, 'meta value');
    for (const t of dag.tasks) {
      for (const r of [t.callRange, t.calleeRange, t.nameRange, t.nameLiteralRange, t.specRange, t.nameUnknown?.range, t.tainted?.range]) checkRange(r, length, `task ${t.name}`);
      for (const r of t.valueRanges.values()) checkRange(r, length, `value of ${t.name}`);
      for (const d of t.deps) for (const r of [d.range, d.callRange, d.nameLiteralRange, d.unknown?.range]) checkRange(r, length, `dep of ${t.name}`);
    }
  }
}

/** A stable rendering of an analysis, for comparing two of them. */
function render(a: ModuleAnalysis): string {
  return JSON.stringify(a, (_k, v: unknown) => {
    if (v instanceof Map) return [...v.entries()];
    if (v instanceof UnknownValue) return { why: v.why, range: v.range };
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (typeof v === 'function') return '<function>';
    return v;
  });
}

describe('every prefix of every fixture (a module being typed)', () => {
  for (const { path, text } of fixtures) {
    test(path.slice(fixturesDir.length + 1), () => {
      // 150 evenly spaced prefixes, and every one of the last 60 characters (where the end of file
      // cuts through the last statements).
      const cuts = new Set<number>();
      const step = Math.max(1, Math.floor(text.length / 150));
      for (let i = 0; i <= text.length; i += step) cuts.add(i);
      for (let i = Math.max(0, text.length - 60); i <= text.length; i++) cuts.add(i);
      let slowest = 0;
      for (const cut of cuts) {
        const started = performance.now();
        // A lower loop cap keeps the pathological fixture quick; the limit is still reached.
        analyseChecked(text.slice(0, cut), { maxLoopIterations: 1000 });
        slowest = Math.max(slowest, performance.now() - started);
      }
      assert.ok(slowest < 2000, `a prefix took ${slowest.toFixed(0)} ms`);
    });
  }
});

/** Snippets a random edit may insert: tokens, fragments of DSL calls, and troublesome constructs. */
const SNIPPETS = [
  '(', ')', '{', '}', '[', ']', ',', ';', '.', '...', '=', '=>', '?', ':', '`', '${', "'", '"', '\n', ' ',
  'dag', 'task', 'addDep', 'get', 'new Dag()', 'process.env.X', 'while (true) {}', 'for (;;) {}', 'return',
  'function f() { return f(); }', 'f()', 'const', 'let', 'if (x)', 'else', 'try {', '} catch {', 'throw 1;',
  'export default', 'import { Dag } from "a-la-mode";', '__proto__', 'constructor', 'this', 'await', 'yield',
  '1e309', '-0', '9007199254740993n', '2n ** 64n', "'x'.repeat(1e9)", 'new Array(1e9)', 'Array.from({ length: 1e9 })',
  'JSON.parse("{")', 'Object.freeze', 'delete', 'class A {}', '<T>', 'as const', '!', '?.', '??', '||=',
];

describe('random edits of the fixtures', () => {
  test('never throw, never hang, always give ranges within the text', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...SNIPPETS) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ maxLength: 8 }) }),
      fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: fixtures.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 6 }), (which, edits) => {
        let text = fixtures[which]!.text;
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          if (e.kind === 'delete') text = text.slice(0, at) + text.slice(at + e.length);
          else if (e.kind === 'insert') text = text.slice(0, at) + e.text + text.slice(at);
          else text = text.slice(0, at) + text.slice(at, at + e.length) + text.slice(at);
        }
        const started = performance.now();
        analyseChecked(text);
        assert.ok(performance.now() - started < 3000);
      }),
      { numRuns: 300 },
    );
  });

  test('incremental parsing gives the same analysis as parsing from scratch', () => {
    const base = fixtures.find((f) => f.path.endsWith('loops.alamode.ts'))!.text;
    fc.assert(
      fc.property(fc.array(fc.record({ at: fc.nat(), remove: fc.integer({ min: 0, max: 12 }), insert: fc.constantFrom(...SNIPPETS, '', 'x', '2') }), { minLength: 1, maxLength: 8 }), (edits) => {
        let text = base;
        const fileName = `incremental-${Math.random()}.alamode.ts`;
        analyseModule(text, fileName);
        for (const e of edits) {
          const at = e.at % (text.length + 1);
          text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
          const incremental = analyseModule(text, fileName);
          assert.equal(render(incremental), render(analyseChecked(text)));
        }
      }),
      { numRuns: 30 },
    );
  });
});

describe('size', () => {
  test('a text too large to parse quickly is not analysed, and says so', () => {
    const started = performance.now();
    const a = analyseModule(`// ${'x'.repeat(4_000_001)}\n`, 'huge.alamode.ts', { fresh: true });
    assert.ok(performance.now() - started < 1000);
    assert.deepEqual(a.diagnostics.map((d) => d.code), ['analysis-limit']);
    assert.deepEqual(a.dags, []);
  });
});

describe('internal failures', () => {
  test('an exception inside the analysis gives an empty result, and is reported to the caller', () => {
    const original = Evaluator.prototype.run;
    Evaluator.prototype.run = () => {
      throw new Error('boom');
    };
    try {
      const errors: unknown[] = [];
      const a = analyseModule("import { Dag } from 'a-la-mode';\nconst d = new Dag();\nd.task('x', {\n", 'boom.alamode.ts', { fresh: true, onInternalError: (e) => errors.push(e) });
      assert.deepEqual([a.dags, a.diagnostics, a.references, a.completionSites, a.hasSyntaxErrors], [[], [], [], [], true]);
      assert.equal((errors[0] as Error).message, 'boom');
    } finally {
      Evaluator.prototype.run = original;
    }
  });
});
