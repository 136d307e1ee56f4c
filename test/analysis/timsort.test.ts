/**
 * The analysis' TimSort against Node's own `Array.prototype.sort`: the same order and the same
 * comparator calls, in the same order, for consistent comparators and for inconsistent ones (whose
 * result only V8's exact algorithm gives), over lengths that take every path (one run, forced runs,
 * merges low and high, galloping).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { timSort } from '../../server/src/analysis/builtins/timsort';

interface Item { readonly id: number; readonly k: number }

/** A small deterministic PRNG (mulberry32), so every failure is reproducible from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Comparator = (a: Item, b: Item) => unknown;

/** Comparators made fresh for each sort (the random one's answers depend on the order of the calls). */
const comparators: Record<string, (seed: number) => Comparator> = {
  consistent: () => (a, b) => a.k - b.k,
  descending: () => (a, b) => b.k - a.k,
  'a > b (never negative)': () => (a, b) => a.k > b.k,
  '(a + b) % 3 - 1': () => (a, b) => ((a.k + b.k) % 3) - 1,
  'random answers': (seed) => {
    const next = prng(seed ^ 0x9e3779b9);
    return () => next() - 0.5;
  },
  'always 1': () => () => 1,
  'always -1': () => () => -1,
  'NaN and strings': () => (a, b) => (a.k === b.k ? NaN : String(a.k - b.k)),
};

/** Arrays shaped to take each path: random keys, few distinct keys, presorted with noise, reversed runs. */
function makeItems(seed: number, length: number): Item[] {
  const next = prng(seed);
  const shape = seed % 4;
  return Array.from({ length }, (_, i) => {
    const k = shape === 0 ? Math.floor(next() * 1000)
      : shape === 1 ? Math.floor(next() * 4)
      : shape === 2 ? (next() < 0.9 ? i : Math.floor(next() * length))
      : Math.floor(i / 50) * 50 + (50 - (i % 50)) + (next() < 0.05 ? 7 : 0);
    return { id: i, k };
  });
}

function run(sort: (items: Item[], cmp: (a: Item, b: Item) => number) => Item[], items: Item[], comparator: Comparator) {
  const calls: number[] = [];
  const compare = (a: Item, b: Item): number => {
    calls.push(a.id, b.id);
    return comparator(a, b) as number;
  };
  const sorted = sort(items.slice(), compare);
  return { order: sorted.map((x) => x.id), calls };
}

const native = (items: Item[], cmp: (a: Item, b: Item) => number) => items.sort(cmp);
const ours = (items: Item[], cmp: (a: Item, b: Item) => number) => {
  // As the analysis converts the comparator's answer: ToNumber, NaN as 0.
  timSort(items, (a, b) => {
    const v = Number(cmp(a, b));
    return Number.isNaN(v) ? 0 : v;
  });
  return items;
};

describe('TimSort as V8 runs it', () => {
  for (const [name, make] of Object.entries(comparators)) {
    test(`${name}: the same order and the same calls as Array.prototype.sort`, () => {
      let checked = 0;
      for (let seed = 1; seed <= 60; seed++) {
        const length = seed <= 8 ? seed * 9 : 60 + Math.floor(prng(seed)() * (seed % 5 === 0 ? 4000 : 700));
        const items = makeItems(seed, length);
        const expected = run(native, items, make(seed));
        const actual = run(ours, items, make(seed));
        assert.deepEqual(actual.order, expected.order, `order, seed ${seed}, length ${length}`);
        assert.deepEqual(actual.calls, expected.calls, `calls, seed ${seed}, length ${length}`);
        checked += expected.calls.length / 2;
      }
      assert.ok(checked > 10_000, 'enough comparisons to take the merge and gallop paths');
    });
  }
});
