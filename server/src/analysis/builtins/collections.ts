/**
 * `new Set(iterable)`, as far as the analysis follows it (see {@link SetOpaque}): the elements of a
 * known iterable, each kept once, by SameValueZero as a Set keeps them (`NaN` once, `-0` as `+0`, an
 * object by identity), in the order they first come. The common use is dropping repeats:
 * `[...new Set(names)]`, `Array.from(new Set(xs))`.
 */
import type ts from 'typescript';
import { UnknownValue } from '../types';
import { BuiltinFunction, IteratorValue, MapValue, Opaque, SetOpaque, isPrimitive, mapKey, reachOf, type CallSite, type Realm, type Value } from '../values';
import { iterateSnapshot } from './coercion';
import { callbackSite, describeValue, fn, isCallable } from './support';

export const setFn = fn('Set', (realm, _this, args, site) => realm.opaque(`${realm.text(site.node)} (Set without new) is not modelled by the analysis`, site.node, reachOf(args)), {
  construct: (realm, _this, args, site) => {
    const why = realm.opaque('a Set is followed only when it is spread, given to Array.from or destructured, before any of its methods is read', site.node).unknown;
    const [iterable] = args;
    const values = iterable === undefined || iterable === null ? [] : iterateSnapshot(realm, iterable, site.node);
    // Not iterable (a TypeError when the module runs), or not known: an unknown like any other.
    if (values === undefined || values instanceof Opaque) return realm.opaque(`${realm.text(site.node)} is computed at run time`, site.node, reachOf(args));
    const primitives = new Set<unknown>();
    const objects = new Set<Value>();
    const elements: Value[] = [];
    for (const v of values) {
      const seen = isPrimitive(v) ? primitives : objects;
      // `Set.prototype.add` stores -0 as +0.
      const element = v === 0 ? 0 : v;
      if (seen.has(element)) continue;
      seen.add(element);
      elements.push(element);
    }
    return new SetOpaque(why, elements, realm.havocEpoch);
  },
});

// ───────────────────────────── Map ─────────────────────────────

/**
 * `new Map(iterable)`: a {@link MapValue}, followed through `get`, `set`, `has`, `delete`, `clear`,
 * `size`, `forEach` and its iterators, as a registry of tasks or a lookup table over config is used.
 * An entry stored under an unknown key makes the whole Map unknown (any entry may be the one written).
 */
export const mapFn = fn('Map', (realm, _this, _args, site) => realm.throwError("Constructor Map requires 'new'", site.node), {
  construct: (realm, _this, args, site) => {
    const map = new MapValue();
    const [iterable] = args;
    if (iterable === undefined || iterable === null) return map;
    const snapshot = iterateSnapshot(realm, iterable, site.node);
    if (snapshot === undefined) return realm.throwError(`${describeValue(iterable)} is not iterable`, site.node);
    if (snapshot instanceof Opaque) return snapshot;
    const entries = snapshot;
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

/** `map.set(key, value)` with a known key. */
function storeEntry(realm: Realm, map: MapValue, key: Value, value: Value, node: ts.Node): void {
  const k = mapKey(key)!;
  realm.touch(map.store);
  if (!map.store.props.has(k)) {
    map.changes++;
    // A Map keeps -0 as +0.
    map.keys.set(k, key === 0 ? 0 : key);
  }
  map.store.props.set(k, { value, range: realm.range(node) });
  realm.charge(1, node);
}

type MapImpl = (realm: Realm, map: MapValue, args: readonly Value[], site: CallSite) => Value;

/** A method of Map.prototype: `this` must be a known Map whose entries are known. */
function mapMethod(name: string, impl: MapImpl): BuiltinFunction {
  return fn(`Map.prototype.${name}`, (realm, thisValue, args, site) => {
    if (!(thisValue instanceof MapValue)) {
      if (thisValue instanceof Opaque) return new Opaque(thisValue.unknown, reachOf([thisValue, ...args]));
      return realm.opaque(`${realm.text(site.node)} is not modelled by the analysis`, site.node, reachOf([thisValue, ...args]));
    }
    const tainted = thisValue.store.tainted;
    if (tainted) {
      for (const a of args) realm.escape(a, tainted);
      return name === 'set' ? thisValue : new Opaque(tainted, [thisValue]);
    }
    return impl(realm, thisValue, args, site);
  });
}

/** An unknown key: which entry is read or written is not known. */
function unknownKey(realm: Realm, key: Opaque, site: CallSite): UnknownValue {
  return realm.opaque(`${realm.text(site.node)} uses a key that is not static (${key.unknown.why})`, site.node).unknown;
}

const MAP_METHODS = new Map<string, BuiltinFunction>([
  ['get', mapMethod('get', (_realm, map, [key]) => {
    const k = mapKey(key);
    if (k === undefined) return new Opaque((key as Opaque).unknown, [map]);
    return map.store.props.get(k)?.value;
  })],
  ['has', mapMethod('has', (_realm, map, [key]) => {
    const k = mapKey(key);
    if (k === undefined) return new Opaque((key as Opaque).unknown);
    return map.store.props.has(k);
  })],
  ['set', mapMethod('set', (realm, map, [key, value], site) => {
    if (key instanceof Opaque) {
      const why = unknownKey(realm, key, site);
      realm.escape(map, why);
      realm.escape(value, why);
    } else storeEntry(realm, map, key, value, site.node);
    return map;
  })],
  ['delete', mapMethod('delete', (realm, map, [key], site) => {
    if (key instanceof Opaque) {
      realm.escape(map, unknownKey(realm, key, site));
      return new Opaque(key.unknown);
    }
    const k = mapKey(key)!;
    if (!map.store.props.has(k)) return false;
    realm.touch(map.store);
    map.store.props.delete(k);
    map.changes++;
    return true;
  })],
  ['clear', mapMethod('clear', (realm, map) => {
    if (map.store.props.size === 0) return undefined;
    realm.touch(map.store);
    map.store.props.clear();
    map.changes++;
    return undefined;
  })],
  ['forEach', mapMethod('forEach', (realm, map, [cb, thisArg], site) => {
    if (!isCallable(cb)) {
      if (cb instanceof Opaque) {
        realm.escape(map, cb.unknown);
        return undefined;
      }
      realm.throwError(`${describeValue(cb)} is not a function`, site.node);
    }
    // Live, as JS iterates: values read when visited; an entry added or removed meanwhile is not followed.
    const keys = [...map.store.props.keys()];
    const changes = map.changes;
    realm.charge(keys.length, site.node);
    for (const k of keys) {
      const why = map.store.tainted ?? (map.changes !== changes ? realm.opaque(`${realm.text(site.node)} adds to or removes from the Map while it runs over it, which the analysis does not follow`, site.node).unknown : undefined);
      if (why) {
        realm.escape(cb, why);
        realm.escape(map, why);
        return undefined;
      }
      realm.call(cb, thisArg, [map.store.props.get(k)!.value, map.keys.get(k), map], callbackSite(site));
    }
    return undefined;
  })],
  ...(['keys', 'values', 'entries'] as const).map((kind): [string, BuiltinFunction] => [kind, mapMethod(kind, (_realm, map) => new IteratorValue(map, kind))]),
]);

/** `map.key`: its methods and `size`; anything else (own properties, other members) is not followed. */
export function mapProperty(realm: Realm, map: MapValue, key: string, node: ts.Node): Value {
  if (key === 'size') return map.store.tainted ? new Opaque(map.store.tainted, [map]) : map.store.props.size;
  return MAP_METHODS.get(key) ?? realm.opaque(`${realm.text(node)} is not modelled by the analysis`, node, [map]);
}
