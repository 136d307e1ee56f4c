/**
 * `encodeDag` with an `OutputMemo` (what the language server uses across versions of a document) must
 * give exactly what it gives without one: for a sequence of versions of random DAGs where unchanged
 * specs are the same (frozen) objects, changed ones are new objects, and inputs, names and edges
 * change, every outcome, problem and encoded DAG equals a memo-less encoding of the same version.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeAround, encodeEntry, encodeWithKey } from '../../server/src/core/bencode';
import { encodeDag, encodeDagAfterSpecChange, OutputMemo, sha256Hex, type DagDefinition, type DagEncoding, type TaskDefinition } from '../../server/src/core/index';
import type { BencodeDict } from '../../server/src/core/values';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

const NAMES = ['a', 'b', 'c', 'd', 'e', 'é', '日', 'inputs', '__proto__', 'z\u0000'];
// Mostly valid specs (so that most tasks have outputs), sometimes a reserved key or a value bencode refuses.
const keyArb = fc.oneof({ weight: 20, arbitrary: fc.constantFrom('image', 'sha', 'cmd', 'env', 'a', 'j', 'z', '', '\u{1f600}') }, { weight: 1, arbitrary: fc.constantFrom('inputs', 'output') });
const leafArb = fc.oneof(
  { weight: 20, arbitrary: fc.oneof(fc.string({ maxLength: 4 }), fc.integer({ min: -5, max: 5 }), fc.constantFrom(-0, 2n ** 70n, true)) },
  { weight: 1, arbitrary: fc.constantFrom(0.5, Number.NaN, null, undefined, '\ud800') },
);
const specArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 9, arbitrary: fc.dictionary(keyArb, fc.oneof(leafArb, fc.array(leafArb, { maxLength: 2 }), fc.dictionary(keyArb, leafArb, { maxKeys: 2 })), { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.oneof(fc.constant('not a dict'), fc.constant([1]), fc.constant(5)) },
);

interface Version { readonly tasks: readonly { name: string; spec: unknown; inputs: string[]; unknown?: string | undefined }[] }

/** A first version, then changes: a new spec object (same or other content), new inputs, a rename, a task added or removed. */
const changeArb = fc.oneof(
  fc.record({ kind: fc.constant('spec' as const), at: fc.nat(), spec: specArb }),
  fc.record({ kind: fc.constant('copy' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('inputs' as const), at: fc.nat(), inputs: fc.array(fc.constantFrom(...NAMES), { maxLength: 3 }) }),
  fc.record({ kind: fc.constant('rename' as const), at: fc.nat(), name: fc.constantFrom(...NAMES) }),
  fc.record({ kind: fc.constant('unknown' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), name: fc.constantFrom(...NAMES), spec: specArb }),
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
);

const firstArb = fc.array(fc.record({ name: fc.constantFrom(...NAMES), spec: specArb, inputs: fc.array(fc.constantFrom(...NAMES), { maxLength: 3 }) }), { minLength: 1, maxLength: 8 });

function apply(v: Version, c: { kind: string; at?: number; spec?: unknown; inputs?: string[]; name?: string }): Version {
  const tasks = v.tasks.map((t) => ({ ...t }));
  const i = tasks.length === 0 ? 0 : (c.at ?? 0) % tasks.length;
  const t = tasks[i];
  switch (c.kind) {
    case 'spec': if (t) t.spec = freeze(c.spec); break;
    // The same content in a new object: the memo must not care which object it is.
    case 'copy': if (t) t.spec = freeze(structuredClone(t.spec)); break;
    case 'inputs': if (t) t.inputs = c.inputs!; break;
    case 'rename': if (t) t.name = c.name!; break;
    case 'unknown': if (t) t.unknown = t.unknown ? undefined : 'not static'; break;
    case 'add': tasks.push({ name: c.name!, spec: freeze(c.spec), inputs: [] }); break;
    case 'remove': tasks.splice(i, 1); break;
  }
  return { tasks };
}

function freeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    Object.freeze(v);
    for (const x of Object.values(v)) freeze(x);
  }
  return v;
}

const definition = (v: Version): DagDefinition => ({
  meta: { schedule: '@daily' },
  tasks: v.tasks.map((t): TaskDefinition => ({ name: t.name, spec: t.spec, inputs: t.inputs, ...(t.unknown ? { unknown: t.unknown } : {}) })),
});

test('encodeDag with an OutputMemo across versions equals encodeDag without one', () => {
  fc.assert(
    fc.property(firstArb, fc.array(changeArb, { minLength: 1, maxLength: 12 }), (first, changes) => {
      const memo = new OutputMemo();
      let version: Version = { tasks: first.map((t) => ({ ...t, spec: freeze(t.spec) })) };
      for (const change of [undefined, ...changes]) {
        if (change) version = apply(version, change);
        const def = definition(version);
        const withMemo = encodeDag(def, { memo, lazy: true });
        const without = encodeDag(def);
        assert.deepEqual(withMemo.outcomes, without.outcomes);
        assert.deepEqual(withMemo.problems, without.problems);
        assert.deepEqual([...withMemo.byName], [...without.byName]);
        assert.equal(withMemo.encoded === undefined, without.encoded === undefined);
        assert.deepEqual(withMemo.encoded, without.encoded);
      }
    }),
    { numRuns: 300, seed: SEED },
  );
});

test('outputs computed when read, one at a time in any order, after later versions were read, equal encodeDag of each version', () => {
  // The document model reads only the outcomes it shows (the lenses on screen); an older version may
  // be read after a newer one filled the memo.
  fc.assert(
    fc.property(firstArb, fc.array(changeArb, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (first, changes, reads) => {
      const memo = new OutputMemo();
      let version: Version = { tasks: first.map((t) => ({ ...t, spec: freeze(t.spec) })) };
      const versions: { def: DagDefinition; lazy: DagEncoding }[] = [];
      for (const change of [undefined, ...changes]) {
        if (change) version = apply(version, change);
        const def = definition(version);
        versions.push({ def, lazy: encodeDag(def, { memo, lazy: true }) });
      }
      // The newest first, then the others: some outcomes one by one, then everything.
      for (const { def, lazy } of versions.reverse()) {
        const eager = encodeDag(def);
        for (const r of reads) {
          if (def.tasks.length === 0) break;
          const i = r % def.tasks.length;
          assert.deepEqual(lazy.outcomeAt(i), eager.outcomes[i]);
        }
        sameEncoding(lazy, eager);
      }
    }),
    { numRuns: 300, seed: SEED },
  );
});

/** Everything an encoding says, for comparing two. */
function sameEncoding(actual: DagEncoding, expected: DagEncoding): void {
  assert.deepEqual(actual.outcomes, expected.outcomes);
  assert.deepEqual(actual.problems, expected.problems);
  assert.deepEqual([...actual.byName], [...expected.byName]);
  assert.equal(actual.encoded === undefined, expected.encoded === undefined);
  assert.deepEqual(actual.encoded, expected.encoded);
}

test('encodeDagAfterSpecChange, one spec changed at a time, equals encodeDag of the same version', () => {
  // Random DAGs (repeated names, cycles, missing inputs, invalid and reserved values, unknowns), then a
  // run of single spec changes: what an editor sends while someone types inside spec strings.
  const specChangeArb = fc.record({ at: fc.nat(), spec: specArb });
  let incremental = 0;
  fc.assert(
    fc.property(firstArb, fc.array(fc.nat(), { maxLength: 8 }), fc.array(specChangeArb, { minLength: 1, maxLength: 10 }), (first, unknownAt, changes) => {
      const memo = new OutputMemo();
      const unknown = new Set(unknownAt.map((k) => k % first.length));
      const tasks: TaskDefinition[] = first.map((t, i) => ({ name: t.name, spec: freeze(t.spec), inputs: t.inputs, ...(unknown.has(i) ? { unknown: 'not static' } : {}) }));
      const meta = { schedule: '@daily' };
      let encoding = encodeDag({ meta, tasks }, { memo, lazy: true });
      for (const change of changes) {
        const at = change.at % tasks.length;
        tasks[at] = { ...tasks[at]!, spec: freeze(change.spec) };
        const def: DagDefinition = { meta, tasks: tasks.slice() };
        encoding = encodeDagAfterSpecChange(encoding, def, at, { memo, lazy: true });
        sameEncoding(encoding, encodeDag(def));
        incremental++;
      }
    }),
    { numRuns: 300, seed: SEED },
  );
  assert.ok(incremental > 300);
});

test('encodeDagAfterSpecChange from encodings only partly read (the lenses on screen) equals encodeDag of the same version', () => {
  // The editor reads the outcomes of the tasks on screen between keystrokes, not all: each change
  // starts from an encoding whose outcomes were read in part, or not at all.
  const stepArb = fc.record({ at: fc.nat(), spec: specArb, reads: fc.array(fc.nat(), { maxLength: 3 }) });
  let incremental = 0;
  fc.assert(
    fc.property(firstArb, fc.array(stepArb, { minLength: 1, maxLength: 10 }), fc.nat(), (first, steps, checkAt) => {
      const memo = new OutputMemo();
      const tasks: TaskDefinition[] = first.map((t) => ({ name: t.name, spec: freeze(t.spec), inputs: t.inputs }));
      const meta = { schedule: '@daily' };
      let encoding = encodeDag({ meta, tasks }, { memo, lazy: true });
      steps.forEach((step, k) => {
        const at = step.at % tasks.length;
        tasks[at] = { ...tasks[at]!, spec: freeze(step.spec) };
        const def: DagDefinition = { meta, tasks: tasks.slice() };
        encoding = encodeDagAfterSpecChange(encoding, def, at, { memo, lazy: true });
        incremental++;
        const fresh = encodeDag(def);
        for (const r of step.reads) assert.deepEqual(encoding.outcomeAt(r % tasks.length), fresh.outcomes[r % tasks.length]);
        // Read whole once along the way (then changed again), and at the end.
        if (k === checkAt % steps.length || k === steps.length - 1) sameEncoding(encoding, fresh);
      });
    }),
    { numRuns: 300, seed: SEED },
  );
  assert.ok(incremental > 300);
});

test('encodeDagAfterSpecChange of a DAG that differs in more than that spec encodes it whole', () => {
  const a = { name: 'a', spec: freeze({ sha: '1' }), inputs: [] };
  const b = { name: 'b', spec: freeze({ sha: '2' }), inputs: ['a'] };
  const before = encodeDag({ tasks: [a, b] });
  // Another task renamed, the changed task's inputs changed, the meta changed: each still exact.
  for (const def of [
    { tasks: [{ ...a, spec: freeze({ sha: '3' }) }, { ...b, name: 'c' }] },
    { tasks: [a, { ...b, spec: freeze({ sha: '4' }), inputs: [] }] },
    { meta: { other: 1 }, tasks: [{ ...a, spec: freeze({ sha: '5' }) }, b] },
  ] as DagDefinition[]) {
    sameEncoding(encodeDagAfterSpecChange(before, def, def.tasks[0]!.name === 'a' && def.tasks[0] !== a ? 0 : 1), encodeDag(def));
  }
});

test('a spec hashed in two parts around its inputs is hashed as a whole', () => {
  const spec: BencodeDict = { image: 'x', z: [1, 'é'], a: { b: 2n ** 64n }, '': 'empty', '\u{1f600}': 1, j: true };
  const inputs = { b: 'f'.repeat(64), a: '0'.repeat(64), '日': '1'.repeat(64) };
  const [before, after] = encodeAround(spec, 'inputs');
  const whole = encodeWithKey(spec, 'inputs', inputs);
  assert.deepEqual(Buffer.concat([before, encodeEntry('inputs', inputs), after]), Buffer.from(whole));
  assert.equal(sha256Hex(Buffer.concat([before, encodeEntry('inputs', inputs), after])), sha256Hex(whole));
});
