/**
 * The seed's own example, before and after its edit, with every hash the seed printed
 * (../shared/conformance/collage.json). Our IDs and bytes must match it exactly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bencodeDag, decodeDag, diffDags, encodeDag, sha256Hex, type EncodedDag } from '../../server/src/core/index';
import { conformanceDir } from '../support/paths';

interface Vectors {
  before: EncodedDag;
  after: EncodedDag;
  before_dag_sha256: string;
  after_dag_sha256: string;
  changed_paths: string[];
}
const vectors = JSON.parse(readFileSync(join(conformanceDir, 'collage.json'), 'utf8')) as Vectors;

/** Rebuilds the seed's pipeline the way a user writes it: specs and input names, no IDs. */
function definitionFrom(encoded: EncodedDag) {
  return {
    meta: encoded.meta,
    tasks: Object.entries(encoded.tasks).map(([name, t]) => {
      const { inputs, output: _o, ...spec } = t;
      return { name, spec, inputs: Object.keys(inputs) };
    }),
  };
}

for (const side of ['before', 'after'] as const) {
  test(`collage ${side}: every output ID matches the seed`, () => {
    const expected = vectors[side];
    const result = encodeDag(definitionFrom(expected));
    assert.deepEqual(result.problems, []);
    for (const [name, task] of Object.entries(expected.tasks)) {
      assert.equal(result.byName.get(name)?.output, task.output, `output of ${name}`);
      assert.deepEqual(result.byName.get(name)?.inputs, task.inputs, `inputs of ${name}`);
    }
    assert.deepEqual(result.encoded, expected);
  });

  test(`collage ${side}: the bencoded .dag has the seed's sha256`, () => {
    const result = encodeDag(definitionFrom(vectors[side]));
    assert.equal(sha256Hex(bencodeDag(result.encoded!)), vectors[`${side}_dag_sha256`]);
  });
}

test('collage.before.dag (the seed wrote these bytes) decodes and re-encodes byte for byte', () => {
  const bytes = readFileSync(join(conformanceDir, 'collage.before.dag'));
  assert.equal(sha256Hex(bytes), vectors.before_dag_sha256);
  const decoded = decodeDag(bytes);
  assert.deepEqual(decoded, vectors.before);
  assert.deepEqual(Buffer.from(bencodeDag(decoded)), bytes);
});

test("the seed's edit: blur changed (sha), collage invalidated through blur, nothing else", () => {
  const diff = diffDags(vectors.before, vectors.after);
  const byName = Object.fromEntries(diff.tasks.map((t) => [t.name, t]));
  assert.equal(byName.blur?.status, 'changed');
  assert.deepEqual(byName.blur?.changes, [{ path: 'sha', kind: 'modified', old: '6f09d', new: 'qwetr3' }]);
  assert.equal(byName.collage?.status, 'invalidated');
  assert.deepEqual(byName.collage?.via, ['blur']);
  assert.deepEqual(byName.collage?.chain, ['blur']);
  assert.equal(byName.download_images?.status, 'unchanged');
  assert.equal(byName.edge_enhance?.status, 'unchanged');
  assert.deepEqual(diff.counts, { changed: 1, invalidated: 1, added: 0, removed: 0, renamed: 0, unchanged: 2 });
  assert.deepEqual(diff.meta, []);
});

test("the seed's changed_paths are exactly the leaves that differ between before and after", () => {
  const leaves = (v: unknown, prefix: string, out: Map<string, unknown>) => {
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) leaves(x, prefix ? `${prefix}.${k}` : k, out);
    else out.set(prefix, v);
    return out;
  };
  const a = leaves(vectors.before, '', new Map());
  const b = leaves(vectors.after, '', new Map());
  const differing = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
  assert.deepEqual(differing, vectors.changed_paths);
});
