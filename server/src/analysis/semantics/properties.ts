/**
 * The heap: reading, writing and deleting properties of every kind of value, with JS's semantics for
 * the objects the analysis models and escape for the rest; patching built-ins.
 */
import ts from 'typescript';
import { UnknownValue } from '../types';
import {
  ArrayValue,
  BuiltinFunction,
  ClassValue,
  Closure,
  DagClassValue,
  InstanceValue,
  DagState,
  NamespaceValue,
  NO_REACH,
  ObjectValue,
  Opaque,
  TaskState,
  arrayIndex,
  isPrimitive,
  type Chain,
  type Primitive,
  type Value,
  ModuleNamespace,
  MatchArrayValue,
  RegExpOpaque,
  BytesOpaque,
  UrlOpaque,
  bytesOf,
  CollectionValue,
  DateValue,
  TemplateStringsValue,
} from '../values';
import type { Interpreter } from '../realm';
import { arrayProperty } from '../builtins/arrays';
import { toPrimitiveValue } from '../builtins/coercion';
import { collectionProperty } from '../builtins/collections';
import { dateProperty } from '../builtins/dates';
import { changesBuiltins, isBuiltinGlobal } from '../builtins/patches';
import { functionMethod } from '../builtins/functions';
import { objectProtoProperty } from '../builtins/objects';
import { primitiveProperty } from '../builtins/primitives';
import { regExpExec, regExpTest } from '../builtins/regexps';
import { dagProperty, taskProperty } from '../dsl';
import { HashObject, hashProperty } from '../builtins/nodeCrypto';
import { bytesToString } from '../builtins/nodeFs';
import { urlProperty } from '../builtins/nodeUrl';

export function getProperty(ev: Interpreter, obj: Value, key: string, node: ts.Node, objNode?: ts.Node): Value {
  // Reading `re.test` changes nothing (calling it is followed for a literal no code changed).
  if (obj instanceof RegExpOpaque && key === 'test' && obj.known) return regExpTest;
  if (obj instanceof RegExpOpaque && key === 'exec' && obj.known) return regExpExec;
  // A file's Buffer (`readFileSync` without an encoding): what reads it without changing it.
  if (obj instanceof BytesOpaque && obj.known !== undefined && (key === 'toString' || key === 'length' || key === 'byteLength')) {
    if (key === 'toString') return bytesToString;
    const bytes = bytesOf(ev, obj);
    if (bytes !== undefined) return Buffer.byteLength(bytes, 'utf8');
  }
  // A URL: its string properties, toString and toJSON read it without changing it.
  if (obj instanceof UrlOpaque) {
    const value = urlProperty(ev, obj, key);
    if (value !== undefined) return value;
  }
  if (obj instanceof Opaque) {
    obj.forget(); // `re.compile(…)`, `re.lastIndex`: not followed
    ev.mayThrow();
    // A built-in global read through the global object is that global (so a write to
    // `globalThis.Buffer.prototype` changes built-ins, as one to `Buffer.prototype` does), however the
    // global object was reached (`(globalThis as any)`, a variable).
    if (obj.chain?.kind === 'global' && GLOBAL_OBJECTS.has(obj.chain.root) && isBuiltinGlobal(key)) return chainOpaque(ev, { kind: 'global', root: key }, node, 'read');
    if (obj.chain && objNode && ev.sameSpot(obj.unknown, objNode)) return chainOpaque(ev, obj.chain, node, 'read');
    return obj;
  }
  if (obj === null || obj === undefined) ev.throwError(`Cannot read properties of ${String(obj)} (reading '${key}')`, node);
  if (isPrimitive(obj)) return primitiveProperty(ev, obj, key, node);
  if (obj instanceof ObjectValue) {
    if (obj.tainted) return new Opaque(obj.tainted, [obj]);
    const s = obj.props.get(key);
    if (s) return s.value;
    if (obj instanceof InstanceValue) return ev.instanceProperty(obj, key, node);
    if (obj instanceof HashObject) return hashProperty(ev, obj, key, node) ?? objectProtoProperty(ev, obj, key, node);
    return objectProtoProperty(ev, obj, key, node);
  }
  if (obj instanceof ArrayValue) {
    if (obj.tainted) return new Opaque(obj.tainted, [obj]);
    if (obj instanceof TemplateStringsValue && key === 'raw') return obj.raw;
    const extra = obj instanceof MatchArrayValue ? obj.extra(key) : undefined;
    if (extra) return extra.value;
    return arrayProperty(ev, obj, key, node);
  }
  if (obj instanceof CollectionValue) return collectionProperty(ev, obj, key, node);
  if (obj instanceof DateValue) return dateProperty(ev, obj, key, node);
  if (obj instanceof DagState) return obj.cls ? ev.dagInstanceProperty(obj, key, node) : dagProperty(ev, obj, key, node);
  if (obj instanceof TaskState) return taskProperty(ev, obj, key, node);
  if (obj instanceof BuiltinFunction) return obj.options.members?.get(key) ?? (ev.escapedBuiltins.has(obj) ? undefined : functionMethod(key)) ?? chainOpaque(ev, { kind: 'global', root: obj.name }, node, 'read');
  if (obj instanceof NamespaceValue) {
    const m = obj.members.get(key);
    if (m !== undefined) return m;
    if (obj.name === 'a-la-mode') return ev.opaque(`${ev.text(node)} is not modelled by the analysis`, node);
    return chainOpaque(ev, { kind: 'global', root: obj.name }, node, 'read');
  }
  if (obj instanceof DagClassValue) return chainOpaque(ev, { kind: 'global', root: 'Dag' }, node, 'read');
  // A module's namespace: its export of that name, live (undefined when it exports none).
  if (obj instanceof ModuleNamespace) {
    const value = obj.get(key);
    return value === undefined && obj.tainted ? new Opaque(obj.tainted) : value;
  }
  if (obj instanceof ClassValue) return ev.staticProperty(obj, key, node);
  // A closure's `call` and `apply` (one that escaped may have been given its own).
  if (obj instanceof Closure && !obj.escaped) {
    const method = functionMethod(key);
    if (method) return method;
  }
  // Closures and iterators: their other properties are not modelled.
  return ev.opaque(`${ev.text(node)} is not modelled by the analysis`, node, [obj]);
}

/** The global objects: a member of one is the global of that name (`globalThis.Buffer` is `Buffer`). */
const GLOBAL_OBJECTS: ReadonlySet<string> = new Set(['globalThis', 'global', 'window', 'self']);

export function chainOpaque(ev: Interpreter, chain: Chain, node: ts.Node, mode: 'read' | 'call'): Opaque {
  const text = ev.text(node);
  let why: string;
  if (chain.kind === 'global') why = mode === 'read' ? `${text} is read at run time` : `${text} is computed at run time`;
  else if (chain.kind === 'builtin') why = `${text} is not modelled by the analysis`;
  else if (chain.why) why = mode === 'read' ? `${text} comes from '${chain.root}', which the analysis cannot read (${chain.why})` : `${text} runs code from '${chain.root}', which the analysis cannot read (${chain.why})`;
  else why = mode === 'read' ? `${text} comes from '${chain.root}', which the analysis does not read` : `${text} runs code from '${chain.root}', which the analysis does not read`;
  return new Opaque(ev.unknown(why, node), NO_REACH, chain);
}

export function setProperty(ev: Interpreter, obj: Value, key: string, value: Value, assignment: ts.Node, objNode?: ts.Node): void {
  if (obj instanceof Opaque) {
    obj.forget();
    ev.mayThrow();
    if (changesBuiltins(obj, key)) patchBuiltins(ev, assignment);
    const why = ev.unknown(`${ev.text(assignment)} stores into ${objNode ? ev.text(objNode) : 'a value'}, which is not static (${obj.unknown.why})`, assignment);
    ev.escape(obj, why);
    ev.escape(value, why);
    return;
  }
  if (obj === null || obj === undefined) ev.throwError(`Cannot set properties of ${String(obj)} (setting '${key}')`, assignment);
  if (isPrimitive(obj)) return ev.throwsIfStrict(`${ev.text(assignment)} sets a property of a primitive value`, assignment);
  const range = ev.range(assignment);
  if (obj instanceof ObjectValue) {
    if (obj.tainted) return writeUnfollowed(ev, obj.tainted, value);
    // An instance: a setter of its prototype may run instead.
    if (obj instanceof InstanceValue && ev.setInstanceProperty(obj, key, value, assignment)) return;
    if (obj.frozen) return ev.throwsIfStrict(`${ev.text(assignment)} writes to a frozen object`, assignment);
    const s = obj.props.get(key);
    if (s?.accessor || key === '__proto__') {
      const why = new UnknownValue(key === '__proto__' ? `${ev.text(assignment)} changes the prototype of an object` : `${ev.text(assignment)} runs a setter`, range);
      // A setter is code the analysis does not follow (it may throw), and a getter without one throws in
      // strict code: either way the module may fail here.
      if (s?.accessor) {
        ev.unseenCodeRuns++;
        ev.throwsIfStrict(`${ev.text(assignment)} writes a property that has a getter or a setter`, assignment);
      }
      ev.escape(obj, why);
      ev.escape(value, why);
      return;
    }
    ev.touch(obj);
    obj.props.set(key, ev.slot(value, assignment));
    ev.charge(1, assignment);
    return;
  }
  if (obj instanceof ArrayValue) {
    if (obj.tainted) return writeUnfollowed(ev, obj.tainted, value);
    if (obj.frozen) return ev.throwsIfStrict(`${ev.text(assignment)} writes to a frozen object`, assignment);
    const i = arrayIndex(key);
    if (i !== undefined) {
      if (i >= ev.limits.maxArrayLength) {
        const why = ev.limitOpaque(`the array grows beyond ${ev.limits.maxArrayLength.toLocaleString('en-US')} elements`, assignment).unknown;
        ev.escape(obj, why);
        ev.escape(value, why);
        return;
      }
      ev.touch(obj);
      while (obj.items.length < i) obj.items.push(undefined);
      obj.items[i] = ev.slot(value, assignment);
      return;
    }
    if (key === 'length') {
      const n = typeof value === 'number' ? value : Number.NaN;
      if (!(Number.isInteger(n) && n >= 0 && n < 2 ** 32)) ev.throwError('Invalid array length', assignment);
      if (n > ev.limits.maxArrayLength) {
        const why = ev.limitOpaque(`the array grows beyond ${ev.limits.maxArrayLength.toLocaleString('en-US')} elements`, assignment).unknown;
        ev.escape(obj, why);
        return;
      }
      ev.touch(obj);
      if (n < obj.items.length) obj.items.length = n;
      else while (obj.items.length < n) obj.items.push(undefined);
      return;
    }
    const why = new UnknownValue(`${ev.text(assignment)} sets a property of an array, which the analysis does not model`, range);
    ev.escape(obj, why);
    ev.escape(value, why);
    return;
  }
  if ((obj instanceof DateValue || obj instanceof CollectionValue) && (key === '__proto__' || key in (obj instanceof DateValue ? Date : obj.kind === 'Map' ? Map : Set).prototype)) {
    // An own property shadowing a method (`d.valueOf = …`, `m.get = …`), or another prototype: the
    // object is not followed. (Other properties change nothing the analysis reads of it.)
    const why = new UnknownValue(`${ev.text(assignment)} sets a property of a ${obj instanceof DateValue ? 'Date' : obj.kind}, which the analysis does not follow`, range);
    ev.escape(obj, why);
    ev.escape(value, why);
    return;
  }
  if (obj instanceof DagState || obj instanceof TaskState) {
    const why = new UnknownValue(`${ev.text(assignment)} changes the ${obj instanceof DagState ? 'Dag' : 'task'} object itself`, range);
    ev.escape(obj, why);
    ev.escape(value, why);
    return;
  }
  if (obj instanceof ClassValue) return ev.setStaticProperty(obj, key, value, assignment);
  // A function's own `name` and `length` are read-only: the write is ignored, or fails in strict code.
  if ((obj instanceof Closure || obj instanceof BuiltinFunction) && (key === 'name' || key === 'length')) {
    return ev.throwsIfStrict(`${ev.text(assignment)} writes a function's read-only ${key}`, assignment);
  }
  if (obj instanceof Closure && (functionMethod(key) || key === '__proto__')) {
    // Its own `call`, `apply` or `bind`, or another prototype: reading them is no longer Function.prototype's.
    const why = new UnknownValue(`${ev.text(assignment)} gives a function its own ${key}`, range);
    ev.escape(obj, why);
    ev.escape(value, why);
    return;
  }
  if (obj instanceof ModuleNamespace) {
    // The bundle's namespace: a getter (no setter) per export, which a write leaves alone or, in
    // strict code, fails on; any other key becomes a property of its own.
    const keys = obj.currentKeys();
    const isExport = !('unknown' in keys) && keys.includes(key);
    if (isExport || 'unknown' in keys) ev.throwsIfStrict(`${ev.text(assignment)} writes an export of a module's namespace`, assignment);
    if (isExport) return;
    const why = new UnknownValue(`${ev.text(assignment)} gives a module's namespace a property of its own`, range);
    obj.tainted ??= why;
    ev.escape(value, why);
    return;
  }
  if (changesBuiltins(obj)) patchBuiltins(ev, assignment);
  ev.escape(value, new UnknownValue(`${ev.text(assignment)} stores a value where the analysis does not follow it`, range));
}

/**
 * A write to an object code the analysis does not see had: it may have given the object a setter, a
 * property that is not writable, or frozen it, so the write may throw.
 */
function writeUnfollowed(ev: Interpreter, why: UnknownValue, value: Value): void {
  ev.mayThrow();
  ev.escape(value, why);
}

export function deleteProperty(ev: Interpreter, obj: Value, key: string | Opaque, node: ts.Node): Value {
  if (obj instanceof Opaque) {
    obj.forget();
    ev.havocEpoch++; // it may be, or hold, what a merge made it from (`delete Buffer.prototype.toString`)
  }
  if (obj === null || obj === undefined) ev.throwError(`Cannot convert undefined or null to object`, node);
  const why = (): UnknownValue => ev.unknown(`${ev.text(node)} deletes a property the analysis does not follow`, node);
  if (obj instanceof ObjectValue && !obj.tainted && !(key instanceof Opaque)) {
    if (obj.frozen) {
      ev.throwsIfStrict(`${ev.text(node)} deletes from a frozen object`, node);
      return false;
    }
    const s = obj.props.get(key);
    if (s?.accessor) ev.escape(obj, why());
    else {
      ev.touch(obj);
      obj.props.delete(key);
    }
    return true;
  }
  if (obj instanceof ArrayValue && !obj.tainted && !(key instanceof Opaque)) {
    if (obj.frozen) {
      ev.throwsIfStrict(`${ev.text(node)} deletes from a frozen object`, node);
      return false;
    }
    const i = arrayIndex(key);
    if (i !== undefined) {
      ev.touch(obj);
      if (i < obj.items.length) obj.items[i] = undefined;
      return true;
    }
    if (key === 'length') {
      ev.throwsIfStrict(`${ev.text(node)} deletes an array's length`, node);
      return false;
    }
    if (obj instanceof MatchArrayValue && obj.extra(key)) ev.escape(obj, why());
    return true;
  }
  // A string's characters and length cannot be deleted; anything else deleted from a primitive is not there.
  if (typeof obj === 'string' && !(key instanceof Opaque) && (key === 'length' || (arrayIndex(key) ?? Infinity) < obj.length)) {
    ev.throwsIfStrict(`${ev.text(node)} deletes from a string`, node);
    return false;
  }
  if (isPrimitive(obj)) return true;
  // A function's `prototype` cannot be deleted.
  if ((obj instanceof Closure || obj instanceof ClassValue) && key === 'prototype') {
    ev.throwsIfStrict(`${ev.text(node)} deletes a function's prototype`, node);
    return false;
  }
  // Whatever else is deleted here may be non-configurable: in strict code that throws.
  ev.mayThrow();
  if (changesBuiltins(obj)) patchBuiltins(ev, node);
  ev.escape(obj, why());
  return ev.opaque(`the result of ${ev.text(node)} is not modelled`, node);
}

export function patchBuiltins(ev: Interpreter, node: ts.Node): void {
  if (ev.builtinsPatched) return;
  const why = ev.unknown(`${ev.text(node)} changes a built-in object, so built-in functions are not modelled after it`, node);
  ev.builtinsPatched = why;
}

export function toPrimitive(ev: Interpreter, v: Value, node: ts.Node, hint: 'string' | 'number' | 'default' = 'default'): Primitive | Opaque {
  return toPrimitiveValue(ev, v, node, hint);
}
