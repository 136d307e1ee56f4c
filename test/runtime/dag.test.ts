/**
 * The `a-la-mode` DSL as pipeline modules use it: building, encoding, typed errors, save and load.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  AlamodeError,
  CycleError,
  Dag,
  DuplicateTaskError,
  InvalidValueError,
  MissingInputError,
  ReservedKeyError,
} from '../../server/src/runtime/index';
import { conformanceDir } from '../support/paths';

const vectors = JSON.parse(readFileSync(join(conformanceDir, 'collage.json'), 'utf8'));
const scratch = mkdtempSync(join(tmpdir(), 'alamode-runtime-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function collage(blurSha = '6f09d') {
  const dag = new Dag({ schedule: '@daily' });
  const download = dag.task('download_images', { image: 'collage', sha: '1qe34', command: 'python dl_images.py' });
  const blur = dag.task('blur', { image: 'collage', sha: blurSha, command: 'python transform_images.py blur' });
  dag.task('edge_enhance', { image: 'collage', sha: '1qe34', command: 'python transform_images.py edge_enhance' }).addDep(download);
  blur.addDep(download);
  dag.task('collage', { image: 'collage', sha: '1qe34', command: 'python collage.py' }).addDep(blur, 'edge_enhance');
  return dag;
}

test('encode() gives the seed\'s encoded DAG, before and after its edit', () => {
  assert.deepEqual(collage().encode(), vectors.before);
  assert.deepEqual(collage('qwetr3').encode(), vectors.after);
});

test('encode() gives a copy: changing it changes neither the Dag nor its next encoding', () => {
  const dag = new Dag({ owners: ['data'] });
  dag.task('a', { args: ['--fast'], env: { MODE: 'x' }, blob: new Uint8Array([1, 2]) });
  const first = dag.encode();
  const pristine = structuredClone(first);
  (first.meta.owners as string[]).push('someone');
  (first.tasks.a!.args as string[]).push('--slow');
  (first.tasks.a!.env as Record<string, string>).MODE = 'y';
  (first.tasks.a!.blob as Uint8Array)[0] = 9;
  assert.deepEqual(dag.encode(), pristine);
});

test('bencode() and save() write the seed\'s bytes; load() reads them back into an equal Dag', () => {
  const seedBytes = readFileSync(join(conformanceDir, 'collage.before.dag'));
  assert.deepEqual(Buffer.from(collage().bencode()), seedBytes);
  const path = join(scratch, 'collage.dag');
  collage().save(path);
  assert.deepEqual(readFileSync(path), seedBytes);
  const loaded = Dag.load(path);
  assert.deepEqual(loaded.meta, { schedule: '@daily' });
  assert.deepEqual(loaded.tasks.map((t) => t.name).sort(), ['blur', 'collage', 'download_images', 'edge_enhance']);
  assert.deepEqual(loaded.get('collage').inputs, ['blur', 'edge_enhance']);
  assert.deepEqual(loaded.encode(), vectors.before);
});

test('load() refuses a .dag whose stored output does not match its spec', () => {
  const tampered = readFileSync(join(conformanceDir, 'collage.before.dag')).toString('latin1').replace('sha5:6f09d', 'sha5:6f09e');
  const path = join(scratch, 'tampered.dag');
  writeFileSync(path, Buffer.from(tampered, 'latin1'));
  assert.throws(() => Dag.load(path), /the stored output ID of 'blur' does not match its spec and inputs/);
});

test('get() returns the task, throws for an unknown name; tasks lists them in order; addDep chains', () => {
  const dag = collage();
  assert.equal(dag.get('blur').name, 'blur');
  assert.throws(() => dag.get('nope'), /no task named 'nope'/);
  assert.deepEqual(dag.tasks.map((t) => t.name), ['download_images', 'blur', 'edge_enhance', 'collage']);
  const t = dag.task('x', { image: 'x' });
  assert.equal(t.addDep('blur').addDep(dag.get('collage')), t);
  assert.deepEqual(t.inputs, ['blur', 'collage']);
  // New arrays at each read: changing one leaves the Dag and the task as they are.
  dag.tasks.splice(0);
  dag.tasks.reverse();
  t.inputs.push('edge_enhance');
  assert.deepEqual(dag.tasks.map((task) => task.name), ['download_images', 'blur', 'edge_enhance', 'collage', 'x']);
  assert.deepEqual(t.inputs, ['blur', 'collage']);
  assert.deepEqual(Object.keys(dag.encode().tasks.x!.inputs as object), ['blur', 'collage']);
});

test('encoding a bad DAG throws typed errors with clear messages, listing every problem', () => {
  const cyclic = new Dag();
  const a = cyclic.task('a', { image: 'x' });
  const b = cyclic.task('b', { image: 'x' }).addDep(a);
  a.addDep(b);
  const cycleError = assert.throws(() => cyclic.encode(), CycleError) as unknown;
  assert.throws(() => cyclic.encode(), (e: unknown) => e instanceof CycleError && e instanceof AlamodeError && e.message.startsWith('cycle: a → b → a') && e.cycle.join() === 'a,b,a');
  void cycleError;

  const missing = new Dag();
  missing.task('a', { image: 'x' }).addDep('ghost');
  assert.throws(() => missing.encode(), (e: unknown) => e instanceof MissingInputError && e.message === "task 'a': input 'ghost' names no task");

  const float = new Dag();
  float.task('sample', { ratio: 0.25 });
  assert.throws(() => float.encode(), (e: unknown) => e instanceof InvalidValueError && e.message === "task 'sample': spec.ratio is 0.25, but bencode has no floats (use an integer or a string)");

  const reserved = new Dag();
  reserved.task('r', { inputs: 'x' } as never);
  assert.throws(() => reserved.encode(), ReservedKeyError);

  const duplicate = new Dag();
  duplicate.task('d', { image: 'x' });
  duplicate.task('d', { image: 'y' });
  assert.throws(() => duplicate.encode(), (e: unknown) => e instanceof DuplicateTaskError && e.message === "task 'd' is defined 2 times; task names must be unique");

  const several = new Dag();
  several.task('p', { ratio: 0.5 }).addDep('nothing');
  assert.throws(() => several.encode(), (e: unknown) => e instanceof AlamodeError && e.problems.length === 2);
});

test('analyse() reports problems without throwing and still gives unaffected tasks their outputs', () => {
  const dag = collage();
  dag.task('broken', { ratio: 1.5 });
  dag.task('downstream', { image: 'x' }).addDep('broken');
  const result = dag.analyse();
  assert.equal(result.encoded, undefined);
  assert.equal(result.byName.get('collage')?.output, vectors.before.tasks.collage.output);
  assert.equal(result.byName.get('broken')?.noOutput?.kind, 'invalid-value');
  assert.equal(result.byName.get('downstream')?.noOutput?.kind, 'upstream');
});

test('addDep rejects values that are neither tasks nor names', () => {
  const dag = new Dag();
  assert.throws(() => dag.task('a', {}).addDep(42 as never), /addDep takes tasks or task names, got number/);
  const other = new Dag().task('o', {});
  assert.throws(() => dag.task('b', {}).addDep(other), /names a task of another Dag/);
});
