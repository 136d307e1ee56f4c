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
  CollectionValue,
  DateValue,
  ObjectValue,
  Opaque,
  TaskState,
  isHeap,
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

/** A method of a built-in prototype (`Array.prototype.map`): see `BuiltinFunction`'s `method`. */
export function methodFn(name: string, impl: Impl): BuiltinFunction {
  return new BuiltinFunction(name, impl, { method: true });
}

export function describeValue(v: Value): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  if (isPrimitive(v)) return `the ${typeof v} ${String(v)}`;
  if (v instanceof ObjectValue) return 'an object';
  if (v instanceof ArrayValue) return 'an array';
  if (v instanceof CollectionValue) return `a ${v.kind}`;
  if (v instanceof DateValue) return 'a Date';
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

/**
 * Why a native built-in stopped while converting one of the module's values: the module's own code threw
 * (`thrown`, the interpreter's own exception, rethrown once the native frames are left), or the
 * conversion is unknown (`opaque`).
 */
class Interrupt {
  constructor(readonly thrown: unknown, readonly opaque?: Opaque) {}
}

/**
 * `v` as a host value a native built-in can be given: a primitive as itself; anything else as a host
 * object whose `Symbol.toPrimitive` runs the module's own `valueOf`/`toString` through the interpreter
 * with the hint the native asks for. So the native converts each argument exactly as JS would: with
 * the right hint (`ToNumber` → valueOf first, `ToString`/`ToPropertyKey` → toString first), in its
 * order, as many times, and not at all where it does not convert (`Number.isInteger(o)` is false).
 * Run the native with {@link applyHost}.
 */
export function hostValue(realm: Realm, v: Value, node: ts.Node): unknown {
  if (isPrimitive(v)) return v;
  return {
    [Symbol.toPrimitive](hint: string): Primitive {
      let p: Primitive | Opaque;
      try {
        p = toPrimitiveValue(realm, v, node, hint === 'string' || hint === 'number' ? hint : 'default');
      } catch (e) {
        throw new Interrupt(e);
      }
      if (p instanceof Opaque) throw new Interrupt(undefined, p);
      return p;
    },
  };
}

/** `args` as host values ({@link hostValue}); opaque when one of them is unknown. */
export function hostArgs(realm: Realm, args: readonly Value[], node: ts.Node): unknown[] | Opaque {
  const o = firstOpaque(args);
  if (o) {
    // Which of the others the native would convert (running their valueOf/toString) is not known.
    for (const a of args) if (isHeap(a)) realm.escape(a, o.unknown);
    return o;
  }
  return args.map((a) => hostValue(realm, a, node));
}

/**
 * Runs a native built-in given {@link hostValue}s: its errors become the program's own, the module's
 * exceptions from a conversion go on unchanged, an unknown conversion makes the result unknown.
 */
export function applyHost<T>(realm: Realm, args: readonly Value[], node: ts.Node, f: () => T): T | Opaque {
  try {
    return f();
  } catch (e) {
    if (e instanceof Interrupt) {
      if (e.opaque) return new Opaque(e.opaque.unknown, reachOf(args));
      throw e.thrown;
    }
    nativeError(realm, e, node);
  }
}

/** A pure function of its arguments, applied natively (`parseInt`, `Math.floor`, …). */
export function pure(name: string, f: (...args: Primitive[]) => Primitive, resultIsString = false): BuiltinFunction {
  return fn(name, (realm, _this, args, site) => {
    const host = hostArgs(realm, args, site.node);
    if (host instanceof Opaque) return host;
    const r = applyHost(realm, args, site.node, () => f(...(host as Primitive[])));
    if (r instanceof Opaque) return r;
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
