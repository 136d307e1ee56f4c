/**
 * The core against an independent reference: test/support/reference_alamode.py, a few dozen lines of
 * stdlib Python that bencodes and hashes the seed's way. Random DAGs (non-ASCII and astral names and
 * keys, bigints beyond 2^53, byte strings, booleans, nested lists and dicts, random acyclic inputs in a
 * random definition order) must get the same output IDs and the same whole-file sha256 from both.
 *
 * Python is spawned once per batch of cases, not once per case. On a mismatch the property is re-run
 * case by case so that fast-check can shrink it to a small counterexample.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { bencodeDag, encode, encodeDag, type BencodeValue, type EncodedDag } from '../../server/src/core/index';
import { conformanceDir, repoRoot } from '../support/paths';

const REFERENCE = join(repoRoot, 'test', 'support', 'reference_alamode.py');
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

// ---------------------------------------------------------------- talking to the reference

/** A value in the reference's JSON convention: bigints, byte strings and dicts are tagged. */
function toRef(v: BencodeValue): unknown {
  if (typeof v === 'bigint') return { $int: v.toString() };
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString('hex') };
  if (Array.isArray(v)) return v.map(toRef);
  if (typeof v === 'object') return { $dict: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toRef(x as BencodeValue)])) };
  return v;
}

function runReference(request: unknown): any {
  const r = spawnSync('python3', [REFERENCE], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`reference failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

interface RefTask { name: string; spec: { [k: string]: BencodeValue }; inputs: string[] }
interface RefCase { meta?: { [k: string]: BencodeValue }; tasks: RefTask[] }

function referenceOutputs(cases: RefCase[], wantBytes = false): { outputs: Record<string, string>; dag_sha256: string; dag_hex?: string }[] {
  const request = {
    cases: cases.map((c) => ({
      ...(c.meta !== undefined ? { meta: toRef(c.meta) } : {}),
      tasks: c.tasks.map((t) => ({ name: t.name, spec: toRef(t.spec), inputs: t.inputs })),
      ...(wantBytes ? { want_bytes: true } : {}),
    })),
  };
  return runReference(request).results;
}

function referenceEncode(values: BencodeValue[]): string[] {
  return runReference({ values: values.map(toRef) }).encoded;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/**
 * Checks a property over `numRuns` generated cases with one call of `checkBatch` (one Python process).
 * If any case fails, re-runs it as an ordinary fast-check property, one case per call, to shrink it.
 */
function batchProperty<T>(arb: fc.Arbitrary<T>, numRuns: number, checkBatch: (cases: T[]) => (string | undefined)[]): void {
  const cases = fc.sample(arb, { seed: SEED, numRuns });
  const failures = checkBatch(cases);
  const first = failures.findIndex((f) => f !== undefined);
  if (first < 0) return;
  // Shrink: the same seed generates the same cases; fast-check re-runs them one at a time and shrinks the first failure.
  fc.assert(
    fc.property(arb, (c) => {
      const [f] = checkBatch([c]);
      if (f !== undefined) throw new Error(f);
    }),
    { seed: SEED, numRuns },
  );
  assert.fail(`case ${first} of the batch failed (FC_SEED=${SEED}): ${failures[first]}`);
}

// ---------------------------------------------------------------- generators

/** Characters where encodings and orders disagree: UTF-8 lengths 1–4, U+E000–U+FFFF vs astral, BOM, U+FFFD. */
const TRICKY = [
  'a', 'b', 'z', 'A', 'Z', '_', '-', '.', ' ', '0', '\u0000', '\u007f', 'é', 'ß', '\u00ff', '\u0100', '\u07ff', '\u0800',
  '日', '\ud7ff', '\ue000', '\uff5e', '\ufeff', '\ufffd', '\uffff', '\u{10000}', '\u{1f600}', '\u{10ffff}',
];
const charArb = fc.oneof(fc.constantFrom(...TRICKY), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }));
const textArb = (maxLength: number) => fc.string({ unit: charArb, maxLength });

const intArb: fc.Arbitrary<BencodeValue> = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  fc.maxSafeInteger(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0),
  fc.bigInt({ min: -(2n ** 130n), max: 2n ** 130n }),
  fc.constantFrom(2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 64n, -(2n ** 63n), 5n, 0n),
);

const leafArb: fc.Arbitrary<BencodeValue> = fc.oneof(
  textArb(8),
  intArb,
  fc.boolean(),
  fc.uint8Array({ maxLength: 6 }),
);

const keyArb = textArb(5);

const { value: valueArb } = fc.letrec<{ value: BencodeValue; list: BencodeValue[]; dict: Record<string, BencodeValue> }>((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, tie('list'), tie('dict')),
  list: fc.array(tie('value'), { maxLength: 4 }),
  dict: fc.dictionary(keyArb, tie('value'), { maxKeys: 4, noNullPrototype: true }),
}));

const specArb = fc
  .dictionary(keyArb, valueArb, { maxKeys: 5, noNullPrototype: true })
  .filter((d) => !Object.hasOwn(d, 'inputs') && !Object.hasOwn(d, 'output'));

const metaArb = fc.option(fc.dictionary(keyArb, valueArb, { maxKeys: 3, noNullPrototype: true }), { nil: undefined });

/** A random DAG: unique names, each task's inputs drawn from tasks before it, then defined in a random order. */
const dagArb: fc.Arbitrary<RefCase> = fc
  .uniqueArray(textArb(6), { minLength: 1, maxLength: 10 })
  .chain((names) =>
    fc.record({
      meta: metaArb,
      specs: fc.array(specArb, { minLength: names.length, maxLength: names.length }),
      inputs: fc.tuple(...names.map((_, i) => fc.tuple(fc.shuffledSubarray(names.slice(0, i)), fc.boolean()))),
      order: fc.shuffledSubarray(names.map((_, i) => i), { minLength: names.length, maxLength: names.length }),
    }).map(({ meta, specs, inputs, order }) => ({
      ...(meta !== undefined ? { meta } : {}),
      tasks: order.map((i) => {
        const [deps, repeat] = inputs[i]!;
        // Sometimes name an input twice: addDep of the same task again counts once.
        return { name: names[i]!, spec: specs[i]!, inputs: repeat && deps.length > 0 ? [...deps, deps[0]!] : deps };
      }),
    })),
  );

// ---------------------------------------------------------------- the reference itself

test('the reference reproduces the seed’s own hashes (collage before and after)', () => {
  const vectors = JSON.parse(readFileSync(join(conformanceDir, 'collage.json'), 'utf8')) as {
    before: EncodedDag;
    after: EncodedDag;
    before_dag_sha256: string;
    after_dag_sha256: string;
  };
  const sides = ['before', 'after'] as const;
  const cases = sides.map((side): RefCase => ({
    meta: vectors[side].meta,
    tasks: Object.entries(vectors[side].tasks).map(([name, t]) => {
      const { inputs, output: _o, ...spec } = t;
      return { name, spec, inputs: Object.keys(inputs) };
    }),
  }));
  const results = referenceOutputs(cases);
  sides.forEach((side, k) => {
    assert.equal(results[k]!.dag_sha256, vectors[`${side}_dag_sha256`]);
    for (const [name, t] of Object.entries(vectors[side].tasks)) assert.equal(results[k]!.outputs[name], t.output, `${side} ${name}`);
  });
});

// ---------------------------------------------------------------- key order, by hand

/** U+FF5E is EF BD 9E in UTF-8 (code unit FF5E); U+1F600 is F0 9F 98 80 (code units D83D DE00). */
const FF5E = [0xef, 0xbd, 0x9e];
const GRIN = [0xf0, 0x9f, 0x98, 0x80];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

test('dict keys sort by UTF-8 bytes: U+FF5E before U+1F600 (UTF-16 order would put the emoji first)', () => {
  // Written in the "wrong" order on purpose.
  const value = { '\u{1f600}': 1, '\uff5e': 2 };
  const expected = Uint8Array.from([
    ...ascii('d'),
    ...ascii('3:'), ...FF5E, ...ascii('i2e'),
    ...ascii('4:'), ...GRIN, ...ascii('i1e'),
    ...ascii('e'),
  ]);
  assert.deepEqual(hex(encode(value)), hex(expected));
  assert.deepEqual(referenceEncode([value]), [hex(expected)]);
});

test('output ID of a task with keys U+1F600 and U+FF5E is sha256 of the hand-written bytes', () => {
  // {"\u{1f600}": 1, "\uff5e": 2, inputs: {}}: 'inputs' (0x69) < EF… < F0…
  const hashed = Uint8Array.from([
    ...ascii('d'),
    ...ascii('6:inputs'), ...ascii('de'),
    ...ascii('3:'), ...FF5E, ...ascii('i2e'),
    ...ascii('4:'), ...GRIN, ...ascii('i1e'),
    ...ascii('e'),
  ]);
  const result = encodeDag({ tasks: [{ name: 't', spec: { '\u{1f600}': 1, '\uff5e': 2 }, inputs: [] }] });
  assert.equal(result.byName.get('t')?.output, sha256(hashed));
});

test('task names U+1F600 and U+FF5E: the .dag lists U+FF5E first, byte for byte as the reference writes it', () => {
  const c: RefCase = {
    tasks: [
      { name: '\u{1f600}', spec: { v: 1 }, inputs: [] },
      { name: '\uff5e', spec: { v: 2 }, inputs: ['\u{1f600}'] },
    ],
  };
  const result = encodeDag(c);
  assert.deepEqual(result.problems, []);
  const bytes = Buffer.from(bencodeDag(result.encoded!));
  const [ref] = referenceOutputs([c], true);
  assert.equal(bytes.toString('hex'), ref!.dag_hex);
  // Inside "tasks", the key 3:<FF5E> comes before 4:<1F600>.
  const tasksAt = bytes.indexOf('5:tasksd');
  const ff5eKey = bytes.indexOf(Buffer.from([...ascii('3:'), ...FF5E]), tasksAt);
  const grinKey = bytes.indexOf(Buffer.from([...ascii('4:'), ...GRIN, ...ascii('d')]), tasksAt);
  assert.ok(tasksAt > 0 && ff5eKey > tasksAt && grinKey > ff5eKey, `tasks at ${tasksAt}, U+FF5E at ${ff5eKey}, U+1F600 at ${grinKey}`);
});

// ---------------------------------------------------------------- properties against the reference

test('property: random values bencode to the same bytes as the reference', () => {
  batchProperty(valueArb, 400, (values) => {
    const ref = referenceEncode(values);
    return values.map((v, i) => {
      const ours = hex(encode(v));
      return ours === ref[i] ? undefined : `encode differs for ${showCase(v)}: core ${ours}, reference ${ref[i]}`;
    });
  });
});

test('property: random DAGs get the same output IDs and the same .dag sha256 as the reference', () => {
  batchProperty(dagArb, 250, (cases) => {
    const ref = referenceOutputs(cases);
    return cases.map((c, k) => {
      const result = encodeDag(c);
      if (result.problems.length > 0) return `core reported problems: ${result.problems.map((p) => p.message).join('; ')}`;
      for (const t of c.tasks) {
        const ours = result.byName.get(t.name)?.output;
        if (ours !== ref[k]!.outputs[t.name]) return `output of ${JSON.stringify(t.name)}: core ${ours}, reference ${ref[k]!.outputs[t.name]} in ${showCase(c)}`;
      }
      if (!result.encoded) return 'no encoded DAG';
      const ours = sha256(bencodeDag(result.encoded));
      return ours === ref[k]!.dag_sha256 ? undefined : `.dag sha256: core ${ours}, reference ${ref[k]!.dag_sha256} in ${showCase(c)}`;
    });
  });
});

test('property: definition order and input order do not change any output ID', () => {
  fc.assert(
    fc.property(dagArb, fc.integer(), (c, salt) => {
      const reversed = { ...c, tasks: [...c.tasks].reverse().map((t) => ({ ...t, inputs: [...t.inputs].reverse() })) };
      const a = encodeDag(c);
      const b = encodeDag(reversed);
      for (const t of c.tasks) assert.equal(b.byName.get(t.name)?.output, a.byName.get(t.name)?.output, `salt ${salt}`);
      assert.equal(sha256(bencodeDag(b.encoded!)), sha256(bencodeDag(a.encoded!)));
    }),
    { seed: SEED, numRuns: 100 },
  );
});

function showCase(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Uint8Array ? `<bytes ${hex(x)}>` : x));
}
