/**
 * `structuredClone` of known plain data: a copy of the objects and arrays it reaches, each copied once
 * (a value reached twice is one copy reached twice, a cycle stays a cycle), as the HTML structured
 * clone algorithm copies them. Objects come out plain and not frozen; arrays keep their holes; keys
 * keep their order (integer keys first, as JS lists them). Anything else (a function, which throws a
 * DataCloneError; a getter, which the clone would run; a class instance, whose prototype and private
 * fields the clone drops; an options argument; what the analysis does not know) makes the result
 * unknown, and hands the value to code the analysis cannot see.
 */
import type ts from 'typescript';
import { ArrayValue, ObjectValue, Opaque, UnknownValue, isPrimitive, orderedKeys, reachOf, type Realm, type Slot, type Value } from '../values';
import { describeValue, fn } from './support';

type Cloned = { ok: true; value: Value } | { ok: false; why: UnknownValue };

function clone(realm: Realm, v: Value, node: ts.Node, copies: Map<Value, Value>): Cloned {
  if (isPrimitive(v)) return { ok: true, value: v };
  if (v instanceof Opaque) return { ok: false, why: v.unknown };
  const known = copies.get(v);
  if (known !== undefined) return { ok: true, value: known };
  const not = (what: string): Cloned => ({ ok: false, why: new UnknownValue(`structuredClone of ${what} is not modelled by the analysis`, realm.range(node)) });
  realm.charge(1, node);
  // Exactly the two plain kinds: a class instance (a subclass of ObjectValue) is not one.
  if (v.constructor === ArrayValue) {
    const array = v as ArrayValue;
    if (array.tainted) return { ok: false, why: array.tainted };
    const copy = new ArrayValue(new Array<Slot | undefined>(array.items.length));
    copies.set(v, copy);
    for (let i = 0; i < array.items.length; i++) {
      const s = array.items[i];
      if (!s) continue; // a hole stays a hole
      if (s.accessor) return not('an array with a getter');
      const r = clone(realm, s.value, node, copies);
      if (!r.ok) return r;
      copy.items[i] = { ...s, value: r.value };
    }
    return { ok: true, value: copy };
  }
  if (v.constructor === ObjectValue) {
    const object = v as ObjectValue;
    if (object.tainted) return { ok: false, why: object.tainted };
    const copy = new ObjectValue();
    copies.set(v, copy);
    for (const key of orderedKeys(object)) {
      const s = object.props.get(key)!;
      if (s.accessor) return not('an object with a getter');
      const r = clone(realm, s.value, node, copies);
      if (!r.ok) return r;
      copy.props.set(key, { ...s, value: r.value });
    }
    return { ok: true, value: copy };
  }
  return not(describeValue(v));
}

export const structuredCloneFn = fn('structuredClone', (realm, _this, args, site) => {
  const [value, options] = args;
  const cloned = args.length >= 1 && options === undefined ? clone(realm, value, site.node, new Map()) : undefined;
  if (cloned?.ok) return cloned.value;
  const why = cloned?.why ?? new UnknownValue(`${realm.text(site.node)} is not modelled by the analysis`, realm.range(site.node));
  // The clone would have read every value (and run a getter's code): what it reaches is no longer known.
  for (const a of args) realm.escape(a, why);
  return new Opaque(why, reachOf(args));
});
