/**
 * Expressions: literals, templates, object and array literals, member access and optional chains,
 * operators (JS semantics applied natively to known primitives), `?:`, `typeof`, `delete`, `await`.
 */
import ts from 'typescript';
import { UnknownValue } from '../types';
import {
  bytesOf,
  hrefOf,
  ArrayValue,
  MatchArrayValue,
  ClassValue,
  DagClassValue,
  DagState,
  ModuleNamespace,
  ObjectValue,
  Opaque,
  Scope,
  TemplateStringsValue,
  arrayIndex,
  copySlot,
  isHeap,
  isPrimitive,
  orderedKeys,
  reachOf,
  strictEquals,
  truthiness,
  typeOf,
  type Primitive,
  type Slot,
  type Value,
} from '../values';
import {
  NF,
  SK,
  isArrayLiteral,
  isCallExpression,
  isComputedPropertyName,
  isElementAccess,
  isIdentifier,
  isGetAccessor,
  isMethodDeclaration,
  isObjectLiteral,
  isOmittedExpression,
  isPropertyAccess,
  isPropertyAssignment,
  isSetAccessor,
  isShorthandPropertyAssignment,
  isSpreadAssignment,
  isSpreadElement,
  parseBigInt,
  skipOuter,
} from '../syntax';
import { SHORT, type ChainResult, type Interpreter } from '../realm';
import { deepRegionAt } from '../deepNesting';
import { MAX_ISOLATED_YIELDS, NOT_ISOLATED } from '../signals';
import { applyBinary } from '../builtins/coercion';
import { regExpLiteral } from '../builtins/regexps';
import { resolution } from '../builtins/promises';
import { InstanceValue, THIS_BEFORE_SUPER } from '../values';

/** Evaluates the operand of a member access, continuing an optional chain. */
export function evalChainOperand(ev: Interpreter, node: ts.PropertyAccessExpression | ts.ElementAccessExpression, scope: Scope): ChainResult {
  return node.flags & NF.OptionalChain ? evalMaybeChain(ev, node.expression, scope) : evalExpr(ev, node.expression, scope);
}

export function evalMaybeChain(ev: Interpreter, node: ts.Expression, scope: Scope): ChainResult {
  if (node.flags & NF.OptionalChain) {
    if (isPropertyAccess(node) || isElementAccess(node)) return evalMember(ev, node, scope);
    if (isCallExpression(node)) return ev.evalCall(node, scope);
    if (ts.isNonNullExpression(node)) return evalMaybeChain(ev, node.expression, scope);
  }
  return evalExpr(ev, node, scope);
}

export function evalMember(ev: Interpreter, node: ts.PropertyAccessExpression | ts.ElementAccessExpression, scope: Scope): ChainResult {
  if (node.expression.kind === SK.SuperKeyword) {
    // `super.x`: looked up from the home class's parent, read with this `this`.
    const key = isPropertyAccess(node) ? node.name.text : ev.keyOf(evalExpr(ev, node.argumentExpression, scope), node.argumentExpression);
    return ev.superProperty(node, key, scope);
  }
  const obj = evalChainOperand(ev, node, scope);
  if (obj === SHORT) return SHORT;
  if (node.questionDotToken && (obj === null || obj === undefined)) return SHORT;
  if (isPropertyAccess(node) && ts.isPrivateIdentifier(node.name)) return ev.getPrivate(obj, ev.resolvePrivate(node.name, scope), node);
  let key: string | Opaque;
  if (isPropertyAccess(node)) {
    key = node.name.text;
    if (key === '') return ev.incomplete(node.name);
  } else {
    key = ev.keyOf(evalExpr(ev, node.argumentExpression, scope), node.argumentExpression);
  }
  if (key instanceof Opaque) {
    if (obj === null || obj === undefined) ev.throwError(`Cannot read properties of ${String(obj)}`, node);
    return new Opaque(key.unknown, reachOf([obj]));
  }
  return ev.getProperty(obj, key, node, node.expression);
}

export function evalExpr(ev: Interpreter, node: ts.Expression, scope: Scope): Value {
  const budget = ev.budget;
  if (++budget.ops >= budget.nextCheck) budget.check(node);
  switch (node.kind) {
    case SK.NumericLiteral:
      return Number((node as ts.NumericLiteral).text);
    case SK.BigIntLiteral:
      return parseBigInt((node as ts.BigIntLiteral).text);
    case SK.StringLiteral:
    case SK.NoSubstitutionTemplateLiteral:
      // Unterminated (being typed): its text runs to the end of the line or file, not what is meant.
      if ((node as ts.StringLiteral).isUnterminated) return ev.incomplete(node);
      return (node as ts.StringLiteral).text;
    case SK.TrueKeyword:
      return true;
    case SK.FalseKeyword:
      return false;
    case SK.NullKeyword:
      return null;
    case SK.Identifier:
      return ev.evalIdentifier(node as ts.Identifier, scope);
    case SK.ThisKeyword: {
      const self = scope.thisValue();
      if (self instanceof Opaque && THIS_BEFORE_SUPER.has(self)) ev.throwError("ReferenceError: Must call super constructor in derived class before accessing 'this'", node);
      return self;
    }
    case SK.SuperKeyword:
      return ev.superValue(node, scope);
    case SK.ParenthesizedExpression:
    case SK.AsExpression:
    case SK.SatisfiesExpression:
    case SK.TypeAssertionExpression:
    case SK.NonNullExpression:
    case SK.PartiallyEmittedExpression:
    case SK.ExpressionWithTypeArguments:
      return evalExpr(ev, (node as ts.ParenthesizedExpression).expression, scope);
    case SK.TemplateExpression:
      if ((node as ts.TemplateExpression).templateSpans.some((span) => span.literal.isUnterminated)) return ev.incomplete(node);
      return evalTemplate(ev, node as ts.TemplateExpression, scope);
    case SK.ArrayLiteralExpression:
      return evalArrayLiteral(ev, node as ts.ArrayLiteralExpression, scope);
    case SK.ObjectLiteralExpression:
      return evalObjectLiteral(ev, node as ts.ObjectLiteralExpression, scope);
    case SK.PropertyAccessExpression:
    case SK.ElementAccessExpression: {
      const v = evalMember(ev, node as ts.PropertyAccessExpression, scope);
      return v === SHORT ? undefined : v;
    }
    case SK.CallExpression: {
      const v = ev.evalCall(node as ts.CallExpression, scope);
      return v === SHORT ? undefined : v;
    }
    case SK.NewExpression:
      return ev.evalNew(node as ts.NewExpression, scope);
    case SK.ArrowFunction:
    case SK.FunctionExpression:
      return ev.makeClosure(node as ts.FunctionExpression, scope);
    case SK.ClassExpression:
      return ev.makeClass(node as ts.ClassExpression, scope);
    case SK.BinaryExpression:
      return evalBinary(ev, node as ts.BinaryExpression, scope);
    case SK.PrefixUnaryExpression:
      return evalPrefix(ev, node as ts.PrefixUnaryExpression, scope);
    case SK.PostfixUnaryExpression: {
      const p = node as ts.PostfixUnaryExpression;
      return evalUpdate(ev, p.operand, p.operator === SK.PlusPlusToken ? 1 : -1, false, p, scope);
    }
    case SK.TypeOfExpression: {
      const v = evalExpr(ev, (node as ts.TypeOfExpression).expression, scope);
      const t = typeOf(v);
      return t ?? new Opaque((v as Opaque).unknown, (v as Opaque).reach);
    }
    case SK.VoidExpression:
      evalExpr(ev, (node as ts.VoidExpression).expression, scope);
      return undefined;
    case SK.DeleteExpression: {
      const target = skipOuter((node as ts.DeleteExpression).expression);
      if (isPropertyAccess(target) || isElementAccess(target)) {
        const operand = evalChainOperand(ev, target, scope);
        // `delete a?.b` with a nullish `a` deletes nothing and is true.
        if (operand === SHORT || (target.questionDotToken && (operand === null || operand === undefined))) return true;
        const obj = operand;
        const key = isPropertyAccess(target) ? target.name.text : ev.keyOf(evalExpr(ev, target.argumentExpression, scope), target.argumentExpression);
        return ev.deleteProperty(obj, key, node);
      }
      evalExpr(ev, target, scope);
      return true;
    }
    case SK.AwaitExpression:
      return evalAwait(ev, node as ts.AwaitExpression, scope);
    case SK.ConditionalExpression:
      return evalConditional(ev, node as ts.ConditionalExpression, scope);
    case SK.RegularExpressionLiteral:
      return regExpLiteral(ev, node as ts.RegularExpressionLiteral);
    case SK.YieldExpression:
      // Outside a generator run to completion (see `evalDrained`), not followed.
      return ev.yieldSinks.length > 0 ? evalYield(ev, node as ts.YieldExpression, scope) : notEvaluated(ev, node, scope);
    case SK.TaggedTemplateExpression:
      return evalTaggedTemplate(ev, node as ts.TaggedTemplateExpression, scope);
    case SK.MetaProperty:
      if ((node as ts.MetaProperty).keywordToken === SK.ImportKeyword) {
        const meta = ev.importMeta(node);
        if (meta) return meta;
      }
      return ev.chainOpaque({ kind: 'global', root: 'import.meta' }, node, 'read');
    case SK.OmittedExpression:
      return undefined;
    case SK.SpreadElement:
      return evalExpr(ev, (node as ts.SpreadElement).expression, scope);
    default:
      // Syntax the analysis does not model (JSX, a node the parser could not finish).
      return notEvaluated(ev, node, scope);
  }
}

/** An expression the analysis does not evaluate: unknown, and what it may do is assumed done. */
function notEvaluated(ev: Interpreter, node: ts.Expression, scope: Scope): Opaque {
  const why = ev.unknown(`${ev.text(node)} is not evaluated by the analysis`, node);
  return ev.opaque(why.why, node, ev.havoc([node], scope, why));
}

/**
 * `yield v` (or `yield* xs`) in a generator run to completion (see `evalDrained`): what it yields goes
 * to the generator's sink, and its value is undefined (each `next()` is called without an argument).
 */
function evalYield(ev: Interpreter, node: ts.YieldExpression, scope: Scope): Value {
  const sink = ev.yieldSinks.at(-1)!;
  if (ev.journals.length !== sink.journals) sink.unknown ??= ev.unknown(`${ev.text(node)} yields on a branch the analysis cannot decide, so what the generator yields is not known`, node);
  if (node.asteriskToken) {
    const inner = node.expression ? ev.evalDrained(node.expression, scope) : undefined;
    const items = ev.iterate(inner, node.expression ?? node);
    if (items instanceof Opaque) sink.unknown ??= items.unknown;
    else {
      const range = ev.range(node);
      for (const v of items) sink.values.push({ value: v, range });
    }
    ev.charge(sink.values.length, node);
    // `yield*`'s value is what the inner generator returns, which running it through does not keep.
    if (node.parent.kind !== SK.ExpressionStatement) return ev.opaque(`the value of ${ev.text(node)} (what the inner generator returns) is not modelled by the analysis`, node);
  } else {
    const value = node.expression ? evalExpr(ev, node.expression, scope) : undefined;
    // For a `for…of` (see isolatedGenerators.ts): only primitives, which the loop's body cannot change.
    if (sink.isolated && (!isPrimitive(value) || sink.values.length >= MAX_ISOLATED_YIELDS)) throw NOT_ISOLATED;
    sink.values.push(ev.slot(value, node));
    ev.charge(1, node);
  }
  if (sink.values.length > ev.limits.maxArrayLength) sink.unknown ??= ev.limitOpaque(`the generator yields more than ${ev.limits.maxArrayLength.toLocaleString('en-US')} values`, node).unknown;
  return undefined;
}

/**
 * A tagged template, `` sql`SELECT ${col} FROM t` ``, as JS runs it: the tag (with its object as
 * `this` when written `obj.tag`), then the site's template object, then the substitutions, and the
 * tag called with them. A template with an escape that is not one (`\unicode`: its cooked string is
 * undefined) is not followed.
 */
function evalTaggedTemplate(ev: Interpreter, node: ts.TaggedTemplateExpression, scope: Scope): Value {
  const inner = skipOuter(node.tag);
  let tag: Value;
  let thisValue: Value = undefined;
  if ((isPropertyAccess(inner) || isElementAccess(inner)) && inner.expression.kind !== SK.SuperKeyword && !(isPropertyAccess(inner) && ts.isPrivateIdentifier(inner.name))) {
    const recv = evalExpr(ev, inner.expression, scope);
    const key = isPropertyAccess(inner) ? inner.name.text : ev.keyOf(evalExpr(ev, inner.argumentExpression, scope), inner.argumentExpression);
    tag = key instanceof Opaque ? new Opaque(key.unknown, reachOf([recv])) : ev.getProperty(recv, key, inner, inner.expression);
    thisValue = ev.plainNamespaceMember(recv, inner, scope) ? undefined : recv;
  } else {
    tag = evalExpr(ev, node.tag, scope);
  }
  const strings = templateObject(ev, node.template);
  const spans = ts.isTemplateExpression(node.template) ? node.template.templateSpans.map((s) => s.expression) : [];
  const values = spans.map((e) => evalExpr(ev, e, scope));
  const site = { node, args: [node.template, ...spans].map((n, index) => ({ node: n, index, spread: false })), argumentCount: spans.length + 1 };
  if (!strings) return ev.callUnseen(tag, thisValue, values, site, ev.unknown(`${ev.text(node)} has an escape sequence that is not one (its cooked string is undefined), which the analysis does not follow`, node));
  return ev.call(tag, thisValue, [strings, ...values], site);
}

/** TypeScript's flag (internal, `TokenFlags.ContainsInvalidEscape`) on a template part whose cooked string is undefined. */
const CONTAINS_INVALID_ESCAPE = 1 << 11;

/** The template object of a tagged template's site: made once, frozen, with `raw` (see {@link TemplateStringsValue}). */
function templateObject(ev: Interpreter, template: ts.TemplateLiteral): TemplateStringsValue | undefined {
  let strings = ev.templateObjects.get(template);
  if (!strings) {
    const parts = ts.isTemplateExpression(template) ? [template.head, ...template.templateSpans.map((s) => s.literal)] : [template];
    if (parts.some((p) => ((p as { templateFlags?: number }).templateFlags ?? 0) & CONTAINS_INVALID_ESCAPE)) return undefined;
    const range = ev.range(template);
    // Raw strings have their line endings as LF, as JS reads them (CR LF and CR alike).
    const raw = new ArrayValue(parts.map((p) => ({ value: (p.rawText ?? '').replace(/\r\n?/g, '\n'), range })));
    raw.frozen = true;
    strings = new TemplateStringsValue(parts.map((p) => ({ value: p.text, range })), raw);
    ev.templateObjects.set(template, strings);
  }
  return strings;
}

export function evalTemplate(ev: Interpreter, node: ts.TemplateExpression, scope: Scope): Value {
  let out = node.head.text;
  let unknown: Opaque | undefined;
  for (const span of node.templateSpans) {
    const v = evalExpr(ev, span.expression, scope);
    const s = toStr(ev, v, span.expression);
    if (s instanceof Opaque) unknown ??= s;
    else out += s;
    out += span.literal.text;
    if (out.length > ev.limits.maxStringLength) return ev.limitOpaque(`the string grows beyond ${ev.limits.maxStringLength.toLocaleString('en-US')} characters`, node);
  }
  return unknown ? new Opaque(unknown.unknown) : out;
}

/** JS `ToString` of a known value (as templates and `String()` do). */
export function toStr(ev: Interpreter, v: Value, node: ts.Node): string | Opaque {
  if (typeof v === 'string') return v;
  const p = ev.toPrimitive(v, node, 'string');
  if (p instanceof Opaque) return new Opaque(p.unknown);
  return String(p);
}

export function evalArrayLiteral(ev: Interpreter, node: ts.ArrayLiteralExpression, scope: Scope): Value {
  const items: (Slot | undefined)[] = [];
  let unknown: Opaque | undefined;
  for (const el of node.elements) {
    if (isOmittedExpression(el)) {
      items.push(undefined);
    } else if (isSpreadElement(el)) {
      const v = ev.evalDrained(el.expression, scope);
      if (v instanceof ArrayValue && !v.tainted) {
        const range = ev.range(el);
        for (const s of v.items) items.push(s ? copySlot(s) : { value: undefined, range });
        ev.charge(v.items.length, el);
      } else {
        const values = ev.iterate(v, el.expression);
        if (values instanceof Opaque) unknown ??= values;
        else {
          const range = ev.range(el);
          for (const x of values) items.push({ value: x, range });
        }
      }
    } else if (isIdentifier(el) && deepRegionAt(el)) {
      // Elements set aside as nested too deeply: how many there are is not known either.
      unknown ??= evalExpr(ev, el, scope) as Opaque;
    } else {
      items.push(ev.slot(evalExpr(ev, el, scope), el));
    }
    if (items.length > ev.limits.maxArrayLength) return ev.limitOpaque(`the array grows beyond ${ev.limits.maxArrayLength.toLocaleString('en-US')} elements`, node);
  }
  if (unknown) return new Opaque(unknown.unknown, [...unknown.reach, ...reachOf(items.map((s) => s?.value))]);
  return new ArrayValue(items);
}

export function evalObjectLiteral(ev: Interpreter, node: ts.ObjectLiteralExpression, scope: Scope): Value {
  const parent = node.parent;
  if (parent.kind === SK.CallExpression && (parent as ts.CallExpression).arguments[1] === node) {
    ev.specLiteralEvaluations.set(node, (ev.specLiteralEvaluations.get(node) ?? 0) + 1);
  }
  const obj = new ObjectValue();
  let unknown: UnknownValue | undefined;
  /** Why the object is not followed once made, when it has a getter or setter (see below). */
  let accessor: UnknownValue | undefined;
  const lost: Value[] = [];
  for (const p of node.properties) {
    if (isPropertyAssignment(p)) {
      const key = ev.propertyKey(p.name, scope);
      const value = evalExpr(ev, p.initializer, scope);
      if (key instanceof Opaque) {
        unknown ??= key.unknown;
        lost.push(value);
      } else if (key === '__proto__' && !isComputedPropertyName(p.name)) {
        // `{__proto__: x}` sets the prototype: not a plain data object any more.
        unknown ??= ev.unknown('an object literal that sets __proto__ is not modelled by the analysis', p);
        lost.push(value);
      } else {
        obj.props.set(key, ev.slot(value, p));
      }
    } else if (isShorthandPropertyAssignment(p)) {
      const value = ev.evalIdentifier(p.name, scope);
      // Members set aside as nested too deeply: which keys the object has is not known.
      if (deepRegionAt(p.name)) {
        unknown ??= (value as Opaque).unknown;
        lost.push(value);
      } else obj.props.set(p.name.text, ev.slot(value, p));
    } else if (isSpreadAssignment(p)) {
      const v = evalExpr(ev, p.expression, scope);
      const cause = spreadInto(ev, obj, v, p);
      if (cause) {
        unknown ??= cause;
        lost.push(v);
      }
    } else if (isMethodDeclaration(p)) {
      const key = ev.propertyKey(p.name, scope);
      const fn = ev.makeClosure(p, scope);
      if (key instanceof Opaque) {
        unknown ??= key.unknown;
        lost.push(fn);
      } else {
        obj.props.set(key, ev.slot(fn, p));
      }
    } else if (isGetAccessor(p) || isSetAccessor(p)) {
      const key = ev.propertyKey(p.name, scope);
      const fn = ev.makeClosure(p, scope);
      const why = ev.unknown(`${ev.text(p.name)} is a ${isGetAccessor(p) ? 'getter' : 'setter'}, which the analysis does not run`, p);
      // An accessor may run whenever the property is read or written (a spread, a copy, an await's
      // look at `then`), so its body is out of sight, and it counts as code not followed that runs from
      // here on (it may write files or change the working directory).
      ev.escape(fn, why);
      ev.unseenCodeRuns++;
      accessor ??= why;
      if (key instanceof Opaque) unknown ??= key.unknown;
      else obj.props.set(key, { value: new Opaque(why), range: ev.range(p), accessor: true });
    }
    if (obj.props.size > ev.limits.maxArrayLength) return ev.limitOpaque(`the object grows beyond ${ev.limits.maxArrayLength.toLocaleString('en-US')} properties`, node);
  }
  if (unknown) {
    const values = [...lost, ...[...obj.props.values()].map((s) => s.value)];
    return new Opaque(unknown, reachOf(values));
  }
  // Whatever copies or lists the object (spread, Object.assign, Object.entries, JSON.stringify) runs
  // its getters, which may change it through \`this\` (\`get x() { this.n++ }\`) or through a variable
  // that holds it: the object itself is out of sight from here on.
  if (accessor) ev.escape(obj, accessor);
  return obj;
}

/** Copies `v`'s own enumerable properties into `obj`; returns why not when they are not known. */
export function spreadInto(ev: Interpreter, obj: ObjectValue, v: Value, node: ts.SpreadAssignment): UnknownValue | undefined {
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return undefined;
  if (typeof v === 'string') {
    const range = ev.range(node);
    for (let i = 0; i < v.length; i++) obj.props.set(String(i), { value: v[i], range });
    ev.charge(v.length, node);
    return undefined;
  }
  if (v instanceof ObjectValue && !v.tainted) {
    for (const key of orderedKeys(v)) {
      const s = v.props.get(key)!;
      obj.props.set(key, copySlot(s));
    }
    ev.charge(v.props.size, node);
    return undefined;
  }
  if (v instanceof MatchArrayValue) return ev.unknown(`the own properties of ${ev.text(node.expression)}, a regular expression match, are not modelled by the analysis`, node.expression);
  if (v instanceof ArrayValue && !v.tainted) {
    v.items.forEach((s, i) => { if (s) obj.props.set(String(i), copySlot(s)); });
    ev.charge(v.items.length, node);
    return undefined;
  }
  if (v instanceof ModuleNamespace) {
    // The bundle's namespace: a getter per export, each read as the spread copies it.
    const keys = v.currentKeys();
    if ('unknown' in keys) return ev.unknown(`the exports of ${v.path} are not known to the analysis (${keys.unknown})`, node.expression);
    const range = ev.range(node);
    for (const key of keys) obj.props.set(key, { value: v.get(key), range });
    ev.charge(keys.length, node);
    return undefined;
  }
  if (v instanceof Opaque) return v.unknown;
  if (v instanceof ObjectValue || v instanceof ArrayValue) return v.tainted;
  return ev.unknown(`the properties of ${ev.text(node.expression)} are not modelled by the analysis`, node.expression);
}

export function evalConditional(ev: Interpreter, node: ts.ConditionalExpression, scope: Scope): Value {
  const cond = evalExpr(ev, node.condition, scope);
  const t = truthiness(cond);
  if (t === true) return evalExpr(ev, node.whenTrue, scope);
  if (t === false) return evalExpr(ev, node.whenFalse, scope);
  return ev.eitherWay(cond as Opaque, node.condition, [() => evalExpr(ev, node.whenTrue, scope), () => evalExpr(ev, node.whenFalse, scope)], [node.whenTrue, node.whenFalse], scope);
}

export function evalBinary(ev: Interpreter, node: ts.BinaryExpression, scope: Scope): Value {
  const op = node.operatorToken.kind;
  switch (op) {
    case SK.EqualsToken: {
      const left = skipOuter(node.left);
      if (isObjectLiteral(left) || isArrayLiteral(left)) {
        const v = evalExpr(ev, node.right, scope);
        ev.assignTo(left, v, scope, node);
        return v;
      }
      const ref = ev.reference(node.left, scope);
      const v = evalExpr(ev, node.right, scope);
      ev.writeReference(ref, v, scope, node);
      return v;
    }
    case SK.CommaToken:
      evalExpr(ev, node.left, scope);
      return evalExpr(ev, node.right, scope);
    case SK.AmpersandAmpersandToken:
    case SK.BarBarToken:
    case SK.QuestionQuestionToken: {
      const left = evalExpr(ev, node.left, scope);
      const decided = shortCircuits(op, left);
      if (decided === true) return left;
      if (decided === false) return evalExpr(ev, node.right, scope);
      return ev.eitherWay(left as Opaque, node.left, [() => left, () => evalExpr(ev, node.right, scope)], [node.right], scope);
    }
    case SK.AmpersandAmpersandEqualsToken:
    case SK.BarBarEqualsToken:
    case SK.QuestionQuestionEqualsToken: {
      const ref = ev.reference(node.left, scope);
      const old = ev.readReference(ref, scope);
      const base = op === SK.AmpersandAmpersandEqualsToken ? SK.AmpersandAmpersandToken : op === SK.BarBarEqualsToken ? SK.BarBarToken : SK.QuestionQuestionToken;
      const decided = shortCircuits(base, old);
      if (decided === true) return old;
      if (decided === false) {
        const v = evalExpr(ev, node.right, scope);
        ev.writeReference(ref, v, scope, node);
        return v;
      }
      const why = (old as Opaque).unknown;
      const reach = ev.havoc([node.right], scope, why);
      const v = new Opaque(why, [...(old as Opaque).reach, ...reach]);
      ev.writeReference(ref, v, scope, node);
      return v;
    }
  }
  if (op >= SK.FirstCompoundAssignment && op <= SK.LastCompoundAssignment) {
    const ref = ev.reference(node.left, scope);
    const old = ev.readReference(ref, scope);
    const right = evalExpr(ev, node.right, scope);
    const v = binaryOp(ev, compoundToBinary(op), old, right, node);
    ev.writeReference(ref, v, scope, node);
    return v;
  }
  // `#x in obj`: whether obj has the private member (the name is not a value).
  if (op === SK.InKeyword && ts.isPrivateIdentifier(node.left)) return ev.privateIn(ev.resolvePrivate(node.left, scope), evalExpr(ev, node.right, scope), node);
  const left = evalExpr(ev, node.left, scope);
  const right = evalExpr(ev, node.right, scope);
  return binaryOp(ev, op, left, right, node);
}

export function binaryOp(ev: Interpreter, op: ts.SyntaxKind, a: Value, b: Value, node: ts.Node): Value {
  switch (op) {
    case SK.EqualsEqualsEqualsToken:
    case SK.ExclamationEqualsEqualsToken: {
      const eq = strictEquals(a, b);
      if (eq === undefined) return unknownOperand(ev, a, b);
      return op === SK.EqualsEqualsEqualsToken ? eq : !eq;
    }
    case SK.EqualsEqualsToken:
    case SK.ExclamationEqualsToken: {
      const eq = looseEquals(ev, a, b, node);
      if (eq instanceof Opaque) return eq;
      return op === SK.EqualsEqualsToken ? eq : !eq;
    }
    case SK.InKeyword:
      return inOperator(ev, a, b, node);
    case SK.InstanceOfKeyword:
      if (b instanceof DagClassValue && !(a instanceof Opaque)) return a instanceof DagState;
      if (b instanceof ClassValue) {
        const r = b.hasInstance(a);
        if (r !== undefined) return r;
      }
      return ev.opaque(`${ev.text(node)} is not evaluated by the analysis`, node);
  }
  // A known URL or file Buffer converts to its text whatever the hint (see `toPrimitiveValue`).
  a = knownText(ev, a);
  b = knownText(ev, b);
  if (a instanceof Opaque || b instanceof Opaque) return unknownOperand(ev, a, b);
  // `+` converts with the default hint (a Date's is a string); the other operators with a number hint.
  const hint = op === SK.PlusToken ? 'default' : 'number';
  const pa = isPrimitive(a) ? a : ev.toPrimitive(a, node, hint);
  const pb = isPrimitive(b) ? b : ev.toPrimitive(b, node, hint);
  if (pa instanceof Opaque || pb instanceof Opaque) return unknownOperand(ev, pa, pb);
  return applyBinary(ev, op, pa, pb, node);
}

/**
 * `await x`: the value of a promise the analysis saw settle, at once (see builtins/promises.ts). When
 * `x` is a call of an async function of the module's, the function runs through right there, its own
 * awaits alike: nothing else can run in between that the analysis follows.
 */
function evalAwait(ev: Interpreter, node: ts.AwaitExpression, scope: Scope): Value {
  const v = evalAwaitedOperand(ev, node.expression, scope);
  ev.failsOnUnhandledRejection(node, v);
  const settled = resolution(ev, v, node);
  if (!(settled instanceof Opaque)) {
    if ('rejection' in settled) ev.throwError(settled.rejection, node);
    return settled.value;
  }
  const why = ev.unknown(`${ev.text(node)} is only known at run time`, node);
  ev.mayThrow();
  // Awaiting calls `.then` on thenables: the value is handed over.
  ev.escape(v, why);
  return new Opaque(why);
}

/**
 * Evaluates an expression whose value is awaited at once: when it is a call of an async function of
 * the module's, the function runs through (see `callClosure`).
 */
export function evalAwaitedOperand(ev: Interpreter, expr: ts.Expression, scope: Scope): Value {
  const operand = skipOuter(expr);
  const saved = ev.awaitedCall;
  ev.awaitedCall = isCallExpression(operand) ? operand : undefined;
  try {
    return evalExpr(ev, expr, scope);
  } finally {
    ev.awaitedCall = saved;
  }
}

/** The string a URL's href or a file Buffer's text converts to, while known; any other value as it is. */
function knownText(ev: Interpreter, v: Value): Value {
  return v instanceof Opaque ? (hrefOf(ev, v) ?? bytesOf(ev, v) ?? v) : v;
}

export function unknownOperand(_ev: Interpreter, a: Value, b: Value): Opaque {
  const o = (a instanceof Opaque ? a : b) as Opaque;
  return new Opaque(o.unknown);
}

export function looseEquals(ev: Interpreter, a: Value, b: Value, node: ts.Node): boolean | Opaque {
  if (a instanceof Opaque || b instanceof Opaque) return unknownOperand(ev, a, b);
  const pa = isPrimitive(a);
  const pb = isPrimitive(b);
  if (pa && pb) return (a as Primitive) == (b as Primitive);
  if (!pa && !pb) return a === b;
  const prim = (pa ? a : b) as Primitive;
  if (prim === null || prim === undefined) return false;
  const other = ev.toPrimitive(pa ? b : a, node);
  if (other instanceof Opaque) return other;
  return prim == other;
}

export function inOperator(ev: Interpreter, key: Value, obj: Value, node: ts.Node): Value {
  if (obj instanceof Opaque) {
    ev.mayThrow();
    // Whether JS converts the key (running an object's toString) depends on what `obj` is.
    if (isHeap(key)) ev.escape(key, obj.unknown);
    return new Opaque(obj.unknown);
  }
  if (isPrimitive(obj)) ev.throwError(`Cannot use 'in' operator to search for '${String(key)}' in ${String(obj)}`, node);
  const k = ev.keyOf(key, node);
  if (k instanceof Opaque) return new Opaque(k.unknown);
  if (ev.builtinsPatched) return new Opaque(ev.builtinsPatched);
  if (obj instanceof InstanceValue && !obj.tainted) {
    if (obj.cls.chainEscaped()) return ev.opaque(`${ev.text(node)} is not evaluated by the analysis (its class was handed over)`, node);
    return obj.props.has(k) || k === 'constructor' || obj.cls.findProto(k) !== undefined || k in Object.prototype;
  }
  if (obj instanceof ObjectValue && !obj.tainted) return obj.props.has(k) || k in Object.prototype;
  if (obj instanceof ArrayValue && !obj.tainted) {
    const i = arrayIndex(k);
    if (i !== undefined) return obj.items[i] !== undefined;
    return k === 'length' || k in Array.prototype || (obj instanceof MatchArrayValue && obj.extra(k) !== undefined);
  }
  return ev.opaque(`${ev.text(node)} is not evaluated by the analysis`, node);
}

export function evalPrefix(ev: Interpreter, node: ts.PrefixUnaryExpression, scope: Scope): Value {
  const op = node.operator;
  if (op === SK.PlusPlusToken || op === SK.MinusMinusToken) return evalUpdate(ev, node.operand, op === SK.PlusPlusToken ? 1 : -1, true, node, scope);
  const v = evalExpr(ev, node.operand, scope);
  if (op === SK.ExclamationToken) {
    const t = truthiness(v);
    return t === undefined ? new Opaque((v as Opaque).unknown) : !t;
  }
  if (v instanceof Opaque) return new Opaque(v.unknown);
  const p = isPrimitive(v) ? v : ev.toPrimitive(v, node, 'number');
  if (p instanceof Opaque) return p;
  try {
    switch (op) {
      case SK.MinusToken:
        return -(p as number);
      case SK.PlusToken:
        return +(p as number);
      case SK.TildeToken:
        return ~(p as number);
    }
  } catch (e) {
    ev.throwError(e instanceof Error ? `${e.name}: ${e.message}` : String(e), node);
  }
  return ev.opaque(`${ev.text(node)} is not evaluated by the analysis`, node);
}

/** `x++`, `--obj.n`: ToNumeric, add one, store; the value of the expression is the old or new number. */
export function evalUpdate(ev: Interpreter, operand: ts.Expression, delta: 1 | -1, prefix: boolean, node: ts.Node, scope: Scope): Value {
  const ref = ev.reference(operand, scope);
  const old = ev.readReference(ref, scope);
  let oldNumeric: Value;
  if (old instanceof Opaque) oldNumeric = new Opaque(old.unknown);
  else {
    const p = isPrimitive(old) ? old : ev.toPrimitive(old, node, 'number');
    if (p instanceof Opaque) oldNumeric = p;
    else {
      try {
        oldNumeric = typeof p === 'bigint' ? p : Number(p);
      } catch (e) {
        ev.throwError(e instanceof Error ? `${e.name}: ${e.message}` : String(e), node);
      }
    }
  }
  const next: Value = oldNumeric instanceof Opaque ? oldNumeric : typeof oldNumeric === 'bigint' ? oldNumeric + BigInt(delta) : (oldNumeric as number) + delta;
  ev.writeReference(ref, next, scope, node);
  return prefix ? next : oldNumeric;
}

/** Whether `a op b` (op one of `&&`, `||`, `??`) is decided by `a` alone (true), needs `b` (false), or is unknown. */
function shortCircuits(op: ts.SyntaxKind, a: Value): boolean | undefined {
  if (a instanceof Opaque) return undefined;
  if (op === SK.QuestionQuestionToken) return !(a === null || a === undefined);
  const t = truthiness(a)!;
  return op === SK.AmpersandAmpersandToken ? !t : t;
}

function compoundToBinary(op: ts.SyntaxKind): ts.SyntaxKind {
  switch (op) {
    case SK.PlusEqualsToken: return SK.PlusToken;
    case SK.MinusEqualsToken: return SK.MinusToken;
    case SK.AsteriskEqualsToken: return SK.AsteriskToken;
    case SK.AsteriskAsteriskEqualsToken: return SK.AsteriskAsteriskToken;
    case SK.SlashEqualsToken: return SK.SlashToken;
    case SK.PercentEqualsToken: return SK.PercentToken;
    case SK.LessThanLessThanEqualsToken: return SK.LessThanLessThanToken;
    case SK.GreaterThanGreaterThanEqualsToken: return SK.GreaterThanGreaterThanToken;
    case SK.GreaterThanGreaterThanGreaterThanEqualsToken: return SK.GreaterThanGreaterThanGreaterThanToken;
    case SK.AmpersandEqualsToken: return SK.AmpersandToken;
    case SK.BarEqualsToken: return SK.BarToken;
    case SK.CaretEqualsToken: return SK.CaretToken;
    default: return op;
  }
}
