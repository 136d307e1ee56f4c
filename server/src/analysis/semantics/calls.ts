/**
 * Calls: the module's own functions (followed, with a call depth budget), built-ins, and functions
 * the analysis cannot see (their arguments escape); `new`, closures and classes, direct `eval`.
 */
import ts from 'typescript';
import { UnknownValue } from '../types';
import {
  ArrayValue,
  BuiltinFunction,
  ClassValue,
  Closure,
  DagClassValue,
  isPrimitive,
  ModuleNamespace,
  NO_REACH,
  Opaque,
  Scope,
  SpreadOpaque,
  reachOf,
  type ArgInfo,
  type CallSite,
  type Value,
  bindingValue,
  quietOpaque,
  quietly,
} from '../values';
import {
  SK,
  isArrowFunction,
  isBlock,
  isCallExpression,
  isElementAccess,
  isIdentifier,
  isNewExpression,
  isPropertyAccess,
  isSpreadElement,
  skipOuter,
} from '../syntax';
import { SHORT, type ChainResult, type Completion, type Interpreter, type YieldSink } from '../realm';
import { deepRegionAt } from '../deepNesting';
import { isIsolatedGenerator } from '../isolatedGenerators';
import { NOT_ISOLATED, ThrowSignal } from '../signals';
import { SAFE_GLOBAL_CALLS } from '../builtins/globals';
import { changesBuiltins, ERROR_CONSTRUCTORS } from '../builtins/patches';
import { newDag } from '../dsl';

export function call(ev: Interpreter, fn: Value, thisValue: Value, args: readonly Value[], site: CallSite): Value {
  if (fn instanceof Closure) return callClosure(ev, fn, thisValue, args, site);
  if (fn instanceof BuiltinFunction) {
    const spread = fn.options.spreadAware ? undefined : findSpread(args);
    if (spread) return callUnseen(ev, fn, thisValue, args, site, spread.unknown);
    if (ev.builtinsPatched && !fn.options.dsl) return callUnseen(ev, fn, thisValue, args, site, ev.builtinsPatched);
    return fn.impl(ev, thisValue, args, site);
  }
  if (fn instanceof Opaque) return callOpaque(ev, fn, thisValue, args, site);
  if (fn instanceof DagClassValue) ev.throwError("Class constructor Dag cannot be invoked without 'new'", site.node);
  ev.throwError(`${calleeText(ev, site)} is not a function`, site.node);
}

export function calleeText(ev: Interpreter, site: CallSite): string {
  const n = site.node;
  return isCallExpression(n) || isNewExpression(n) ? ev.text(n.expression) : ev.text(n);
}

/**
 * A call into code the analysis does not follow (a known function called in a way it does not model):
 * the function, `this` and the arguments escape; the result is opaque.
 */
export function callUnseen(ev: Interpreter, fn: Value, thisValue: Value, args: readonly Value[], site: CallSite, cause?: UnknownValue): Opaque {
  ev.mayThrow();
  ev.unseenCodeRuns++;
  const why = cause ?? ev.unknown(`${ev.text(site.node)} runs code the analysis does not follow`, site.node);
  ev.escape(fn, why);
  ev.escape(thisValue, why);
  for (const a of args) ev.escape(a, why);
  return new Opaque(why);
}

export function callOpaque(ev: Interpreter, fn: Opaque, thisValue: Value, args: readonly Value[], site: CallSite): Value {
  const n = site.node;
  const calleeNode = ts.isCallExpression(n) || ts.isNewExpression(n) ? n.expression : undefined;
  const chain = fn.chain !== undefined && calleeNode !== undefined && ev.sameSpot(fn.unknown, calleeNode) ? fn.chain : undefined;
  // `throw new Error(message)`: an error object, made without running code or throwing (a symbol
  // message throws), so a `try` around it knows the `throw` is what leaves it.
  // (Not after code the analysis does not follow ran: it may have replaced the constructor.)
  if (chain?.kind === 'global' && ERROR_CONSTRUCTORS.has(chain.root) && !ev.builtinsPatched && ev.unseenCodeRuns === 0 && args.every((a) => isPrimitive(a) && typeof a !== 'symbol')) {
    return quietOpaque(ev.unknown(`${ev.text(n)} is an error object, which the analysis does not model`, n));
  }
  ev.mayThrow();
  ev.unseenCodeRuns++;
  // One reason for the call, whether for its result or for what it was given.
  const result = chain ? ev.chainOpaque(chain, n, 'call') : undefined;
  // Safe only with primitives: a built-in converts an object it is given (`String.prototype.trim.call(obj)`
  // runs obj's toString), and may call a function it is given.
  const safe = chain?.kind === 'global' && SAFE_GLOBAL_CALLS.has(chain.root) && args.every((a) => isPrimitive(a) || (a instanceof Opaque && a.reach.length === 0));
  if (!safe) {
    // The code may change what reaches it, however a merge or a copy hid that (`(cond ? buf : []).fill(0)`).
    ev.havocEpoch++;
    const why = result && chain?.kind === 'import' ? result.unknown : ev.unknown(`${ev.text(n)} runs code the analysis cannot see`, n);
    ev.escape(fn, why);
    ev.escape(thisValue, why);
    for (const a of args) {
      // A built-in (or what may be one's prototype) handed over may be changed (`Object.defineProperty(Error, …)`).
      if (a instanceof Opaque && changesBuiltins(a)) ev.patchBuiltins(n);
      ev.escape(a, why);
    }
  }
  const reach = safe ? reachOf(args) : NO_REACH;
  if (result) return reach.length ? new Opaque(result.unknown, reach, result.chain) : result;
  return new Opaque(fn.unknown, reach);
}

/**
 * Whether `member` names an export of a namespace import statically (`ns.f`, `ns['f']` on `import * as
 * ns`): esbuild rewrites it into the export itself, so a call of it has no `this` (not the namespace
 * object, as the same call on another reference to the namespace has).
 */
export function plainNamespaceMember(recv: Value, member: ts.PropertyAccessExpression | ts.ElementAccessExpression, scope: Scope): boolean {
  if (!(recv instanceof ModuleNamespace)) return false;
  const ns = skipOuter(member.expression);
  if (!isIdentifier(ns) || scope.lookup(ns.text)?.kind !== 'import') return false;
  return isPropertyAccess(member) || ts.isStringLiteralLike(skipOuter(member.argumentExpression));
}

/** A generator function (not async, with a body): what {@link evalDrained} can run to completion. */
function isDrainableGenerator(node: ts.Node): node is ts.FunctionLikeDeclaration & { body: ts.Block } {
  if (!ts.isFunctionLike(node) || !(node as ts.FunctionLikeDeclaration).asteriskToken) return false;
  const body = (node as ts.FunctionLikeDeclaration).body;
  return !isAsyncFunction(node) && body !== undefined && isBlock(body);
}

function isAsyncFunction(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node)?.some((m) => m.kind === SK.AsyncKeyword) ?? false);
}

/**
 * Evaluates `expr`, whose value is iterated to its end at once, with no code of the module's in
 * between (a spread, `Array.from`'s only argument, `new Set(…)`'s): when it is a call of a generator,
 * the generator runs to completion right there and its value is the array of what it yielded. That is
 * exact: iterating it to the end runs the generator's body through, `yield` giving undefined (each
 * `next()` is called without an argument), and nothing else runs until it ends. A generator iterated
 * bit by bit (`for…of`, whose body runs between its yields) is not followed.
 */
export function evalDrained(ev: Interpreter, expr: ts.Expression, scope: Scope, isolated = false): Value {
  const call = skipOuter(expr);
  if (!isCallExpression(call)) return ev.evalExpr(expr, scope);
  const [saved, savedIsolated] = [ev.drainedCall, ev.drainIsolated];
  ev.drainedCall = call;
  ev.drainIsolated = isolated;
  try {
    return ev.evalExpr(expr, scope);
  } finally {
    ev.drainedCall = saved;
    ev.drainIsolated = savedIsolated;
  }
}

/** `awaited`: an async function whose call is awaited where it is made, run through (see `evalAwait`). */
export function callClosure(ev: Interpreter, fn: Closure, thisValue: Value, args: readonly Value[], site: CallSite, awaited = false): Value {
  const node = fn.node;
  // A `for…of`'s generator (`isolated`): only one that cannot interact with the loop's body.
  const isolated = ev.drainIsolated;
  const drained = !fn.supported && ev.drainedCall === site.node && isDrainableGenerator(node) && (!isolated || isIsolatedGenerator(fn, thisValue, args));
  if ((!fn.supported && !drained && !awaited) || !ts.isFunctionLike(node)) {
    const what = ts.isClassLike(node) ? 'a class' : 'an async function or generator';
    return callUnseen(ev, fn, thisValue, args, site, ev.unknown(`${ev.text(site.node)} calls ${what}, which the analysis does not follow`, site.node));
  }
  const spread = findSpread(args);
  if (spread) return callUnseen(ev, fn, thisValue, args, site, spread.unknown);
  if (ev.callDepth >= ev.limits.maxCallDepth) {
    const why = ev.limitOpaque(`calls nest more than ${ev.limits.maxCallDepth} deep here; the analysis does not follow them further`, site.node).unknown;
    return callUnseen(ev, fn, thisValue, args, site, why);
  }
  ev.budget.step(site.node);
  const isArrow = isArrowFunction(node);
  if (!isArrow && usesArguments(node)) {
    // Sloppy-mode `arguments` aliases the parameters (the bundle the CLI runs is not strict).
    return callUnseen(ev, fn, thisValue, args, site, ev.unknown(`${ev.text(site.node)} calls a function that uses \`arguments\`, which the analysis does not follow`, site.node));
  }
  // In a plain call, `this` is the global object in the (sloppy) bundle, undefined in strict code.
  const callThis = isArrow ? thisValue : thisValue === undefined || thisValue === null ? globalThisValue(ev, site.node) : isPrimitive(thisValue) && !ts.findAncestor(node, ts.isClassLike) ? boxedThis(ev, site.node) : thisValue;
  const scope = new Scope(fn.scope, true, isArrow ? undefined : { value: callThis });
  if (ts.isFunctionExpression(node) && node.name) ev.declare(scope, node.name.text, { value: fn, kind: 'self', initialised: true });
  // A call from the analysed module into another module's function: what happens there shows here.
  const fromEntry = ev.inEntry(site.node);
  const anchored = fromEntry && !ev.inEntry(node);
  if (anchored) ev.anchors.push(site.node);
  if (fromEntry) ev.callSites.push(site.node);
  ev.callDepth++;
  // The calls in its body are not the one awaited; its own `return f()` may be (`returnsAwaited`).
  const [savedAwaited, savedAwaitedFunction] = [ev.awaitedCall, ev.awaitedFunction];
  ev.awaitedCall = undefined;
  ev.awaitedFunction = awaited ? node : undefined;
  try {
    let i = 0;
    for (const p of node.parameters) {
      if (isIdentifier(p.name) && p.name.text === 'this') continue; // TypeScript's `this` parameter is erased
      let value: Value;
      if (p.dotDotDotToken) value = new ArrayValue(args.slice(i).map((a) => ({ value: a, range: undefined })));
      else value = args[i];
      i++;
      if (p.initializer) value = ev.applyDefault(value, p.initializer, scope);
      ev.bindPattern(p.name, value, scope, 'param');
    }
    const body = node.body;
    if (!body) return undefined;
    // An async arrow's expression body is its `return`.
    if (!isBlock(body)) return awaited ? ev.evalAwaitedOperand(body, scope) : ev.evalExpr(body, scope);
    if (drained) {
      const yielded = runToCompletion(ev, body, scope, site, isolated);
      if (yielded !== NOT_ISOLATED) return yielded;
      return callUnseen(ev, fn, thisValue, args, site, ev.unknown(`${ev.text(site.node)} calls a generator that the loop runs over bit by bit, which the analysis does not follow here`, site.node));
    }
    ev.hoist(body.statements, scope, body);
    const c = ev.evalStatements(body.statements, scope);
    if (!c) return undefined;
    if (c.kind === 'return') return c.value;
    if (c.kind === 'uncertain') return new Opaque(c.why, c.reach);
    return undefined;
  } finally {
    ev.awaitedCall = savedAwaited;
    ev.awaitedFunction = savedAwaitedFunction;
    ev.callDepth--;
    if (anchored) ev.anchors.pop();
    if (fromEntry) ev.callSites.pop();
  }
}

/**
 * A generator's body run through (see {@link evalDrained}): the array of what it yielded. Unknown when
 * that is not certain: a yield on a branch the analysis cannot decide, code it skipped (which may
 * have yielded), an end it cannot tell.
 */
function runToCompletion(ev: Interpreter, body: ts.Block, scope: Scope, site: CallSite, isolated: boolean): Value | typeof NOT_ISOLATED {
  const sink: YieldSink = { values: [], journals: ev.journals.length, unknown: undefined, ...(isolated ? { isolated } : {}) };
  const epoch = ev.havocEpoch;
  const [saved, savedIsolated] = [ev.drainedCall, ev.drainIsolated];
  // The calls in its body are not the one drained.
  ev.drainedCall = undefined;
  ev.drainIsolated = false;
  ev.yieldSinks.push(sink);
  let c: Completion | undefined;
  try {
    ev.hoist(body.statements, scope, body);
    c = ev.evalStatements(body.statements, scope);
  } catch (e) {
    // For a `for…of`: a value it would keep, too many, or an error further on than the loop may go.
    if (isolated && (e === NOT_ISOLATED || e instanceof ThrowSignal)) return NOT_ISOLATED;
    throw e;
  } finally {
    ev.yieldSinks.pop();
    ev.drainedCall = saved;
    ev.drainIsolated = savedIsolated;
  }
  if (isolated && (c?.kind === 'uncertain' || sink.unknown || ev.havocEpoch !== epoch)) return NOT_ISOLATED;
  const reach = reachOf(sink.values.map((s) => s.value));
  if (c?.kind === 'uncertain') return new Opaque(c.why, [...c.reach, ...reach]);
  if (sink.unknown) return new Opaque(sink.unknown, reach);
  if (ev.havocEpoch !== epoch) return ev.opaque(`${ev.text(site.node)} runs a generator through code the analysis does not follow, so what it yields is not known`, site.node, reach);
  return new ArrayValue(sink.values);
}

/**
 * A primitive `this` (`f.call(5)`, `map(cb, 'x')`) outside class code: sloppy code (the bundle, unless
 * the tsconfig makes esbuild emit "use strict") boxes it into an object, strict code does not.
 */
function boxedThis(ev: Interpreter, node: ts.Node): Opaque {
  return new Opaque(ev.unknown('`this` here is a primitive value, which sloppy code boxes into an object and strict code does not', node));
}

export function globalThisValue(ev: Interpreter, node: ts.Node): Opaque {
  // Made for every plain call: not an operation on unknown data, so no possible hidden throw (what is
  // done with it is).
  return quietly(() => new Opaque(ev.unknown('`this` in a plain function call is the global object (or undefined in strict code)', node), NO_REACH, { kind: 'global', root: 'globalThis' }));
}

/**
 * A direct `eval(code)` can read and assign every variable in scope, now and later (through
 * functions it makes): each becomes volatile, and everything reachable from them escapes.
 */
export function directEval(ev: Interpreter, scope: Scope, node: ts.Node): Opaque {
  const why = ev.unknown(`${ev.text(node)} runs code the analysis cannot see, with access to every variable in scope`, node);
  ev.mayThrow();
  for (let s: Scope | undefined = scope; s; s = s.parent) {
    for (const b of s.bindings.values()) {
      if (b.importedFrom) {
        // An import cannot be assigned, but what it holds can be reached.
        ev.escape(bindingValue(b), why);
        continue;
      }
      ev.escape(b.value, why);
      if (b.kind !== 'const' && b.kind !== 'import') {
        ev.touchBinding(b);
        b.value = new Opaque(why);
        b.volatile = why;
      }
    }
  }
  ev.escape(scope.thisValue(), why);
  return new Opaque(why);
}

/**
 * Classes are not modelled: calling or constructing one is unseen code. Some of a class runs when it
 * is defined (static blocks and fields, computed keys, `extends`, decorators): then it escapes at once.
 */
export function makeClass(ev: Interpreter, node: ts.ClassLikeDeclaration, scope: Scope): Closure {
  const cls = new Closure(node, scope, undefined, node.name?.text ?? '', false);
  if (classRunsCodeWhenDefined(node)) {
    ev.escape(cls, ev.unknown(`the class ${node.name?.text ?? ''} runs code when it is defined, which the analysis does not follow`.replace('class  ', 'class '), node.name ?? node));
  }
  return cls;
}

export function makeClosure(_ev: Interpreter, node: ts.FunctionLikeDeclaration, scope: Scope): Closure {
  const isAsync = isAsyncFunction(node);
  const isGenerator = node.asteriskToken !== undefined;
  const lexicalThis = isArrowFunction(node) ? scope.thisValue() : undefined;
  const name = node.name && isIdentifier(node.name) ? node.name.text : '';
  return new Closure(node, scope, lexicalThis, name, !isAsync && !isGenerator && node.body !== undefined);
}

/**
 * Built-ins that iterate their only argument to its end as soon as they are called, with no code of
 * the module's in between (see {@link evalDrained}); `Array.from` with a map function calls it between
 * values, and `new Map`/`Object.fromEntries` read each entry's `0` and `1` between them.
 */
const DRAINS_ITS_ARGUMENT: ReadonlySet<string> = new Set(['Array.from', 'Set']);

/** Whether a call of `fn` with the arguments `nodes` iterates its first argument to the end at once. */
function drainsFirstArgument(fn: Value, nodes: readonly ts.Expression[]): boolean {
  return nodes.length === 1 && fn instanceof BuiltinFunction && DRAINS_ITS_ARGUMENT.has(fn.name) && !isSpreadElement(nodes[0]!);
}

export function evalArgs(ev: Interpreter, nodes: readonly ts.Expression[], scope: Scope, drainFirst = false): { values: Value[]; infos: ArgInfo[] } {
  const values: Value[] = [];
  const infos: ArgInfo[] = [];
  for (let index = 0; index < nodes.length; index++) {
    const arg = nodes[index]!;
    if (isSpreadElement(arg)) {
      const v = evalDrained(ev, arg.expression, scope);
      const items = ev.iterate(v, arg.expression);
      if (items instanceof Opaque) {
        values.push(new SpreadOpaque(items.unknown, items.reach));
        infos.push({ node: arg, index, spread: true });
      } else {
        for (const item of items) {
          values.push(item);
          infos.push({ node: arg, index, spread: true });
        }
      }
    } else if (isIdentifier(arg) && deepRegionAt(arg)) {
      // Arguments set aside as nested too deeply: how many there are is not known either.
      const v = ev.evalExpr(arg, scope) as Opaque;
      values.push(new SpreadOpaque(v.unknown, v.reach));
      infos.push({ node: arg, index, spread: true });
    } else {
      values.push(drainFirst && index === 0 ? evalDrained(ev, arg, scope) : ev.evalExpr(arg, scope));
      infos.push({ node: arg, index, spread: false });
    }
  }
  return { values, infos };
}

export function evalCall(ev: Interpreter, node: ts.CallExpression, scope: Scope): ChainResult {
  if (ev.inEntry(node)) ev.runCalls.add(node.pos);
  const callee = node.expression;
  if (callee.kind === SK.SuperKeyword) {
    const { values, infos } = evalArgs(ev, node.arguments, scope);
    return ev.superCall(node, values, { node, args: infos, argumentCount: node.arguments.length }, scope);
  }
  if (callee.kind === SK.ImportKeyword) {
    const { values } = evalArgs(ev, node.arguments, scope);
    const why = ev.unknown(`${ev.text(node)} loads a module at run time`, node);
    for (const v of values) ev.escape(v, why);
    return new Opaque(why);
  }
  if (isIdentifier(callee) && callee.text === 'require' && !scope.lookup('require')) {
    const json = ev.requiredJson(node);
    if (json) return json.value;
  }
  if (isIdentifier(callee) && callee.text === 'eval' && !scope.lookup('eval')) {
    for (const arg of node.arguments) ev.evalExpr(isSpreadElement(arg) ? arg.expression : arg, scope);
    return directEval(ev, scope, node);
  }
  let fn: Value;
  let thisValue: Value = undefined;
  const inner = skipOuter(callee);
  if ((isPropertyAccess(inner) || isElementAccess(inner)) && inner.expression.kind === SK.SuperKeyword) {
    // `super.m(…)`: the method of the class the home class extends, called with this `this`.
    const key = isPropertyAccess(inner) ? inner.name.text : ev.keyOf(ev.evalExpr(inner.argumentExpression, scope), inner.argumentExpression);
    fn = ev.superProperty(inner, key, scope);
    thisValue = scope.thisValue();
  } else if (isPropertyAccess(inner) || isElementAccess(inner)) {
    const recv = ev.evalChainOperand(inner, scope);
    if (recv === SHORT) {
      if (inner !== callee) fn = undefined; // `(a?.b)()`: the chain ends at the parenthesis
      else return SHORT;
    } else if (inner.questionDotToken && (recv === null || recv === undefined)) {
      if (inner !== callee) fn = undefined;
      else return SHORT;
    } else {
      thisValue = plainNamespaceMember(recv, inner, scope) ? undefined : recv;
      const key = isPropertyAccess(inner) ? inner.name.text : ev.keyOf(ev.evalExpr(inner.argumentExpression, scope), inner.argumentExpression);
      // `dag.task(name, { … })` on a Dag the analysis does not know (`new MyDag()` of a class it does not
      // model): its lens says why, rather than nothing. Only with a spec written as an object literal,
      // the DSL's shape (`gulp.task('build', fn)` is not a Dag's).
      const spec = node.arguments[1];
      if (key === 'task' && recv instanceof Opaque && isPropertyAccess(inner) && node.arguments.length === 2 && spec && ts.isObjectLiteralExpression(skipOuter(spec))) {
        ev.noteUnfollowedTaskCall(node, inner, recv.unknown);
      }
      if (isPropertyAccess(inner) && ts.isPrivateIdentifier(inner.name)) {
        fn = ev.getPrivate(recv, ev.resolvePrivate(inner.name, scope), inner);
      } else if (key instanceof Opaque) {
        if (recv === null || recv === undefined) ev.throwError(`Cannot read properties of ${String(recv)}`, inner);
        fn = new Opaque(key.unknown, reachOf([recv]));
      } else {
        fn = ev.getProperty(recv, key, inner, inner.expression);
      }
    }
  } else {
    const f = ev.evalMaybeChain(callee, scope);
    if (f === SHORT) return SHORT;
    fn = f;
  }
  if (node.questionDotToken && (fn === null || fn === undefined)) return SHORT;
  const { values, infos } = evalArgs(ev, node.arguments, scope, drainsFirstArgument(fn, node.arguments));
  const site: CallSite = { node, args: infos, argumentCount: node.arguments.length };
  // The operand of an `await`: an async function of the module's runs through at once (see `evalAwait`).
  if (fn instanceof Closure && ev.awaitedCall === node && isAwaitableAsync(fn.node)) return callClosure(ev, fn, thisValue, values, site, true);
  return call(ev, fn, thisValue, values, site);
}

/** An async function (not a generator) with a body: what an `await` of its call runs through (`evalAwait`). */
function isAwaitableAsync(node: ts.Node): boolean {
  return ts.isFunctionLike(node) && isAsyncFunction(node) && !(node as ts.FunctionLikeDeclaration).asteriskToken && (node as ts.FunctionLikeDeclaration).body !== undefined;
}

export function evalNew(ev: Interpreter, node: ts.NewExpression, scope: Scope): Value {
  const callee = ev.evalExpr(node.expression, scope);
  const argNodes = node.arguments ?? [];
  const { values, infos } = evalArgs(ev, argNodes, scope, drainsFirstArgument(callee, argNodes));
  const site: CallSite = { node, args: infos, argumentCount: argNodes.length };
  if (callee instanceof DagClassValue) {
    return newDag(ev, values, site, findSpread(values));
  }
  if (callee instanceof BuiltinFunction && callee.options.construct) {
    if (ev.builtinsPatched) return callUnseen(ev, callee, undefined, values, site, ev.builtinsPatched);
    return callee.options.construct(ev, undefined, values, site);
  }
  if (callee instanceof Opaque) return callOpaque(ev, callee, undefined, values, site);
  if (callee instanceof ClassValue) return ev.construct(callee, values, site);
  if (callee instanceof Closure || callee instanceof BuiltinFunction) {
    return callUnseen(ev, callee, undefined, values, site, ev.unknown(`${ev.text(node)} constructs an object the analysis does not model`, node));
  }
  ev.throwError(`${ev.text(node.expression)} is not a constructor`, node);
}

/** Whether defining the class runs some of its code (static blocks and fields, computed keys, `extends`, decorators). */
function classRunsCodeWhenDefined(node: ts.ClassLikeDeclaration): boolean {
  if (node.heritageClauses?.some((h) => h.token === SK.ExtendsKeyword)) return true;
  if (ts.canHaveDecorators(node) && ts.getDecorators(node)?.length) return true;
  for (const m of node.members) {
    if (ts.isClassStaticBlockDeclaration(m)) return true;
    if (m.name && ts.isComputedPropertyName(m.name)) return true;
    if (ts.canHaveDecorators(m) && ts.getDecorators(m)?.length) return true;
    const isStatic = ts.canHaveModifiers(m) && (ts.getModifiers(m)?.some((x) => x.kind === SK.StaticKeyword) ?? false);
    if (isStatic && ts.isPropertyDeclaration(m) && m.initializer) return true;
  }
  return false;
}

const argumentsUse = new WeakMap<ts.Node, boolean>();

/** Whether a (non-arrow) function's own code mentions `arguments` (arrows inside it share it). */
function usesArguments(fn: ts.Node): boolean {
  let uses = argumentsUse.get(fn);
  if (uses === undefined) {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (n.kind === SK.Identifier && ((n as ts.Identifier).text === 'arguments' || deepRegionAt(n as ts.Identifier)?.names.has('arguments'))) found = true;
      else if (n === fn || !((ts.isFunctionLike(n) && !isArrowFunction(n)) || ts.isClassLike(n))) ts.forEachChild(n, visit);
    };
    visit(fn);
    uses = found;
    argumentsUse.set(fn, uses);
  }
  return uses;
}

function findSpread(args: readonly Value[]): SpreadOpaque | undefined {
  for (const a of args) if (a instanceof SpreadOpaque) return a;
  return undefined;
}
