/**
 * `Array.prototype.sort(comparator)` and `toSorted(comparator)`, exactly as V8 sorts (what the CLI's Node
 * runs), so that the order and the calls of the comparator are the runtime's for any deterministic
 * comparator, an inconsistent one (`() => 1`, `(a, b) => a > b`) included.
 *
 * V8 (`third_party/v8/builtins/array-sort.tq`) copies the elements that are neither holes nor `undefined`
 * into a work array, sorts it with TimSort (`timsort.ts`, reproduced step for step), and writes back the
 * sorted elements, then the `undefined`s, then holes. Each comparison calls the comparator with `this`
 * undefined and converts its result with `ToNumber`; NaN counts as 0.
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
import { timSort } from './timsort';

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
  const before = arr.items.slice();
  const cbSite: CallSite = { node: site.node, args: [], argumentCount: 2 };
  /** The comparator's answer as V8 takes it; throws {@link Unknown} to abandon the sort. */
  const compare = (x: Slot, y: Slot): number => {
    const r = realm.call(cmp, undefined, [x.value, y.value], cbSite);
    // The array is read back at the end: a comparator that handed it over leaves it unknown (one that
    // changed it is found once the sort is done: checking after each call would cost O(n) per comparison).
    if (arr.tainted) throw new Unknown(arr.tainted);
    if (r instanceof Opaque) throw new Unknown(r.unknown, r.reach);
    const v = toNumber(realm, r, site.node);
    if (v instanceof Opaque) throw new Unknown(v.unknown);
    return Number.isNaN(v) ? 0 : v;
  };
  const work = present.slice();
  try {
    timSort(work, compare);
  } catch (e) {
    if (e instanceof Unknown) return e;
    throw e;
  }
  if (arr.items.length !== before.length || arr.items.some((s, i) => s !== before[i])) {
    return new Unknown(new UnknownValue(`the comparator of ${realm.text(site.node)} changes the array it sorts, which the analysis does not model`, realm.range(site.node)));
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
