/**
 * JS's conversions and operators on known values, applied natively to primitives (so their semantics
 * are JS's own), running the module's own `toString`/`valueOf` where JS would.
 */
import type ts from 'typescript';
import { SK } from '../syntax';
import {
  ArrayValue,
  bytesOf,
  hrefOf,
  BuiltinFunction,
  Closure,
  DagState,
  DateValue,
  InstanceValue,
  IteratorValue,
  CollectionValue,
  ObjectValue,
  Opaque,
  TaskState,
  isPrimitive,
  reachOf,
  type Primitive,
  type Realm,
  type Slot,
  type Value,
} from '../values';

export function nativeError(realm: Realm, e: unknown, node: ts.Node): never {
  realm.throwError(e instanceof Error ? `${e.name}: ${e.message}` : String(e), node);
}

// ───────────────────────────── operators ─────────────────────────────

function bitLength(n: bigint): number {
  return (n < 0n ? -n : n).toString(16).length * 4;
}

const MAX_BIGINT_BITS = 1_000_000;

/** A binary operator on known primitives, with JS's own semantics (and its TypeErrors and RangeErrors). */
export function applyBinary(realm: Realm, op: ts.SyntaxKind, a: Primitive, b: Primitive, node: ts.Node): Value {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const x = a as any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const y = b as any;
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    const tooBig = (() => {
      switch (op) {
        case SK.AsteriskToken: return bitLength(a) + bitLength(b) > MAX_BIGINT_BITS;
        case SK.AsteriskAsteriskToken: return a !== 0n && a !== 1n && a !== -1n && b > 0n && (b > BigInt(MAX_BIGINT_BITS) || bitLength(a) * Number(b) > MAX_BIGINT_BITS);
        case SK.LessThanLessThanToken: return b > BigInt(MAX_BIGINT_BITS);
        case SK.GreaterThanGreaterThanToken: return b < -BigInt(MAX_BIGINT_BITS);
        default: return false;
      }
    })();
    if (tooBig) return realm.limitOpaque(`the integer grows beyond ${MAX_BIGINT_BITS.toLocaleString('en-US')} bits`, node);
  }
  try {
    switch (op) {
      case SK.PlusToken: {
        if (typeof a === 'string' || typeof b === 'string') {
          const s = String(a).length + String(b).length;
          if (s > realm.limits.maxStringLength) return realm.limitOpaque(`the string grows beyond ${realm.limits.maxStringLength.toLocaleString('en-US')} characters`, node);
        }
        return x + y;
      }
      case SK.MinusToken: return x - y;
      case SK.AsteriskToken: return x * y;
      case SK.SlashToken: return x / y;
      case SK.PercentToken: return x % y;
      case SK.AsteriskAsteriskToken: return x ** y;
      case SK.LessThanLessThanToken: return x << y;
      case SK.GreaterThanGreaterThanToken: return x >> y;
      case SK.GreaterThanGreaterThanGreaterThanToken: return x >>> y;
      case SK.AmpersandToken: return x & y;
      case SK.BarToken: return x | y;
      case SK.CaretToken: return x ^ y;
      case SK.LessThanToken: return x < y;
      case SK.GreaterThanToken: return x > y;
      case SK.LessThanEqualsToken: return x <= y;
      case SK.GreaterThanEqualsToken: return x >= y;
    }
  } catch (e) {
    nativeError(realm, e, node);
  }
  return realm.opaque(`${realm.text(node)} is not evaluated by the analysis`, node);
}

/** JS `ToPrimitive`, running the module's own `toString`/`valueOf` when an object has them. */
export function toPrimitiveValue(realm: Realm, v: Value, node: ts.Node, hint: 'string' | 'number' | 'default' = 'default', seen: Set<Value> = new Set()): Primitive | Opaque {
  if (isPrimitive(v)) return v;
  if (v instanceof Opaque) {
    // A file's Buffer: valueOf gives the object, toString its text (UTF-8), whatever the hint.
    const bytes = bytesOf(realm, v);
    if (bytes !== undefined) return bytes;
    // A URL: valueOf gives the object, toString its href.
    const href = hrefOf(realm, v);
    if (href !== undefined) return href;
    runsWhatItHolds(realm, v);
    return new Opaque(v.unknown);
  }
  if (v instanceof ArrayValue) {
    if (v.tainted) return new Opaque(v.tainted);
    // Array.prototype.toString → join(','); V8 prints a cyclic reference as ''.
    if (seen.has(v)) return '';
    seen.add(v);
    const parts: string[] = [];
    let length = 0;
    for (const s of v.items) {
      const item = s?.value;
      if (item === null || item === undefined) parts.push('');
      else {
        const p = toPrimitiveValue(realm, item, node, 'string', seen);
        if (p instanceof Opaque) return p;
        parts.push(String(p));
      }
      length += parts[parts.length - 1]!.length + 1;
      if (length > realm.limits.maxStringLength) return realm.limitOpaque(`the string grows beyond ${realm.limits.maxStringLength.toLocaleString('en-US')} characters`, node);
    }
    seen.delete(v);
    realm.charge(v.items.length, node);
    return parts.join(',');
  }
  if (v instanceof ObjectValue) {
    if (v.tainted) return new Opaque(v.tainted);
    if (v instanceof InstanceValue && v.cls.chainEscaped()) {
      const o = realm.opaque(`converting ${realm.text(node)} to a primitive runs code the analysis cannot see`, node);
      realm.escape(v, o.unknown);
      return o;
    }
    const order = hint === 'string' ? ['toString', 'valueOf'] : ['valueOf', 'toString'];
    for (const name of order) {
      // Its own property, else (an instance) its prototype's method.
      const inherited = v instanceof InstanceValue ? v.cls.findProto(name) : undefined;
      if (inherited && !inherited.method && !v.props.has(name)) return realm.opaque(`converting ${realm.text(node)} to a primitive runs a getter, which the analysis does not follow here`, node);
      const own = v.props.get(name) ?? (inherited?.method ? { value: inherited.method, range: undefined } : undefined);
      if (!own) {
        // Object.prototype: toString gives "[object Object]"; valueOf gives the object back (not primitive).
        if (name === 'toString') return '[object Object]';
        continue;
      }
      const method = own.value;
      if (method instanceof Opaque) return new Opaque(method.unknown);
      if (method instanceof Closure || method instanceof BuiltinFunction) {
        const r = realm.call(method, v, [], { node, args: [], argumentCount: 0 });
        if (r instanceof Opaque) return new Opaque(r.unknown);
        if (isPrimitive(r)) return r;
      }
    }
    realm.throwError('Cannot convert object to primitive value', node);
  }
  // A class extending Dag may have its own toString or valueOf.
  if (v instanceof DagState && v.cls) return realm.opaque(`converting ${realm.text(node)} to a primitive is not modelled by the analysis (its class extends Dag)`, node);
  if (v instanceof DagState || v instanceof TaskState) return '[object Object]';
  // A Date: its time value for a number; its string (the default too) is in the machine's time zone.
  if (v instanceof DateValue) {
    const time = v.time;
    if (hint === 'number' || v.store.tainted) return typeof time === 'number' ? time : new Opaque(time);
    return realm.opaque(`converting ${realm.text(node)} to a string gives the time in the time zone of the machine that runs it`, node);
  }
  return realm.opaque(`converting ${realm.text(node)} to a string is not modelled by the analysis`, node);
}

export function toNumber(realm: Realm, v: Value, node: ts.Node): number | Opaque {
  const p = toPrimitiveValue(realm, v, node, 'number');
  if (p instanceof Opaque) return p;
  try {
    return +(p as number);
  } catch (e) {
    nativeError(realm, e, node);
  }
}

/**
 * Values of iterating `v` to its end (spread, `Array.from`): arrays, strings, Maps, Sets, iterators
 * of arrays, Maps and Sets (used up by it); opaque when unknown; undefined when not iterable.
 * `part`: the iteration may stop before the end (destructuring), leaving an iterator part-used.
 */
export function iterateSnapshot(realm: Realm, v: Value, node: ts.Node, part = false): Value[] | Opaque | undefined {
  if (v instanceof Opaque) {
    runsWhatItHolds(realm, v);
    return v;
  }
  if (realm.builtinsPatched && !isPrimitive(v)) return new Opaque(realm.builtinsPatched, reachOf([v]));
  if (v instanceof ArrayValue) {
    if (v.tainted) return new Opaque(v.tainted, [v]);
    realm.charge(v.items.length, node);
    return v.items.map((s) => s?.value);
  }
  if (typeof v === 'string') {
    realm.charge(v.length, node);
    return Array.from(v);
  }
  if (v instanceof CollectionValue) return collectionContents(realm, v, defaultIteration(v), node);
  if (v instanceof IteratorValue) {
    if (v.state === 'done') return [];
    if (v.state === 'unknown') return realm.opaque(`${realm.text(node)} is an iterator that may have been advanced part of the way, which the analysis does not follow`, node, [v.source]);
    const src = v.source;
    let values: Value[] | Opaque;
    if (src instanceof CollectionValue) values = collectionContents(realm, src, v.kind, node);
    else if (src.tainted) values = new Opaque(src.tainted, [src]);
    else {
      realm.charge(src.items.length, node);
      values = src.items.map((s, i) => arrayItem(v.kind, i, s?.value));
    }
    realm.touch(v);
    v.state = part || values instanceof Opaque ? 'unknown' : 'done';
    return values;
  }
  // An object that code the analysis cannot see may have given a `Symbol.iterator` (or one whose class
  // was handed over): whether it is iterable is not known.
  if (v instanceof ObjectValue && v.tainted) return new Opaque(v.tainted, [v]);
  if (v instanceof InstanceValue && v.cls.chainEscaped()) return realm.opaque(`${realm.text(node)} iterates an instance whose class was handed to code the analysis cannot see`, node, [v]);
  return undefined;
}

/**
 * Converting or iterating a value the analysis does not know may run functions it holds (an object
 * with a computed `[Symbol.iterator]` or `toString`): they escape, so what they change is unknown.
 */
function runsWhatItHolds(realm: Realm, v: Opaque): void {
  if (v.reach.length > 0) realm.escape(v, v.unknown);
}

/** What iterating the collection itself gives: a Map's entries, a Set's values. */
export function defaultIteration(c: CollectionValue): IteratorValue['kind'] {
  return c.kind === 'Map' ? 'entries' : 'values';
}

/**
 * A Map's or Set's keys, values or entries (new `[key, value]` arrays, as its iterators make; a Set's
 * keys and values are its elements), in its order.
 */
export function collectionContents(realm: Realm, map: CollectionValue, kind: IteratorValue['kind'], node: ts.Node): Value[] | Opaque {
  const { store } = map;
  if (store.tainted) return new Opaque(store.tainted, [map]);
  realm.charge(store.props.size, node);
  const out: Value[] = [];
  for (const [k, s] of store.props) out.push(collectionItem(map, kind, k, s));
  return out;
}

/** What an array's iterator of `kind` yields for the element `value` at index `i`. */
export function arrayItem(kind: IteratorValue['kind'], i: number, value: Value): Value {
  if (kind === 'keys') return i;
  if (kind === 'values') return value;
  return new ArrayValue([{ value: i, range: undefined }, { value, range: undefined }]);
}

/** What a Map's or Set's iterator of `kind` yields for the entry stored under `k`. */
export function collectionItem(map: CollectionValue, kind: IteratorValue['kind'], k: string, s: Slot): Value {
  const key = map.keys.get(k);
  if (kind === 'keys') return key;
  if (kind === 'values') return s.value;
  return new ArrayValue([{ value: key, range: undefined }, { value: s.value, range: s.range }]);
}
