/**
 * `Map` and `Set`, as registries of tasks and lookup tables over config use them: a
 * {@link CollectionValue} followed through `get`/`set`/`add`, `has`, `delete`, `clear`, `size`,
 * `forEach`, its iterators, `for…of`, spread and `Array.from`. Keys compare by SameValueZero (`NaN`
 * once, `-0` as `+0`, objects by identity), in insertion order. An entry stored under an unknown key,
 * or removed by one, makes the whole collection unknown (any entry may be the one written).
 */
import type ts from 'typescript';
import { UnknownValue } from '../types';
import { BuiltinFunction, CollectionValue, IteratorValue, Opaque, collectionKey, isPrimitive, reachOf, type CallSite, type Realm, type Value } from '../values';
import { iterateSnapshot } from './coercion';
import { callbackSite, describeValue, fn, isCallable, methodFn } from './support';

/**
 * What `new Map(iterable)` or `new Set(iterable)` is made from: the iterable's values, or an unknown
 * (not known, or not iterable: a TypeError then).
 */
function initialValues(realm: Realm, iterable: Value, site: CallSite): readonly Value[] | Opaque {
  if (iterable === undefined || iterable === null) return [];
  const values = iterateSnapshot(realm, iterable, site.node);
  if (values === undefined) return realm.throwError(`${describeValue(iterable)} is not iterable`, site.node);
  return values instanceof Opaque ? new Opaque(values.unknown, values.reach) : values;
}

export const setFn = fn('Set', (realm, _this, _args, site) => realm.throwError("Constructor Set requires 'new'", site.node), {
  construct: (realm, _this, [iterable], site) => {
    const values = initialValues(realm, iterable, site);
    if (values instanceof Opaque) return values;
    const set = new CollectionValue('Set');
    for (const v of values) {
      // An unknown element: the Set is an unknown that may hold any of them.
      if (v instanceof Opaque) return new Opaque(v.unknown, reachOf(values));
      storeEntry(realm, set, v, v, site.node);
    }
    return set;
  },
});

export const mapFn = fn('Map', (realm, _this, _args, site) => realm.throwError("Constructor Map requires 'new'", site.node), {
  construct: (realm, _this, [iterable], site) => {
    const entries = initialValues(realm, iterable, site);
    if (entries instanceof Opaque) return entries;
    const map = new CollectionValue('Map');
    // An unknown entry or key: the Map is an unknown that may hold any of the entries.
    const unknownMap = (why: Opaque) => new Opaque(why.unknown, reachOf(entries));
    for (const entry of entries) {
      if (entry instanceof Opaque) return unknownMap(entry);
      if (isPrimitive(entry)) realm.throwError(`Iterator value ${String(entry)} is not an entry object`, site.node);
      const key = realm.getProperty(entry, '0', site.node);
      const value = realm.getProperty(entry, '1', site.node);
      if (key instanceof Opaque) return unknownMap(key);
      storeEntry(realm, map, key, value, site.node);
    }
    return map;
  },
});

/** `map.set(key, value)` or `set.add(value)` (stored as `value` under `value`), with a known key. */
function storeEntry(realm: Realm, c: CollectionValue, key: Value, value: Value, node: ts.Node): void {
  const k = collectionKey(key)!;
  realm.touch(c.store);
  if (!c.store.props.has(k)) {
    c.changes++;
    // Maps and Sets keep -0 as +0.
    c.keys.set(k, key === 0 ? 0 : key);
  }
  c.store.props.set(k, { value: c.kind === 'Set' && value === 0 ? 0 : value, range: realm.range(node) });
  realm.charge(1, node);
}

type CollectionImpl = (realm: Realm, c: CollectionValue, args: readonly Value[], site: CallSite) => Value;

/** A method of Map.prototype or Set.prototype: `this` must be a known Map (Set) whose entries are known. */
function method(kind: CollectionValue['kind'], name: string, impl: CollectionImpl): BuiltinFunction {
  return methodFn(`${kind}.prototype.${name}`, (realm, thisValue, args, site) => {
    if (!(thisValue instanceof CollectionValue && thisValue.kind === kind)) {
      if (thisValue instanceof Opaque) return new Opaque(thisValue.unknown, reachOf([thisValue, ...args]));
      return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node, reachOf([thisValue, ...args]));
    }
    const tainted = thisValue.store.tainted;
    if (tainted) {
      for (const a of args) realm.escape(a, tainted);
      return name === 'set' || name === 'add' ? thisValue : new Opaque(tainted, [thisValue]);
    }
    return impl(realm, thisValue, args, site);
  });
}

/** An unknown key: which entry is read or written is not known, so none is. */
function unknownKey(realm: Realm, key: Opaque, site: CallSite): UnknownValue {
  return realm.opaque(`${realm.text(site.node)} uses a key that is not static (${key.unknown.why})`, site.node).unknown;
}

/** The methods Maps and Sets share: `has`, `delete`, `clear`, `forEach` and the iterators. */
function sharedMethods(kind: CollectionValue['kind']): [string, BuiltinFunction][] {
  return [
    ['has', method(kind, 'has', (_realm, c, [key]) => {
      const k = collectionKey(key);
      if (k === undefined) return new Opaque((key as Opaque).unknown);
      return c.store.props.has(k);
    })],
    ['delete', method(kind, 'delete', (realm, c, [key], site) => {
      if (key instanceof Opaque) {
        realm.escape(c, unknownKey(realm, key, site));
        return new Opaque(key.unknown);
      }
      const k = collectionKey(key)!;
      if (!c.store.props.has(k)) return false;
      realm.touch(c.store);
      c.store.props.delete(k);
      c.changes++;
      return true;
    })],
    ['clear', method(kind, 'clear', (realm, c) => {
      if (c.store.props.size === 0) return undefined;
      realm.touch(c.store);
      c.store.props.clear();
      c.changes++;
      return undefined;
    })],
    // `callback(value, key, collection)`; a Set's key is its value.
    ['forEach', method(kind, 'forEach', (realm, c, [cb, thisArg], site) => {
      if (!isCallable(cb)) {
        if (cb instanceof Opaque) {
          realm.escape(c, cb.unknown);
          return undefined;
        }
        realm.throwError(`${describeValue(cb)} is not a function`, site.node);
      }
      // Live, as JS iterates: values read when visited; an entry added or removed meanwhile is not followed.
      const keys = [...c.store.props.keys()];
      const changes = c.changes;
      realm.charge(keys.length, site.node);
      // Checked before each visit and after the last: an entry added by the last callback is visited too.
      const changed = () => c.store.tainted ?? (c.changes !== changes ? realm.opaque(`${realm.text(site.node)} adds to or removes from the ${kind} while it runs over it, which the analysis does not follow`, site.node).unknown : undefined);
      const notFollowed = (why: UnknownValue) => {
        realm.escape(cb, why);
        realm.escape(c, why);
        return undefined;
      };
      for (const k of keys) {
        const why = changed();
        if (why) return notFollowed(why);
        realm.call(cb, thisArg, [c.store.props.get(k)!.value, c.keys.get(k), c], callbackSite(site));
      }
      const why = changed();
      return why ? notFollowed(why) : undefined;
    })],
    ...(['keys', 'values', 'entries'] as const).map((it): [string, BuiltinFunction] => [it, method(kind, it, (_realm, c) => new IteratorValue(c, it))]),
  ];
}

const MAP_METHODS = new Map<string, BuiltinFunction>([
  ...sharedMethods('Map'),
  ['get', method('Map', 'get', (_realm, map, [key]) => {
    const k = collectionKey(key);
    if (k === undefined) return new Opaque((key as Opaque).unknown, [map]);
    return map.store.props.get(k)?.value;
  })],
  ['set', method('Map', 'set', (realm, map, [key, value], site) => {
    if (key instanceof Opaque) {
      // The Map now holds both somewhere: what may be reached through it goes to unseen code.
      const why = unknownKey(realm, key, site);
      realm.escape(map, why);
      realm.escape(key, why);
      realm.escape(value, why);
    } else storeEntry(realm, map, key, value, site.node);
    return map;
  })],
]);

const SET_METHODS = new Map<string, BuiltinFunction>([
  ...sharedMethods('Set'),
  ['add', method('Set', 'add', (realm, set, [value], site) => {
    if (value instanceof Opaque) {
      const why = unknownKey(realm, value, site);
      realm.escape(set, why);
      realm.escape(value, why);
    } else storeEntry(realm, set, value, value, site.node);
    return set;
  })],
]);

/** `c.key`: its methods and `size`; anything else (own properties, other members) is not followed. */
export function collectionProperty(realm: Realm, c: CollectionValue, key: string, node: ts.Node): Value {
  if (key === 'size') return c.store.tainted ? new Opaque(c.store.tainted, [c]) : c.store.props.size;
  return (c.kind === 'Map' ? MAP_METHODS : SET_METHODS).get(key) ?? realm.opaque(`${realm.text(node)} is not modelled by the analysis`, node, [c]);
}
