/**
 * toDagDefinition: from an analysed Dag to what the core computes output IDs from. Unknown tasks keep
 * their place (the definitions align with the analysed tasks) and say why they have no output.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toDagDefinition } from '../../server/src/analysis/definition';
import { UnknownValue, type AnalysedDag, type AnalysedDep, type AnalysedTask } from '../../server/src/analysis/types';
import { encodeDag } from '../../server/src/core/outputIds';
import { analyse, onlyDag } from './helpers';

const R = { start: 0, end: 0 };
const u = (why: string) => new UnknownValue(why, R);

function t(name: string | undefined, spec: unknown, deps: (string | UnknownValue)[] = [], extra: Partial<AnalysedTask> = {}): AnalysedTask {
  return {
    ...(name !== undefined ? { name } : { nameUnknown: u(`name of ${String(spec)}`) }),
    spec,
    deps: deps.map((d): AnalysedDep => ({ ...(typeof d === 'string' ? { name: d } : { unknown: d }), range: R, callRange: R, argumentIndex: 0, argumentCount: 1 })),
    callRange: R,
    calleeRange: R,
    nameRange: R,
    specRange: R,
    valueRanges: new Map(),
    iteration: 0,
    ...extra,
  };
}

function dag(tasks: AnalysedTask[], extra: Partial<AnalysedDag> = {}): AnalysedDag {
  return { range: R, isDefaultExport: true, meta: {}, metaValueRanges: new Map(), tasks, ...extra };
}

describe('toDagDefinition', () => {
  test('known tasks: names, specs as they are, inputs in order', () => {
    const spec = { image: 'x', sha: '1' };
    const def = toDagDefinition(dag([t('a', spec), t('b', { image: 'y' }, ['a', 'a'])], { meta: { m: 1 } }));
    assert.equal(def.tasks[0]!.spec, spec, 'the spec is passed as is');
    assert.equal(def.tasks[0]!.unknown, undefined);
    assert.deepEqual(def, { meta: { m: 1 }, tasks: [{ name: 'a', spec, inputs: [] }, { name: 'b', spec: { image: 'y' }, inputs: ['a', 'a'] }] });
    const enc = encodeDag(def);
    assert.ok(enc.encoded);
  });

  test('an unknown value in a spec: the task is unknown, the rest of the spec is still checked', () => {
    const def = toDagDefinition(dag([t('a', { sha: u('process.env.SHA is read at run time'), ratio: 0.5 }), t('b', {}, ['a'])]));
    assert.equal(def.tasks[0]!.unknown, 'process.env.SHA is read at run time');
    assert.deepEqual(def.tasks[0]!.spec, { sha: '', ratio: 0.5 }, 'a placeholder stands for the unknown value');
    const enc = encodeDag(def);
    // The float is a real problem and is reported; the unknown value is not one.
    assert.deepEqual(enc.problems.map((p) => p.code), ['invalid-value']);
    assert.equal(enc.outcomes[1]!.noOutput?.kind, 'upstream');
  });

  test('a spec that is unknown as a whole', () => {
    const def = toDagDefinition(dag([t('a', u('whole'))]));
    assert.deepEqual([def.tasks[0]!.spec, def.tasks[0]!.unknown], [{}, 'whole']);
  });

  test('an unknown dependency', () => {
    const def = toDagDefinition(dag([t('a', {}), t('b', {}, ['a', u('dep')])]));
    assert.deepEqual([def.tasks[1]!.inputs, def.tasks[1]!.unknown], [['a'], 'dep']);
  });

  test('a task whose name is not static has a placeholder name that collides with nothing', () => {
    const taken = '‹name not static #1›';
    const def = toDagDefinition(dag([t(taken, {}), t(undefined, {}), t('c', {})]));
    const name = def.tasks[1]!.name;
    assert.notEqual(name, taken);
    assert.ok(!['c', taken].includes(name));
    assert.match(def.tasks[1]!.unknown!, /name of/);
    const enc = encodeDag(def);
    assert.deepEqual(enc.problems, []);
    assert.ok(enc.outcomes[0]!.output && enc.outcomes[2]!.output);
  });

  test('with a name not static, an input naming no known task is unknown, not missing', () => {
    const def = toDagDefinition(dag([t(undefined, {}), t('b', {}, ['mystery', 'c']), t('c', {}), t('d', {}, ['c'])]));
    assert.equal(def.tasks[1]!.unknown, "input 'mystery' may be the task whose name is not static");
    assert.deepEqual(def.tasks[1]!.inputs, ['c']);
    const enc = encodeDag(def);
    assert.deepEqual(enc.problems, [], 'no missing-input problem');
    assert.ok(enc.outcomes[3]!.output, 'tasks not involved keep their output');
    // Without a name that is not static, the same input is a missing input.
    const plain = encodeDag(toDagDefinition(dag([t('b', {}, ['mystery'])])));
    assert.deepEqual(plain.problems.map((p) => p.code), ['missing-input']);
  });

  test('a tainted task or Dag: every task concerned is unknown', () => {
    const tainted = toDagDefinition(dag([t('a', {}, [], { tainted: u('task taint') }), t('b', {})]));
    assert.deepEqual(tainted.tasks.map((x) => x.unknown), ['task taint', undefined]);
    const whole = toDagDefinition(dag([t('a', {}), t('b', {}, ['elsewhere'])], { tainted: u('dag taint') }));
    assert.deepEqual(whole.tasks.map((x) => x.unknown), ['dag taint', "input 'elsewhere' may be defined where the analysis cannot see"]);
    assert.deepEqual(encodeDag(whole).problems, []);
  });

  test('the first reason is given: name, then spec, then dependencies, then taints', () => {
    const def = toDagDefinition(dag([t('a', { x: u('spec') }, [u('dep')], { tainted: u('task') })], { tainted: u('dag') }));
    assert.equal(def.tasks[0]!.unknown, 'spec');
  });

  test('an unknown meta: a placeholder, and metaUnknown says why', () => {
    const def = toDagDefinition(dag([t('a', {})], { meta: { owner: u('process.env.USER is read at run time') } }));
    assert.deepEqual(def.meta, { owner: '' });
    assert.equal(def.metaUnknown, 'process.env.USER is read at run time');
    assert.ok(encodeDag(def).outcomes[0]!.output, 'the meta does not change output IDs');
  });

  test('from a real analysis: definitions align with the analysed tasks', () => {
    const { analysis } = analyse("const dag = new Dag();\ndag.task(String(Date.now()), {});\ndag.task('b', {}).addDep('a');\ndag.task('c', { __proto__x: 1, ['__proto__']: 2 });\n");
    const d = onlyDag(analysis);
    const def = toDagDefinition(d);
    assert.equal(def.tasks.length, d.tasks.length);
    assert.deepEqual(def.tasks.map((x) => x.unknown !== undefined), [true, true, false]);
    assert.deepEqual(Object.keys(def.tasks[2]!.spec as object), ['__proto__x', '__proto__']);
  });
});
