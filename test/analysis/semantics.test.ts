/**
 * What the analysis knows and what it refuses to guess. Every unknown comes with a reason and the exact
 * expression, and is reported (once) only when a Dag sees it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describeNoOutput } from '../../server/src/core/outputIds';
import { UnknownValue } from '../../server/src/analysis/types';
import { analyse, onlyDag, outcomes, shown, task } from './helpers';

describe('the Dag class and its imports', () => {
  test('a renamed import, a namespace import, and Dags made without an import are told apart', () => {
    const { analysis } = analyse(`
import { Dag as D } from 'a-la-mode';
import * as alm from 'a-la-mode';
class Dag { task() { return 1; } }
const a = new D();
const b = new alm.Dag({ n: 1 });
const c = new Dag();
a.task('x', {});
b.task('y', {});
c.task('z', {});
`, { bare: true });
    assert.deepEqual(analysis.dags.map((d) => [d.variable, d.tasks.map((t) => t.name)]), [['a', ['x']], ['b', ['y']]]);
  });

  test('a Dag from another package is not one', () => {
    const { analysis } = analyse(`import { Dag } from 'other';\nconst d = new Dag();\nd.task('x', {});\n`, { bare: true });
    assert.deepEqual(analysis.dags, []);
    assert.deepEqual(analysis.diagnostics, []);
  });

  test('new Dag() without meta has {} (and a meta given as undefined too)', () => {
    const { analysis } = analyse('const a = new Dag();\nconst b = new Dag(undefined);\nexport default new Dag({ k: 1 });\n');
    assert.deepEqual(analysis.dags.map((d) => [d.meta, d.metaRange === undefined, d.isDefaultExport, d.variable]), [
      [{}, true, false, 'a'],
      [{}, false, false, 'b'],
      [{ k: 1 }, false, true, undefined],
    ]);
  });

  test('export { x as default } is resolved at the end of the module', () => {
    const { analysis } = analyse('let d = new Dag();\nconst other = new Dag();\nexport { d as default };\nd = other;\n');
    assert.deepEqual(analysis.dags.map((x) => x.isDefaultExport), [false, true]);
  });
});

describe('values passed through as they are', () => {
  test('null, undefined and floats stay, for the core to report with their path', () => {
    const { analysis } = analyse("const dag = new Dag();\ndag.task('t', { a: null, b: 0.5, c: undefined, d: 2 ** 60, e: NaN });\n");
    const t = task(onlyDag(analysis), 't');
    assert.deepEqual(t.spec, { a: null, b: 0.5, c: undefined, d: 2 ** 60, e: NaN });
    const o = outcomes(onlyDag(analysis)).get('t')!;
    assert.equal(o.noOutput?.kind, 'invalid-value');
    assert.deepEqual(analysis.diagnostics, []);
  });

  test('functions, Dags and tasks inside a spec are what the runtime would see', () => {
    const { analysis } = analyse("const dag = new Dag();\nconst a = dag.task('a', {});\ndag.task('t', { f: () => 1, task: a });\n");
    const o = outcomes(onlyDag(analysis)).get('t')!;
    assert.equal(o.noOutput?.kind, 'invalid-value');
    assert.match((o.noOutput as { message: string }).message, /a function/);
  });
});

describe('values the analysis cannot know', () => {
  test('process.env: the exact expression and a reason, reported once', () => {
    const { analysis, at } = analyse(`
const dag = new Dag();
const sha = process.env.SHA;
dag.task('a', { sha });
dag.task('b', { sha, other: process.env['OTHER'] });
`);
    const a = task(onlyDag(analysis), 'a');
    const u = (a.spec as { sha: UnknownValue }).sha;
    assert.ok(u instanceof UnknownValue);
    assert.equal(u.why, 'process.env.SHA is read at run time');
    assert.equal(at(u.range), 'process.env.SHA');
    assert.deepEqual(analysis.diagnostics.map((d) => [d.code, at(d.range), d.message]), [
      ['not-static', 'process.env.SHA', 'process.env.SHA is read at run time'],
      ['not-static', "process.env['OTHER']", "process.env['OTHER'] is read at run time"],
    ]);
    assert.deepEqual(outcomes(onlyDag(analysis)).get('a')!.noOutput, { kind: 'unknown', why: 'process.env.SHA is read at run time' });
  });

  test('unknown values a Dag never sees are not reported', () => {
    const { analysis } = analyse(`
console.log(process.env.HOME, Date.now());
const unused = Math.random();
const dag = new Dag();
if (unused > 2) console.log('big');
dag.task('a', { sha: '1' });
`);
    assert.deepEqual(analysis.diagnostics, []);
    assert.ok(outcomes(onlyDag(analysis)).get('a')!.output);
  });

  test('calls into other modules, Date and Math.random', () => {
    const { analysis, at } = analyse(`
import { load } from './config';
const dag = new Dag();
dag.task('a', { x: load('a').sha, t: Date.now(), r: Math.random(), ok: Math.max(1, 2) });
`);
    const spec = task(onlyDag(analysis), 'a').spec as Record<string, UnknownValue | number>;
    // Member accesses on a value from elsewhere extend the unknown expression.
    assert.equal(at((spec.x as UnknownValue).range), "load('a').sha");
    assert.equal((spec.x as UnknownValue).why, "load('a').sha comes from './config', which the analysis does not read");
    assert.equal(at((spec.t as UnknownValue).range), 'Date.now()');
    assert.equal(at((spec.r as UnknownValue).range), 'Math.random()');
    assert.equal(spec.ok, 2);
  });

  test('a task name that is not static; an input that may be it is not a missing input', () => {
    const { analysis, at } = analyse(`
const dag = new Dag();
dag.task(\`part_\${process.env.N}\`, {});
dag.task('join', {}).addDep('part_1', 'nowhere');
dag.task('solo', {});
`);
    const dag = onlyDag(analysis);
    const unnamed = dag.tasks[0]!;
    assert.equal(unnamed.name, undefined);
    assert.equal(at(unnamed.nameUnknown!.range), 'process.env.N');
    const o = outcomes(dag);
    assert.deepEqual(o.get('join')!.noOutput, { kind: 'unknown', why: "input 'part_1' may be the task whose name is not static" });
    assert.ok(o.get('solo')!.output);
  });

  test("dag.get of a name that names no task yet throws, as at run time: the module yields no Dag", () => {
    const source = `
const dag = new Dag();
const a = dag.task('a', {});
dag.task('b', {}).addDep(dag.get('later'));
dag.task('later', {});
dag.task('c', {}).addDep(dag.get('a'));
`;
    const { analysis, at } = analyse(source);
    assert.deepEqual(analysis.diagnostics.map((d) => [d.code, at(d.range), d.message]), [
      ['not-static', "dag.get('later')", "the module throws here when it runs (Error: dag.get: no task named 'later')"],
    ]);
    const dag = onlyDag(analysis);
    assert.equal(at(dag.tainted!.range), "dag.get('later')");
    for (const [name, outcome] of outcomes(dag)) assert.equal(outcome.output, undefined, `${name} has no output: the module fails`);
  });

  test('dag.get of a missing name inside try is caught, and the Dag goes on', () => {
    const { analysis } = analyse(`
const dag = new Dag();
dag.task('a', {});
let found = 'yes';
try { dag.get('missing'); } catch { found = 'no'; }
dag.task('b', { found });
`);
    assert.deepEqual(analysis.diagnostics, []);
    const o = outcomes(onlyDag(analysis));
    assert.ok(o.get('a')!.output && o.get('b')!.output);
    assert.deepEqual(task(onlyDag(analysis), 'b').spec, { found: 'no' });
  });

  test('addDep with something that is not a task or a name throws, as at run time: the module yields no Dag', () => {
    const { analysis, at } = analyse("const dag = new Dag();\ndag.task('a', {}).addDep(42 as never);\n");
    assert.deepEqual(analysis.diagnostics.map((d) => [d.code, at(d.range), d.message]), [
      ['not-static', '42 as never', "the module throws here when it runs (TypeError: task 'a': addDep takes tasks or task names, not the number 42)"],
    ]);
    assert.ok(onlyDag(analysis).tainted);
  });

  test('a task of another Dag throws, as at run time: neither Dag is complete; inside try the catch runs', () => {
    const { analysis } = analyse("const one = new Dag();\nconst two = new Dag();\nconst a = one.task('a', {});\ntwo.task('b', {}).addDep(a);\n");
    assert.match(analysis.diagnostics[0]!.message, /names a task of another Dag/);
    assert.ok(analysis.dags.every((d) => d.tainted));
    const caught = analyse("const one = new Dag();\nconst two = new Dag();\nconst a = one.task('a', {});\nlet ok = 'yes';\ntry { two.task('b', {}).addDep('c', a); } catch { ok = 'no'; }\ntwo.task('c', { ok });\n").analysis;
    assert.deepEqual(caught.diagnostics, []);
    assert.deepEqual(task(caught.dags[1]!, 'b').deps.map((d) => d.name), ['c'], 'the input before the bad one stays, as at run time');
    assert.deepEqual(task(caught.dags[1]!, 'c').spec, { ok: 'no' });
  });
});

describe('escape: code the analysis cannot see may change what it is given', () => {
  test('a Dag passed to an imported function is tainted', () => {
    const { analysis, at } = analyse("import { configure } from './helpers';\nconst dag = new Dag();\ndag.task('a', {});\nconfigure(dag);\n");
    const dag = onlyDag(analysis);
    assert.equal(at(dag.tainted!.range), 'configure(dag)');
    assert.equal(outcomes(dag).get('a')!.noOutput?.kind, 'unknown');
    assert.deepEqual(analysis.diagnostics.map((d) => at(d.range)), ['configure(dag)']);
  });

  test('a task passed away taints its Dag (the task leads to its Dag)', () => {
    const { analysis } = analyse("import { tweak } from './helpers';\nconst dag = new Dag();\nconst a = dag.task('a', {});\ndag.task('b', {});\ntweak([a]);\n");
    assert.ok(onlyDag(analysis).tainted);
  });

  test('a Dag passed away exposes its tasks\' specs, which another Dag may share', () => {
    const { analysis } = analyse("import { touchAll } from './helpers';\nconst s = { sha: '1' };\nconst a = new Dag();\na.task('x', s);\nconst b = new Dag();\nb.task('y', s);\nb.task('z', { sha: '2' });\ntouchAll(a);\n");
    const [a, b] = analysis.dags;
    assert.ok(a!.tainted);
    assert.equal(b!.tainted, undefined);
    assert.ok(task(b!, 'y').spec instanceof UnknownValue, 'the shared spec may have been changed through a');
    assert.ok(outcomes(b!).get('z')!.output);
  });

  test('a spec object passed away is unknown; other tasks keep their outputs', () => {
    const { analysis } = analyse("import { register } from './helpers';\nconst dag = new Dag();\nconst s = { sha: '1' };\ndag.task('a', s);\ndag.task('b', { sha: '2' });\nregister(s);\n");
    const o = outcomes(onlyDag(analysis));
    assert.equal(o.get('a')!.noOutput?.kind, 'unknown');
    assert.ok(o.get('b')!.output);
    assert.equal(onlyDag(analysis).tainted, undefined);
  });

  test('a callback handed away is havocked: what it may do is assumed done', () => {
    const { analysis } = analyse("import { later } from './helpers';\nconst dag = new Dag();\nlet n = 1;\nlater(() => { n = 2; });\ndag.task('a', { n });\n");
    assert.deepEqual(shown(task(onlyDag(analysis), 'a').spec), { n: "<?later(() => { n = 2; }) runs code from './helpers', which the analysis does not read>" });
  });

  test('addDep on a value that may be one of the tasks taints the Dag', () => {
    const { analysis } = analyse("const dag = new Dag();\nconst ts = [dag.task('a', {}), dag.task('b', {})];\nts[Number(process.env.I)]!.addDep('c');\ndag.task('c', {});\n");
    assert.ok(onlyDag(analysis).tainted);
  });

  test('a method of an unknown value is called with known data: the data escapes', () => {
    const { analysis } = analyse("import { tool } from './t';\nconst dag = new Dag();\nconst s = { a: [1] };\ndag.task('t', s);\ntool.check(s.a);\n");
    assert.deepEqual(shown(task(onlyDag(analysis), 't').spec), { a: "<?tool.check(s.a) runs code from './t', which the analysis does not read>" });
  });

  test('console.log is harmless', () => {
    const { analysis } = analyse("const dag = new Dag();\nconst s = { a: 1 };\nconst t = dag.task('t', s);\nconsole.log(s, t, dag);\n");
    assert.ok(outcomes(onlyDag(analysis)).get('t')!.output);
  });

  test('changing a built-in makes built-ins unknown from there on, and the Dags too (the runtime uses them)', () => {
    const { analysis } = analyse("const dag = new Dag();\nconst other = new Dag();\nother.task('kept', { x: 'a'.toUpperCase() });\ndag.task('a', {});\n(String.prototype as any).toUpperCase = () => 'no';\ndag.task('b', { x: 'b'.toUpperCase() });\n");
    const [dag, other] = analysis.dags;
    assert.deepEqual(task(other!, 'kept').spec, { x: 'A' });
    assert.ok(outcomes(other!).get('kept')!.output, 'a Dag not used after the change is not affected');
    assert.ok(task(dag!, 'b').spec instanceof UnknownValue);
    assert.ok(dag!.tainted);
  });
});

describe('the bundle the CLI runs is sloppy-mode CommonJS', () => {
  test('`this` in a plain call is the global object there: unknown, not a TypeError', () => {
    const { analysis } = analyse(`
const dag = new Dag();
function f(this: any) { return this.x; }
let mode = 'a';
try { f(); mode = 'b'; } catch { mode = 'c'; }
dag.task('t', { mode });
`);
    // Reading this.x may throw (strict) or give undefined (sloppy): which branch ran is not known.
    assert.ok((task(onlyDag(analysis), 't').spec as { mode: unknown }).mode instanceof UnknownValue);
  });

  test('a method call has its receiver as `this`', () => {
    const { analysis } = analyse("const dag = new Dag();\nconst o = { n: 2, twice() { return this.n * 2; } };\ndag.task('t', { v: o.twice() });\n");
    assert.deepEqual(task(onlyDag(analysis), 't').spec, { v: 4 });
  });

  test('a function using `arguments` (which aliases parameters in sloppy mode) is not followed', () => {
    const { analysis } = analyse("const dag = new Dag();\nfunction f(a: number) { arguments[0] = 2; return a; }\ndag.task('t', { v: f(1) });\n");
    assert.ok((task(onlyDag(analysis), 't').spec as { v: unknown }).v instanceof UnknownValue);
  });

  test('reading a top-level binding before its declaration gives undefined in the bundle (ESM would throw)', () => {
    const { analysis } = analyse("const dag = new Dag();\nfunction early() { return typeof later; }\ndag.task('t', { v: early() });\nconst later = 1;\n");
    assert.deepEqual(task(onlyDag(analysis), 't').spec, { v: 'undefined' });
  });

  test('a direct eval can change any variable in scope, now or later', () => {
    const { analysis } = analyse(`
const dag = new Dag();
let n = 1;
const spec = { n };
dag.task('a', spec);
eval('n = 2; spec.n = 3');
dag.task('b', { n });
`);
    const dag = onlyDag(analysis);
    assert.ok(task(dag, 'a').spec instanceof UnknownValue);
    assert.ok((task(dag, 'b').spec as { n: unknown }).n instanceof UnknownValue);
  });

  test('a direct eval in code that is not followed step by step', () => {
    const { analysis } = analyse("const dag = new Dag();\nlet n = 1;\nfor (const c of (process.env.CODE ?? '').split(';')) eval(c);\ndag.task('t', { n });\n");
    assert.ok((task(onlyDag(analysis), 't').spec as { n: unknown }).n instanceof UnknownValue);
  });

  test('code nested too deeply for the JS stack stops the analysis with a limit, not a crash', () => {
    const { analysis } = analyse(`const dag = new Dag();
dag.task('a', {});
let x: any = [];
for (let i = 0; i < 20000; i++) x = [x];
dag.task('b', { s: String(x) });
`, { limits: { maxLoopIterations: 30000 } });
    assert.deepEqual(analysis.diagnostics.map((d) => d.code), ['analysis-limit']);
    assert.ok(onlyDag(analysis).tainted);
  });
});

describe('control flow on values that are not static', () => {
  test('a branch on process.env is evaluated both ways: what both ways agree on stays known', () => {
    const { analysis, at } = analyse(`
const dag = new Dag();
const base = dag.task('base', {});
let replicas = 1;
const image = 'app:1';
if (process.env.PROD) {
  replicas = 3;
  dag.task('extra', { image }).addDep(base);
}
dag.task('a', { replicas, image }).addDep(base);
dag.task('b', { image }).addDep('extra');
`);
    const dag = onlyDag(analysis);
    assert.equal(dag.tainted, undefined);
    const o = outcomes(dag);
    assert.ok(o.get('base')!.output, 'not touched by the branch');
    // Made on one branch only: shown, without an output, and so is what depends on it.
    const extra = task(dag, 'extra');
    assert.equal(at(extra.tainted!.range), 'process.env.PROD');
    assert.match(extra.tainted!.why, /^it is made on one branch only/);
    assert.equal(o.get('b')!.noOutput?.kind, 'upstream');
    // A value the branches disagree on.
    assert.deepEqual(shown(task(dag, 'a').spec), { replicas: '<?which branch runs is not static: process.env.PROD is read at run time>', image: 'app:1' });
    assert.deepEqual(analysis.diagnostics.map((d) => at(d.range)), ['process.env.PROD']);
  });

  test('the same task made on both branches is one task, known where the branches agree', () => {
    const { analysis } = analyse(`
const dag = new Dag();
const common = { image: 'x' };
let deploy;
if (process.env.PROD) deploy = dag.task('deploy', common);
else deploy = dag.task('deploy', common);
deploy.addDep('build');
dag.task('build', {});
const t = process.env.FAST ? dag.task('test', { fast: true }) : dag.task('test', { fast: false });
t.addDep('build');
`);
    const dag = onlyDag(analysis);
    assert.deepEqual(dag.tasks.map((x) => x.name), ['deploy', 'build', 'test']);
    const o = outcomes(dag);
    assert.ok(o.get('deploy')!.output, 'same spec, same inputs either way');
    assert.equal(o.get('test')!.noOutput?.kind, 'unknown', 'the specs differ');
    assert.deepEqual(task(dag, 'test').deps.map((d) => d.name), ['build']);
  });

  test('dependencies added on one branch only make the task unknown', () => {
    const { analysis } = analyse("const dag = new Dag();\nconst a = dag.task('a', {});\nconst b = dag.task('b', {});\nprocess.env.X && b.addDep(a);\nif (process.env.Y) { a.addDep('c'); } else { a.addDep('c'); }\ndag.task('c', {});\n");
    const o = outcomes(onlyDag(analysis));
    assert.equal(o.get('b')!.noOutput?.kind, 'unknown');
    assert.deepEqual(task(onlyDag(analysis), 'a').deps.map((d) => d.name), ['c']);
    assert.ok(o.get('a')!.output);
  });

  test('objects and arrays changed on one branch', () => {
    const { analysis } = analyse("const dag = new Dag();\nconst s = { a: 1, b: 2 };\nconst list = [1];\ndag.task('s', s);\ndag.task('l', { list });\nif (process.env.X) { s.a = 5; list.push(2); }\n");
    const dag = onlyDag(analysis);
    assert.deepEqual(shown(task(dag, 's').spec), { a: '<?which branch runs is not static: process.env.X is read at run time>', b: 2 });
    assert.ok((task(dag, 'l').spec as { list: unknown }).list instanceof UnknownValue);
  });

  test('an object put in an array on one branch may be changed through that array later', () => {
    const { analysis } = analyse(`
const dag = new Dag();
const z = { a: 1 };
dag.task('z', z);
const list: { a: number }[] = [];
if (process.env.X) list.push(z);
for (const el of list) el.a = 2;
`);
    assert.ok(task(onlyDag(analysis), 'z').spec instanceof UnknownValue);
  });

  test('a branch that may return or jump is not followed both ways: it is havocked', () => {
    const { analysis } = analyse(`
const dag = new Dag();
function make(): void {
  if (process.env.X) return;
  dag.task('late', {});
}
dag.task('early', {});
make();
`);
    assert.ok(onlyDag(analysis).tainted);
  });

  test('a loop over an unknown list', () => {
    const { analysis } = analyse("const dag = new Dag();\nfor (const n of (process.env.LIST ?? '').split(',')) dag.task(n, {});\ndag.task('z', {});\n");
    assert.ok(onlyDag(analysis).tainted);
  });

  test('a function whose early return depends on an unknown value returns an unknown value', () => {
    const { analysis } = analyse(`
const dag = new Dag();
function pick(): string {
  if (process.env.X) return 'x';
  return 'y';
}
dag.task('a', { v: pick() });
`);
    assert.ok((task(onlyDag(analysis), 'a').spec as { v: unknown }).v instanceof UnknownValue);
  });

  test('a condition the analysis knows is followed', () => {
    const { analysis } = analyse("const dag = new Dag();\nconst env: string = 'prod';\nif (env === 'prod') dag.task('p', {}); else dag.task('d', {});\n");
    assert.deepEqual(onlyDag(analysis).tasks.map((t) => t.name), ['p']);
    assert.equal(onlyDag(analysis).tainted, undefined);
  });

  test('a throw the module does not catch: the module fails, no Dag can be trusted', () => {
    const { analysis, at } = analyse("const dag = new Dag();\ndag.task('a', {});\nconst x: any = undefined;\nx.y = 1;\ndag.task('b', {});\n");
    const dag = onlyDag(analysis);
    assert.deepEqual(dag.tasks.map((t) => t.name), ['a']);
    assert.equal(at(dag.tainted!.range), 'x.y = 1');
    assert.match(analysis.diagnostics[0]!.message, /the module throws here when it runs/);
  });

  test('try/catch: a built-in given an unknown value may throw, and the catch may see the state before', () => {
    const { analysis } = analyse(`
const dag = new Dag();
let text = 'x' + process.env.CONFIG;
let spec: any = { a: 'x' };
dag.task('t', spec);
try {
  spec = JSON.parse(text);
} catch {
  spec.a = 'bad';
}
`);
    // If JSON.parse throws, the catch changes the spec object the task holds (spec was not reassigned).
    assert.ok(task(onlyDag(analysis), 't').spec instanceof UnknownValue);
  });

  test('try/catch around a call that may throw: what ran is not static', () => {
    const { analysis } = analyse("import { risky } from './r';\nconst dag = new Dag();\nlet mode = 'a';\ntry { risky(); mode = 'b'; } catch { mode = 'c'; }\ndag.task('t', { mode });\n");
    assert.ok((task(onlyDag(analysis), 't').spec as { mode: unknown }).mode instanceof UnknownValue);
  });
});

describe('things the analysis does not model are unknown, not guessed', () => {
  for (const [what, expression] of [
    ['a regular expression read as a value (only a literal given to replace, split, search and match is followed)', '/-/g.source'],
    ['a sticky regular expression', "'a-b'.replace(/-/y, '_')"],
    ['a getter', '({ get x() { return 1; } }).x'],
    ['a class instance', 'new (class { v = 1; })().v'],
    ['a class that extends a built-in', 'new (class extends Array {})().length'],
    ['toLocaleUpperCase', "'i'.toLocaleUpperCase()"],
    ['await of a promise the analysis does not see settle', 'await new Promise((resolve) => resolve(1))'],
    ['await of a thenable', 'await { then(resolve: (v: number) => void) { resolve(1); } }'],
    ['a tagged template with an escape that is not one (its cooked string is undefined)', 'String.raw`\\unicode`'],
    ['this at the top level', 'this'],
    ['a generator', '(function* () { yield 1; })().next().value'],
    ['a symbol-keyed object', '({ [Symbol.iterator]: 1 })'],
    ['a WeakMap', 'new WeakMap()'],
    ['Math.sin (not exact across engines)', 'Math.sin(1)'],
  ] as const) {
    test(what, () => {
      const { analysis } = analyse(`const dag = new Dag();\ndag.task('t', { v: ${expression} });\n`);
      const t = task(onlyDag(analysis), 't');
      const v = (t.spec as { v: unknown }).v;
      assert.ok(v instanceof UnknownValue || t.spec instanceof UnknownValue || onlyDag(analysis).tainted, `${what}: got ${JSON.stringify(shown(t.spec))}`);
      assert.equal(outcomes(onlyDag(analysis)).get('t')!.output, undefined);
    });
  }
});

describe('code that runs at definition time', () => {
  test('a class with a static block runs it when defined; a plain class only when used', () => {
    const { analysis } = analyse(`
const dag = new Dag();
class Registry { static { dag.task('from_static', {}); } }
const other = new Dag();
other.task('b', {});
class Plain { make() { return other.task('c', {}); } }
`);
    const [dag, other] = analysis.dags;
    assert.equal(dag!.tainted, undefined);
    assert.ok(outcomes(dag!).get('from_static')!.output);
    assert.equal(other!.tainted, undefined);
    assert.deepEqual(other!.tasks.map((t) => t.name), ['b']);
    assert.ok(outcomes(other!).get('b')!.output);
  });

  test('enum initialisers run when the enum is defined', () => {
    const { analysis } = analyse("const dag = new Dag();\ndag.task('a', {});\nenum E { A = dag.task('d', {}) as any }\ndag.task('e', { e: E as any });\n");
    const dag = onlyDag(analysis);
    assert.equal(dag.tainted, undefined);
    assert.deepEqual(dag.tasks.map((t) => t.name), ['a', 'd', 'e']);
    // A task as a member's value: its reverse mapping's key is not modelled.
    assert.ok(outcomes(dag).get('d')!.output);
    assert.equal(outcomes(dag).get('e')!.output, undefined);
  });

  test('export = is not a default export; delete a?.b on nullish a is true', () => {
    const { analysis } = analyse("const dag = new Dag();\nconst o: any = undefined;\ndag.task('t', { r: delete o?.x });\nexport = dag;\n");
    assert.equal(onlyDag(analysis).isDefaultExport, false);
    assert.deepEqual(task(onlyDag(analysis), 't').spec, { r: true });
  });
});

describe('limits', () => {
  test('a loop that never ends stops at the iteration cap, with a diagnostic on the loop', () => {
    const { analysis, at } = analyse("const dag = new Dag();\nlet n = 0;\nwhile (true) { n++; }\ndag.task('t', { n });\n", { limits: { maxLoopIterations: 100 } });
    assert.deepEqual(analysis.diagnostics.map((d) => [d.code, at(d.range)]), [['analysis-limit', 'while']]);
    assert.ok((task(onlyDag(analysis), 't').spec as { n: unknown }).n instanceof UnknownValue);
  });

  test('unbounded recursion stops at the call-depth cap', () => {
    const { analysis, at } = analyse("const dag = new Dag();\nconst f = (n: number): number => f(n + 1);\ndag.task('t', { n: f(0) });\n", { limits: { maxCallDepth: 10 } });
    assert.deepEqual(analysis.diagnostics.map((d) => [d.code, at(d.range)]), [['analysis-limit', 'f(n + 1)']]);
  });

  test('the step budget: the analysis stops and every Dag is unknown from there', () => {
    const { analysis } = analyse("const dag = new Dag();\ndag.task('a', {});\nfor (let i = 0; i < 50; i++) { for (let j = 0; j < 50; j++) {} }\ndag.task('b', {});\n", { limits: { maxSteps: 500 } });
    assert.equal(analysis.diagnostics[0]!.code, 'analysis-limit');
    assert.ok(onlyDag(analysis).tainted);
    assert.deepEqual(onlyDag(analysis).tasks.map((t) => t.name), ['a']);
  });

  test('huge strings and arrays', () => {
    const { analysis } = analyse("const dag = new Dag();\nlet s = 'x';\nfor (let i = 0; i < 30; i++) s += s;\nconst a = new Array(1e7);\ndag.task('t', { n: s.length, a });\n");
    assert.deepEqual(analysis.diagnostics.map((d) => d.code), ['analysis-limit', 'analysis-limit']);
  });
});

describe('syntax errors', () => {
  test('what parsed is analysed; incomplete expressions are unknown without a warning', () => {
    const { analysis } = analyse("const dag = new Dag();\ndag.task('a', { sha: '1' });\ndag.task('b', { sha: , x: 1 });\ndag.task('c', { sha: '3' }\n");
    assert.equal(analysis.hasSyntaxErrors, true);
    const dag = onlyDag(analysis);
    assert.deepEqual(dag.tasks.map((t) => t.name), ['a', 'b', 'c']);
    assert.ok(outcomes(dag).get('a')!.output);
    assert.equal(outcomes(dag).get('b')!.noOutput?.kind, 'unknown');
    assert.deepEqual(analysis.diagnostics, []);
  });

  test('a DSL call still being typed has no output until it is whole; the tasks around it keep theirs', () => {
    // c lacks its `)`; d's addDep( its argument and `)`; a's call is whole, followed by `;`.
    const { analysis } = analyse("const dag = new Dag();\nconst a = dag.task('a', { sha: '1' });\ndag.task('c', { sha: '3' }\nconst d = dag.task('d', { sha: '4' });\nd.addDep(\n");
    const dag = onlyDag(analysis);
    assert.deepEqual(dag.tasks.map((t) => t.name), ['a', 'c', 'd']);
    const o = outcomes(dag);
    assert.ok(o.get('a')!.output);
    assert.deepEqual(o.get('c')!.noOutput, { kind: 'unknown', why: 'the code is incomplete here' });
    assert.equal(o.get('c')!.output, undefined);
    assert.equal(o.get('d')!.output, undefined);
    assert.match(describeNoOutput(o.get('d')!.noOutput!), /the code is incomplete here/);
    // Being typed is not a problem to report.
    assert.deepEqual(analysis.diagnostics, []);
  });

  test('an unterminated string or template is unknown (its text runs on past what is meant)', () => {
    // The literal is outside the dag.task call, so the call itself is whole: only the literal is cut
    // short. A string ends at the line's end; a template runs to the end of the file, so it comes last,
    // in a (hoisted) function.
    const head = "const dag = new Dag();\nexport default dag;\ndag.task('a', { sha: '1' });\n";
    const cases = ["const s = 'ab\ndag.task('b', { sha: s });", ...['`ab', '`a${1}b', "`x${'y'}"].map((t) => `dag.task('b', { sha: f() });\nfunction f() { return ${t}`)];
    for (const code of cases) {
      const o = outcomes(onlyDag(analyse(head + code).analysis));
      assert.ok(o.get('a')!.output, code);
      assert.deepEqual(o.get('b')!.noOutput, { kind: 'unknown', why: 'the code is incomplete here' }, code);
    }
  });

  test('a call with its `)` but something unclosed inside it is incomplete too', () => {
    for (const spec of ["{ sha: String( })", "{ args: ['a', 'b' })", "{ sha: '1' )", "{ sha: '1' } })"]) {
      const { analysis } = analyse(`const dag = new Dag();\ndag.task('a', { sha: '1' });\ndag.task('b', ${spec};\nexport default dag;\n`);
      const o = outcomes(onlyDag(analysis));
      assert.ok(o.get('a')!.output, spec);
      assert.equal(o.get('b')!.output, undefined, spec);
    }
  });

  test('whitespace TypeScript counts (U+200B, U+0085) between a call and its parse error does not hide the error', () => {
    for (const gap of ['\u200B\n', '\u0085', ' // a comment\n', '/* c */ ']) {
      const { analysis } = analyse(`const dag = new Dag();\nconst a = dag.task('a', { sha: '1' });\nconst b = dag.task('b', { sha: '2' });\nb.addDep(a,${gap}`);
      assert.deepEqual(outcomes(onlyDag(analysis)).get('b')!.noOutput, { kind: 'unknown', why: 'the code is incomplete here' }, JSON.stringify(gap));
    }
  });
});
