/**
 * The JS built-ins the analysis models: only pure functions whose result it can compute exactly
 * (applied natively to known primitives, so the semantics are JS's own), and array methods that call
 * back into the module's own functions. Everything else is opaque.
 *
 * Deliberately left out: regular expressions (a pathological pattern could hang the server),
 * locale-dependent functions, transcendental `Math` functions (implementation-approximated), and
 * sorting with a comparator (an inconsistent comparator gives an implementation-defined order).
 */
import ts from 'typescript';
import { SK } from './syntax';
import {
  ArrayValue,
  BuiltinFunction,
  Closure,
  DagState,
  IteratorValue,
  NamespaceValue,
  ObjectValue,
  Opaque,
  TaskState,
  UnknownValue,
  arrayIndex,
  copySlot,
  isHeap,
  isPrimitive,
  orderedKeys,
  reachOf,
  truthiness,
  type CallSite,
  type Primitive,
  type Realm,
  type Slot,
  type Value,
} from './values';

/** Globals whose members the analysis computes natively: patching them invalidates that. */
export const MODELLED_GLOBALS: ReadonlySet<string> = new Set([
  'String', 'Number', 'Boolean', 'BigInt', 'Object', 'Array', 'JSON', 'Math', 'console', 'parseInt', 'parseFloat',
  'isNaN', 'isFinite', 'encodeURIComponent', 'decodeURIComponent', 'encodeURI', 'decodeURI', 'Dag', 'Symbol',
  'Reflect', 'Function', 'globalThis', 'global', 'window', 'self',
]);

/**
 * Globals whose functions and constructors never call back into the module nor change their arguments
 * (`Date.now()`, `new Set(xs)`, `Math.random()`): calling them does not hand the arguments over.
 */
export const SAFE_GLOBAL_CALLS: ReadonlySet<string> = new Set([
  'Math', 'Date', 'Set', 'Map', 'WeakMap', 'WeakSet', 'Error', 'TypeError', 'RangeError', 'SyntaxError',
  'URL', 'RegExp', 'Symbol', 'Number', 'String', 'BigInt', 'Boolean', 'performance',
]);

type Impl = (realm: Realm, thisValue: Value, args: readonly Value[], site: CallSite) => Value;

function fn(name: string, impl: Impl, options: BuiltinFunction['options'] = {}): BuiltinFunction {
  return new BuiltinFunction(name, impl, options);
}

export function describeValue(v: Value): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  if (isPrimitive(v)) return `the ${typeof v} ${String(v)}`;
  if (v instanceof ObjectValue) return 'an object';
  if (v instanceof ArrayValue) return 'an array';
  if (v instanceof DagState) return 'a Dag';
  if (v instanceof TaskState) return 'a task';
  if (v instanceof Closure || v instanceof BuiltinFunction) return 'a function';
  return 'a value';
}

/** The first opaque value among `values`, as an opaque result reaching all of them. */
function firstOpaque(values: readonly Value[]): Opaque | undefined {
  const o = values.find((v): v is Opaque => v instanceof Opaque);
  return o ? new Opaque(o.unknown, reachOf(values)) : undefined;
}

function nativeError(realm: Realm, e: unknown, node: ts.Node): never {
  realm.throwError(e instanceof Error ? `${e.name}: ${e.message}` : String(e), node);
}

function checkString(realm: Realm, s: string, node: ts.Node): Value {
  if (s.length > realm.limits.maxStringLength) return realm.limitOpaque(`the string grows beyond ${realm.limits.maxStringLength.toLocaleString('en-US')} characters`, node);
  return s;
}

function newArray(realm: Realm, values: readonly Value[], node: ts.Node, range?: Slot['range']): Value {
  if (values.length > realm.limits.maxArrayLength) return realm.limitOpaque(`the array grows beyond ${realm.limits.maxArrayLength.toLocaleString('en-US')} elements`, node);
  return new ArrayValue(values.map((value) => ({ value, range })));
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
export function toPrimitiveValue(realm: Realm, v: Value, node: ts.Node, hint: 'string' | 'default' = 'default', seen: Set<Value> = new Set()): Primitive | Opaque {
  if (isPrimitive(v)) return v;
  if (v instanceof Opaque) return new Opaque(v.unknown);
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
    const order = hint === 'string' ? ['toString', 'valueOf'] : ['valueOf', 'toString'];
    for (const name of order) {
      const own = v.props.get(name);
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
  if (v instanceof DagState || v instanceof TaskState) return '[object Object]';
  return realm.opaque(`converting ${realm.text(node)} to a string is not modelled by the analysis`, node);
}

function toNumber(realm: Realm, v: Value, node: ts.Node): number | Opaque {
  const p = toPrimitiveValue(realm, v, node);
  if (p instanceof Opaque) return p;
  try {
    return +(p as number);
  } catch (e) {
    nativeError(realm, e, node);
  }
}

/** Values of iterating `v` (arrays, strings, array iterators); opaque when unknown; undefined when not iterable. */
export function iterateSnapshot(realm: Realm, v: Value, node: ts.Node): Value[] | Opaque | undefined {
  if (v instanceof Opaque) return v;
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
  if (v instanceof IteratorValue) {
    if (v.source.tainted) return new Opaque(v.source.tainted, [v.source]);
    realm.charge(v.source.items.length, node);
    return v.source.items.map((s, i) => {
      if (v.kind === 'keys') return i;
      if (v.kind === 'values') return s?.value;
      return new ArrayValue([{ value: i, range: undefined }, { value: s?.value, range: undefined }]);
    });
  }
  return undefined;
}

// ───────────────────────────── globals ─────────────────────────────

function coercePrimitiveArgs(realm: Realm, args: readonly Value[], node: ts.Node): Primitive[] | Opaque {
  const out: Primitive[] = [];
  for (const a of args) {
    const p = isPrimitive(a) ? a : toPrimitiveValue(realm, a, node, 'string');
    if (p instanceof Opaque) return new Opaque(p.unknown, reachOf(args));
    out.push(p);
  }
  return out;
}

/** A pure function of primitives, applied natively (`parseInt`, `Math.floor`, …). */
function pure(name: string, f: (...args: Primitive[]) => Primitive, resultIsString = false): BuiltinFunction {
  return fn(name, (realm, _this, args, site) => {
    const prims = coercePrimitiveArgs(realm, args, site.node);
    if (prims instanceof Opaque) return prims;
    let r: Primitive;
    try {
      r = f(...prims);
    } catch (e) {
      nativeError(realm, e, site.node);
    }
    return resultIsString && typeof r === 'string' ? checkString(realm, r, site.node) : r;
  });
}

function members(entries: [string, Value][]): ReadonlyMap<string, Value> {
  return new Map(entries);
}

const stringFn = fn('String', (realm, _this, args, site) => {
  if (args.length === 0) return '';
  return realm.toStr(args[0], site.node);
}, {
  members: members([
    ['fromCharCode', pure('String.fromCharCode', (...c) => String.fromCharCode(...(c as number[])), true)],
    ['fromCodePoint', pure('String.fromCodePoint', (...c) => String.fromCodePoint(...(c as number[])), true)],
  ]),
});

const numberFn = fn('Number', (realm, _this, args, site) => {
  if (args.length === 0) return 0;
  const p = toPrimitiveValue(realm, args[0], site.node);
  if (p instanceof Opaque) return p;
  return Number(p);
}, {
  members: members([
    ['isInteger', pure('Number.isInteger', (x) => Number.isInteger(x))],
    ['isSafeInteger', pure('Number.isSafeInteger', (x) => Number.isSafeInteger(x))],
    ['isFinite', pure('Number.isFinite', (x) => Number.isFinite(x))],
    ['isNaN', pure('Number.isNaN', (x) => Number.isNaN(x))],
    ['parseInt', pure('Number.parseInt', (s, r) => Number.parseInt(s as string, r as number))],
    ['parseFloat', pure('Number.parseFloat', (s) => Number.parseFloat(s as string))],
    ['MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER],
    ['MIN_SAFE_INTEGER', Number.MIN_SAFE_INTEGER],
    ['MAX_VALUE', Number.MAX_VALUE],
    ['MIN_VALUE', Number.MIN_VALUE],
    ['EPSILON', Number.EPSILON],
    ['POSITIVE_INFINITY', Infinity],
    ['NEGATIVE_INFINITY', -Infinity],
    ['NaN', Number.NaN],
  ]),
});

const booleanFn = fn('Boolean', (_realm, _this, args) => {
  const t = truthiness(args[0]);
  return t === undefined ? new Opaque((args[0] as Opaque).unknown) : t;
});

const bigintFn = fn('BigInt', (realm, _this, args, site) => {
  const p = toPrimitiveValue(realm, args[0], site.node);
  if (p instanceof Opaque) return p;
  if (typeof p === 'string' && p.length > 10_000) return realm.limitOpaque('the integer is too long for the analysis', site.node);
  try {
    return BigInt(p as string);
  } catch (e) {
    nativeError(realm, e, site.node);
  }
});

// ── Object ──

function ownKeys(realm: Realm, v: Value, node: ts.Node): string[] | Opaque {
  if (v === null || v === undefined) realm.throwError('Cannot convert undefined or null to object', node);
  if (v instanceof Opaque) return new Opaque(v.unknown, v.reach);
  if (v instanceof ObjectValue) return v.tainted ? new Opaque(v.tainted, [v]) : orderedKeys(v);
  if (v instanceof ArrayValue) {
    if (v.tainted) return new Opaque(v.tainted, [v]);
    const keys: string[] = [];
    v.items.forEach((s, i) => { if (s) keys.push(String(i)); });
    return keys;
  }
  if (typeof v === 'string') return Array.from({ length: v.length }, (_, i) => String(i));
  if (isPrimitive(v)) return [];
  return realm.opaque(`the keys of ${describeValue(v)} are not modelled by the analysis`, node, reachOf([v]));
}

function ownValue(realm: Realm, v: Value, key: string, node: ts.Node): Value {
  return realm.getProperty(v, key, node);
}

function ownSlot(v: Value, key: string): Slot | undefined {
  if (v instanceof ObjectValue) return v.props.get(key);
  if (v instanceof ArrayValue) return v.items[Number(key)];
  return undefined;
}

const objectKeys = fn('Object.keys', (realm, _this, args, site) => {
  const keys = ownKeys(realm, args[0], site.node);
  if (keys instanceof Opaque) return keys;
  return newArray(realm, keys, site.node);
});

const objectValues = fn('Object.values', (realm, _this, args, site) => {
  const v = args[0];
  const keys = ownKeys(realm, v, site.node);
  if (keys instanceof Opaque) return keys;
  if (keys.length > realm.limits.maxArrayLength) return newArray(realm, keys, site.node);
  return new ArrayValue(keys.map((k) => ({ value: ownValue(realm, v, k, site.node), range: ownSlot(v, k)?.range })));
});

const objectEntries = fn('Object.entries', (realm, _this, args, site) => {
  const v = args[0];
  const keys = ownKeys(realm, v, site.node);
  if (keys instanceof Opaque) return keys;
  if (keys.length > realm.limits.maxArrayLength) return newArray(realm, keys, site.node);
  return new ArrayValue(keys.map((k) => {
    const range = ownSlot(v, k)?.range;
    return { value: new ArrayValue([{ value: k, range: undefined }, { value: ownValue(realm, v, k, site.node), range }]), range: undefined };
  }));
});

const objectFromEntries = fn('Object.fromEntries', (realm, _this, args, site) => {
  const entries = realm.iterate(args[0], site.node);
  if (entries instanceof Opaque) return new Opaque(entries.unknown, entries.reach);
  const obj = new ObjectValue();
  for (const e of entries) {
    if (e instanceof Opaque) return new Opaque(e.unknown, reachOf(entries));
    if (isPrimitive(e)) realm.throwError(`Iterator value ${String(e)} is not an entry object`, site.node);
    const k = realm.getProperty(e, '0', site.node);
    const value = realm.getProperty(e, '1', site.node);
    const key = k instanceof Opaque ? k : isPrimitive(k) ? String(k) : realm.toStr(k, site.node);
    if (key instanceof Opaque) return new Opaque(key.unknown, reachOf(entries));
    obj.props.set(key, { value, range: ownSlot(e, '1')?.range });
  }
  return obj;
});

const objectAssign = fn('Object.assign', (realm, _this, args, site) => {
  const target = args[0];
  if (target === null || target === undefined) realm.throwError('Cannot convert undefined or null to object', site.node);
  const sources = args.slice(1);
  if (!(target instanceof ObjectValue) || target.tainted || target.frozen || sources.some((s) => s instanceof Opaque || ((s instanceof ObjectValue || s instanceof ArrayValue) && s.tainted))) {
    const o = firstOpaque(args);
    const why = o?.unknown ?? new UnknownValue(`${realm.text(site.node)} is not modelled by the analysis`, realm.range(site.node));
    for (const a of args) realm.escape(a, why);
    return new Opaque(why, reachOf([target]));
  }
  realm.touch(target);
  for (const s of sources) {
    if (s === null || s === undefined) continue;
    const keys = ownKeys(realm, s, site.node);
    if (keys instanceof Opaque) {
      realm.escape(target, keys.unknown);
      return new Opaque(keys.unknown, [target]);
    }
    for (const k of keys) {
      const slot = ownSlot(s, k);
      const existing = target.props.get(k);
      if (existing?.accessor || k === '__proto__') {
        const why = new UnknownValue(`${realm.text(site.node)} runs a setter`, realm.range(site.node));
        realm.escape(target, why);
        return new Opaque(why, [target]);
      }
      target.props.set(k, { value: ownValue(realm, s, k, site.node), range: slot?.range });
    }
  }
  return target;
});

const objectFreeze = fn('Object.freeze', (realm, _this, args) => {
  const v = args[0];
  if (v instanceof ObjectValue || v instanceof ArrayValue) {
    realm.touch(v);
    v.frozen = true;
  }
  return v;
});

const objectIsFrozen = fn('Object.isFrozen', (realm, _this, args, site) => {
  const v = args[0];
  if (v instanceof ObjectValue || v instanceof ArrayValue) return v.tainted ? new Opaque(v.tainted) : v.frozen;
  if (isPrimitive(v)) return true;
  return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node);
});

const hasOwn = (realm: Realm, obj: Value, key: Value, node: ts.Node): Value => {
  if (obj === null || obj === undefined) realm.throwError('Cannot convert undefined or null to object', node);
  if (obj instanceof Opaque) return new Opaque(obj.unknown);
  const k = isPrimitive(key) ? String(key) : realm.toStr(key, node);
  if (k instanceof Opaque) return k;
  if (obj instanceof ObjectValue) return obj.tainted ? new Opaque(obj.tainted) : obj.props.has(k);
  if (obj instanceof ArrayValue) {
    if (obj.tainted) return new Opaque(obj.tainted);
    const i = arrayIndex(k);
    return i !== undefined ? obj.items[i] !== undefined : k === 'length';
  }
  if (typeof obj === 'string') {
    const i = arrayIndex(k);
    return i !== undefined ? i < obj.length : k === 'length';
  }
  if (isPrimitive(obj)) return false;
  return realm.opaque(`${realm.text(node)} is not modelled by the analysis`, node);
};

const objectHasOwn = fn('Object.hasOwn', (realm, _this, args, site) => hasOwn(realm, args[0], args[1], site.node));
const hasOwnProperty = fn('Object.prototype.hasOwnProperty', (realm, thisValue, args, site) => hasOwn(realm, thisValue, args[0], site.node));

const objectFn = fn('Object', (realm, _this, args, site) => realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node, reachOf(args)), {
  members: members([
    ['keys', objectKeys],
    ['values', objectValues],
    ['entries', objectEntries],
    ['fromEntries', objectFromEntries],
    ['assign', objectAssign],
    ['freeze', objectFreeze],
    ['isFrozen', objectIsFrozen],
    ['hasOwn', objectHasOwn],
  ]),
});

// ── Array ──

const arrayIsArray = fn('Array.isArray', (_realm, _this, args) => {
  const v = args[0];
  if (v instanceof Opaque) return new Opaque(v.unknown);
  return v instanceof ArrayValue;
});

function callbackSite(site: CallSite): CallSite {
  return { node: site.node, args: [], argumentCount: 3 };
}

function isCallable(v: Value): boolean {
  return v instanceof Closure || v instanceof BuiltinFunction;
}

const arrayFrom = fn('Array.from', (realm, _this, args, site) => {
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

const arrayOfFn = fn('Array.of', (realm, _this, args, site) => newArray(realm, args, site.node));

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

const arrayFn = fn('Array', arrayConstruct, {
  construct: arrayConstruct,
  members: members([
    ['isArray', arrayIsArray],
    ['from', arrayFrom],
    ['of', arrayOfFn],
  ]),
});

// ── JSON ──

/** A native copy of a known value for JSON.stringify; undefined when it holds something not modelled. */
function toNative(realm: Realm, v: Value, node: ts.Node, memo: Map<Value, unknown>, depth: number): { ok: true; value: unknown } | { ok: false; why: UnknownValue } {
  if (isPrimitive(v)) return { ok: true, value: v };
  if (v instanceof Opaque) return { ok: false, why: v.unknown };
  if (v instanceof Closure || v instanceof BuiltinFunction) return { ok: true, value: () => undefined };
  const not = (what: string): { ok: false; why: UnknownValue } => ({ ok: false, why: new UnknownValue(`JSON.stringify of ${what} is not modelled by the analysis`, realm.range(node)) });
  if (depth > 200) return not('a value nested this deeply');
  if (memo.has(v)) return { ok: true, value: memo.get(v) };
  realm.charge(1, node);
  if (v instanceof ArrayValue) {
    if (v.tainted) return { ok: false, why: v.tainted };
    const out: unknown[] = [];
    memo.set(v, out);
    for (const s of v.items) {
      const r = toNative(realm, s?.value, node, memo, depth + 1);
      if (!r.ok) return r;
      out.push(r.value);
    }
    return { ok: true, value: out };
  }
  if (v instanceof ObjectValue) {
    if (v.tainted) return { ok: false, why: v.tainted };
    if (v.props.has('toJSON')) return not('an object with a toJSON method');
    const out: Record<string, unknown> = {};
    memo.set(v, out);
    for (const key of orderedKeys(v)) {
      const s = v.props.get(key)!;
      if (s.accessor) return not('an object with a getter');
      const r = toNative(realm, s.value, node, memo, depth + 1);
      if (!r.ok) return r;
      Object.defineProperty(out, key, { value: r.value, enumerable: true, writable: true, configurable: true });
    }
    return { ok: true, value: out };
  }
  return not(describeValue(v));
}

const jsonStringify = fn('JSON.stringify', (realm, _this, args, site) => {
  const [value, replacer, space] = args;
  if (replacer !== undefined && replacer !== null) return realm.opaque('JSON.stringify with a replacer is not modelled by the analysis', site.node, reachOf(args));
  if (space instanceof Opaque) return new Opaque(space.unknown);
  if (space !== undefined && !isPrimitive(space)) return realm.opaque('this JSON.stringify indentation is not modelled by the analysis', site.node);
  const native = toNative(realm, value, site.node, new Map(), 0);
  if (!native.ok) return new Opaque(native.why, reachOf([value]));
  let r: string | undefined;
  try {
    r = JSON.stringify(native.value, null, space as string | number | undefined);
  } catch (e) {
    nativeError(realm, e, site.node);
  }
  return r === undefined ? undefined : checkString(realm, r, site.node);
});

function fromNative(realm: Realm, v: unknown, node: ts.Node): Value {
  if (v === null || typeof v !== 'object') return v as Primitive;
  realm.charge(1, node);
  if (Array.isArray(v)) return new ArrayValue(v.map((x) => ({ value: fromNative(realm, x, node), range: undefined })));
  const obj = new ObjectValue();
  for (const key of Object.keys(v)) obj.props.set(key, { value: fromNative(realm, (v as Record<string, unknown>)[key], node), range: undefined });
  return obj;
}

const jsonParse = fn('JSON.parse', (realm, _this, args, site) => {
  if (args[1] !== undefined) return realm.opaque('JSON.parse with a reviver is not modelled by the analysis', site.node, reachOf(args));
  const text = realm.toStr(args[0], site.node);
  if (text instanceof Opaque) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    nativeError(realm, e, site.node);
  }
  return fromNative(realm, parsed, site.node);
});

const jsonNamespace = new NamespaceValue('JSON', members([
  ['stringify', jsonStringify],
  ['parse', jsonParse],
]));

// ── Math: exact functions only ──

const mathNamespace = new NamespaceValue('Math', members([
  ['abs', pure('Math.abs', (x) => Math.abs(x as number))],
  ['ceil', pure('Math.ceil', (x) => Math.ceil(x as number))],
  ['floor', pure('Math.floor', (x) => Math.floor(x as number))],
  ['round', pure('Math.round', (x) => Math.round(x as number))],
  ['trunc', pure('Math.trunc', (x) => Math.trunc(x as number))],
  ['sign', pure('Math.sign', (x) => Math.sign(x as number))],
  ['max', pure('Math.max', (...xs) => Math.max(...(xs as number[])))],
  ['min', pure('Math.min', (...xs) => Math.min(...(xs as number[])))],
  ['pow', pure('Math.pow', (x, y) => Math.pow(x as number, y as number))],
  ['sqrt', pure('Math.sqrt', (x) => Math.sqrt(x as number))],
  ['clz32', pure('Math.clz32', (x) => Math.clz32(x as number))],
  ['imul', pure('Math.imul', (x, y) => Math.imul(x as number, y as number))],
  ['fround', pure('Math.fround', (x) => Math.fround(x as number))],
  ['PI', Math.PI],
  ['E', Math.E],
  ['LN2', Math.LN2],
  ['LN10', Math.LN10],
  ['LOG2E', Math.LOG2E],
  ['LOG10E', Math.LOG10E],
  ['SQRT2', Math.SQRT2],
  ['SQRT1_2', Math.SQRT1_2],
]));

// ── console: prints, changes nothing the DAG sees ──

const consoleMethod = fn('console.log', (realm, _this, args, site) => {
  // Printing does not run the module's code, except a format string's `%s`/`%d` on an object (its
  // toString) and inspection hooks on objects the analysis could not model (opaque values).
  const formats = typeof args[0] === 'string' && args[0].includes('%');
  const why = new UnknownValue(`${realm.text(site.node)} may run code of the values it prints`, realm.range(site.node));
  for (const a of args) {
    if (a instanceof Opaque || (formats && isHeap(a))) realm.escape(a, why);
  }
  return undefined;
});

const consoleNamespace = new NamespaceValue('console', members(
  ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table', 'group', 'groupEnd', 'groupCollapsed', 'time', 'timeEnd', 'timeLog', 'count', 'assert'].map((n) => [n, consoleMethod]),
));

const GLOBALS = new Map<string, Value>([
  ['String', stringFn],
  ['Number', numberFn],
  ['Boolean', booleanFn],
  ['BigInt', bigintFn],
  ['Object', objectFn],
  ['Array', arrayFn],
  ['JSON', jsonNamespace],
  ['Math', mathNamespace],
  ['console', consoleNamespace],
  ['parseInt', pure('parseInt', (s, r) => parseInt(s as string, r as number))],
  ['parseFloat', pure('parseFloat', (s) => parseFloat(s as string))],
  ['isNaN', pure('isNaN', (x) => isNaN(x as number))],
  ['isFinite', pure('isFinite', (x) => isFinite(x as number))],
  ['encodeURIComponent', pure('encodeURIComponent', (s) => encodeURIComponent(s as string), true)],
  ['decodeURIComponent', pure('decodeURIComponent', (s) => decodeURIComponent(s as string), true)],
  ['encodeURI', pure('encodeURI', (s) => encodeURI(s as string), true)],
  ['decodeURI', pure('decodeURI', (s) => decodeURI(s as string), true)],
]);

/** The value of a global the module does not declare. */
export function globalValue(realm: Realm, name: string, node: ts.Node): Value {
  switch (name) {
    case 'undefined': return undefined;
    case 'NaN': return Number.NaN;
    case 'Infinity': return Infinity;
  }
  const g = GLOBALS.get(name);
  if (g !== undefined && !realm.builtinsPatched) return g;
  return realm.chainOpaque({ kind: 'global', root: name }, node, 'read');
}

// ───────────────────────────── primitives' methods ─────────────────────────────

/** A method of a primitive applied natively, after converting its arguments to primitives. */
function nativeMethod(proto: object, type: 'string' | 'number' | 'bigint' | 'boolean', name: string, check?: (realm: Realm, self: Primitive, args: Primitive[], node: ts.Node) => Value | undefined): BuiltinFunction {
  const method = (proto as Record<string, (...a: unknown[]) => unknown>)[name]!;
  return fn(`${type}.${name}`, (realm, thisValue, args, site) => {
    if (thisValue instanceof Opaque) return new Opaque(thisValue.unknown);
    if (typeof thisValue !== type) return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node, reachOf([thisValue, ...args]));
    const prims = coercePrimitiveArgs(realm, args, site.node);
    if (prims instanceof Opaque) return prims;
    const early = check?.(realm, thisValue as Primitive, prims, site.node);
    if (early !== undefined) return early;
    let r: unknown;
    try {
      r = method.apply(thisValue, prims);
    } catch (e) {
      nativeError(realm, e, site.node);
    }
    if (typeof r === 'string') return checkString(realm, r, site.node);
    if (Array.isArray(r)) return newArray(realm, r as Primitive[], site.node);
    return r as Primitive;
  });
}

const sizeCheck = (realm: Realm, self: Primitive, args: Primitive[], node: ts.Node, name: string): Value | undefined => {
  const s = self as string;
  let estimate = 0;
  if (name === 'repeat') estimate = s.length * Math.max(0, Number(args[0]) || 0);
  else if (name === 'padStart' || name === 'padEnd') estimate = Math.max(s.length, Number(args[0]) || 0);
  if (estimate > realm.limits.maxStringLength) return realm.limitOpaque(`the string grows beyond ${realm.limits.maxStringLength.toLocaleString('en-US')} characters`, node);
  return undefined;
};

/** `replace`/`replaceAll` with a string pattern (never a regular expression) and a string or function replacement. */
function stringReplace(all: boolean): BuiltinFunction {
  return fn(all ? 'string.replaceAll' : 'string.replace', (realm, thisValue, args, site) => {
    if (thisValue instanceof Opaque) return new Opaque(thisValue.unknown);
    if (typeof thisValue !== 'string') return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node);
    const [pattern, replacement] = args;
    if (pattern instanceof Opaque) return new Opaque(pattern.unknown, reachOf([replacement]));
    if (typeof pattern !== 'string') return realm.opaque(`${realm.text(site.node)} with a pattern that is not a string is not modelled by the analysis`, site.node, reachOf(args));
    const s = thisValue;
    if (isCallable(replacement)) {
      const positions: number[] = [];
      if (all) {
        const step = Math.max(pattern.length, 1);
        for (let i = s.indexOf(pattern); i >= 0 && i <= s.length; i = s.indexOf(pattern, i + step)) {
          positions.push(i);
          if (positions.length > realm.limits.maxArrayLength) return realm.limitOpaque('too many replacements for the analysis', site.node);
          if (pattern.length === 0 && i === s.length) break;
        }
      } else {
        const i = s.indexOf(pattern);
        if (i >= 0) positions.push(i);
      }
      let out = '';
      let last = 0;
      for (const i of positions) {
        const r = realm.call(replacement, undefined, [pattern, i, s], callbackSite(site));
        const rs = realm.toStr(r, site.node);
        if (rs instanceof Opaque) return rs;
        out += s.slice(last, i) + rs;
        last = i + pattern.length;
        if (out.length > realm.limits.maxStringLength) return checkString(realm, out, site.node);
      }
      return checkString(realm, out + s.slice(last), site.node);
    }
    const rep = isPrimitive(replacement) ? replacement : realm.toStr(replacement, site.node);
    if (rep instanceof Opaque) return rep;
    const r = String(rep);
    // A generous bound of the result's length before computing it.
    const count = all ? (pattern.length === 0 ? s.length + 1 : s.split(pattern).length - 1) : 1;
    if (s.length + count * r.length * 2 > realm.limits.maxStringLength) return realm.limitOpaque(`the string grows beyond ${realm.limits.maxStringLength.toLocaleString('en-US')} characters`, site.node);
    return all ? s.replaceAll(pattern, r) : s.replace(pattern, r);
  });
}

const stringSplit = fn('string.split', (realm, thisValue, args, site) => {
  if (thisValue instanceof Opaque) return new Opaque(thisValue.unknown);
  if (typeof thisValue !== 'string') return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node);
  const [sep, limit] = args;
  if (sep instanceof Opaque || limit instanceof Opaque) return new Opaque((sep instanceof Opaque ? sep : limit as Opaque).unknown);
  if (sep !== undefined && typeof sep !== 'string') return realm.opaque(`${realm.text(site.node)} with a separator that is not a string is not modelled by the analysis`, site.node);
  if (limit !== undefined && !isPrimitive(limit)) return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node);
  realm.charge(thisValue.length, site.node);
  let parts: string[];
  try {
    parts = thisValue.split(sep as string, limit as number | undefined);
  } catch (e) {
    nativeError(realm, e, site.node);
  }
  return newArray(realm, parts, site.node);
});

const STRING_METHODS = new Map<string, BuiltinFunction>();
for (const name of ['at', 'charAt', 'charCodeAt', 'codePointAt', 'concat', 'endsWith', 'includes', 'indexOf', 'lastIndexOf', 'padEnd', 'padStart', 'repeat', 'slice', 'startsWith', 'substring', 'substr', 'toLowerCase', 'toUpperCase', 'trim', 'trimStart', 'trimEnd', 'toString', 'valueOf', 'isWellFormed', 'toWellFormed']) {
  if (typeof (String.prototype as unknown as Record<string, unknown>)[name] !== 'function') continue;
  STRING_METHODS.set(name, nativeMethod(String.prototype, 'string', name, (realm, self, a, node) => sizeCheck(realm, self, a, node, name)));
}
STRING_METHODS.set('replace', stringReplace(false));
STRING_METHODS.set('replaceAll', stringReplace(true));
STRING_METHODS.set('split', stringSplit);

const NUMBER_METHODS = new Map<string, BuiltinFunction>([
  ['toString', nativeMethod(Number.prototype, 'number', 'toString', (realm, self, a, node) => {
    // Other radixes are exact only for integers (the spec leaves fractions to the implementation).
    if (a[0] !== undefined && a[0] !== 10 && !Number.isInteger(self)) return realm.opaque(`${realm.text(node)} is implementation-defined`, node);
    return undefined;
  })],
  ['toFixed', nativeMethod(Number.prototype, 'number', 'toFixed')],
  ['valueOf', nativeMethod(Number.prototype, 'number', 'valueOf')],
]);
const BIGINT_METHODS = new Map<string, BuiltinFunction>([
  ['toString', nativeMethod(BigInt.prototype, 'bigint', 'toString')],
  ['valueOf', nativeMethod(BigInt.prototype, 'bigint', 'valueOf')],
]);
const BOOLEAN_METHODS = new Map<string, BuiltinFunction>([
  ['toString', nativeMethod(Boolean.prototype, 'boolean', 'toString')],
  ['valueOf', nativeMethod(Boolean.prototype, 'boolean', 'valueOf')],
]);

export function primitiveProperty(realm: Realm, v: Primitive, key: string, node: ts.Node): Value {
  if (realm.builtinsPatched) return new Opaque(realm.builtinsPatched);
  let methods: ReadonlyMap<string, BuiltinFunction>;
  let proto: object;
  switch (typeof v) {
    case 'string': {
      if (key === 'length') return v.length;
      const i = arrayIndex(key);
      if (i !== undefined) return i < v.length ? v[i] : undefined;
      methods = STRING_METHODS;
      proto = String.prototype;
      break;
    }
    case 'number':
      methods = NUMBER_METHODS;
      proto = Number.prototype;
      break;
    case 'bigint':
      methods = BIGINT_METHODS;
      proto = BigInt.prototype;
      break;
    case 'boolean':
      methods = BOOLEAN_METHODS;
      proto = Boolean.prototype;
      break;
    default:
      return realm.opaque(`${realm.text(node)} is not modelled by the analysis`, node);
  }
  const m = methods.get(key);
  if (m) return m;
  if (key in proto) return realm.chainOpaque({ kind: 'builtin', root: typeof v }, node, 'read');
  return undefined;
}

export function objectProtoProperty(realm: Realm, _obj: ObjectValue, key: string, node: ts.Node): Value {
  if (realm.builtinsPatched) return new Opaque(realm.builtinsPatched);
  if (key === 'hasOwnProperty') return hasOwnProperty;
  if (key in Object.prototype) return realm.chainOpaque({ kind: 'builtin', root: 'Object' }, node, 'read');
  return undefined;
}

// ───────────────────────────── arrays' methods ─────────────────────────────

type ArrayImpl = (realm: Realm, arr: ArrayValue, args: readonly Value[], site: CallSite) => Value;

/** An array method: `this` must be a known array (and not frozen, for a mutating method). */
function arrayMethod(name: string, impl: ArrayImpl, mutates = false): BuiltinFunction {
  return fn(`Array.prototype.${name}`, (realm, thisValue, args, site) => {
    if (!(thisValue instanceof ArrayValue)) {
      if (thisValue instanceof Opaque) return new Opaque(thisValue.unknown, thisValue.reach);
      return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node, reachOf([thisValue, ...args]));
    }
    if (thisValue.tainted) {
      for (const a of args) realm.escape(a, thisValue.tainted);
      return new Opaque(thisValue.tainted, [thisValue]);
    }
    if (mutates && thisValue.frozen) {
      // A frozen array cannot change: the call throws a TypeError, unless it has nothing to write
      // (reversing an empty array). Either way the array stays as it is.
      realm.mayThrow();
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
  defineArray(name, (realm, arr, [x, from], site) => {
    const len = arr.items.length;
    const indexes: number[] = [];
    if (name === 'indexOf') {
      const start = relIndex(realm, from, len, 0, site.node);
      if (start instanceof Opaque) return start;
      for (let i = start; i < len; i++) indexes.push(i);
    } else {
      let start = len - 1;
      if (from !== undefined) {
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
  const inserted = args.slice(2).map((a, i) => ({ value: a, range: site.args[i + 2]?.node ? realm.range(site.args[i + 2]!.node!) : undefined }));
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
  const present: Slot[] = [];
  let undefinedCount = 0;
  let holes = 0;
  for (const s of arr.items) {
    if (!s) holes++;
    else if (s.value === undefined) undefinedCount++;
    else present.push(s);
  }
  const keys: string[] = [];
  for (const s of present) {
    if (!isPrimitive(s.value)) return realm.opaque(`${realm.text(site.node)} sorts values that are not strings or numbers, which the analysis does not model`, site.node, [arr]);
    keys.push(String(s.value));
  }
  const order = present.map((_, i) => i).sort((i, j) => (keys[i]! < keys[j]! ? -1 : keys[i]! > keys[j]! ? 1 : i - j));
  return [...order.map((i) => present[i]!), ...Array.from({ length: undefinedCount }, () => ({ value: undefined, range: undefined })), ...new Array<undefined>(holes).fill(undefined)];
}

defineArray('sort', (realm, arr, [cmp], site) => {
  if (cmp !== undefined) {
    const why = new UnknownValue(`${realm.text(site.node)} sorts with a comparator, which the analysis does not model`, realm.range(site.node));
    realm.escape(arr, why);
    realm.escape(cmp, why);
    return new Opaque(why, [arr]);
  }
  const sorted = defaultSorted(realm, arr, site);
  if (sorted instanceof Opaque) {
    realm.escape(arr, sorted.unknown);
    return sorted;
  }
  arr.items = sorted;
  return arr;
}, true);

defineArray('toSorted', (realm, arr, [cmp], site) => {
  if (cmp !== undefined) {
    const why = new UnknownValue(`${realm.text(site.node)} sorts with a comparator, which the analysis does not model`, realm.range(site.node));
    realm.escape(cmp, why);
    return new Opaque(why, [arr]);
  }
  const sorted = defaultSorted(realm, arr, site);
  if (sorted instanceof Opaque) return sorted;
  return new ArrayValue(sorted.map((s) => s ?? { value: undefined, range: undefined }));
});

defineArray('toReversed', (_realm, arr) => new ArrayValue([...arr.items].reverse().map((s) => s ?? { value: undefined, range: undefined })));

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

