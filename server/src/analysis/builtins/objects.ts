/** `Object` and its functions, and what plain objects inherit from `Object.prototype`. */
import type ts from 'typescript';
import {
  ArrayValue,
  MatchArrayValue,
  ClassValue,
  InstanceValue,
  ModuleNamespace,
  ObjectValue,
  Opaque,
  UnknownValue,
  arrayIndex,
  isPrimitive,
  orderedKeys,
  reachOf,
  type Realm,
  type Slot,
  type Value,
} from '../values';
import { describeValue, firstOpaque, fn, members, newArray } from './support';
import { changesBuiltins } from './patches';

function ownKeys(realm: Realm, v: Value, node: ts.Node): string[] | Opaque {
  if (v === null || v === undefined) realm.throwError('Cannot convert undefined or null to object', node);
  if (v instanceof Opaque) return new Opaque(v.unknown, v.reach);
  if (v instanceof ObjectValue) return v.tainted ? new Opaque(v.tainted, [v]) : orderedKeys(v);
  if (v instanceof MatchArrayValue) return realm.opaque('the own keys of a regular expression match are not modelled by the analysis', node, [v]);
  if (v instanceof ArrayValue) {
    if (v.tainted) return new Opaque(v.tainted, [v]);
    const keys: string[] = [];
    v.items.forEach((s, i) => { if (s) keys.push(String(i)); });
    return keys;
  }
  if (typeof v === 'string') return Array.from({ length: v.length }, (_, i) => String(i));
  if (isPrimitive(v)) return [];
  if (v instanceof ModuleNamespace) {
    const keys = v.currentKeys();
    return 'unknown' in keys ? realm.opaque(`the exports of ${v.path} are not known to the analysis (${keys.unknown})`, node, reachOf([v])) : [...keys];
  }
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
  if (target instanceof ModuleNamespace) {
    // The bundle's namespace: an export is a getter without a setter, which Object.assign's writes
    // fail on (TypeError) in any mode.
    const current = target.currentKeys();
    const exports = 'unknown' in current ? undefined : current;
    for (const s of sources) {
      const keys = exports && s instanceof ObjectValue && !s.tainted ? orderedKeys(s) : undefined;
      if (!exports || !keys) break;
      const written = keys.find((k) => exports.includes(k));
      if (written !== undefined) realm.throwError(`Cannot set property ${written} of #<Object> which has only a getter`, site.node);
    }
    realm.mayThrow();
  }
  // (An instance whose prototype has setters would run them.)
  if (!(target instanceof ObjectValue) || target.tainted || target.frozen || (target instanceof InstanceValue && (target.cls.chainEscaped() || target.cls.hasAccessors())) || sources.some((s) => s instanceof Opaque || ((s instanceof ObjectValue || s instanceof ArrayValue) && s.tainted))) {
    const o = firstOpaque(args);
    const why = o?.unknown ?? new UnknownValue(`${realm.text(site.node)} is not modelled by the analysis`, realm.range(site.node));
    // Onto the global object, a built-in or its prototype: `Object.assign(globalThis, { Error })`.
    if (target instanceof Opaque && changesBuiltins(target)) realm.patchBuiltins(site.node);
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
  // A value the analysis does not know may be one freezing throws for (a Buffer, a typed array, a Proxy).
  if (v instanceof Opaque) realm.mayThrow();
  if (v instanceof ObjectValue || v instanceof ArrayValue) {
    realm.touch(v);
    v.frozen = true;
  }
  // A class: its static members (its own `name`, `length` and `prototype` are not modelled).
  if (v instanceof ClassValue) {
    realm.touch(v.statics);
    v.statics.frozen = true;
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
  // ToPropertyKey (the key's toString) runs whatever the object is.
  const k = isPrimitive(key) ? String(key) : realm.toStr(key, node);
  if (obj instanceof Opaque) return new Opaque(obj.unknown);
  if (k instanceof Opaque) return k;
  if (obj instanceof ObjectValue) return obj.tainted ? new Opaque(obj.tainted) : obj.props.has(k);
  if (obj instanceof ArrayValue) {
    if (obj.tainted) return new Opaque(obj.tainted);
    const i = arrayIndex(k);
    return i !== undefined ? obj.items[i] !== undefined : k === 'length' || (obj instanceof MatchArrayValue && obj.extra(k) !== undefined);
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

/** SameValue: primitives as JS compares them (`NaN` equal to itself, `-0` not to `+0`), the rest by identity. */
const objectIs = fn('Object.is', (_realm, _this, [a, b]) => (a instanceof Opaque || b instanceof Opaque ? firstOpaque([a, b])! : Object.is(a, b)));

export const objectFn = fn('Object', (realm, _this, args, site) => realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node, reachOf(args)), {
  members: members([
    ['keys', objectKeys],
    ['values', objectValues],
    ['entries', objectEntries],
    ['fromEntries', objectFromEntries],
    ['assign', objectAssign],
    ['freeze', objectFreeze],
    ['isFrozen', objectIsFrozen],
    ['hasOwn', objectHasOwn],
    ['is', objectIs],
  ]),
});

export function objectProtoProperty(realm: Realm, _obj: ObjectValue, key: string, node: ts.Node): Value {
  if (realm.builtinsPatched) return new Opaque(realm.builtinsPatched);
  if (key === 'hasOwnProperty') return hasOwnProperty;
  if (key in Object.prototype) return realm.chainOpaque({ kind: 'builtin', root: 'Object' }, node, 'read');
  return undefined;
}
