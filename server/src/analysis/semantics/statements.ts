/**
 * Statements: declarations, `if`, loops, `switch`, `try`, labels, exports, and the completions
 * (`return`, `break`, `continue`, or uncertain control after havoc) they produce.
 */
import ts from 'typescript';
import { UnknownValue } from '../types';
import {
  ArrayValue,
  MatchArrayValue,
  DagState,
  InstanceValue,
  IteratorValue,
  CollectionValue,
  ModuleNamespace,
  NO_REACH,
  ObjectValue,
  Opaque,
  Scope,
  isPrimitive,
  nextSerial,
  opaqueCount,
  orderedKeys,
  reachOf,
  strictEquals,
  truthiness,
  type BindingKind,
  type HeapValue,
  type Value,
  DEFAULT_BINDING,
} from '../values';
import { HashObject } from '../builtins/nodeCrypto';
import {
  NF,
  SK,
  bindingIdentifiers,
  isCallExpression,
  hasDeclareModifier,
  isIdentifier,
  isNewExpression,
  skipOuter,
} from '../syntax';
import { ThrowSignal } from '../signals';
import { factsOf, regionFacts } from '../regions';
import { Journal } from '../speculation';
import { arrayItem, collectionItem, defaultIteration, iterateSnapshot } from '../builtins/coercion';
import type { Completion, Interpreter } from '../realm';
import { deepRegionAt } from '../deepNesting';
import { leavesBuiltinsAlone } from '../isolatedGenerators';


export function evalStatements(ev: Interpreter, statements: readonly ts.Statement[], scope: Scope): Completion {
  for (let i = 0; i < statements.length; i++) {
    const c = evalStatement(ev, statements[i]!, scope, []);
    if (c) return c.kind === 'uncertain' ? ev.havocRest(statements.slice(i + 1), scope, c) : c;
  }
  return undefined;
}

export function evalBlock(ev: Interpreter, statements: readonly ts.Statement[], scope: Scope): Completion {
  const inner = new Scope(scope, false);
  ev.hoist(statements, inner, undefined);
  return evalStatements(ev, statements, inner);
}

/** `labels`: the labels directly on this statement (for `continue label` on a loop). */
export function evalStatement(ev: Interpreter, node: ts.Statement, scope: Scope, labels: readonly string[]): Completion {
  ev.budget.step(node);
  switch (node.kind) {
    case SK.VariableStatement:
      evalVariableStatement(ev, node as ts.VariableStatement, scope);
      return undefined;
    case SK.ExpressionStatement: {
      const e = (node as ts.ExpressionStatement).expression;
      const deep = isIdentifier(e) ? deepRegionAt(e) : undefined;
      // Statements set aside as nested too deeply may leave the block (`return`, `break`).
      if (deep) return ev.unreadCode(e as ts.Identifier, deep, scope).completion;
      ev.evalExpr(e, scope);
      return undefined;
    }
    case SK.IfStatement:
      return evalIf(ev, node as ts.IfStatement, scope);
    case SK.Block:
      return evalBlock(ev, (node as ts.Block).statements, scope);
    case SK.ReturnStatement: {
      const r = node as ts.ReturnStatement;
      if (!r.expression) return { kind: 'return', value: undefined };
      return { kind: 'return', value: returnsAwaited(ev, r) ? ev.evalAwaitedOperand(r.expression, scope) : ev.evalExpr(r.expression, scope) };
    }
    case SK.BreakStatement:
    case SK.ContinueStatement:
      return { kind: node.kind === SK.BreakStatement ? 'break' : 'continue', label: (node as ts.BreakOrContinueStatement).label?.text };
    case SK.ThrowStatement: {
      const t = node as ts.ThrowStatement;
      const value = ev.evalExpr(t.expression, scope);
      throw new ThrowSignal(value, t, `throw ${ev.text(t.expression)}`);
    }
    case SK.TryStatement:
      return evalTry(ev, node as ts.TryStatement, scope);
    case SK.ForStatement:
      return evalFor(ev, node as ts.ForStatement, scope, labels);
    case SK.ForOfStatement:
      return evalForOf(ev, node as ts.ForOfStatement, scope, labels);
    case SK.ForInStatement:
      return evalForIn(ev, node as ts.ForInStatement, scope, labels);
    case SK.WhileStatement:
    case SK.DoStatement:
      return evalWhile(ev, node as ts.WhileStatement | ts.DoStatement, scope, labels);
    case SK.SwitchStatement:
      return evalSwitch(ev, node as ts.SwitchStatement, scope);
    case SK.LabeledStatement: {
      const l = node as ts.LabeledStatement;
      const label = l.label.text;
      const c = evalStatement(ev, l.statement, scope, [...labels, label]);
      if (c && c.kind === 'break' && c.label === label) return undefined;
      // Control that may have jumped to this label is certain again after it, unless it may have
      // gone further.
      if (c && c.kind === 'uncertain') return ev.afterHavoc(factsOf(l), c.why, c.reach);
      return c;
    }
    case SK.FunctionDeclaration:
    case SK.EmptyStatement:
    case SK.TypeAliasDeclaration:
    case SK.InterfaceDeclaration:
    case SK.ImportDeclaration:
    case SK.ImportEqualsDeclaration:
    case SK.DebuggerStatement:
    case SK.NotEmittedStatement:
      return undefined;
    case SK.ClassDeclaration: {
      const c = node as ts.ClassDeclaration;
      if (hasDeclareModifier(c)) return undefined;
      if (c.name) ev.initBinding(c.name, ev.makeClass(c, scope), scope, 'class');
      else setHiddenDefault(ev, scope, ev.makeClass(c, scope));
      return undefined;
    }
    case SK.ExportAssignment: {
      const e = node as ts.ExportAssignment;
      const value = ev.evalExpr(e.expression, scope);
      // `export = x` replaces the module's exports (its importers are not followed); `export default x`
      // binds x, as it is now, to the module's default export.
      if (!e.isExportEquals) setHiddenDefault(ev, scope, value);
      return undefined;
    }
    case SK.ExportDeclaration:
      // Exports are bindings (see modules/): nothing runs here.
      return undefined;
    case SK.EnumDeclaration: {
      const e = node as ts.EnumDeclaration;
      if (!hasDeclareModifier(e)) ev.evalEnum(e, scope);
      return undefined;
    }
    case SK.ModuleDeclaration: {
      const m = node as ts.ModuleDeclaration;
      if (hasDeclareModifier(m) || !m.body) return undefined;
      // A namespace body runs when the module loads; the analysis does not follow it.
      const why = ev.unknown(`namespace ${ev.text(m.name)} is not evaluated by the analysis`, m.name);
      ev.havoc([m.body], scope, why);
      if (isIdentifier(m.name)) {
        const b = scope.lookup(m.name.text);
        if (b && b.kind === 'var') {
          ev.touchBinding(b);
          b.value = new Opaque(why);
        }
        else ev.declare(scope, m.name.text, { value: new Opaque(why), kind: 'var', initialised: true });
      }
      return undefined;
    }
    default: {
      // Anything else (a `with` statement, a declaration the parser could not finish): not followed.
      const why = ev.unknown('this statement is not evaluated by the analysis', node);
      const facts = factsOf(node);
      return ev.afterHavoc(facts, why, ev.havoc([node], scope, why));
    }
  }
}

export function evalVariableStatement(ev: Interpreter, node: ts.VariableStatement, scope: Scope): void {
  evalDeclarationList(ev, node.declarationList, scope, hasDeclareModifier(node));
}

export function evalDeclarationList(ev: Interpreter, list: ts.VariableDeclarationList, scope: Scope, ambient: boolean): void {
  const flags = list.flags;
  const kind: BindingKind = flags & NF.Const || flags & NF.Using ? 'const' : flags & NF.Let ? 'let' : 'var';
  if (ambient) {
    for (const d of list.declarations) {
      for (const id of bindingIdentifiers(d.name)) {
        const why = `${id.text} is declared here but defined elsewhere`;
        ev.declare(scope, id.text, { value: ev.opaque(why, id), kind: 'const', initialised: true });
      }
    }
    return;
  }
  for (const d of list.declarations) {
    let value: Value;
    if (d.initializer) value = ev.evalExpr(d.initializer, scope);
    else if (kind === 'var') continue; // `var x;` leaves x as it was
    else value = undefined;
    if (flags & NF.Using) ev.escape(value, ev.unknown('`using` disposes the value at the end of the scope', d));
    ev.bindPattern(d.name, value, scope, kind);
    if (isIdentifier(d.name) && value instanceof DagState && value.variable === undefined && d.initializer && isNewExpression(skipOuter(d.initializer))) {
      value.variable = d.name.text;
    }
  }
}

export function evalIf(ev: Interpreter, node: ts.IfStatement, scope: Scope): Completion {
  const cond = ev.evalExpr(node.expression, scope);
  const t = truthiness(cond);
  if (t === true) return evalStatement(ev, node.thenStatement, scope, []);
  if (t === false) return node.elseStatement ? evalStatement(ev, node.elseStatement, scope, []) : undefined;
  const why = ev.conditionUnknown(cond as Opaque, node.expression, 'which branch runs is not static');
  const region = node.elseStatement ? [node.thenStatement, node.elseStatement] : [node.thenStatement];
  const facts = regionFacts(region);
  if (!facts.mayReturn && !facts.mayJumpOut) {
    // Both ways, then merged: what the branches agree on stays known.
    const onlyIf = ev.conditionUnknown(cond as Opaque, node.expression, 'it is made on one branch only, and which branch runs is not static');
    const done = ev.speculate(
      [() => evalStatement(ev, node.thenStatement, scope, []), () => (node.elseStatement ? evalStatement(ev, node.elseStatement, scope, []) : undefined)],
      (c) => c === undefined,
      why,
      onlyIf,
    );
    if (done) return undefined;
  }
  return ev.afterHavoc(facts, why, ev.havoc(region, scope, why));
}

/** Changes whenever something may have thrown where the analysis cannot tell (see `opaqueCount`). */
export function uncertaintyMark(ev: Interpreter): number {
  return ev.uncertainty + opaqueCount();
}

/**
 * Whether a throw in the try block may end up not thrown: a catch takes it, or a `finally` that may
 * `return`, `break` or `continue` out discards it (`try { … } finally { return }`). Either way the
 * statements after the throw are skipped, and the program goes on (after the `try`, or where the
 * finally's jump leads) from whatever state the try block had reached.
 */
function mayDiscardThrow(node: ts.TryStatement): boolean {
  if (node.catchClause) return true;
  if (!node.finallyBlock) return false;
  const facts = factsOf(node.finallyBlock);
  return facts.mayReturn || facts.mayJumpOut;
}

export function evalTry(ev: Interpreter, node: ts.TryStatement, scope: Scope): Completion {
  const before = uncertaintyMark(ev);
  let completion: Completion;
  let pending: ThrowSignal | undefined;
  let thrown: ThrowSignal | undefined;
  const discards = mayDiscardThrow(node);
  // The code after a throw (a catch block, or what follows a finally that discards it) may start from
  // any state the try block went through: a journal keeps what its locations held before, should the
  // analysis not know where it stopped.
  const journal = discards ? new Journal(nextSerial(), ev.builtinsPatched) : undefined;
  if (journal) {
    ev.catchDepth++;
    ev.journals.push(journal);
  }
  try {
    completion = evalBlock(ev, node.tryBlock.statements, scope);
  } catch (e) {
    if (!(e instanceof ThrowSignal)) throw e;
    thrown = e;
  } finally {
    if (journal) {
      ev.catchDepth--;
      ev.journals.splice(ev.journals.lastIndexOf(journal), 1);
    }
  }
  if (thrown) {
    if (node.catchClause) {
      try {
        completion = evalCatch(ev, node.catchClause, thrown.value, scope);
      } catch (e) {
        if (!(e instanceof ThrowSignal)) throw e;
        pending = e;
      }
    } else {
      pending = thrown;
    }
  }
  if (uncertaintyMark(ev) !== before && discards) {
    // Something in the try block may have thrown where the analysis could not tell: the statements
    // after that point may not have run, and the catch block (or the code after a finally that
    // discards the throw) may have.
    const why = new UnknownValue('code in this try block may throw at run time, so which of its statements run is not static', ev.keywordRange(node, 3), ev.elsewhere(node));
    const region = node.catchClause ? [node.tryBlock, node.catchClause] : [node.tryBlock];
    const reach = ev.havoc(region, scope, why, { reach: journal?.earlierValues() ?? [] });
    // Without a catch, a throw the analysis saw still leaves the try block (the finally decides).
    if (node.catchClause) pending = undefined;
    completion = ev.afterHavoc(regionFacts(region), why, reach);
  }
  if (node.finallyBlock) {
    const f = evalBlock(ev, node.finallyBlock.statements, scope);
    if (f) return f;
  }
  if (pending) throw pending;
  return completion;
}

/**
 * Whether `return f()` is in an async function an `await` runs through, outside any `try` of it: the
 * function's promise takes f's, so f is awaited where it is called, as with `return await f()`. (In a
 * `try`, f's rest would run after the `finally`, and the `catch` would not see its rejection.)
 */
function returnsAwaited(ev: Interpreter, r: ts.ReturnStatement): boolean {
  if (ev.awaitedFunction === undefined) return false;
  for (let n: ts.Node = r.parent; n !== ev.awaitedFunction; n = n.parent) {
    if (n === undefined || n.kind === SK.TryStatement || ts.isFunctionLike(n) || ts.isClassLike(n)) return false;
  }
  return true;
}

export function evalCatch(ev: Interpreter, clause: ts.CatchClause, thrown: Value, scope: Scope): Completion {
  const inner = new Scope(scope, false);
  if (clause.variableDeclaration) ev.bindPattern(clause.variableDeclaration.name, thrown, inner, 'catch');
  return evalBlock(ev, clause.block.statements, inner);
}

/**
 * What a loop does with its body's completion. `'next'` continues, `'exit'` leaves the loop normally,
 * otherwise the completion propagates.
 */
export function loopControl(_ev: Interpreter, c: Completion, labels: readonly string[]): 'next' | 'exit' | Completion {
  if (!c) return 'next';
  if (c.kind === 'break' && (c.label === undefined || labels.includes(c.label))) return 'exit';
  if (c.kind === 'continue' && (c.label === undefined || labels.includes(c.label))) return 'next';
  return c;
}

/**
 * One pass of a loop's body, the same for every kind of loop: the iteration cap, a step, the body
 * (in the scope `enter` makes, after the cap: a loop variable is bound only for a pass that runs), and
 * what the body's completion means for the loop. `'next'` to go on; anything else is the loop's own
 * completion. What is not followed is havocked in `havocScope`.
 */
export function loopPass(ev: Interpreter, node: ts.IterationStatement, i: number, havocScope: Scope, labels: readonly string[], enter: () => Scope): 'next' | Completion {
  if (i >= ev.limits.maxLoopIterations) return havocLoop(ev, node, havocScope, loopLimit(ev, node));
  ev.budget.step(node);
  const c = loopControl(ev, evalStatement(ev, node.statement, enter(), []), labels);
  if (c === 'exit') return undefined;
  if (c !== 'next') return c?.kind === 'uncertain' ? havocLoop(ev, node, havocScope, c.why, c.reach) : c;
  return 'next';
}

/** The loop's remaining iterations are not followed: havoc the whole loop from here. */
export function havocLoop(ev: Interpreter, node: ts.IterationStatement, scope: Scope, why: UnknownValue, reach: readonly HeapValue[] = NO_REACH): Completion {
  const r = ev.havoc([node], scope, why, { reach });
  return ev.afterHavoc(factsOf(node), why, r);
}

export function loopLimit(ev: Interpreter, node: ts.IterationStatement): UnknownValue {
  const keyword = ts.isDoStatement(node) ? 2 : ts.isWhileStatement(node) ? 5 : 3;
  const why = new UnknownValue(`the loop runs more than ${ev.limits.maxLoopIterations.toLocaleString('en-US')} times; the analysis does not follow it further`, ev.keywordRange(node, keyword), ev.elsewhere(node));
  ev.report('analysis-limit', why.range, why.why, why.origin);
  ev.silent.add(why);
  return why;
}

export function evalFor(ev: Interpreter, node: ts.ForStatement, scope: Scope, labels: readonly string[]): Completion {
  const loopScope = new Scope(scope, false);
  const init = node.initializer;
  let perIteration = false;
  if (init) {
    if (ts.isVariableDeclarationList(init)) {
      perIteration = (init.flags & NF.BlockScoped) !== 0;
      evalDeclarationList(ev, init, loopScope, false);
    } else {
      ev.evalExpr(init, loopScope);
    }
  }
  let iterScope = perIteration ? loopScope.copyForIteration() : loopScope;
  for (let i = 0; ; i++) {
    if (node.condition) {
      const cond = ev.evalExpr(node.condition, iterScope);
      const t = truthiness(cond);
      if (t === undefined) return havocLoop(ev, node, iterScope, ev.conditionUnknown(cond as Opaque, node.condition, 'how often the loop runs is not static'));
      if (!t) return undefined;
    }
    const pass = loopPass(ev, node, i, iterScope, labels, () => iterScope);
    if (pass !== 'next') return pass;
    if (perIteration) iterScope = iterScope.copyForIteration();
    if (node.incrementor) ev.evalExpr(node.incrementor, iterScope);
  }
}

export function evalWhile(ev: Interpreter, node: ts.WhileStatement | ts.DoStatement, scope: Scope, labels: readonly string[]): Completion {
  const isDo = ts.isDoStatement(node);
  for (let i = 0; ; i++) {
    if (!isDo || i > 0) {
      const cond = ev.evalExpr(node.expression, scope);
      const t = truthiness(cond);
      if (t === undefined) return havocLoop(ev, node, scope, ev.conditionUnknown(cond as Opaque, node.expression, 'how often the loop runs is not static'));
      if (!t) return undefined;
    }
    const pass = loopPass(ev, node, i, scope, labels, () => scope);
    if (pass !== 'next') return pass;
  }
}

/** Binds the loop variable of `for (const x of/in …)` for one iteration. */
export function bindLoopVariable(ev: Interpreter, init: ts.ForInitializer, value: Value, iterScope: Scope, node: ts.Node): void {
  if (ts.isVariableDeclarationList(init)) {
    const flags = init.flags;
    const kind: BindingKind = flags & NF.Const || flags & NF.Using ? 'const' : flags & NF.Let ? 'let' : 'var';
    const d = init.declarations[0];
    if (d) ev.bindPattern(d.name, value, iterScope, kind);
  } else {
    ev.assignTo(init, value, iterScope, node);
  }
}

export function evalForOf(ev: Interpreter, node: ts.ForOfStatement, scope: Scope, labels: readonly string[]): Completion {
  // A generator that cannot interact with the body runs through first (see isolatedGenerators.ts).
  const isolated = !node.awaitModifier && isCallExpression(skipOuter(node.expression)) && leavesBuiltinsAlone(node.statement, (name) => scope.lookup(name));
  const iterable = isolated ? ev.evalIsolated(node.expression, scope) : ev.evalExpr(node.expression, scope);
  if (node.awaitModifier) {
    const why = ev.unknown('`for await` runs asynchronously; the analysis does not follow it', node.expression);
    return havocLoop(ev, node, scope, why, reachOf([iterable]));
  }
  // Arrays are iterated live (the body may push to them), as JS does; Maps and Sets too, as long as
  // the body adds or removes no entry (it may replace values).
  let iterator: IteratorValue | undefined;
  let source: ArrayValue | CollectionValue | undefined;
  let kind: IteratorValue['kind'] = 'values';
  let values: readonly Value[] | undefined;
  if (iterable instanceof IteratorValue) {
    if (iterable.state === 'done') return undefined;
    if (iterable.state === 'unknown') {
      const why = ev.unknown(`the loop runs over ${ev.text(node.expression)}, an iterator that may have been advanced part of the way, which the analysis does not follow`, node.expression);
      return havocLoop(ev, node, scope, why, [iterable.source]);
    }
    iterator = iterable;
    source = iterable.source;
    kind = iterable.kind;
  } else if (iterable instanceof ArrayValue) source = iterable;
  else if (iterable instanceof CollectionValue) {
    source = iterable;
    kind = defaultIteration(iterable);
  } else if (typeof iterable === 'string') {
    values = Array.from(iterable);
    ev.charge(values.length, node);
  } else if (iterable instanceof Opaque) {
    const why = ev.unknown(`the loop runs over ${ev.text(node.expression)}, which is not static (${iterable.unknown.why})`, node.expression);
    return havocLoop(ev, node, scope, why, reachOf([iterable]));
  } else {
    // An object code the analysis cannot see may have made iterable (a `Symbol.iterator`, on it or on
    // its class's prototype): not known. Anything else is not iterable.
    const unknownIterable = iterateSnapshot(ev, iterable, node.expression);
    if (unknownIterable instanceof Opaque) {
      const why = ev.unknown(`the loop runs over ${ev.text(node.expression)}, which is not static (${unknownIterable.unknown.why})`, node.expression);
      return havocLoop(ev, node, scope, why, reachOf([iterable]));
    }
    ev.throwError(`${ev.text(node.expression)} is not iterable`, node.expression);
  }
  const taintOf = (x: ArrayValue | CollectionValue) => (x instanceof CollectionValue ? x.store.tainted : x.tainted);
  if (source && taintOf(source)) {
    const why = ev.unknown(`the loop runs over ${ev.text(node.expression)}, which is not static (${taintOf(source)!.why})`, node.expression);
    return havocLoop(ev, node, scope, why, reachOf([iterable]));
  }
  // The iterator is part-used while the loop runs (the body may iterate it too), used up when it ends.
  if (iterator) {
    ev.touch(iterator);
    iterator.state = 'unknown';
  }
  const storeKeys = source instanceof CollectionValue ? [...source.store.props.keys()] : undefined;
  const changes = source instanceof CollectionValue ? source.changes : 0;
  for (let i = 0; ; i++) {
    let value: Value;
    if (source) {
      if (taintOf(source)) {
        const why = ev.unknown(`the loop runs over ${ev.text(node.expression)}, which code the analysis cannot see may change`, node.expression);
        return havocLoop(ev, node, scope, why, [source]);
      }
      if (source instanceof CollectionValue) {
        if (source.changes !== changes) {
          const why = ev.unknown(`the loop adds to or removes from ${ev.text(node.expression)} while it runs over it, which the analysis does not follow`, node.expression);
          return havocLoop(ev, node, scope, why, [source]);
        }
        if (i >= storeKeys!.length) return usedUp(ev, iterator);
        value = collectionItem(source, kind, storeKeys![i]!, source.store.props.get(storeKeys![i]!)!);
      } else {
        if (i >= source.items.length) return usedUp(ev, iterator);
        value = arrayItem(kind, i, source.items[i]?.value);
      }
    } else {
      if (i >= values!.length) return undefined;
      value = values![i];
    }
    const pass = loopPass(ev, node, i, scope, labels, () => {
      const iterScope = new Scope(scope, false);
      bindLoopVariable(ev, node.initializer, value, iterScope, node);
      return iterScope;
    });
    if (pass !== 'next') return pass;
  }
}

/** A `for…of` went through all of an iterator: it yields nothing more. */
function usedUp(ev: Interpreter, iterator: IteratorValue | undefined): Completion {
  if (iterator) {
    ev.touch(iterator);
    iterator.state = 'done';
  }
  return undefined;
}

export function evalForIn(ev: Interpreter, node: ts.ForInStatement, scope: Scope, labels: readonly string[]): Completion {
  const obj = ev.evalExpr(node.expression, scope);
  let keys: string[];
  let stillThere: (key: string) => boolean = () => true;
  if (obj === null || obj === undefined) return undefined;
  // (An instance's prototype has no enumerable properties, unless code the analysis cannot see added some;
  // a Hash's prototype has many, Node's stream methods.)
  if (obj instanceof ObjectValue && !obj.tainted && !ev.builtinsPatched && !(obj instanceof InstanceValue && obj.cls.chainEscaped()) && !(obj instanceof HashObject)) {
    keys = orderedKeys(obj);
    stillThere = (k) => obj.props.has(k);
  } else if (obj instanceof ArrayValue && !(obj instanceof MatchArrayValue) && !obj.tainted && !ev.builtinsPatched) {
    keys = [];
    obj.items.forEach((s, i) => { if (s) keys.push(String(i)); });
    stillThere = (k) => obj.items[Number(k)] !== undefined;
  } else if (typeof obj === 'string') {
    keys = Array.from({ length: obj.length }, (_, i) => String(i));
  } else if (isPrimitive(obj)) {
    return undefined;
  } else if (obj instanceof ModuleNamespace && !ev.builtinsPatched && !('unknown' in obj.currentKeys())) {
    // The bundle's namespace: a plain object with one key per export (and none of its own, unless tainted).
    keys = [...(obj.currentKeys() as readonly string[])];
  } else {
    const base = obj instanceof Opaque ? obj.unknown.why : 'its keys are not modelled';
    const why = ev.unknown(`the loop runs over the keys of ${ev.text(node.expression)}, which are not static (${base})`, node.expression);
    return havocLoop(ev, node, scope, why, reachOf([obj]));
  }
  ev.charge(keys.length, node);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (!stillThere(key)) continue; // deleted before it was visited
    if ((obj instanceof ObjectValue || obj instanceof ArrayValue) && obj.tainted) {
      const why = ev.unknown(`the loop runs over ${ev.text(node.expression)}, which code the analysis cannot see may change`, node.expression);
      return havocLoop(ev, node, scope, why, [obj]);
    }
    const pass = loopPass(ev, node, i, scope, labels, () => {
      const iterScope = new Scope(scope, false);
      bindLoopVariable(ev, node.initializer, key, iterScope, node);
      return iterScope;
    });
    if (pass !== 'next') return pass;
  }
  return undefined;
}

export function evalSwitch(ev: Interpreter, node: ts.SwitchStatement, scope: Scope): Completion {
  const d = ev.evalExpr(node.expression, scope);
  const havocCases = (cause: Opaque, at: ts.Node): Completion => {
    const why = ev.conditionUnknown(cause, at, 'which case runs is not static');
    // Facts of the whole statement: a `break` in it is its own; `continue` and `return` leave it.
    const reach = ev.havoc([node], scope, why);
    return ev.afterHavoc(factsOf(node), why, reach);
  };
  if (d instanceof Opaque) return havocCases(d, node.expression);
  const clauses = node.caseBlock.clauses;
  let start = -1;
  for (let i = 0; i < clauses.length && start < 0; i++) {
    const clause = clauses[i]!;
    if (!ts.isCaseClause(clause)) continue;
    const test = ev.evalExpr(clause.expression, scope);
    const eq = strictEquals(d, test);
    if (eq === undefined) return havocCases(test as Opaque, clause.expression);
    if (eq) start = i;
  }
  if (start < 0) start = clauses.findIndex((c) => ts.isDefaultClause(c));
  if (start < 0) return undefined;
  const inner = new Scope(scope, false);
  for (const clause of clauses) ev.hoist(clause.statements, inner, undefined);
  for (let i = start; i < clauses.length; i++) {
    const c = evalStatements(ev, clauses[i]!.statements, inner);
    if (!c) continue;
    if (c.kind === 'break' && c.label === undefined) return undefined;
    if (c.kind === 'uncertain') {
      const rest = clauses.slice(i + 1).flatMap((cl) => [...cl.statements]);
      const more = rest.length ? ev.havoc(rest, inner, c.why) : [];
      return ev.afterHavoc(factsOf(node), c.why, [...c.reach, ...more]);
    }
    return c;
  }
  return undefined;
}

/** Sets the binding `export default <expression>` (or an anonymous default class) exports. */
function setHiddenDefault(ev: Interpreter, scope: Scope, value: Value): void {
  const b = scope.bindings.get(DEFAULT_BINDING);
  if (!b) return;
  ev.touchBinding(b);
  b.value = value;
  b.initialised = true;
}
