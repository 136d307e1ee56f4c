/** `Array`, its functions, and the methods of arrays (those calling back into the module included). */
import type ts from 'typescript';
import {
  ArrayValue,
  BuiltinFunction,
  IteratorValue,
  Opaque,
  arrayIndex,
  copySlot,
  isPrimitive,
  reachOf,
  truthiness,
  type CallSite,
  type Realm,
  type Slot,
  type Value,
} from '../values';
import { nativeError, toNumber, toPrimitiveValue, iterateSnapshot } from './coercion';
import { callbackSite, describeValue, fn, isCallable, members, newArray, methodFn } from './support';
import { sortParts, sortWithComparator, withSortTail } from './sort';

const arrayIsArray = fn('Array.isArray', (_realm, _this, args) => {
  const v = args[0];
  if (v instanceof Opaque) return new Opaque(v.unknown);
  return v instanceof ArrayValue;
});

// `Array.from` and `Array.of` construct their result with `this` (`Array.of.call(Object, 1)` makes a
// Number object): another `this` through call, apply or bind is not followed (`method`).
const arrayFrom = methodFn('Array.from', (realm, _this, args, site) => {
  const src = args[0];
  const mapFn = args[1];
  if (mapFn !== undefined && !isCallable(mapFn)) {
    if (mapFn instanceof Opaque) {
      realm.escape(src, mapFn.unknown);
      return new Opaque(mapFn.unknown);
    }
    realm.throwError(`${describeValue(mapFn)} is not a function`, site.node);
  }
  let values: Value[] | Opaque | undefined = iterateSnapshot(realm, src, site.node);
  if (values === undefined) {
    // An array-like: `{ length: n }`.
    if (src === null || src === undefined) realm.throwError(`${String(src)} is not iterable`, site.node);
    const len = realm.getProperty(src, 'length', site.node);
    if (len instanceof Opaque) values = len;
    else {
      const n = toNumber(realm, len, site.node);
      if (n instanceof Opaque) values = n;
      else {
        const length = Number.isNaN(n) ? 0 : Math.max(0, Math.min(Math.trunc(n), 2 ** 53 - 1));
        if (length > realm.limits.maxArrayLength) return realm.limitOpaque(`the array grows beyond ${realm.limits.maxArrayLength.toLocaleString('en-US')} elements`, site.node);
        values = [];
        for (let i = 0; i < length; i++) values.push(realm.getProperty(src, String(i), site.node));
      }
    }
  }
  if (values instanceof Opaque) {
    if (mapFn !== undefined) realm.escape(mapFn, values.unknown);
    return new Opaque(values.unknown, values.reach);
  }
  if (values.length > realm.limits.maxArrayLength) return newArray(realm, values, site.node);
  if (mapFn !== undefined) values = values.map((v, i) => realm.call(mapFn, args[2], [v, i], callbackSite(site)));
  return newArray(realm, values, site.node);
});

const arrayOfFn = methodFn('Array.of', (realm, _this, args, site) => newArray(realm, args, site.node));

function arrayConstruct(realm: Realm, _this: Value, args: readonly Value[], site: CallSite): Value {
  if (args.length === 1 && typeof args[0] === 'number') {
    const n = args[0];
    if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) realm.throwError('RangeError: Invalid array length', site.node);
    if (n > realm.limits.maxArrayLength) return realm.limitOpaque(`the array grows beyond ${realm.limits.maxArrayLength.toLocaleString('en-US')} elements`, site.node);
    return new ArrayValue(new Array<Slot | undefined>(n).fill(undefined));
  }
  if (args.length === 1 && args[0] instanceof Opaque) return new Opaque(args[0].unknown);
  return newArray(realm, args, site.node);
}

export const arrayFn = fn('Array', arrayConstruct, {
  construct: arrayConstruct,
  members: members([
    ['isArray', arrayIsArray],
    ['from', arrayFrom],
    ['of', arrayOfFn],
  ]),
});

// ───────────────────────────── arrays' methods ─────────────────────────────

type ArrayImpl = (realm: Realm, arr: ArrayValue, args: readonly Value[], site: CallSite) => Value;

/** Mutating methods that set `length` whatever they are given. */
const THROW_ON_FROZEN = new Set(['push', 'pop', 'shift', 'unshift', 'splice']);

/** An array method: `this` must be a known array (and not frozen, for a mutating method). */
function arrayMethod(name: string, impl: ArrayImpl, mutates = false): BuiltinFunction {
  return methodFn(`Array.prototype.${name}`, (realm, thisValue, args, site) => {
    if (!(thisValue instanceof ArrayValue)) {
      if (thisValue instanceof Opaque) return new Opaque(thisValue.unknown, thisValue.reach);
      return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node, reachOf([thisValue, ...args]));
    }
    if (thisValue.tainted) {
      for (const a of args) realm.escape(a, thisValue.tainted);
      return new Opaque(thisValue.tainted, [thisValue]);
    }
    if (mutates && thisValue.frozen) {
      // These always set `length`, read-only on a frozen array: a TypeError in any mode, even with
      // nothing to add or remove (splice converts a start or count object first, run below as unknown).
      if (THROW_ON_FROZEN.has(name) && (name !== 'splice' || args.slice(0, 2).every(isPrimitive))) {
        realm.throwError(`${realm.text(site.node)}: Cannot assign to read only property 'length' of a frozen array`, site.node);
      }
      // Otherwise the call throws a TypeError unless it has nothing to write (reversing an empty
      // array). Either way the array stays as it is.
      realm.mayThrow();
      // fill converts its start and end (running an object's valueOf) before it fails to write.
      if (name === 'fill') {
        for (const [i, fallback] of [[1, 0], [2, thisValue.items.length]] as const) {
          const r = relIndex(realm, args[i], thisValue.items.length, fallback, site.node);
          if (r instanceof Opaque) return new Opaque(r.unknown, reachOf([thisValue, ...args]));
        }
      }
      return name === 'reverse' || name === 'sort' || name === 'fill' ? thisValue : realm.opaque(`${realm.text(site.node)} on a frozen array`, site.node);
    }
    realm.charge(thisValue.items.length, site.node);
    if (mutates) realm.touch(thisValue);
    return impl(realm, thisValue, args, site);
  });
}

/** Requires a callable callback; an opaque one makes the array escape (it would receive the elements). */
function callback(realm: Realm, arr: ArrayValue, cb: Value, site: CallSite): Value | Opaque {
  if (isCallable(cb)) return cb;
  if (cb instanceof Opaque) {
    realm.escape(arr, cb.unknown);
    return new Opaque(cb.unknown, [arr]);
  }
  realm.throwError(`${describeValue(cb)} is not a function`, site.node);
}

/** Iterates like the spec: the length read once, holes skipped, elements read live. */
function eachPresent(realm: Realm, arr: ArrayValue, cb: Value, thisArg: Value, site: CallSite, body: (result: Value, value: Value, index: number) => boolean | void): void {
  const length = arr.items.length;
  const cbSite = callbackSite(site);
  for (let i = 0; i < length; i++) {
    const s = arr.items[i];
    if (!s) continue;
    if (arr.tainted) {
      // The callback handed the array to unseen code: the remaining calls see unknown elements.
      realm.escape(cb, arr.tainted);
      return;
    }
    const r = realm.call(cb, thisArg, [s.value, i, arr], cbSite);
    if (body(r, s.value, i) === false) return;
  }
}

/**
 * A short-circuiting method (`find`, `some`) whose predicate answered with something unknown: whether
 * the remaining elements are visited is unknown, so the callback escapes.
 */
function unknownPredicate(realm: Realm, arr: ArrayValue, cb: Value, r: Opaque): Opaque {
  realm.escape(cb, r.unknown);
  return new Opaque(r.unknown, [arr]);
}

const ARRAY_METHODS = new Map<string, BuiltinFunction>();
const defineArray = (name: string, impl: ArrayImpl, mutates = false) => ARRAY_METHODS.set(name, arrayMethod(name, impl, mutates));

defineArray('forEach', (realm, arr, [cb, thisArg], site) => {
  const f = callback(realm, arr, cb, site);
  if (f instanceof Opaque) return undefined;
  eachPresent(realm, arr, f, thisArg, site, () => undefined);
  return undefined;
});

defineArray('map', (realm, arr, [cb, thisArg], site) => {
  const f = callback(realm, arr, cb, site);
  if (f instanceof Opaque) return f;
  const out = new ArrayValue(new Array<Slot | undefined>(arr.items.length).fill(undefined));
  eachPresent(realm, arr, f, thisArg, site, (r, _v, i) => { out.items[i] = { value: r, range: undefined }; });
  if (arr.tainted) return new Opaque(arr.tainted, [arr, out]);
  return out;
});

defineArray('flatMap', (realm, arr, [cb, thisArg], site) => {
  const f = callback(realm, arr, cb, site);
  if (f instanceof Opaque) return f;
  const out: Value[] = [];
  let unknown: Opaque | undefined;
  eachPresent(realm, arr, f, thisArg, site, (r) => {
    if (r instanceof ArrayValue && !r.tainted) for (const s of r.items) { if (s) out.push(s.value); }
    else if (r instanceof Opaque || r instanceof ArrayValue) unknown ??= r instanceof Opaque ? r : new Opaque(r.tainted!, [r]);
    else out.push(r);
  });
  if (unknown) return new Opaque(unknown.unknown, reachOf(out));
  return newArray(realm, out, site.node);
});

defineArray('filter', (realm, arr, [cb, thisArg], site) => {
  const f = callback(realm, arr, cb, site);
  if (f instanceof Opaque) return f;
  const out: Slot[] = [];
  let unknown: Opaque | undefined;
  eachPresent(realm, arr, f, thisArg, site, (r, v, i) => {
    const t = truthiness(r);
    if (t === undefined) unknown ??= r as Opaque;
    else if (t) out.push({ value: v, range: arr.items[i]?.range });
  });
  if (unknown) return new Opaque(unknown.unknown, [arr]);
  return new ArrayValue(out);
});

for (const [name, mode] of [['find', 'value'], ['findIndex', 'index'], ['findLast', 'value'], ['findLastIndex', 'index']] as const) {
  const fromEnd = name.startsWith('findLast');
  defineArray(name, (realm, arr, [cb, thisArg], site) => {
    const f = callback(realm, arr, cb, site);
    if (f instanceof Opaque) return f;
    const length = arr.items.length;
    const cbSite = callbackSite(site);
    for (let k = 0; k < length; k++) {
      if (arr.tainted) return unknownPredicate(realm, arr, f, new Opaque(arr.tainted));
      const i = fromEnd ? length - 1 - k : k;
      const v = arr.items[i]?.value; // find visits holes too
      const r = realm.call(f, thisArg, [v, i, arr], cbSite);
      const t = truthiness(r);
      if (t === undefined) return unknownPredicate(realm, arr, f, r as Opaque);
      if (t) return mode === 'value' ? v : i;
    }
    return mode === 'value' ? undefined : -1;
  });
}

for (const name of ['some', 'every'] as const) {
  defineArray(name, (realm, arr, [cb, thisArg], site) => {
    const f = callback(realm, arr, cb, site);
    if (f instanceof Opaque) return f;
    let result: Value = name === 'every';
    eachPresent(realm, arr, f, thisArg, site, (r) => {
      const t = truthiness(r);
      if (t === undefined) {
        result = unknownPredicate(realm, arr, f, r as Opaque);
        return false;
      }
      if (name === 'some' && t) { result = true; return false; }
      if (name === 'every' && !t) { result = false; return false; }
      return true;
    });
    return result;
  });
}

for (const name of ['reduce', 'reduceRight'] as const) {
  defineArray(name, (realm, arr, args, site) => {
    const f = callback(realm, arr, args[0], site);
    if (f instanceof Opaque) return f;
    const length = arr.items.length;
    const order = Array.from({ length }, (_, k) => (name === 'reduce' ? k : length - 1 - k)).filter((i) => arr.items[i] !== undefined);
    let acc: Value;
    let start = 0;
    if (args.length >= 2) acc = args[1];
    else {
      if (order.length === 0) realm.throwError('Reduce of empty array with no initial value', site.node);
      acc = arr.items[order[0]!]!.value;
      start = 1;
    }
    const cbSite: CallSite = { node: site.node, args: [], argumentCount: 4 };
    for (let k = start; k < order.length; k++) {
      const i = order[k]!;
      const s = arr.items[i];
      if (!s) continue;
      if (arr.tainted) return new Opaque(arr.tainted, reachOf([acc, arr]));
      acc = realm.call(f, undefined, [acc, s.value, i, arr], cbSite);
    }
    return acc;
  });
}

/** Relative index arguments (`slice(-2)`), as the spec converts them. */
function relIndex(realm: Realm, v: Value, length: number, fallback: number, node: ts.Node): number | Opaque {
  if (v === undefined) return fallback;
  const n = toNumber(realm, v, node);
  if (n instanceof Opaque) return n;
  const i = Number.isNaN(n) ? 0 : Math.trunc(n);
  return i < 0 ? Math.max(length + i, 0) : Math.min(i, length);
}

defineArray('join', (realm, arr, [sep], site) => {
  const s = sep === undefined ? ',' : realm.toStr(sep, site.node);
  if (s instanceof Opaque) return s;
  const copy = new ArrayValue(arr.items);
  // Array.prototype.toString is join(','); reuse ToPrimitive's join when the separator is ','.
  if (s === ',') return toPrimitiveValue(realm, copy, site.node, 'string');
  const parts: string[] = [];
  let length = 0;
  for (const slot of arr.items) {
    const v = slot?.value;
    const p = v === null || v === undefined ? '' : realm.toStr(v, site.node);
    if (p instanceof Opaque) return p;
    parts.push(p);
    length += p.length + s.length;
    if (length > realm.limits.maxStringLength) return realm.limitOpaque(`the string grows beyond ${realm.limits.maxStringLength.toLocaleString('en-US')} characters`, site.node);
  }
  return parts.join(s);
});

defineArray('toString', (realm, arr, _args, site) => toPrimitiveValue(realm, arr, site.node, 'string'));

defineArray('slice', (realm, arr, [start, end], site) => {
  const len = arr.items.length;
  const a = relIndex(realm, start, len, 0, site.node);
  const b = relIndex(realm, end, len, len, site.node);
  if (a instanceof Opaque) return a;
  if (b instanceof Opaque) return b;
  return new ArrayValue(arr.items.slice(a, Math.max(a, b)).map((s) => (s ? copySlot(s) : undefined)));
});

defineArray('at', (realm, arr, [index], site) => {
  const n = index === undefined ? 0 : toNumber(realm, index, site.node);
  if (n instanceof Opaque) return n;
  const i = Number.isNaN(n) ? 0 : Math.trunc(n);
  const k = i < 0 ? arr.items.length + i : i;
  return arr.items[k]?.value;
});

defineArray('concat', (realm, arr, args, site) => {
  const items: (Slot | undefined)[] = arr.items.map((s) => (s ? copySlot(s) : undefined));
  for (const a of args) {
    if (a instanceof Opaque) return new Opaque(a.unknown, reachOf([arr, ...args]));
    if (a instanceof ArrayValue) {
      if (a.tainted) return new Opaque(a.tainted, reachOf([arr, ...args]));
      for (const s of a.items) items.push(s ? copySlot(s) : undefined);
    } else items.push({ value: a, range: undefined });
    if (items.length > realm.limits.maxArrayLength) return realm.limitOpaque(`the array grows beyond ${realm.limits.maxArrayLength.toLocaleString('en-US')} elements`, site.node);
  }
  return new ArrayValue(items);
});

function sameValueZero(a: Value, b: Value): boolean | undefined {
  if (a instanceof Opaque || b instanceof Opaque) return undefined;
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  return a === b;
}

defineArray('includes', (realm, arr, [x, from], site) => {
  // An empty array is searched without converting fromIndex.
  if (arr.items.length === 0) return false;
  const start = relIndex(realm, from, arr.items.length, 0, site.node);
  if (start instanceof Opaque) return start;
  for (let i = start; i < arr.items.length; i++) {
    const eq = sameValueZero(arr.items[i]?.value, x);
    if (eq === undefined) return new Opaque((x instanceof Opaque ? x : arr.items[i]!.value as Opaque).unknown);
    if (eq) return true;
  }
  return false;
});

for (const name of ['indexOf', 'lastIndexOf'] as const) {
  defineArray(name, (realm, arr, args, site) => {
    const [x, from] = args;
    const len = arr.items.length;
    // An empty array is searched without converting fromIndex.
    if (len === 0) return -1;
    const indexes: number[] = [];
    if (name === 'indexOf') {
      const start = relIndex(realm, from, len, 0, site.node);
      if (start instanceof Opaque) return start;
      for (let i = start; i < len; i++) indexes.push(i);
    } else {
      let start = len - 1;
      // A fromIndex given, even as undefined, is converted (undefined is 0).
      if (args.length >= 2) {
        const n = toNumber(realm, from, site.node);
        if (n instanceof Opaque) return n;
        const i = Number.isNaN(n) ? 0 : Math.trunc(n);
        start = i < 0 ? len + i : Math.min(i, len - 1);
      }
      for (let i = start; i >= 0; i--) indexes.push(i);
    }
    for (const i of indexes) {
      const s = arr.items[i];
      if (!s) continue;
      if (s.value instanceof Opaque || x instanceof Opaque) return new Opaque((x instanceof Opaque ? x : s.value as Opaque).unknown);
      if (s.value === x) return i;
    }
    return -1;
  });
}

defineArray('flat', (realm, arr, [depth], site) => {
  const d = depth === undefined ? 1 : toNumber(realm, depth, site.node);
  if (d instanceof Opaque) return d;
  const out: Slot[] = [];
  const visit = (items: readonly (Slot | undefined)[], level: number): Opaque | undefined => {
    for (const s of items) {
      if (!s) continue;
      const v = s.value;
      if (v instanceof ArrayValue && level > 0) {
        if (v.tainted) return new Opaque(v.tainted, [v]);
        const r = visit(v.items, level - 1);
        if (r) return r;
      } else if (v instanceof Opaque && level > 0) {
        return new Opaque(v.unknown, v.reach);
      } else out.push({ value: v, range: s.range });
      if (out.length > realm.limits.maxArrayLength) return realm.limitOpaque(`the array grows beyond ${realm.limits.maxArrayLength.toLocaleString('en-US')} elements`, site.node);
    }
    return undefined;
  };
  const r = visit(arr.items, Number.isNaN(d) ? 0 : Math.min(d, 100));
  return r ?? new ArrayValue(out);
});

defineArray('push', (realm, arr, args, site) => {
  if (arr.items.length + args.length > realm.limits.maxArrayLength) {
    const why = realm.limitOpaque(`the array grows beyond ${realm.limits.maxArrayLength.toLocaleString('en-US')} elements`, site.node);
    realm.escape(arr, why.unknown);
    for (const a of args) realm.escape(a, why.unknown);
    return why;
  }
  args.forEach((a, i) => arr.items.push({ value: a, range: site.args[i]?.node ? realm.range(site.args[i]!.node!) : undefined }));
  return arr.items.length;
}, true);

defineArray('unshift', (realm, arr, args, site) => {
  if (arr.items.length + args.length > realm.limits.maxArrayLength) {
    const why = realm.limitOpaque(`the array grows beyond ${realm.limits.maxArrayLength.toLocaleString('en-US')} elements`, site.node);
    realm.escape(arr, why.unknown);
    return why;
  }
  arr.items.unshift(...args.map((a, i) => ({ value: a, range: site.args[i]?.node ? realm.range(site.args[i]!.node!) : undefined })));
  return arr.items.length;
}, true);

defineArray('pop', (_realm, arr) => arr.items.pop()?.value, true);
defineArray('shift', (_realm, arr) => arr.items.shift()?.value, true);

defineArray('splice', (realm, arr, args, site) => {
  const len = arr.items.length;
  const start = relIndex(realm, args[0], len, 0, site.node);
  if (start instanceof Opaque) {
    realm.escape(arr, start.unknown);
    return start;
  }
  let count: number;
  if (args.length === 0) count = 0;
  else if (args.length === 1) count = len - start;
  else {
    const n = toNumber(realm, args[1], site.node);
    if (n instanceof Opaque) {
      realm.escape(arr, n.unknown);
      return n;
    }
    count = Math.min(Math.max(Number.isNaN(n) ? 0 : Math.trunc(n), 0), len - start);
  }
  const inserted = args.slice(2).map((a, i) => ({ value: a, range: argumentRange(realm, site, i + 2) }));
  if (len - count + inserted.length > realm.limits.maxArrayLength) {
    const why = realm.limitOpaque(`the array grows beyond ${realm.limits.maxArrayLength.toLocaleString('en-US')} elements`, site.node);
    realm.escape(arr, why.unknown);
    return why;
  }
  const removed = arr.items.splice(start, count, ...inserted);
  return new ArrayValue(removed);
}, true);

defineArray('reverse', (_realm, arr) => {
  arr.items.reverse();
  return arr;
}, true);

defineArray('fill', (realm, arr, [value, start, end], site) => {
  const len = arr.items.length;
  const a = relIndex(realm, start, len, 0, site.node);
  const b = relIndex(realm, end, len, len, site.node);
  if (a instanceof Opaque || b instanceof Opaque) {
    const o = (a instanceof Opaque ? a : b) as Opaque;
    realm.escape(arr, o.unknown);
    return o;
  }
  const range = site.args[0]?.node ? realm.range(site.args[0].node) : undefined;
  for (let i = a; i < b; i++) arr.items[i] = { value, range };
  return arr;
}, true);

/** The default sort (by UTF-16 code units of the string forms, `undefined` last), stable. */
function defaultSorted(realm: Realm, arr: ArrayValue, site: CallSite): (Slot | undefined)[] | Opaque {
  const parts = sortParts(arr);
  const { present } = parts;
  const keys: string[] = [];
  for (const s of present) {
    if (!isPrimitive(s.value)) return realm.opaque(`${realm.text(site.node)} sorts values that are not strings or numbers, which the analysis does not model`, site.node, [arr]);
    keys.push(String(s.value));
  }
  const order = present.map((_, i) => i).sort((i, j) => (keys[i]! < keys[j]! ? -1 : keys[i]! > keys[j]! ? 1 : i - j));
  return withSortTail(order.map((i) => present[i]!), parts);
}

defineArray('sort', (realm, arr, [cmp], site) => {
  if (cmp !== undefined) return sortWithComparator(realm, arr, cmp, site, false);
  const sorted = defaultSorted(realm, arr, site);
  if (sorted instanceof Opaque) {
    realm.escape(arr, sorted.unknown);
    return sorted;
  }
  arr.items = sorted;
  return arr;
}, true);

defineArray('toSorted', (realm, arr, [cmp], site) => {
  if (cmp !== undefined) return sortWithComparator(realm, arr, cmp, site, true);
  const sorted = defaultSorted(realm, arr, site);
  if (sorted instanceof Opaque) return sorted;
  return new ArrayValue(sorted.map((s) => s ?? { value: undefined, range: undefined }));
});

defineArray('toReversed', (_realm, arr) => new ArrayValue([...arr.items].reverse().map((s) => s ?? { value: undefined, range: undefined })));

/** An element as a copying method reads it (`Get`): a hole reads as undefined. */
const readSlot = (s: Slot | undefined): Slot => (s ? copySlot(s) : { value: undefined, range: undefined });

/** Where the call wrote its argument `i`, for the value's range. */
const argumentRange = (realm: Realm, site: CallSite, i: number) => (site.args[i]?.node ? realm.range(site.args[i]!.node!) : undefined);

defineArray('with', (realm, arr, [index, value], site) => {
  // The length is read before the index is converted (which may run an object's valueOf).
  const len = arr.items.length;
  const n = index === undefined ? 0 : toNumber(realm, index, site.node);
  if (n instanceof Opaque) return new Opaque(n.unknown, reachOf([arr, value]));
  const relative = Number.isNaN(n) ? 0 : Math.trunc(n);
  const actual = relative >= 0 ? relative : len + relative;
  if (actual >= len || actual < 0) {
    try {
      new Array(len).with(relative, undefined); // the engine's own RangeError and message
    } catch (e) {
      nativeError(realm, e, site.node);
    }
  }
  const items: Slot[] = [];
  for (let k = 0; k < len; k++) items.push(k === actual ? { value, range: argumentRange(realm, site, 1) } : readSlot(arr.items[k]));
  return new ArrayValue(items);
});

defineArray('toSpliced', (realm, arr, args, site) => {
  const len = arr.items.length;
  const start = relIndex(realm, args[0], len, 0, site.node);
  if (start instanceof Opaque) return new Opaque(start.unknown, reachOf([arr, ...args]));
  let skip: number;
  if (args.length === 0) skip = 0;
  else if (args.length === 1) skip = len - start;
  else {
    const n = toNumber(realm, args[1], site.node);
    if (n instanceof Opaque) return new Opaque(n.unknown, reachOf([arr, ...args]));
    skip = Math.min(Math.max(Number.isNaN(n) ? 0 : Math.trunc(n), 0), len - start);
  }
  const inserted = args.slice(2).map((a, i) => ({ value: a, range: argumentRange(realm, site, i + 2) }));
  if (len - skip + inserted.length > realm.limits.maxArrayLength) return realm.limitOpaque(`the array grows beyond ${realm.limits.maxArrayLength.toLocaleString('en-US')} elements`, site.node);
  const items: Slot[] = [];
  for (let k = 0; k < start; k++) items.push(readSlot(arr.items[k]));
  items.push(...inserted);
  for (let k = start + skip; k < len; k++) items.push(readSlot(arr.items[k]));
  return new ArrayValue(items);
});

for (const kind of ['keys', 'values', 'entries'] as const) defineArray(kind, (_realm, arr) => new IteratorValue(arr, kind));

export function arrayProperty(realm: Realm, arr: ArrayValue, key: string, node: ts.Node): Value {
  if (key === 'length') return arr.items.length;
  const i = arrayIndex(key);
  if (i !== undefined) return arr.items[i]?.value;
  if (realm.builtinsPatched) return new Opaque(realm.builtinsPatched, [arr]);
  const m = ARRAY_METHODS.get(key);
  if (m) return m;
  if (key in Array.prototype) return realm.chainOpaque({ kind: 'builtin', root: 'Array' }, node, 'read');
  return undefined;
}

