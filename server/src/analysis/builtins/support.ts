/**
 * What every built-in is made with: native functions wrapped as {@link BuiltinFunction}s, the checks
 * they share (string and array sizes, native errors become the program's own), describing values.
 */
import type ts from 'typescript';
import {
  ArrayValue,
  BuiltinFunction,
  Closure,
  DagState,
  ObjectValue,
  Opaque,
  TaskState,
  isPrimitive,
  reachOf,
  type CallSite,
  type Primitive,
  type Realm,
  type Slot,
  type Value,
} from '../values';
import { nativeError, toPrimitiveValue } from './coercion';

export type Impl = (realm: Realm, thisValue: Value, args: readonly Value[], site: CallSite) => Value;

export function fn(name: string, impl: Impl, options: BuiltinFunction['options'] = {}): BuiltinFunction {
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
export function firstOpaque(values: readonly Value[]): Opaque | undefined {
  const o = values.find((v): v is Opaque => v instanceof Opaque);
  return o ? new Opaque(o.unknown, reachOf(values)) : undefined;
}


export function checkString(realm: Realm, s: string, node: ts.Node): Value {
  if (s.length > realm.limits.maxStringLength) return realm.limitOpaque(`the string grows beyond ${realm.limits.maxStringLength.toLocaleString('en-US')} characters`, node);
  return s;
}

export function newArray(realm: Realm, values: readonly Value[], node: ts.Node, range?: Slot['range']): Value {
  if (values.length > realm.limits.maxArrayLength) return realm.limitOpaque(`the array grows beyond ${realm.limits.maxArrayLength.toLocaleString('en-US')} elements`, node);
  return new ArrayValue(values.map((value) => ({ value, range })));
}

export function coercePrimitiveArgs(realm: Realm, args: readonly Value[], node: ts.Node): Primitive[] | Opaque {
  const out: Primitive[] = [];
  for (const a of args) {
    const p = isPrimitive(a) ? a : toPrimitiveValue(realm, a, node, 'string');
    if (p instanceof Opaque) return new Opaque(p.unknown, reachOf(args));
    out.push(p);
  }
  return out;
}

/** A pure function of primitives, applied natively (`parseInt`, `Math.floor`, …). */
export function pure(name: string, f: (...args: Primitive[]) => Primitive, resultIsString = false): BuiltinFunction {
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

export function members(entries: [string, Value][]): ReadonlyMap<string, Value> {
  return new Map(entries);
}

export function callbackSite(site: CallSite): CallSite {
  return { node: site.node, args: [], argumentCount: 3 };
}

export function isCallable(v: Value): boolean {
  return v instanceof Closure || v instanceof BuiltinFunction;
}
