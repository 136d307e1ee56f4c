/**
 * Invalid values: every kind is an error naming the task and the key path, with the exact message a
 * user sees. A task with an invalid value has no output; unrelated tasks keep theirs and downstream
 * tasks say why they have none (`upstream`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkValue,
  encodeDag,
  formatPath,
  type DagDefinition,
  type Problem,
  type TaskDefinition,
} from '../../server/src/core/index';

const task = (name: string, spec: unknown, inputs: string[] = []): TaskDefinition => ({ name, spec, inputs });

/** The messages of every problem for a one-task DAG whose spec is `spec`. */
function messagesFor(spec: unknown, name = 't'): string[] {
  return encodeDag({ tasks: [task(name, spec)] }).problems.map((p) => p.message);
}

/** One invalid value at spec.<key>: exactly one message, and the task has no output. */
function onlyMessage(spec: Record<string, unknown>, name = 't'): string {
  const result = encodeDag({ tasks: [task(name, spec)] });
  assert.equal(result.problems.length, 1, result.problems.map((p) => p.message).join('\n'));
  const [p] = result.problems;
  assert.equal(p!.code, 'invalid-value');
  assert.equal(result.byName.get(name)?.output, undefined);
  assert.equal(result.byName.get(name)?.noOutput?.kind, 'invalid-value');
  assert.equal(result.encoded, undefined);
  return p!.message;
}

// ---------------------------------------------------------------- each kind, exact text

test('float', () => {
  assert.equal(onlyMessage({ ratio: 0.25 }, 'sample'), "task 'sample': spec.ratio is 0.25, but bencode has no floats (use an integer or a string)");
});

test('negative float and a float written like 1e-7', () => {
  assert.equal(onlyMessage({ x: -2.5 }), "task 't': spec.x is -2.5, but bencode has no floats (use an integer or a string)");
  assert.equal(onlyMessage({ x: 1e-7 }), "task 't': spec.x is 1e-7, but bencode has no floats (use an integer or a string)");
});

test('null', () => {
  assert.equal(onlyMessage({ x: null }), "task 't': spec.x is null, but bencode has no null (leave the key out, or use a string)");
});

test('undefined', () => {
  assert.equal(onlyMessage({ x: undefined }), "task 't': spec.x is undefined, but bencode has no undefined (leave the key out)");
});

test('a hole in a sparse array reads as undefined', () => {
  // eslint-disable-next-line no-sparse-arrays
  assert.equal(onlyMessage({ xs: [1, , 3] }), "task 't': spec.xs[1] is undefined, but bencode has no undefined (leave the key out)");
});

test('NaN', () => {
  assert.equal(onlyMessage({ x: NaN }), "task 't': spec.x is NaN, but bencode has no NaN (use a string)");
});

test('Infinity and -Infinity', () => {
  assert.equal(onlyMessage({ x: Infinity }), "task 't': spec.x is Infinity, but bencode has no infinities (use a string)");
  assert.equal(onlyMessage({ x: -Infinity }), "task 't': spec.x is -Infinity, but bencode has no infinities (use a string)");
});

test('unsafe integer (2^53 and beyond, as a number)', () => {
  const reason = 'it is beyond 2^53, where JavaScript numbers are not exact (write it as a bigint literal such as 9007199254740993n, or as a string)';
  assert.equal(onlyMessage({ n: 2 ** 53 }), `task 't': spec.n is 9007199254740992, but ${reason}`);
  // -(2^60) is -1152921504606846976; JavaScript prints the double as its shortest round-trip form.
  assert.equal(onlyMessage({ n: -(2 ** 60) }), `task 't': spec.n is -1152921504606847000, but ${reason}`);
  // The same integers as bigints are fine.
  assert.deepEqual(messagesFor({ n: 2n ** 53n, m: -(2n ** 60n) }), []);
  // And 2^53 - 1 as a number is fine.
  assert.deepEqual(messagesFor({ n: 2 ** 53 - 1 }), []);
});

test('Date', () => {
  assert.equal(
    onlyMessage({ when: new Date(0) }),
    "task 't': spec.when is a Date, but bencode has only strings, integers, lists and dicts (use an ISO string, e.g. date.toISOString())",
  );
});

test('class instance (user class, Map, Set, boxed String, RegExp, Int8Array)', () => {
  class Settings {
    level = 1;
  }
  const reason = 'bencode has only strings, integers, lists and dicts (use a plain object, a list or a string)';
  assert.equal(onlyMessage({ s: new Settings() }), `task 't': spec.s is an instance of Settings, but ${reason}`);
  assert.equal(onlyMessage({ s: new Map() }), `task 't': spec.s is an instance of Map, but ${reason}`);
  assert.equal(onlyMessage({ s: new Set([1]) }), `task 't': spec.s is an instance of Set, but ${reason}`);
  assert.equal(onlyMessage({ s: new String('x') }), `task 't': spec.s is an instance of String, but ${reason}`);
  assert.equal(onlyMessage({ s: /x/ }), `task 't': spec.s is an instance of RegExp, but ${reason}`);
  assert.equal(onlyMessage({ s: new Int8Array(2) }), `task 't': spec.s is an instance of Int8Array, but ${reason}`);
});

test('an object whose prototype has no constructor', () => {
  const odd = Object.create(Object.create(null) as object) as object;
  assert.equal(
    onlyMessage({ o: odd }),
    "task 't': spec.o is an object with a custom prototype, but bencode has only strings, integers, lists and dicts (use a plain object, a list or a string)",
  );
});

test('a null-prototype object is a plain dict, and a Uint8Array (or Buffer) is a byte string', () => {
  const bare = Object.assign(Object.create(null) as object, { a: 1 });
  assert.deepEqual(messagesFor({ bare, raw: new Uint8Array([1, 2]), buf: Buffer.from('hi') }), []);
});

test('function', () => {
  assert.equal(
    onlyMessage({ f: () => 1 }),
    "task 't': spec.f is a function, but bencode has only strings, integers, lists and dicts (call it, or describe it in a string)",
  );
});

test('symbol (as a value, and as a key)', () => {
  assert.equal(onlyMessage({ s: Symbol('s') }), "task 't': spec.s is Symbol(s), but bencode has no symbols (use a string)");
  assert.equal(
    onlyMessage({ o: { [Symbol('k')]: 1 } }),
    "task 't': spec.o is an object with symbol keys, but bencode dict keys are strings (use string keys)",
  );
});

test('lone surrogate in a string (high, and low)', () => {
  assert.equal(
    onlyMessage({ s: 'ab\ud800c' }),
    `task 't': spec.s is "ab\\ud800c", but it holds a lone UTF-16 surrogate at index 2, which has no UTF-8 encoding (fix the string)`,
  );
  assert.equal(
    onlyMessage({ s: '\udc00' }),
    `task 't': spec.s is "\\udc00", but it holds a lone UTF-16 surrogate at index 0, which has no UTF-8 encoding (fix the string)`,
  );
  // A reversed pair is two lone surrogates; the first is reported.
  assert.equal(
    onlyMessage({ s: '\ude00\ud83d' }),
    `task 't': spec.s is "\\ude00\\ud83d", but it holds a lone UTF-16 surrogate at index 0, which has no UTF-8 encoding (fix the string)`,
  );
  // A proper pair is fine.
  assert.deepEqual(messagesFor({ s: '\ud83d\ude00' }), []);
});

test('lone surrogate in a key', () => {
  assert.equal(
    onlyMessage({ ['k\ud800']: 1 }),
    `task 't': spec["k\\ud800"] is "k\\ud800", but this key holds a lone UTF-16 surrogate, which has no UTF-8 encoding (fix the key)`,
  );
});

test('circular reference', () => {
  const loop: Record<string, unknown> = { a: 1 };
  loop.self = loop;
  assert.equal(onlyMessage({ o: loop }), "task 't': spec.o.self is a reference to itself, but a value that contains itself has no finite encoding");
  const list: unknown[] = [1];
  list.push(list);
  assert.equal(onlyMessage({ l: list }), "task 't': spec.l[1] is a reference to itself, but a value that contains itself has no finite encoding");
});

test('the same object twice (not circular) is fine', () => {
  const shared = { a: 1 };
  assert.deepEqual(messagesFor({ x: shared, y: [shared, shared] }), []);
});

test('nested path: spec.env.args[2]', () => {
  assert.equal(
    onlyMessage({ env: { args: ['a', 'b', 0.5] } }),
    "task 't': spec.env.args[2] is 0.5, but bencode has no floats (use an integer or a string)",
  );
});

test('keys that need quotes: spec["a-b"], spec["0"], spec[""], spec["héllo"]', () => {
  const nullReason = 'but bencode has no null (leave the key out, or use a string)';
  assert.equal(onlyMessage({ 'a-b': null }), `task 't': spec["a-b"] is null, ${nullReason}`);
  assert.equal(onlyMessage({ 0: null }), `task 't': spec["0"] is null, ${nullReason}`);
  assert.equal(onlyMessage({ '': null }), `task 't': spec[""] is null, ${nullReason}`);
  assert.equal(onlyMessage({ héllo: null }), `task 't': spec["héllo"] is null, ${nullReason}`);
  assert.equal(onlyMessage({ 'say "hi"': null }), `task 't': spec["say \\"hi\\""] is null, ${nullReason}`);
  assert.equal(onlyMessage({ a: [{ 'x y': [null] }] }), `task 't': spec.a[0]["x y"][0] is null, ${nullReason}`);
  assert.equal(onlyMessage({ $ok_1: null }), `task 't': spec.$ok_1 is null, ${nullReason}`);
});

test('formatPath writes paths as TypeScript would', () => {
  assert.equal(formatPath('spec', []), 'spec');
  assert.equal(formatPath('spec', ['env', 'args', 2]), 'spec.env.args[2]');
  assert.equal(formatPath('spec', ['a-b', 0, 'c']), 'spec["a-b"][0].c');
  assert.equal(formatPath('meta', ['1x']), 'meta["1x"]');
});

test('task names are quoted in messages as written, whatever they are', () => {
  assert.equal(onlyMessage({ x: null }, 'bl\u00fcr \u{1f600}'), "task 'blür 😀': spec.x is null, but bencode has no null (leave the key out, or use a string)");
});

test('several invalid values in one spec: each is reported, with its path', () => {
  const result = encodeDag({ tasks: [task('t', { a: 1.5, b: { c: null }, d: [1, undefined] })] });
  assert.deepEqual(
    result.problems.map((p) => [p.code, (p as { path?: unknown }).path, p.message]),
    [
      ['invalid-value', ['a'], "task 't': spec.a is 1.5, but bencode has no floats (use an integer or a string)"],
      ['invalid-value', ['b', 'c'], "task 't': spec.b.c is null, but bencode has no null (leave the key out, or use a string)"],
      ['invalid-value', ['d', 1], "task 't': spec.d[1] is undefined, but bencode has no undefined (leave the key out)"],
    ],
  );
});

test('the problem names the task, its definition index and the path', () => {
  const result = encodeDag({ tasks: [task('ok', {}), task('bad', { env: { args: ['a', 'b', 0.5] } })] });
  const [p] = result.problems;
  assert.deepEqual(
    { code: p!.code, task: (p as { task?: string }).task, definition: (p as { definition?: number }).definition, path: (p as { path?: unknown }).path },
    { code: 'invalid-value', task: 'bad', definition: 1, path: ['env', 'args', 2] },
  );
});

test('deeply nested values are refused, not a stack overflow', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 10_000; i++) deep = [deep];
  const result = encodeDag({ tasks: [task('t', { deep })] });
  assert.equal(result.problems.length, 1);
  assert.match(result.problems[0]!.message, /^task 't': spec\.deep(\[0\])+ is nested too deeply, but more than 200 levels of lists and dicts are not supported$/);
  assert.equal(result.byName.get('t')?.output, undefined);
});

test('checkValue returns nothing for valid values and a path for each problem', () => {
  assert.deepEqual(checkValue({ a: [1, 2n, 'x', true, new Uint8Array(1), { b: {} }] }), []);
  assert.deepEqual(checkValue({ a: [1, { b: 0.5 }] }).map((p) => p.path), [['a', 1, 'b']]);
});

// ---------------------------------------------------------------- the spec itself

test('a spec that is not a plain object', () => {
  assert.deepEqual(messagesFor(null), ["task 't': the spec is null, but it must be a plain object of fields"]);
  assert.deepEqual(messagesFor([1]), ["task 't': the spec is a list, but it must be a plain object of fields"]);
  assert.deepEqual(messagesFor(new Date(0)), ["task 't': the spec is a Date, but it must be a plain object of fields"]);
  assert.deepEqual(messagesFor(undefined), ["task 't': the spec is undefined, but it must be a plain object of fields"]);
});

// ---------------------------------------------------------------- reserved keys

test('reserved key: inputs', () => {
  const result = encodeDag({ tasks: [task('t', { inputs: ['a'] })] });
  assert.deepEqual(result.problems, [
    {
      code: 'reserved-key',
      task: 't',
      definition: 0,
      key: 'inputs',
      message: "task 't': spec.inputs is reserved: the encoded task's 'inputs' is computed from addDep(...) (rename the field)",
    },
  ]);
  assert.deepEqual(result.byName.get('t')?.noOutput, { kind: 'reserved-key', key: 'inputs' });
});

test('reserved key: output', () => {
  const result = encodeDag({ tasks: [task('t', { output: 'x' })] });
  assert.deepEqual(result.problems.map((p) => p.message), [
    "task 't': spec.output is reserved: the encoded task's 'output' is computed from the spec and inputs (rename the field)",
  ]);
  assert.deepEqual(result.byName.get('t')?.noOutput, { kind: 'reserved-key', key: 'output' });
});

test('reserved keys are only reserved at the top of the spec', () => {
  assert.deepEqual(messagesFor({ nested: { inputs: 1, output: 2 } }), []);
});

test('both reserved keys, plus an invalid value: all three reported; the reserved key is the reason', () => {
  const result = encodeDag({ tasks: [task('t', { inputs: 1, output: 2, x: null })] });
  assert.deepEqual(result.problems.map((p) => p.code), ['reserved-key', 'reserved-key', 'invalid-value']);
  assert.deepEqual(result.byName.get('t')?.noOutput, { kind: 'reserved-key', key: 'inputs' });
});

// ---------------------------------------------------------------- meta

test('meta with an invalid value: an error naming meta; tasks keep their outputs but there is no .dag', () => {
  const result = encodeDag({ meta: { schedule: '@daily', retries: 1.5 }, tasks: [task('t', { a: 1 })] });
  assert.deepEqual(result.problems, [
    { code: 'invalid-value', path: ['retries'], message: 'dag meta: meta.retries is 1.5, but bencode has no floats (use an integer or a string)' },
  ]);
  assert.equal(typeof result.byName.get('t')?.output, 'string');
  assert.equal(result.encoded, undefined);
});

test('meta nested path', () => {
  const result = encodeDag({ meta: { owners: [{ name: 'x', since: new Date(0) }] }, tasks: [] });
  assert.deepEqual(result.problems.map((p) => p.message), [
    'dag meta: meta.owners[0].since is a Date, but bencode has only strings, integers, lists and dicts (use an ISO string, e.g. date.toISOString())',
  ]);
});

test('meta that is not a dict', () => {
  assert.deepEqual(encodeDag({ meta: null, tasks: [] }).problems.map((p) => p.message), ['dag meta is null, but it must be a plain object of fields']);
  assert.deepEqual(encodeDag({ meta: [], tasks: [] }).problems.map((p) => p.message), ['dag meta is a list, but it must be a plain object of fields']);
  assert.deepEqual(encodeDag({ meta: 0.5, tasks: [] }).problems.map((p) => p.message), ['dag meta is 0.5, but it must be a plain object of fields']);
});

test('no meta is an empty meta', () => {
  const a = encodeDag({ tasks: [task('t', {})] });
  const b = encodeDag({ meta: {}, tasks: [task('t', {})] });
  assert.deepEqual(a.encoded, b.encoded);
  assert.deepEqual(a.encoded?.meta, {});
});

// ---------------------------------------------------------------- effect on the rest of the DAG

test('an invalid value blocks its task and everything downstream; unrelated tasks keep their outputs', () => {
  //   src ──► bad ──► mid ──► end        other (unrelated)     side ◄── src
  const dag: DagDefinition = {
    tasks: [
      task('src', { v: 1 }),
      task('bad', { ratio: 0.25 }, ['src']),
      task('mid', { v: 2 }, ['bad']),
      task('end', { v: 3 }, ['mid', 'src']),
      task('other', { v: 4 }),
      task('side', { v: 5 }, ['src']),
    ],
  };
  const result = encodeDag(dag);
  const badMessage = "task 'bad': spec.ratio is 0.25, but bencode has no floats (use an integer or a string)";
  assert.deepEqual(result.problems.map((p: Problem) => p.message), [badMessage]);
  const o = (n: string) => result.byName.get(n)!;
  assert.deepEqual(o('bad').noOutput, { kind: 'invalid-value', message: badMessage });
  assert.deepEqual(o('mid').noOutput, { kind: 'upstream', input: 'bad', root: 'bad', rootReason: { kind: 'invalid-value', message: badMessage } });
  assert.deepEqual(o('end').noOutput, { kind: 'upstream', input: 'mid', root: 'bad', rootReason: { kind: 'invalid-value', message: badMessage } });
  for (const n of ['bad', 'mid', 'end']) assert.equal(o(n).output, undefined, n);
  for (const n of ['src', 'other', 'side']) assert.match(o(n).output ?? '', /^[0-9a-f]{64}$/, n);
  assert.equal(result.encoded, undefined);

  // Unrelated outputs are exactly what they are in a DAG without the bad part.
  const clean = encodeDag({ tasks: [task('src', { v: 1 }), task('other', { v: 4 }), task('side', { v: 5 }, ['src'])] });
  for (const n of ['src', 'other', 'side']) assert.equal(o(n).output, clean.byName.get(n)!.output, n);
});

test('outcomes come one per definition, in definition order', () => {
  const result = encodeDag({ tasks: [task('b', { x: null }), task('a', {}, ['b'])] });
  assert.deepEqual(result.outcomes.map((o) => [o.name, o.definition, o.noOutput?.kind]), [['b', 0, 'invalid-value'], ['a', 1, 'upstream']]);
});
