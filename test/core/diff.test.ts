/**
 * What a change invalidates: statuses, field-level changes, the chain an invalidation came through,
 * renames, counts and meta.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  bencodeDag,
  decodeDag,
  diffDags,
  encodeDag,
  type DagDiff,
  type EncodedDag,
  type FieldChange,
  type TaskDefinition,
  type TaskDiff, CHAIN_LIMIT, DIFF_STEP, diffDagsStepwise } from '../../server/src/core/index';
import { diffDagsReference } from './diffReference';

const t = (name: string, spec: Record<string, unknown>, inputs: string[] = []): TaskDefinition => ({ name, spec, inputs });

function dag(tasks: TaskDefinition[], meta?: Record<string, unknown>): EncodedDag {
  const result = encodeDag({ ...(meta ? { meta } : {}), tasks });
  assert.deepEqual(result.problems, []);
  return result.encoded!;
}

const byName = (d: DagDiff) => Object.fromEntries(d.tasks.filter((x) => x.status !== 'removed').map((x) => [x.name, x]));
const removed = (d: DagDiff) => d.tasks.filter((x) => x.status === 'removed');
const sortChanges = (cs: readonly FieldChange[] | undefined) => [...(cs ?? [])].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const zeroCounts = { changed: 0, invalidated: 0, added: 0, removed: 0, renamed: 0, unchanged: 0 };

test('unchanged: the same DAG diffs to all unchanged, with both outputs given', () => {
  const a = dag([t('x', { v: 1 }), t('y', { v: 2 }, ['x'])]);
  const d = diffDags(a, a);
  assert.deepEqual(d.tasks, [
    { status: 'unchanged', name: 'x', oldOutput: a.tasks.x!.output, newOutput: a.tasks.x!.output },
    { status: 'unchanged', name: 'y', oldOutput: a.tasks.y!.output, newOutput: a.tasks.y!.output },
  ]);
  assert.deepEqual(d.counts, { ...zeroCounts, unchanged: 2 });
  assert.deepEqual(d.meta, []);
});

test('a spec written differently but bencoding the same (5 vs 5n, true vs 1, key order) is unchanged', () => {
  const a = dag([t('x', { n: 5, on: true, a: 1, b: 2 })]);
  const b = dag([t('x', { b: 2, a: 1, on: 1, n: 5n })]);
  assert.equal(diffDags(a, b).tasks[0]!.status, 'unchanged');
});

test('added and removed', () => {
  const base = dag([t('keep', { v: 1 }), t('gone', { v: 2 })]);
  const target = dag([t('keep', { v: 1 }), t('fresh', { v: 3 })]);
  const d = diffDags(base, target);
  assert.deepEqual(byName(d).fresh, { status: 'added', name: 'fresh', newOutput: target.tasks.fresh!.output });
  assert.deepEqual(removed(d), [{ status: 'removed', name: 'gone', oldOutput: base.tasks.gone!.output }]);
  assert.deepEqual(d.counts, { ...zeroCounts, added: 1, removed: 1, unchanged: 1 });
});

test('changed: a top-level field, with old and new values', () => {
  const base = dag([t('blur', { sha: '6f09d', image: 'collage' })]);
  const target = dag([t('blur', { sha: 'qwetr3', image: 'collage' })]);
  const [only] = diffDags(base, target).tasks;
  assert.deepEqual(only, {
    status: 'changed',
    name: 'blur',
    oldOutput: base.tasks.blur!.output,
    newOutput: target.tasks.blur!.output,
    changes: [{ path: 'sha', kind: 'modified', old: '6f09d', new: 'qwetr3' }],
  });
});

test('changed: nested paths, added/removed/modified fields, lists compared whole, quoted keys', () => {
  const base = dag([t('run', { image: 'x', env: { HOME: '/a', PATH: '/bin', 'a-b': 1 }, args: ['a', 'b'], cfg: { deep: { n: 1 } } })]);
  const target = dag([t('run', { image: 'x', env: { HOME: '/b', USER: 'me', 'a-b': 2 }, args: ['a', 'c'], cfg: 'flat', extra: 7n })]);
  const [only] = diffDags(base, target).tasks;
  assert.equal(only!.status, 'changed');
  assert.deepEqual(sortChanges(only!.changes), sortChanges([
    { path: 'args', kind: 'modified', old: ['a', 'b'], new: ['a', 'c'] },
    { path: 'cfg', kind: 'modified', old: { deep: { n: 1 } }, new: 'flat' },
    { path: 'env.HOME', kind: 'modified', old: '/a', new: '/b' },
    { path: 'env.PATH', kind: 'removed', old: '/bin' },
    { path: 'env.USER', kind: 'added', new: 'me' },
    { path: 'env["a-b"]', kind: 'modified', old: 1, new: 2 },
    { path: 'extra', kind: 'added', new: 7n },
  ]));
  assert.equal(only!.via, undefined);
});

test('changed: deep nested path inside lists of dicts is reported at the list', () => {
  const base = dag([t('x', { steps: [{ cmd: 'a' }] })]);
  const target = dag([t('x', { steps: [{ cmd: 'b' }] })]);
  assert.deepEqual(diffDags(base, target).tasks[0]!.changes, [{ path: 'steps', kind: 'modified', old: [{ cmd: 'a' }], new: [{ cmd: 'b' }] }]);
});

test('input added or removed is `changed`, with inputs.<name> paths and the input’s output ID', () => {
  const tasks = [t('a', { v: 1 }), t('b', { v: 2 }), t('my-task', { v: 3 })];
  const base = dag([...tasks, t('x', { v: 0 }, ['a', 'my-task'])]);
  const target = dag([...tasks, t('x', { v: 0 }, ['a', 'b'])]);
  const x = byName(diffDags(base, target)).x!;
  assert.equal(x.status, 'changed');
  assert.deepEqual(sortChanges(x.changes), sortChanges([
    { path: 'inputs.b', kind: 'added', new: target.tasks.b!.output },
    { path: 'inputs["my-task"]', kind: 'removed', old: base.tasks['my-task']!.output },
  ]));
  assert.equal(x.via, undefined, 'the inputs it kept did not move');
});

test('invalidated: via and a chain through several levels', () => {
  //  a → b → c → d,   b → e,   c → e   (e has two inputs that both move)
  const shape = (v: number) => [t('a', { v }), t('b', {}, ['a']), t('c', {}, ['b']), t('d', {}, ['c']), t('e', {}, ['b', 'c']), t('z', {})];
  const d = diffDags(dag(shape(1)), dag(shape(2)));
  const n = byName(d);
  assert.equal(n.a!.status, 'changed');
  assert.deepEqual(n.a!.changes, [{ path: 'v', kind: 'modified', old: 1, new: 2 }]);
  const inv = (x: TaskDiff) => ({ status: x.status, via: x.via, chain: x.chain });
  assert.deepEqual(inv(n.b!), { status: 'invalidated', via: ['a'], chain: ['a'] });
  assert.deepEqual(inv(n.c!), { status: 'invalidated', via: ['b'], chain: ['b', 'a'] });
  assert.deepEqual(inv(n.d!), { status: 'invalidated', via: ['c'], chain: ['c', 'b', 'a'] });
  assert.equal(n.e!.status, 'invalidated');
  assert.deepEqual([...n.e!.via!].sort(), ['b', 'c']);
  assert.equal(n.e!.chain![n.e!.chain!.length - 1], 'a', 'every chain ends at the changed task');
  assert.equal(n.z!.status, 'unchanged');
  for (const x of ['b', 'c', 'd', 'e']) assert.equal(n[x]!.changes, undefined, x);
  assert.deepEqual(d.counts, { ...zeroCounts, changed: 1, invalidated: 4, unchanged: 1 });
});

test('invalidated: the chain ends at the changed task two levels up', () => {
  // src → mid → end; only src's spec changes.
  const base = dag([t('src', { v: 1 }), t('mid', {}, ['src']), t('end', {}, ['mid'])]);
  const target = dag([t('src', { v: 1, w: 2 }), t('mid', {}, ['src']), t('end', {}, ['mid'])]);
  const n = byName(diffDags(base, target));
  assert.equal(n.src!.status, 'changed');
  assert.deepEqual(n.end!.chain, ['mid', 'src']);
});

test('changed and also hit from upstream: status changed, with via', () => {
  const base = dag([t('a', { v: 1 }), t('x', { w: 1 }, ['a'])]);
  const target = dag([t('a', { v: 2 }), t('x', { w: 2 }, ['a'])]);
  const x = byName(diffDags(base, target)).x!;
  assert.equal(x.status, 'changed');
  assert.deepEqual(x.changes, [{ path: 'w', kind: 'modified', old: 1, new: 2 }]);
  assert.deepEqual(x.via, ['a']);
});

test('renamed: the same output under a new name (and its users are changed: inputs renamed)', () => {
  const base = dag([t('a', { v: 1 }), t('user', { w: 1 }, ['a'])]);
  const target = dag([t('a2', { v: 1 }), t('user', { w: 1 }, ['a2'])]);
  // A task's name is not part of its output ID.
  assert.equal(target.tasks.a2!.output, base.tasks.a!.output);
  const d = diffDags(base, target);
  const n = byName(d);
  assert.deepEqual(n.a2, { status: 'renamed', name: 'a2', oldName: 'a', oldOutput: base.tasks.a!.output, newOutput: base.tasks.a!.output, changes: [] });
  assert.equal(n.user!.status, 'changed');
  assert.deepEqual(sortChanges(n.user!.changes), sortChanges([
    { path: 'inputs.a', kind: 'removed', old: base.tasks.a!.output },
    { path: 'inputs.a2', kind: 'added', new: base.tasks.a!.output },
  ]));
  assert.deepEqual(removed(d), [], 'the old name is not also reported as removed');
  assert.deepEqual(d.counts, { ...zeroCounts, renamed: 1, changed: 1 });
});

test('renamed: the same spec and input names, with an input whose output moved', () => {
  const base = dag([t('src', { v: 1 }), t('a', { x: 1 }, ['src'])]);
  const target = dag([t('src', { v: 2 }), t('b', { x: 1 }, ['src'])]);
  const d = diffDags(base, target);
  const b = byName(d).b!;
  assert.equal(b.status, 'renamed');
  assert.equal(b.oldName, 'a');
  assert.deepEqual(b.changes, []);
  assert.equal(b.oldOutput, base.tasks.a!.output);
  assert.equal(b.newOutput, target.tasks.b!.output);
  assert.notEqual(b.oldOutput, b.newOutput);
  assert.equal(byName(d).src!.status, 'changed');
  assert.deepEqual(d.counts, { ...zeroCounts, renamed: 1, changed: 1 });
});

test('renamed is not guessed when two removed tasks match one added task equally', () => {
  const base = dag([t('p', { x: 1 }), t('q', { x: 1 })]);
  const target = dag([t('r', { x: 1 })]);
  const d = diffDags(base, target);
  assert.equal(byName(d).r!.status, 'added');
  assert.deepEqual(removed(d).map((x) => x.name), ['p', 'q']);
  assert.deepEqual(d.counts, { ...zeroCounts, added: 1, removed: 2 });
});

test('a different spec under a new name is added + removed, not renamed', () => {
  const d = diffDags(dag([t('a', { v: 1 })]), dag([t('b', { v: 2 })]));
  assert.deepEqual(d.tasks.map((x) => [x.status, x.name]), [['removed', 'a'], ['added', 'b']]);
});

test('tasks come sorted by name; removed ones sort by their base name', () => {
  const base = dag([t('b', { v: 1 }), t('d', { v: 2 }), t('m', { v: 9 })]);
  const target = dag([t('m', { v: 9 }), t('c', { v: 3 }), t('a', { v: 4 })]);
  assert.deepEqual(diffDags(base, target).tasks.map((x) => [x.name, x.status]), [
    ['a', 'added'], ['b', 'removed'], ['c', 'added'], ['d', 'removed'], ['m', 'unchanged'],
  ]);
});

test('counts: every status at once', () => {
  //  base:   s → i1 → i2,  ch,  gone,  old → (nothing),  same
  //  target: s' → i1 → i2, ch', new,   renamed(old),     same
  const base = dag([t('s', { v: 1 }), t('i1', {}, ['s']), t('i2', {}, ['i1']), t('ch', { v: 1 }), t('gone', { g: 1 }), t('old', { o: 1 }), t('same', { v: 0 })]);
  const target = dag([t('s', { v: 2 }), t('i1', {}, ['s']), t('i2', {}, ['i1']), t('ch', { v: 2 }), t('new', { n: 1 }), t('renamed', { o: 1 }), t('same', { v: 0 })]);
  const d = diffDags(base, target);
  assert.deepEqual(d.counts, { changed: 2, invalidated: 2, added: 1, removed: 1, renamed: 1, unchanged: 1 });
  assert.equal(d.tasks.length, 8);
});

test('meta changes are listed and change no output ID', () => {
  const tasks = [t('x', { v: 1 })];
  const base = dag(tasks, { schedule: '@daily', owner: 'ann', nested: { a: 1 } });
  const target = dag(tasks, { schedule: '@hourly', tags: ['a'], nested: { a: 2 } });
  const d = diffDags(base, target);
  assert.deepEqual(sortChanges(d.meta), sortChanges([
    { path: 'nested.a', kind: 'modified', old: 1, new: 2 },
    { path: 'owner', kind: 'removed', old: 'ann' },
    { path: 'schedule', kind: 'modified', old: '@daily', new: '@hourly' },
    { path: 'tags', kind: 'added', new: ['a'] },
  ]));
  assert.deepEqual(d.counts, { ...zeroCounts, unchanged: 1 });
});

test('diffing DAGs read back from .dag bytes gives the same result', () => {
  const base = dag([t('a', { v: 1 }), t('b', {}, ['a']), t('c', { w: 'x' }, ['b'])]);
  const target = dag([t('a', { v: 2 }), t('b', {}, ['a']), t('c2', { w: 'x' }, ['b'])]);
  const direct = diffDags(base, target);
  const viaBytes = diffDags(decodeDag(bencodeDag(base)), decodeDag(bencodeDag(target)));
  assert.deepEqual(viaBytes, direct);
});

test('property: editing one spec makes it changed, exactly its downstream invalidated (chains lead back to it), the rest unchanged', () => {
  const arb = fc
    .uniqueArray(fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'é', '\u{1f600}', '\uff5e'), minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 20 })
    .chain((names) =>
      fc.record({
        inputs: fc.tuple(...names.map((_, i) => fc.subarray(names.slice(0, i), { maxLength: Math.min(i, 3) }))),
        edited: fc.nat(names.length - 1),
      }).map(({ inputs, edited }) => ({ tasks: names.map((name, i) => t(name, { name }, inputs[i]!)), edited })),
    );
  fc.assert(
    fc.property(arb, ({ tasks, edited }) => {
      const target = tasks.map((x, i) => (i === edited ? t(x.name, { ...(x.spec as object), edit: 1 }, [...x.inputs]) : x));
      const d = diffDags(dag(tasks), dag(target));
      const editedName = tasks[edited]!.name;
      // Downstream of the edited task, by BFS over "is an input of".
      const users = new Map(tasks.map((x) => [x.name, tasks.filter((y) => y.inputs.includes(x.name)).map((y) => y.name)]));
      const downstream = new Set<string>();
      const queue = [editedName];
      while (queue.length > 0) for (const u of users.get(queue.shift()!)!) if (!downstream.has(u)) { downstream.add(u); queue.push(u); }
      const inputsOf = new Map(tasks.map((x) => [x.name, x.inputs]));
      for (const x of d.tasks) {
        const expected = x.name === editedName ? 'changed' : downstream.has(x.name) ? 'invalidated' : 'unchanged';
        assert.equal(x.status, expected, x.name);
        if (x.status === 'changed') assert.deepEqual(x.changes, [{ path: 'edit', kind: 'added', new: 1 }]);
        if (x.status === 'invalidated') {
          const chain = x.chain!;
          assert.equal(chain[chain.length - 1], editedName, `${x.name}'s chain ends at the edited task`);
          assert.ok(inputsOf.get(x.name)!.includes(chain[0]!));
          for (let k = 0; k + 1 < chain.length; k++) assert.ok(inputsOf.get(chain[k]!)!.includes(chain[k + 1]!), `${chain[k + 1]} is an input of ${chain[k]}`);
          for (const v of x.via!) assert.ok(v === editedName || downstream.has(v), `via ${v} moved`);
        }
      }
      assert.equal(d.tasks.length, tasks.length);
      assert.deepEqual(d.counts, { ...zeroCounts, changed: 1, invalidated: downstream.size, unchanged: tasks.length - 1 - downstream.size });
    }),
    { seed: SEED, numRuns: 200 },
  );
});

test('a root edit in a deep chain: each invalidated task names its origin and hop count; chains are capped, so the diff stays linear', () => {
  const depth = 3000;
  const chainDag = (rootSha: string) =>
    encodeDag({ tasks: Array.from({ length: depth }, (_, i) => ({ name: `t${i}`, spec: { sha: i === 0 ? rootSha : `s${i}` }, inputs: i === 0 ? [] : [`t${i - 1}`] })) }).encoded!;
  const diff = diffDags(chainDag('a'), chainDag('b'));
  const last = diff.tasks.find((t) => t.name === `t${depth - 1}`)!;
  assert.equal(last.status, 'invalidated');
  assert.equal(last.origin, 't0');
  assert.equal(last.hops, depth - 1);
  assert.deepEqual(last.chain, Array.from({ length: CHAIN_LIMIT }, (_, k) => `t${depth - 2 - k}`));
  const near = diff.tasks.find((t) => t.name === 't2')!;
  assert.deepEqual([near.chain, near.origin, near.hops], [['t1', 't0'], 't0', 2]);
  // Linear size: at most CHAIN_LIMIT names per task.
  assert.ok(JSON.stringify(diff).length < depth * 400, `${JSON.stringify(diff).length} bytes`);
});

test('property: the linear diff gives exactly what the quadratic one before it gave (renames, ties, changes, chains)', () => {
  // Small alphabets of names and values, so renames, equal specs (ties) and shared outputs are common.
  const name = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'd'), minLength: 1, maxLength: 2 });
  const spec = fc.record({ v: fc.nat(2) }, { requiredKeys: [] });
  const side = fc.uniqueArray(fc.tuple(name, spec, fc.array(fc.nat(), { maxLength: 2 })), { selector: ([n]) => n, maxLength: 12 })
    .map((rows) => rows.map(([n, s, picks], i) => t(n, s, [...new Set(picks.filter(() => i > 0).map((p) => rows[p % i]![0]))])));
  fc.assert(
    fc.property(side, side, (baseTasks, targetTasks) => {
      const base = dag(baseTasks);
      const target = dag(targetTasks);
      assert.deepEqual(diffDags(base, target), diffDagsReference(base, target));
    }),
    { seed: SEED, numRuns: 500 },
  );
});

test('diffDagsStepwise pauses every DIFF_STEP units of work and returns the same diff', () => {
  const n = 3 * DIFF_STEP;
  const chain = (prefix: string) => encodeDag({ tasks: Array.from({ length: n }, (_, i) => ({ name: `${prefix}${i}`, spec: { i }, inputs: i === 0 ? [] : [`${prefix}${i - 1}`] })) }).encoded!;
  const base = chain('step_');
  const target = chain('stage_');
  const steps = diffDagsStepwise(base, target);
  let pauses = 0;
  let next = steps.next();
  for (; !next.done; next = steps.next()) pauses++;
  assert.ok(pauses >= n / DIFF_STEP, `${pauses} pauses`);
  assert.deepEqual(next.value, diffDags(base, target));
  // The renamed chain: only the root keeps its output (its users' input names changed).
  assert.equal(next.value.counts.renamed, 1);
});
