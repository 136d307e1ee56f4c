/**
 * Reading `.dag` files: every shape error is a one-line DagFileError naming where it is; and
 * `inconsistentTasks` finds stored IDs that do not match what the specs hash to.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  bencodeDag,
  DagFileError,
  decodeDag,
  definitionOf,
  encode,
  encodeDag,
  inconsistentTasks,
  type BencodeValue,
  type EncodedDag,
  type TaskDefinition,
} from '../../server/src/core/index';

const H = 'a'.repeat(64);
const latin1 = (s: string) => Uint8Array.from([...s].map((c) => c.charCodeAt(0)));

function dagFileError(bytes: Uint8Array): string {
  try {
    decodeDag(bytes);
  } catch (e) {
    assert.ok(e instanceof DagFileError, `expected a DagFileError, got ${(e as Error).name}: ${(e as Error).message}`);
    assert.ok(!e.message.includes('\n'), `one line: ${JSON.stringify(e.message)}`);
    return e.message;
  }
  assert.fail('decodeDag did not throw');
}

const shapeError = (value: BencodeValue) => dagFileError(encode(value));

test('decodeDag: bytes that are not bencode', () => {
  assert.equal(dagFileError(new Uint8Array()), 'not a valid .dag file: the data is empty');
  assert.equal(dagFileError(latin1('{"tasks": {}}')), 'not a valid .dag file: unexpected "{" at byte 0');
  assert.equal(dagFileError(latin1('d5:tasksdeexx')), 'not a valid .dag file: trailing data after the value at byte 11');
  assert.match(dagFileError(latin1('d5:tasksde')), /^not a valid \.dag file: .*(truncat|end|missing)/i);
  assert.equal(dagFileError(latin1('d5:tasksde4:metadee')), 'not a valid .dag file: dict keys out of order at byte 10');
});

test('decodeDag: top level is not a dict', () => {
  assert.equal(shapeError([]), 'not a valid .dag file: the top level is not a dict');
  assert.equal(shapeError('tasks'), 'not a valid .dag file: the top level is not a dict');
  assert.equal(shapeError(7), 'not a valid .dag file: the top level is not a dict');
});

test("decodeDag: no 'tasks' dict", () => {
  assert.equal(shapeError({}), "not a valid .dag file: it has no 'tasks' dict");
  assert.equal(shapeError({ meta: {} }), "not a valid .dag file: it has no 'tasks' dict");
  assert.equal(shapeError({ tasks: [] }), "not a valid .dag file: it has no 'tasks' dict");
  assert.equal(shapeError({ tasks: 'x' }), "not a valid .dag file: it has no 'tasks' dict");
});

test("decodeDag: 'meta' is not a dict", () => {
  assert.equal(shapeError({ meta: 1, tasks: {} }), "not a valid .dag file: 'meta' is not a dict");
  assert.equal(shapeError({ meta: [], tasks: {} }), "not a valid .dag file: 'meta' is not a dict");
});

test('decodeDag: a task that is not a dict', () => {
  assert.equal(shapeError({ tasks: { a: 1 } }), 'not a valid .dag file: tasks.a is not a dict');
  assert.equal(shapeError({ tasks: { 'my task': [] } }), 'not a valid .dag file: tasks["my task"] is not a dict');
});

test('decodeDag: an output that is not a sha256 hex ID', () => {
  const bad = (output?: BencodeValue) => shapeError({ tasks: { a: { inputs: {}, ...(output === undefined ? {} : { output }) } } });
  const message = 'not a valid .dag file: tasks.a.output is not a sha256 hex ID';
  assert.equal(bad(), message);
  assert.equal(bad('xyz'), message);
  assert.equal(bad('A'.repeat(64)), message, 'upper case is not what a sha256 hex digest is written as');
  assert.equal(bad('a'.repeat(63)), message);
  assert.equal(bad('a'.repeat(65)), message);
  assert.equal(bad(`${'a'.repeat(63)}g`), message);
  assert.equal(bad(42), message);
  assert.equal(bad(new Uint8Array(32).fill(0xff)), message, 'raw digest bytes are not the hex ID');
});

test('decodeDag: inputs that are not a dict', () => {
  assert.equal(shapeError({ tasks: { a: { output: H } } }), 'not a valid .dag file: tasks.a.inputs is not a dict');
  assert.equal(shapeError({ tasks: { a: { output: H, inputs: ['b'] } } }), 'not a valid .dag file: tasks.a.inputs is not a dict');
});

test('decodeDag: an input ID that is not a sha256 hex ID', () => {
  assert.equal(shapeError({ tasks: { a: { output: H, inputs: { b: 'x' } } } }), 'not a valid .dag file: tasks.a.inputs.b is not a sha256 hex ID');
  assert.equal(shapeError({ tasks: { a: { output: H, inputs: { 'in-put': 1 } } } }), 'not a valid .dag file: tasks.a.inputs["in-put"] is not a sha256 hex ID');
});

test('decodeDag: a good .dag decodes to exactly what was encoded; meta may be left out', () => {
  const encoded = encodeDag({ meta: { schedule: '@daily' }, tasks: [{ name: 'a', spec: { n: 2n ** 64n }, inputs: [] }, { name: 'b', spec: {}, inputs: ['a'] }] }).encoded!;
  assert.deepEqual(decodeDag(bencodeDag(encoded)), encoded);
  assert.deepEqual(decodeDag(latin1(`d5:tasksd1:ad6:inputsde6:output64:${H}eee`)), { meta: {}, tasks: { a: { inputs: {}, output: H } } });
});

// ---------------------------------------------------------------- consistency

const tasks: TaskDefinition[] = [
  { name: 'a', spec: { v: 1 }, inputs: [] },
  { name: 'b', spec: { w: 'x' }, inputs: ['a'] },
  { name: 'c', spec: {}, inputs: ['b'] },
  { name: 'other', spec: { z: [1, 2] }, inputs: [] },
];
const good = () => structuredClone(encodeDag({ tasks }).encoded!) as unknown as { meta: Record<string, unknown>; tasks: Record<string, Record<string, any>> };
const flip = (id: string) => (id[0] === '0' ? '1' : '0') + id.slice(1);

test('inconsistentTasks: an untouched DAG (and one read back from bytes) is consistent', () => {
  assert.deepEqual(inconsistentTasks(good() as unknown as EncodedDag), []);
  assert.deepEqual(inconsistentTasks(decodeDag(bencodeDag(good() as unknown as EncodedDag))), []);
});

test('inconsistentTasks: a tampered output is found (and the link from its user no longer holds)', () => {
  const d = good();
  d.tasks.b!.output = flip(d.tasks.b!.output);
  // b: its output is not the hash of its spec and inputs. c: its stored input ID for b is not b's stored output.
  assert.deepEqual(inconsistentTasks(d as unknown as EncodedDag), ['b', 'c']);
});

test('inconsistentTasks: a tampered stored input ID is found', () => {
  const d = good();
  d.tasks.c!.inputs.b = flip(d.tasks.c!.inputs.b);
  assert.deepEqual(inconsistentTasks(d as unknown as EncodedDag), ['c']);
});

test('inconsistentTasks: a spec edited without recomputing IDs flags only the edited task', () => {
  const d = good();
  d.tasks.a!.v = 2;
  assert.deepEqual(inconsistentTasks(d as unknown as EncodedDag), ['a']);
});

test('inconsistentTasks: a task re-hashed after an edit, whose users were not updated, flags the users', () => {
  const d = good();
  d.tasks.a!.v = 2;
  const { output: _o, ...hashed } = d.tasks.a!;
  d.tasks.a!.output = createHash('sha256').update(encode(hashed as BencodeValue)).digest('hex');
  assert.deepEqual(inconsistentTasks(d as unknown as EncodedDag), ['b']);
});

test('inconsistentTasks: tampering survives the trip through bytes', () => {
  const d = good();
  d.tasks.other!.output = flip(d.tasks.other!.output);
  const bytes = bencodeDag(d as unknown as EncodedDag);
  assert.deepEqual(inconsistentTasks(decodeDag(bytes)), ['other']);
});

test('inconsistentTasks: an input naming no task makes the task inconsistent', () => {
  const d = good();
  d.tasks.c!.inputs.ghost = H;
  assert.deepEqual(inconsistentTasks(d as unknown as EncodedDag), ['c']);
});

test('definitionOf gives back specs without inputs/output and input names; re-encoding it is the identity', () => {
  const encoded = encodeDag({ tasks }).encoded!;
  const def = definitionOf(encoded);
  assert.deepEqual(def.tasks.map((x) => [x.name, x.spec, [...x.inputs]]), tasks.map((x) => [x.name, x.spec, x.inputs]));
  assert.deepEqual(encodeDag(def).encoded, encoded);
});
