/**
 * `Array.prototype.sort(comparator)` and `toSorted(comparator)`, exactly as V8 sorts (what the CLI's Node
 * runs), so that the order and the calls of the comparator are the runtime's for any deterministic
 * comparator, an inconsistent one (`() => 1`, `(a, b) => (a + b) % 3 - 1`) included.
 *
 * V8 (`third_party/v8/builtins/array-sort.tq`) copies the elements that are neither holes nor `undefined`
 * into a work array, sorts it with TimSort, and writes back the sorted elements, then the `undefined`s,
 * then holes. TimSort's minimum run length is the length itself below 64 elements: a shorter array is
 * one run, found by `CountAndMakeRun` (the longest ascending, or strictly descending then reversed,
 * prefix) and extended by `BinaryInsertionSort`; no merging and no galloping happen. The analysis
 * reproduces exactly that path, and leaves longer arrays unknown (the merge and galloping are not
 * reproduced). Each comparison calls the comparator with `this` undefined and converts its result with
 * `ToNumber`; NaN counts as 0.
 */
import {
  ArrayValue,
  Opaque,
  UnknownValue,
  reachOf,
  type CallSite,
  type Realm,
  type Slot,
  type Value,
} from '../values';
import { toNumber } from './coercion';
import { describeValue, isCallable } from './support';

/** Below this length, V8's TimSort is one binary insertion sort (its minimum run length is the length). */
export const MAX_MODELLED_SORT = 63;

class Unknown {
  constructor(readonly why: UnknownValue, readonly reach: readonly Value[] = []) {}
}

/** What every sort splits an array into (the spec's SortIndexedProperties): the elements it orders, then the `undefined`s and the holes it puts last. */
export interface SortParts {
  present: Slot[];
  undefinedCount: number;
  holes: number;
}

export function sortParts(arr: ArrayValue): SortParts {
  const parts: SortParts = { present: [], undefinedCount: 0, holes: 0 };
  for (const s of arr.items) {
    if (!s) parts.holes++;
    else if (s.value === undefined) parts.undefinedCount++;
    else parts.present.push(s);
  }
  return parts;
}

/** The sorted elements, then the `undefined`s, then the holes. */
export function withSortTail(sorted: Slot[], { undefinedCount, holes }: SortParts): (Slot | undefined)[] {
  const out: (Slot | undefined)[] = sorted;
  for (let i = 0; i < undefinedCount; i++) out.push({ value: undefined, range: undefined });
  for (let i = 0; i < holes; i++) out.push(undefined);
  return out;
}

/**
 * The elements of `arr` sorted with `cmp` as V8 sorts them (holes last, `undefined`s before them), or
 * why not. `arr` must not change while the comparator runs (V8 sorts a copy, then writes the array
 * back): a comparator that changes it makes the result unknown.
 */
function sortedSlots(realm: Realm, arr: ArrayValue, cmp: Value, site: CallSite): (Slot | undefined)[] | Unknown {
  const parts = sortParts(arr);
  const { present } = parts;
  const n = present.length;
  if (n > MAX_MODELLED_SORT) {
    return new Unknown(new UnknownValue(`${realm.text(site.node)} sorts more than ${MAX_MODELLED_SORT} elements with a comparator, which the analysis does not model`, realm.range(site.node)));
  }
  const before = arr.items.slice();
  const cbSite: CallSite = { node: site.node, args: [], argumentCount: 2 };
  const compare = (x: Slot, y: Slot): number | Unknown => {
    const r = realm.call(cmp, undefined, [x.value, y.value], cbSite);
    // The array is read back at the end: a comparator that changed (or handed over) the array leaves it unknown.
    if (arr.tainted) return new Unknown(arr.tainted);
    if (arr.items.length !== before.length || arr.items.some((s, i) => s !== before[i])) {
      return new Unknown(new UnknownValue(`the comparator of ${realm.text(site.node)} changes the array it sorts, which the analysis does not model`, realm.range(site.node)));
    }
    if (r instanceof Opaque) return new Unknown(r.unknown, r.reach);
    const v = toNumber(realm, r, site.node);
    if (v instanceof Opaque) return new Unknown(v.unknown);
    return Number.isNaN(v) ? 0 : v;
  };
  const work = present.slice();
  if (n >= 2) {
    // CountAndMakeRun(0, n).
    let runLength = 2;
    let order = compare(work[1]!, work[0]!);
    if (order instanceof Unknown) return order;
    const descending = order < 0;
    let previous = work[1]!;
    for (let i = 2; i < n; i++) {
      const current = work[i]!;
      order = compare(current, previous);
      if (order instanceof Unknown) return order;
      if (descending ? order >= 0 : order < 0) break;
      previous = current;
      runLength++;
    }
    if (descending) {
      for (let lo = 0, hi = runLength - 1; lo < hi; lo++, hi--) [work[lo], work[hi]] = [work[hi]!, work[lo]!];
    }
    // BinaryInsertionSort(0, runLength, n).
    for (let start = runLength; start < n; start++) {
      let left = 0;
      let right = start;
      const pivot = work[right]!;
      while (left < right) {
        const mid = left + ((right - left) >> 1);
        const o = compare(pivot, work[mid]!);
        if (o instanceof Unknown) return o;
        if (o < 0) right = mid;
        else left = mid + 1;
      }
      for (let p = start; p > left; p--) work[p] = work[p - 1]!;
      work[left] = pivot;
    }
  }
  return withSortTail(work, parts);
}

/**
 * `arr.sort(cmp)` (`copy` false: sorts in place, returns the array) or `arr.toSorted(cmp)` (a new
 * array, holes read as `undefined`). When the order is not known, the comparator may have been called
 * any number of times more: it escapes, and so does the array it would see the elements of.
 */
export function sortWithComparator(realm: Realm, arr: ArrayValue, cmp: Value, site: CallSite, copy: boolean): Value {
  if (!isCallable(cmp)) {
    if (cmp instanceof Opaque) {
      realm.escape(arr, cmp.unknown);
      return new Opaque(cmp.unknown, [arr]);
    }
    realm.throwError(`The comparison function must be either a function or undefined: ${describeValue(cmp)}`, site.node);
  }
  realm.charge(arr.items.length, site.node);
  const sorted = sortedSlots(realm, arr, cmp, site);
  if (sorted instanceof Unknown) {
    realm.escape(cmp, sorted.why);
    realm.escape(arr, sorted.why);
    return new Opaque(sorted.why, reachOf([arr, ...sorted.reach]));
  }
  if (copy) return new ArrayValue(sorted.map((s) => s ?? { value: undefined, range: undefined }));
  realm.touch(arr);
  arr.items = sorted;
  return arr;
}
