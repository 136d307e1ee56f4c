/**
 * Bindings: hoisting, declarations, destructuring patterns, assignment targets, and reading a name
 * (the bundle's semantics for top-level `let`/`const` read before their declaration included).
 */
import ts from 'typescript';
import { UnknownValue } from '../types';
import {
  ArrayValue,
  ObjectValue,
  Opaque,
  Scope,
  TaskState,
  copySlot,
  isPrimitive,
  orderedKeys,
  reachOf,
  toPropertyKey,
  type BindingKind,
  type Chain,
  type Value,
  DEFAULT_BINDING,
  type Binding,
} from '../values';
import {
  NF,
  SK,
  bindingIdentifiers,
  collectVarNames,
  hasDeclareModifier,
  isArrayLiteral,
  isClassDeclaration,
  isElementAccess,
  isFunctionDeclaration,
  isIdentifier,
  staticPropertyName,
  isObjectBindingPattern,
  isObjectLiteral,
  isOmittedExpression,
  isPropertyAccess,
  isPropertyAssignment,
  isShorthandPropertyAssignment,
  isSpreadAssignment,
  isSpreadElement,
  isVariableStatement,
  parseBigInt,
  skipOuter,
} from '../syntax';
import type { Interpreter, Reference } from '../realm';
import { deepRegionAt, deepRegionsOf } from '../deepNesting';
import { iterateSnapshot } from '../builtins/coercion';
import { globalValue } from '../builtins/globals';
import { changesBuiltins } from '../builtins/patches';
import { describeValue } from '../builtins/support';

/** The `var` names of each function body: syntax, so shared by every analysis. */
const varNamesCache = new WeakMap<ts.Node, string[]>();

/** Declares what a scope's statements hoist: functions (initialised), let/const/class (in their dead zone), vars. */
export function hoist(ev: Interpreter, statements: readonly ts.Statement[], scope: Scope, functionBody: ts.Node | undefined): void {
  if (functionBody) {
    let names = varNamesCache.get(functionBody);
    if (!names) {
      names = collectVarNames(statements);
      varNamesCache.set(functionBody, names);
    }
    for (const name of names) if (!scope.bindings.has(name)) ev.declare(scope, name, { value: undefined, kind: 'var', initialised: true });
    // Code set aside as nested too deeply may declare `var`s and functions here: what it names is unknown.
    const deep = deepRegionsOf(functionBody.getSourceFile());
    if (deep) {
      for (const region of deep.values()) {
        if (region.declared.size === 0 || region.range.start < functionBody.pos || region.range.end > functionBody.end) continue;
        const why = new UnknownValue('code here nests too deeply for the analysis, and may declare this name', region.range);
        ev.silent.add(why);
        for (const name of region.declared) if (!scope.bindings.has(name)) ev.declare(scope, name, { value: new Opaque(why), kind: 'var', initialised: true, volatile: why });
      }
    }
  }
  for (const s of statements) {
    if (isFunctionDeclaration(s)) {
      // `export default function () {}`: a hoisted function too, bound to the module's hidden default.
      const name = s.name?.text ?? (isDefaultExport(s) ? DEFAULT_BINDING : undefined);
      if (name !== undefined && s.body && !hasDeclareModifier(s)) ev.declare(scope, name, { value: ev.makeClosure(s, scope), kind: 'function', initialised: true });
    } else if (isExportAssignment(s) && !s.isExportEquals && functionBody && isSourceFile(functionBody)) {
      // `export default <expression>`: a hidden binding, set when the statement runs.
      ev.declare(scope, DEFAULT_BINDING, { value: undefined, kind: 'const', initialised: false });
    } else if (isVariableStatement(s)) {
      const flags = s.declarationList.flags;
      if ((flags & NF.BlockScoped) === 0 || hasDeclareModifier(s)) continue;
      const kind: BindingKind = flags & NF.Let ? 'let' : 'const';
      for (const d of s.declarationList.declarations) {
        for (const id of bindingIdentifiers(d.name)) ev.declare(scope, id.text, { value: undefined, kind, initialised: false });
      }
    } else if (isClassDeclaration(s)) {
      const name = s.name?.text ?? (isDefaultExport(s) ? DEFAULT_BINDING : undefined);
      if (name !== undefined && !hasDeclareModifier(s)) ev.declare(scope, name, { value: undefined, kind: 'class', initialised: false });
    }
  }
}

function isDefaultExport(s: ts.Statement): boolean {
  const modifiers = ts.canHaveModifiers(s) ? ts.getModifiers(s) : undefined;
  return (modifiers?.some((m) => m.kind === SK.ExportKeyword) ?? false) && (modifiers?.some((m) => m.kind === SK.DefaultKeyword) ?? false);
}

const isExportAssignment = (s: ts.Node): s is ts.ExportAssignment => s.kind === SK.ExportAssignment;
const isSourceFile = (n: ts.Node): n is ts.SourceFile => n.kind === SK.SourceFile;

export function initBinding(ev: Interpreter, id: ts.Identifier, value: Value, scope: Scope, kind: BindingKind): void {
  const name = id.text;
  if (name === '') return;
  if (kind === 'var') {
    const b = scope.lookup(name);
    if (b && !b.importedFrom) {
      if (b.volatile) ev.escape(value, b.volatile);
      ev.touchBinding(b);
      b.value = value;
      b.initialised = true;
    } else {
      ev.declare(scope.varScope(), name, { value, kind, initialised: true });
    }
  } else {
    const b = scope.bindings.get(name);
    if (b && !b.initialised) {
      ev.touchBinding(b);
      b.value = value;
      b.initialised = true;
    } else {
      ev.declare(scope, name, { value, kind, initialised: true });
    }
  }
  if (value instanceof TaskState && ev.inEntry(id)) ev.addTaskReference(value, ev.range(id), 'variable');
}

export function bindPattern(ev: Interpreter, name: ts.BindingName, value: Value, scope: Scope, kind: BindingKind): void {
  if (isIdentifier(name)) {
    initBinding(ev, name, value, scope, kind);
  } else if (isObjectBindingPattern(name)) {
    requireObjectCoercible(ev, value, name);
    const used: string[] = [];
    for (const el of name.elements) {
      if (el.dotDotDotToken) {
        bindPattern(ev, el.name, objectRest(ev, value, used, el), scope, kind);
        continue;
      }
      const keyNode = el.propertyName ?? (isIdentifier(el.name) ? el.name : undefined);
      if (!keyNode) continue;
      const key = propertyKey(ev, keyNode, scope);
      let v: Value;
      if (key instanceof Opaque) v = new Opaque(key.unknown, reachOf([value]));
      else {
        used.push(key);
        v = ev.getProperty(value, key, el);
      }
      if (el.initializer) v = applyDefault(ev, v, el.initializer, scope);
      bindPattern(ev, el.name, v, scope, kind);
    }
  } else {
    const items = iterate(ev, value, name, true);
    name.elements.forEach((el, i) => {
      if (isOmittedExpression(el)) return;
      let v: Value;
      if (items instanceof Opaque) v = new Opaque(items.unknown, items.reach);
      else if (el.dotDotDotToken) v = new ArrayValue(items.slice(i).map((x) => ({ value: x, range: undefined })));
      else v = items[i];
      if (el.initializer && !el.dotDotDotToken) v = applyDefault(ev, v, el.initializer, scope);
      bindPattern(ev, el.name, v, scope, kind);
    });
  }
}

/** A default (`= init`) applies when the value is `undefined`. */
export function applyDefault(ev: Interpreter, v: Value, init: ts.Expression, scope: Scope): Value {
  if (v === undefined) return ev.evalExpr(init, scope);
  if (v instanceof Opaque) {
    const reach = ev.havoc([init], scope, v.unknown);
    return new Opaque(v.unknown, [...v.reach, ...reach]);
  }
  return v;
}

export function requireObjectCoercible(ev: Interpreter, value: Value, node: ts.Node): void {
  if (value === null || value === undefined) ev.throwError(`Cannot destructure '${String(value)}' as it is ${String(value)}.`, node);
}

/** `{a, ...rest} = value`: own enumerable properties not named before. */
export function objectRest(ev: Interpreter, value: Value, used: readonly string[], node: ts.Node): Value {
  if (value instanceof ObjectValue && !value.tainted) {
    const rest = new ObjectValue();
    for (const key of orderedKeys(value)) {
      if (used.includes(key)) continue;
      const s = value.props.get(key)!;
      rest.props.set(key, copySlot(s));
    }
    return rest;
  }
  if (value instanceof Opaque) return new Opaque(value.unknown, value.reach);
  if (isPrimitive(value) && typeof value !== 'string') return new ObjectValue();
  return ev.opaque(`the rest of ${ev.text(node)} is not modelled`, node, reachOf([value]));
}

/** Values produced by iterating `value` (spread, array destructuring: `part`), or opaque when not known. */
export function iterate(ev: Interpreter, value: Value, node: ts.Node, part = false): Value[] | Opaque {
  const r = iterateSnapshot(ev, value, node, part);
  if (r === undefined) ev.throwError(`${describeValue(value)} is not iterable`, node);
  return r;
}

export function propertyKey(ev: Interpreter, name: ts.PropertyName | ts.Expression, scope: Scope): string | Opaque {
  const written = staticPropertyName(name as ts.PropertyName);
  if (written !== undefined) return written;
  switch (name.kind) {
    case SK.PrivateIdentifier:
      return (name as ts.PrivateIdentifier).text;
    case SK.BigIntLiteral:
      return parseBigInt((name as ts.BigIntLiteral).text).toString();
    case SK.ComputedPropertyName: {
      const e = (name as ts.ComputedPropertyName).expression;
      return keyOf(ev, ev.evalExpr(e, scope), e);
    }
    default:
      return keyOf(ev, ev.evalExpr(name as ts.Expression, scope), name);
  }
}

/** `ToPropertyKey` of a known value; opaque when unknown (or a symbol, which the analysis does not model). */
export function keyOf(ev: Interpreter, v: Value, node: ts.Node): string | Opaque {
  const k = toPropertyKey(v);
  if (k !== undefined) return k;
  if (v instanceof Opaque) return v;
  // ToPropertyKey is ToPrimitive with hint string: an object's toString before its valueOf.
  const p = ev.toPrimitive(v, node, 'string');
  return p instanceof Opaque ? p : String(p);
}

export function reference(ev: Interpreter, target: ts.Expression, scope: Scope): Reference {
  const t = skipOuter(target);
  if (isIdentifier(t)) return { kind: 'variable', node: t };
  if (isPropertyAccess(t) && ts.isPrivateIdentifier(t.name)) return { kind: 'private', obj: ev.evalExpr(t.expression, scope), member: ev.resolvePrivate(t.name, scope), node: t };
  if (isPropertyAccess(t) || isElementAccess(t)) {
    const obj = ev.evalExpr(t.expression, scope);
    const key = isPropertyAccess(t) ? t.name.text : keyOf(ev, ev.evalExpr(t.argumentExpression, scope), t.argumentExpression);
    return { kind: 'property', obj, key, node: t, objNode: t.expression };
  }
  return { kind: 'invalid' };
}

export function readReference(ev: Interpreter, ref: Reference, scope: Scope): Value {
  switch (ref.kind) {
    case 'variable':
      return evalIdentifier(ev, ref.node, scope);
    case 'property':
      if (ref.key instanceof Opaque) {
        if (ref.obj === null || ref.obj === undefined) ev.throwError(`Cannot read properties of ${String(ref.obj)}`, ref.node);
        return new Opaque(ref.key.unknown, reachOf([ref.obj]));
      }
      return ev.getProperty(ref.obj, ref.key, ref.node, ref.objNode);
    case 'private':
      return ev.getPrivate(ref.obj, ref.member, ref.node);
    case 'invalid':
      return undefined;
  }
}

export function writeReference(ev: Interpreter, ref: Reference, value: Value, scope: Scope, assignment: ts.Node): void {
  switch (ref.kind) {
    case 'variable':
      setVariable(ev, ref.node, value, scope);
      return;
    case 'property':
      if (ref.key instanceof Opaque) {
        // Which property changes is not known: the object's content is no longer known.
        if (ref.obj === null || ref.obj === undefined) ev.throwError(`Cannot set properties of ${String(ref.obj)}`, ref.node);
        const why = ev.unknown(`${ev.text(assignment)} sets a property whose name is not static (${ref.key.unknown.why})`, assignment);
        // `(RegExp.prototype as any)[Symbol.replace] = …`: a built-in the analysis applies may change.
        if (changesBuiltins(ref.obj)) ev.patchBuiltins(assignment);
        ev.escape(ref.obj, why);
        ev.escape(value, why);
        return;
      }
      ev.setProperty(ref.obj, ref.key, value, assignment, ref.objNode);
      return;
    case 'private':
      ev.setPrivate(ref.obj, ref.member, value, assignment);
      return;
    case 'invalid':
      return;
  }
}

export function setVariable(ev: Interpreter, id: ts.Identifier, value: Value, scope: Scope): void {
  const name = id.text;
  const b = scope.lookup(name);
  if (!b) {
    // An implicit global (sloppy mode) or a ReferenceError (strict mode): either way, out of sight.
    ev.mayThrow();
    ev.escape(value, ev.unknown(`${name} is not declared: the assignment creates a global`, id));
    return;
  }
  ev.touchBinding(b);
  if (!b.initialised) {
    // As for reads: the bundle assigns the `var` (even a const's), ES modules throw.
    if (!isModuleScope(scope.lookupScope(name))) ev.throwError(`Cannot access '${name}' before initialization`, id);
    ev.mayThrow();
    b.initialised = true;
  } else if (b.kind === 'const' || b.kind === 'import') {
    ev.throwError('Assignment to constant variable.', id);
  } else if (b.kind === 'self') {
    // A function expression's own name: the write is ignored in sloppy code, a TypeError in strict code.
    ev.throwsIfStrict(`${ev.text(id)} = … assigns the name of the function expression it is in`, id);
    return;
  }
  if (b.volatile) ev.escape(value, b.volatile);
  b.value = value;
  if (value instanceof TaskState && ev.inEntry(id)) ev.addTaskReference(value, ev.range(id), 'variable');
}

/** Destructuring assignment (`[a, b] = [b, a]`, `({a} = obj)`) or a plain target. */
export function assignTo(ev: Interpreter, target: ts.Expression, value: Value, scope: Scope, assignment: ts.Node): void {
  const t = skipOuter(target);
  if (isObjectLiteral(t)) {
    requireObjectCoercible(ev, value, t);
    const used: string[] = [];
    for (const p of t.properties) {
      if (isSpreadAssignment(p)) {
        assignTo(ev, p.expression, objectRest(ev, value, used, p), scope, assignment);
      } else if (isShorthandPropertyAssignment(p)) {
        used.push(p.name.text);
        let v = ev.getProperty(value, p.name.text, p);
        if (p.objectAssignmentInitializer) v = applyDefault(ev, v, p.objectAssignmentInitializer, scope);
        setVariable(ev, p.name, v, scope);
      } else if (isPropertyAssignment(p)) {
        const key = propertyKey(ev, p.name, scope);
        let v: Value;
        if (key instanceof Opaque) v = new Opaque(key.unknown, reachOf([value]));
        else {
          used.push(key);
          v = ev.getProperty(value, key, p);
        }
        let inner = p.initializer;
        if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === SK.EqualsToken) {
          v = applyDefault(ev, v, inner.right, scope);
          inner = inner.left;
        }
        assignTo(ev, inner, v, scope, assignment);
      }
    }
    return;
  }
  if (isArrayLiteral(t)) {
    const items = iterate(ev, value, t, true);
    t.elements.forEach((el, i) => {
      if (isOmittedExpression(el)) return;
      let v: Value;
      if (items instanceof Opaque) v = new Opaque(items.unknown, items.reach);
      else if (isSpreadElement(el)) v = new ArrayValue(items.slice(i).map((x) => ({ value: x, range: undefined })));
      else v = items[i];
      let inner: ts.Expression = isSpreadElement(el) ? el.expression : el;
      if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === SK.EqualsToken) {
        v = applyDefault(ev, v, inner.right, scope);
        inner = inner.left;
      }
      assignTo(ev, inner, v, scope, assignment);
    });
    return;
  }
  const ref = reference(ev, t, scope);
  writeReference(ev, ref, value, scope, assignment);
}

export function evalIdentifier(ev: Interpreter, node: ts.Identifier, scope: Scope): Value {
  const name = node.text;
  if (name === '') return ev.incomplete(node);
  const deep = deepRegionAt(node);
  if (deep) return ev.unreadCode(node, deep, scope).value;
  const b = scope.lookup(name);
  if (!b) return globalValue(ev, name, node);
  return readBinding(ev, b, node, scope.lookupScope(name)!, 0);
}

/**
 * A binding's value, read at `node`. An import of a module the analysis reads is that module's binding,
 * read live (as the exporting module itself would); other imports are unknown, with why.
 */
function readBinding(ev: Interpreter, b: Binding, node: ts.Identifier, scope: Scope, depth: number): Value {
  if (b.link && depth < 100) {
    const target = b.link.target();
    if (target.kind === 'value') return target.value;
    if (target.kind === 'binding') return readBinding(ev, target.binding, node, MODULE_SCOPE, depth + 1);
    return ev.chainOpaque({ kind: 'import', root: b.importedFrom?.module ?? '?', why: target.why }, node, 'read');
  }
  if (b.importedFrom) {
    const chain: Chain = b.importedFrom.why ? { kind: 'import', root: b.importedFrom.module, why: b.importedFrom.why } : { kind: 'import', root: b.importedFrom.module };
    return ev.chainOpaque(chain, node, 'read');
  }
  if (b.volatile) return new Opaque(b.volatile, reachOf([b.value]));
  if (!b.initialised) {
    // At the top of a module, esbuild's bundle (what the CLI runs) makes let/const/class a `var`:
    // the read gives undefined there, where ES modules throw. Follow the bundle, but as uncertain.
    if (!isModuleScope(scope)) ev.throwError(`Cannot access '${node.text}' before initialization`, node);
    ev.mayThrow();
    return undefined;
  }
  const v = b.value;
  if (v instanceof TaskState && ev.inEntry(node)) ev.addTaskReference(v, ev.range(node), 'variable');
  return v;
}

/** A module's scope is a root (every module has its own, none has a parent). */
function isModuleScope(scope: Scope | undefined): boolean {
  return scope !== undefined && scope.parent === undefined;
}

/** Stands for "a module's top-level scope" when reading another module's binding through an import. */
const MODULE_SCOPE = new Scope(undefined, true);
