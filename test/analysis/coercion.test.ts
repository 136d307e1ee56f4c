/**
 * Objects the module converts to primitives through built-ins and property keys: JS runs the object's
 * own `valueOf`/`toString`, with the hint the conversion asks for (`ToNumber` → valueOf first,
 * `ToString` and `ToPropertyKey` → toString first), in the built-in's order, as often as it converts,
 * and not at all where it does not. Each module is held to running it.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ModuleAnalysis } from '../../server/src/analysis/types';
import type { Dag } from '../../server/src/runtime/index';
import { assertNoWrongOutput, assertSameDag, summariseAnalysis } from './execute';
import { analyseIn, defaultDag, makeRepo, runIn, type Repo } from './repo';

const DSL = "import { Dag } from 'a-la-mode';\nconst dag = new Dag();\n";

const repos: Repo[] = [];
after(() => { for (const r of repos) r.remove(); });

async function both(code: string): Promise<{ analysis: ModuleAnalysis; runtime: Dag }> {
  const text = `${DSL}${code}\nexport default dag;\n`;
  const r = makeRepo({ 'main.alamode.ts': text });
  repos.push(r);
  const analysis = analyseIn(r, 'main.alamode.ts', text);
  const runtime = await runIn(r, 'main.alamode.ts');
  assert.ok(runtime, 'the module runs');
  return { analysis, runtime };
}

/** The analysis knows everything, says nothing, and it is what running builds. */
async function sameAsRunning(code: string): Promise<void> {
  const { analysis, runtime } = await both(code);
  assert.deepEqual(analysis.diagnostics.map((d) => d.message), []);
  assertSameDag(defaultDag(analysis), runtime);
}

const TWO = "const two: any = { valueOf() { return 2; } };\nconst both: any = { valueOf() { return 2; }, toString() { return '-'; } };\n";

describe('objects given to built-ins are converted as JS converts them', () => {
  test('string methods', async () => {
    await sameAsRunning(`${TWO}
dag.task('s', {
  slice: 'abcdef'.slice(two), slice2: 'abcdef'.slice(both, both), repeat: 'ab'.repeat(two), at: 'abcdef'.at(two),
  substring: 'abcdef'.substring(two, 4), substr: 'abcdef'.substr(1, two), charAt: 'abc'.charAt(two),
  charCodeAt: 'abc'.charCodeAt(two), codePointAt: 'abc'.codePointAt(two), padStart: 'x'.padStart(two, both),
  padEnd: 'x'.padEnd(both, 'ab'), indexOf: 'a-b-c'.indexOf(both), indexOfFrom: 'aaaa'.indexOf('a', two),
  lastIndexOf: 'aaaa'.lastIndexOf('a', two), includes: '-x'.includes(both), startsWith: 'x-'.startsWith(both, 1),
  endsWith: '-x'.endsWith('-', two), concat: 'x'.concat(two, both, [1, [2, both]] as any),
  split: 'a-b-c'.split('-', two), splitSep: 'a2b'.split(String(two)),
  splitObj: 'a2b-c'.split(two), splitBoth: 'a-b-c'.split(both, both), splitArr: 'a-b'.split(['-'] as any), splitNum: 'a1b'.split(1 as any),
  splitNull: 'anullb'.split(null as any), replace: 'a-b'.replace(both, '+'), replaceAll: 'a-b-c'.replaceAll(both, both),
  replaceNum: 'a2b2'.replace(two, (m: string) => m + m), replaceArr: 'a,b'.replace([','] as any, ';'), replaceAllNull: 'null!'.replaceAll(null as any, 'x'),
});
`);
  });

  test('number methods, globals, Math, String(), Number() and the static methods', async () => {
    await sameAsRunning(`${TWO}
const hundred: any = { valueOf() { return 150; } };
dag.task('n', {
  toFixed: (1.23456).toFixed(two), precision: (123.456).toPrecision(4), precisionTie: (0.000125).toPrecision(2), precisionBig: (1e21).toPrecision(3),
  exponential: (123456).toExponential(two), exponentialShortest: (0.1 + 0.2).toExponential(), radix: (255).toString(both * 8), radixObj: (255).toString({ valueOf: () => 16 } as any),
  isNaN: isNaN(two), isFinite: isFinite(two), isNaNBoth: isNaN(both), parseInt: parseInt(both), parseIntRadix: parseInt('ff', two * 8),
  parseFloat: parseFloat({ toString: () => '1.5x' } as any), encode: encodeURIComponent(both),
  max: Math.max(hundred, 100), min: Math.min(two, both, 3), round: Math.round(hundred), pow: Math.pow(hundred, 2),
  abs: Math.abs(two), imul: Math.imul(two, 3), floor: Math.floor(both),
  string: String(both), number: Number(both), numberTwo: Number(two) * 3,
  isInteger: Number.isInteger(two), isFiniteN: Number.isFinite(two), isNaNN: Number.isNaN(two), isSafe: Number.isSafeInteger(two),
  npi: Number.parseInt(both), fromCharCode: String.fromCharCode(two as number + 63, { valueOf: () => 66 } as any),
});
`);
  });

  test('array methods', async () => {
    await sameAsRunning(`${TWO}
dag.task('a', {
  slice: [1, 2, 3, 4].slice(two), at: [1, 2, 3].at(both), indexOf: [1, 2, 1, 2].indexOf(2, two),
  includes: [1, 2, 3].includes(1, two), join: [1, 2].join(both), fill: [0, 0, 0, 0].fill(7, two),
  lastIndexOf: [1, 1, 1].lastIndexOf(1, two), flat: [[[1]]].flat(two), splice: [1, 2, 3, 4].splice(both, two),
});
`);
  });

  test('array methods convert fromIndex only when they search, and a fromIndex given as undefined', async () => {
    await sameAsRunning(`
const log: string[] = [];
const o = (name: string, n: number): any => ({ valueOf() { log.push(name); return n; } });
const empty: number[] = [];
const frozen = Object.freeze([1, 2]);
const frozenEmpty = Object.freeze([] as number[]);
frozenEmpty.fill(0, o('fe', 0));
const r = {
  indexOf: empty.indexOf(1, o('a', 0)), includes: empty.includes(1, o('b', 0)), lastIndexOf: empty.lastIndexOf(1, o('c', 0)),
  lastUndefined: [1, 2, 3].lastIndexOf(3, undefined), lastGiven: [1, 2, 3].lastIndexOf(3, o('d', 1)), at: empty.at(o('e', 0)),
};
dag.task('t', { r, log, frozen: [...frozen] });
`);
  });

  test('push, pop, shift, unshift and splice on a frozen array throw in any mode, even with nothing to add: the catch runs, a finally that returns swallows it', async () => {
    await sameAsRunning(`
const frozen = Object.freeze([1, 2]) as number[];
const empty = Object.freeze([] as number[]);
const log: string[] = [];
const calls: [string, () => unknown][] = [['push', () => frozen.push(3)], ['pushNothing', () => empty.push()], ['pop', () => empty.pop()], ['shift', () => frozen.shift()], ['unshift', () => empty.unshift()], ['splice', () => empty.splice(0, 0)]];
for (const [name, call] of calls) {
  try { call(); log.push(name + ' ran'); } catch { log.push(name + ' threw'); }
}
let swallowed = 'before';
function f() { try { frozen.push(3); swallowed = 'pushed'; } finally { return; } }
f();
dag.task('t', { log, swallowed, frozen: [...frozen] });
`);
  });

  test('a finally that may return, break or continue discards a throw the analysis is not sure of, so the rest of the try block is not taken to have run', async () => {
    const { analysis, runtime } = await both(`
const frozen = Object.freeze({ k: 0 });
const frozenList = Object.freeze(['b', 'a']);
let assigned = 'before', sorted = 'before', broke = 'before', plain = 'before';
function assign() { try { Object.assign(frozen, { k: 1 }); assigned = 'assigned'; } finally { return; } }
function sort() { try { frozenList.sort(); sorted = frozenList.join(); } finally { if (plain) return; } }
assign();
sort();
for (const x of [1]) { try { Object.assign(frozen, { k: x }); broke = 'assigned'; } finally { break; } }
try { plain = 'ran'; } finally { sorted += '.'; }
dag.task('assigned', { assigned });
dag.task('sorted', { sorted });
dag.task('broke', { broke });
dag.task('plain', { plain });
`);
    assertNoWrongOutput(defaultDag(analysis), runtime);
    // A try with nothing that may throw, and a finally that does not jump, stays known.
    assert.ok(summariseAnalysis(defaultDag(analysis)).tasks.find((t) => t.name === 'plain')?.output, 'plain has an output');
  });

  test('a frozen array\'s fill converts start and end before it fails', async () => {
    const { analysis, runtime } = await both(`
const log: string[] = [];
const o = (name: string, n: number): any => ({ valueOf() { log.push(name); return n; } });
const frozen = Object.freeze([1, 2]);
try { frozen.fill(0, o('s', 0), o('e', 1)); } catch { log.push('threw'); }
dag.task('t', { log });
`);
    assertNoWrongOutput(defaultDag(analysis), runtime);
  });

  test('the conversions run in the built-in\'s order, as often as it converts, and not where it does not', async () => {
    await sameAsRunning(`
const log: string[] = [];
const o = (name: string, n: number): any => ({ valueOf() { log.push(name + ':valueOf'); return n; }, toString() { log.push(name + ':toString'); return name; } });
const r = {
  max: Math.max(o('a', 1), o('b', 2), NaN, o('c', 3)),
  isInteger: Number.isInteger(o('d', 1)),
  padNothing: 'xyz'.padStart(o('e', 2), o('f', 0)),
  pad: 'x'.padStart(o('g', 3), o('h', 0)),
  substring: 'abcdef'.substring(o('i', 1), o('j', 3)),
  indexOf: 'abcabc'.indexOf(o('k', 0), o('l', 1)),
  repeat: 'ab'.repeat(o('m', 2)),
  radix: (10).toString(o('n', 2)),
  split: 'a-b-c'.split('-', o('p', 2)),
  splitBoth: 'a-b-c'.split(o('-', 0), o('q', 2)),
  replace: 'a-b'.replace(o('-', 0), o('r', 0)),
};
dag.task('t', { r, log });
`);
  });

  test('a conversion that throws is the module\'s exception, caught where the module catches it', async () => {
    const { analysis, runtime } = await both(`
const bad: any = { valueOf() { throw new Error('no'); } };
let caught = 'none';
try { 'abc'.slice(bad); } catch (e) { caught = (e as Error).message; }
let caught2 = 'none';
try { Math.max(1, bad); } catch (e) { caught2 = (e as Error).message; }
let caught3 = 'none';
try { 'x'.padStart(bad); } catch (e) { caught3 = (e as Error).message; }
dag.task('t', { caught, caught2, caught3 });
dag.task('after', { n: 1 });
`);
    // Which statements of a try block run is not followed; what the analysis shows is the runtime's.
    assert.ok(assertNoWrongOutput(defaultDag(analysis), runtime) >= 1);
  });

  test('a conversion the analysis cannot know leaves the result unknown, never guessed', async () => {
    const { analysis, runtime } = await both(`
const env: any = { valueOf() { return Number(process.env.N ?? 2); } };
dag.task('a', { v: 'abcdef'.slice(env) });
dag.task('b', { v: Math.max(env, 1) });
dag.task('c', { v: 'x'.repeat(env) });
dag.task('d', { v: 1 });
`);
    const dag = defaultDag(analysis);
    assertNoWrongOutput(dag, runtime);
    const s = summariseAnalysis(dag);
    assert.deepEqual(s.tasks.map((t) => t.output === undefined), [true, true, true, false]);
    assert.ok(s.unknown.slice(0, 3).every((u) => u !== undefined && /process\.env/.test(u)), String(s.unknown));
  });
});

describe('property keys from objects are ToPropertyKey: toString before valueOf', () => {
  test('computed keys in literals and classes, element reads and writes, in, and destructuring', async () => {
    await sameAsRunning(`
const k: any = { valueOf() { return 2; }, toString() { return 'dash'; } };
const only: any = { toString() { return 'only'; } };
const o: any = { [k]: 1, [only]: 2, 2: 'two' };
o[k] = o[k] + 10;
const read = o[k];
const has = k in o;
const { [k]: d } = o;
dag.task('t', { ...o, read, has, d });
`);
  });
});

describe('conversions around what the analysis does not know', () => {
  test('an object given to a built-in beside an unknown argument: its conversion may have run', async () => {
    const { analysis, runtime } = await both(`
const log: string[] = [];
const o: any = { valueOf() { log.push('o'); return 1; } };
const n = Math.max(o, Number(process.env.N ?? 2));
dag.task('after', { log });
dag.task('known', { k: 1 });
`);
    const dag = defaultDag(analysis);
    assertNoWrongOutput(dag, runtime);
    assert.deepEqual(summariseAnalysis(dag).tasks.map((t) => t.output === undefined), [true, false]);
  });

  test('a key converted by in and hasOwnProperty runs its toString, known object or not', async () => {
    const { analysis, runtime } = await both(`
const log: string[] = [];
const k: any = { toString() { log.push('k'); return 'a'; } };
const known = { a: 1 };
const h1 = k in known;
const h2 = Object.hasOwn(known, k);
const h3 = known.hasOwnProperty(k);
dag.task('known', { h1, h2, h3, log: [...log] });
const other: any = JSON.parse(process.env.X ?? '{}');
const h4 = k in other;
const h5 = Object.hasOwn(other, k);
dag.task('after', { log });
`);
    const dag = defaultDag(analysis);
    assertNoWrongOutput(dag, runtime);
    const s = summariseAnalysis(dag);
    assert.notEqual(s.tasks[0]!.output, undefined);
    assert.equal(s.tasks[1]!.output, undefined);
  });

  test('a conversion that throws outside a try block: the module throws there', async () => {
    const { analysis: throwing } = await bothThrowing(`
const bad: any = { valueOf() { throw new Error('no'); } };
const x = 'abc'.slice(bad);
dag.task('b', { x });
`);
    assert.deepEqual(throwing.diagnostics.map((d) => d.message), ["the module throws here when it runs (throw new Error('no'))"]);
  });
});

/** Analyses a module that throws when it runs. */
async function bothThrowing(code: string): Promise<{ analysis: ModuleAnalysis }> {
  const text = `${DSL}${code}\nexport default dag;\n`;
  const r = makeRepo({ 'main.alamode.ts': text });
  repos.push(r);
  return { analysis: analyseIn(r, 'main.alamode.ts', text) };
}
