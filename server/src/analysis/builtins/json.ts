/** `JSON.stringify` and `JSON.parse` on known values. */
import type ts from 'typescript';
import {
  ArrayValue,
  BuiltinFunction,
  Closure,
  DateValue,
  InstanceValue,
  NamespaceValue,
  ObjectValue,
  Opaque,
  UnknownValue,
  hrefOf,
  isPrimitive,
  orderedKeys,
  reachOf,
  type CallSite,
  type Primitive,
  type Realm,
  type Value,
} from '../values';
import { nativeError } from './coercion';
import { checkString, describeValue, fn, members } from './support';

/**
 * The objects already copied (shared ones stay shared, as the native keeps them), and how many values
 * each holds: the native writes a shared value out at each use (`o = [o, o]` forty times over is 2^40
 * values, written where the analysis cannot stop it), so each further use is charged again.
 */
interface Copied {
  readonly memo: Map<Value, unknown>;
  readonly sizes: Map<Value, number>;
  count: number;
}

function toNative(realm: Realm, v: Value, node: ts.Node, copied: Copied, depth: number): { ok: true; value: unknown } | { ok: false; why: UnknownValue } {
  if (isPrimitive(v)) return { ok: true, value: v };
  // A URL: its toJSON gives its href.
  const href = hrefOf(realm, v);
  if (href !== undefined) return { ok: true, value: href };
  if (v instanceof Opaque) return { ok: false, why: v.unknown };
  if (v instanceof Closure || v instanceof BuiltinFunction) return { ok: true, value: () => undefined };
  const not = (what: string): { ok: false; why: UnknownValue } => ({ ok: false, why: new UnknownValue(`JSON.stringify of ${what} is not modelled by the analysis`, realm.range(node)) });
  if (depth > 200) return not('a value nested this deeply');
  const { memo, sizes } = copied;
  if (memo.has(v)) {
    const size = sizes.get(v) ?? 0; // 0 while still being copied: a cycle, which the native reports
    copied.count += size;
    realm.charge(size, node);
    return { ok: true, value: memo.get(v) };
  }
  realm.charge(1, node);
  const before = copied.count++;
  if (v instanceof ArrayValue) {
    if (v.tainted) return { ok: false, why: v.tainted };
    const out: unknown[] = [];
    memo.set(v, out);
    for (const s of v.items) {
      const r = toNative(realm, s?.value, node, copied, depth + 1);
      if (!r.ok) return r;
      out.push(r.value);
    }
    sizes.set(v, copied.count - before);
    return { ok: true, value: out };
  }
  if (v instanceof ObjectValue) {
    if (v.tainted) return { ok: false, why: v.tainted };
    if (v.props.has('toJSON')) return not('an object with a toJSON method');
    if (v instanceof InstanceValue && (v.cls.chainEscaped() || v.cls.findProto('toJSON'))) {
      // Its class's toJSON (or one code the analysis cannot see put there) runs with it.
      const r = not('an instance whose class may have a toJSON method');
      realm.escape(v, r.why);
      return r;
    }
    const out: Record<string, unknown> = {};
    memo.set(v, out);
    for (const key of orderedKeys(v)) {
      const s = v.props.get(key)!;
      if (s.accessor) return not('an object with a getter');
      const r = toNative(realm, s.value, node, copied, depth + 1);
      if (!r.ok) return r;
      Object.defineProperty(out, key, { value: r.value, enumerable: true, writable: true, configurable: true });
    }
    sizes.set(v, copied.count - before);
    return { ok: true, value: out };
  }
  // A Date: its toJSON, natively (its ISO string, or null when invalid).
  if (v instanceof DateValue) {
    const time = v.time;
    return typeof time === 'number' ? { ok: true, value: new Date(time) } : { ok: false, why: time };
  }
  return not(describeValue(v));
}

/**
 * A call the analysis does not follow because it would run the function it is given (a replacer, a
 * reviver): the function escapes, so what it changes is unknown too.
 */
function notRun(realm: Realm, why: string, args: readonly Value[], site: CallSite): Opaque {
  const result = realm.opaque(why, site.node, reachOf(args));
  for (const a of args) realm.escape(a, result.unknown);
  return result;
}

const jsonStringify = fn('JSON.stringify', (realm, _this, args, site) => {
  const [value, replacer, space] = args;
  // An array replacer lists the keys to keep (`JSON.stringify(o, Object.keys(o).sort())`); its
  // primitives are given to the native as they are. A function replacer runs code: not modelled.
  let keys: unknown[] | undefined;
  if (replacer instanceof ArrayValue && !replacer.tainted && replacer.items.every((s) => !s || isPrimitive(s.value))) keys = replacer.items.map((s) => s?.value);
  else if (replacer !== undefined && replacer !== null) return notRun(realm, 'JSON.stringify with a replacer function is not modelled by the analysis', args, site);
  if (space instanceof Opaque) return new Opaque(space.unknown);
  if (space !== undefined && !isPrimitive(space)) return realm.opaque('this JSON.stringify indentation is not modelled by the analysis', site.node);
  const native = toNative(realm, value, site.node, { memo: new Map(), sizes: new Map(), count: 0 }, 0);
  if (!native.ok) return new Opaque(native.why, reachOf([value]));
  let r: string | undefined;
  try {
    r = JSON.stringify(native.value, keys as (string | number)[] | undefined, space as string | number | undefined);
  } catch (e) {
    nativeError(realm, e, site.node);
  }
  return r === undefined ? undefined : checkString(realm, r, site.node);
});

/** A known value made from a native one (parsed JSON): fresh objects and arrays. */
export function fromNative(realm: Realm, v: unknown, node: ts.Node): Value {
  if (v === null || typeof v !== 'object') return v as Primitive;
  realm.charge(1, node);
  if (Array.isArray(v)) return new ArrayValue(v.map((x) => ({ value: fromNative(realm, x, node), range: undefined })));
  const obj = new ObjectValue();
  for (const key of Object.keys(v)) obj.props.set(key, { value: fromNative(realm, (v as Record<string, unknown>)[key], node), range: undefined });
  return obj;
}

const jsonParse = fn('JSON.parse', (realm, _this, args, site) => {
  if (args[1] !== undefined) return notRun(realm, 'JSON.parse with a reviver is not modelled by the analysis', args, site);
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

export const jsonNamespace = new NamespaceValue('JSON', members([
  ['stringify', jsonStringify],
  ['parse', jsonParse],
]));
