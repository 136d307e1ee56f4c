/**
 * `new Set(iterable)`, as far as the analysis follows it (see {@link SetOpaque}): the elements of a
 * known iterable, each kept once, by SameValueZero as a Set keeps them (`NaN` once, `-0` as `+0`, an
 * object by identity), in the order they first come. The common use is dropping repeats:
 * `[...new Set(names)]`, `Array.from(new Set(xs))`.
 */
import { Opaque, SetOpaque, isPrimitive, reachOf, type Value } from '../values';
import { iterateSnapshot } from './coercion';
import { fn } from './support';

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
