/**
 * Which generators a `for…of` may run through at once (see `evalIsolated` in semantics/calls.ts).
 *
 * JS interleaves a generator with the loop over it: the loop's body runs between two yields. Running the
 * generator to its end first and then the body once per value gives the same values, and the same
 * effects, exactly when neither can see what the other does. That is decided here, on the code, before
 * anything runs, and only where it is plain to see:
 *
 * - the generator (and every function it calls through a variable) reads no variable but its own and
 *   `const`s holding primitives or functions checked the same way, and uses globals only to call or
 *   read them (`Math.floor(x)`, `new Date(s)`, `Number.MAX_SAFE_INTEGER`);
 * - it is called with primitive arguments and no `this`, so it reaches no object that existed before;
 * - it assigns nothing outside itself;
 * - it yields primitives (checked as it runs), so the loop's body gets nothing the generator keeps;
 * - the loop's body changes no built-in (the generator already ran its built-ins).
 *
 * Leaving the loop early (`break`) ends a real generator where it is; it ran further here, which is
 * the same, since none of what it does can be seen outside it (an error it would throw further on
 * makes it not followed, as it does past a limit).
 */
import ts from 'typescript';
import { bindingIdentifiers, isIdentifier, skipOuter } from './syntax';
import { BuiltinFunction, Closure, isPrimitive, type Binding, type Value } from './values';

/** Globals a generator may call or read from: their functions compute and change nothing of the module's. */
const GLOBALS: ReadonlySet<string> = new Set([
  'undefined', 'NaN', 'Infinity', 'String', 'Number', 'Boolean', 'BigInt', 'Math', 'JSON', 'Date', 'parseInt', 'parseFloat',
  'isNaN', 'isFinite', 'encodeURIComponent', 'decodeURIComponent', 'encodeURI', 'decodeURI', 'Array', 'Object', 'Set', 'Map',
  'RegExp', 'Error', 'TypeError', 'RangeError', 'console', '__dirname', '__filename',
]);

/** How deep functions called through `const`s are checked. */
const MAX_DEPTH = 3;

/** Whether `fn`, a generator called with `args` and `thisValue`, can be run through at once for a `for…of`. */
export function isIsolatedGenerator(fn: Closure, thisValue: Value, args: readonly Value[]): boolean {
  return thisValue === undefined && args.every(isPrimitive) && isIsolatedCode(fn, 0);
}

/**
 * Whether a `for…of`'s body leaves the built-ins alone (the generator ran its built-ins before it): it
 * names no prototype and assigns only into variables (not globals). Its code is scanned once.
 */
export function leavesBuiltinsAlone(body: ts.Statement, lookup: (name: string) => Binding | undefined): boolean {
  let roots = assignedRoots.get(body);
  if (roots === undefined) {
    let found: string[] | false = [];
    const visit = (n: ts.Node): void => {
      if (found === false) return;
      if (isIdentifier(n) && (n.text === 'prototype' || n.text === 'defineProperty' || n.text === 'setPrototypeOf' || n.text === '__proto__')) found = false;
      const target = assignedTarget(n);
      if (target && found !== false) {
        const root = rootOf(target);
        if (root && isIdentifier(root)) found.push(root.text);
        else found = false;
      }
      ts.forEachChild(n, visit);
    };
    visit(body);
    roots = found;
    assignedRoots.set(body, roots);
  }
  return roots !== false && roots.every((name) => lookup(name) !== undefined);
}

/** Per loop body: the variables it assigns into, or false when it may change a built-in. */
const assignedRoots = new WeakMap<ts.Node, readonly string[] | false>();

function isIsolatedCode(fn: Closure, depth: number): boolean {
  const node = fn.node;
  if (!ts.isFunctionLike(node) || fn.escaped) return false;
  const declared = declaredNames(node);
  let ok = true;
  const visit = (n: ts.Node): void => {
    if (!ok) return;
    if (ts.isTypeNode(n) || ts.isTypeAliasDeclaration(n) || ts.isInterfaceDeclaration(n)) return;
    switch (n.kind) {
      case ts.SyntaxKind.ThisKeyword:
      case ts.SyntaxKind.SuperKeyword:
      case ts.SyntaxKind.AwaitExpression:
        ok = false;
        return;
    }
    if (ts.isYieldExpression(n) && n.asteriskToken) {
      ok = false;
      return;
    }
    const target = assignedTarget(n);
    if (target) {
      // Only its own variables (and what they hold, made by it) are assigned.
      for (const id of targetIdentifiers(target)) {
        if (id === undefined || fn.scope.lookup(id.text) || !declared.has(id.text)) {
          ok = false;
          return;
        }
      }
    }
    if (isIdentifier(n) && isReference(n)) {
      const name = n.text;
      if (name === 'arguments') {
        ok = false;
        return;
      }
      const outer = fn.scope.lookup(name);
      // A name it also declares may still mean the outer one somewhere: the outer one must do too.
      if (outer) ok = isConstant(outer, depth);
      else if (!declared.has(name)) ok = GLOBALS.has(name) && onlyCalledOrRead(n);
      if (!ok) return;
    }
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(node, visit);
  return ok;
}

/** A `const` holding a primitive, a built-in function, or a function that is itself isolated. */
function isConstant(b: Binding, depth: number, hops = 0): boolean {
  if (b.link) {
    const t = b.link.target();
    if (t.kind === 'binding' && hops < 10) return isConstant(t.binding, depth, hops + 1);
    return t.kind === 'value' && isPrimitive(t.value);
  }
  if (b.importedFrom || b.volatile || !b.initialised || b.kind !== 'const') return false;
  const v = b.value;
  if (isPrimitive(v) || v instanceof BuiltinFunction) return true;
  return v instanceof Closure && v.supported && depth < MAX_DEPTH && isIsolatedCode(v, depth + 1);
}

/** Every name the function declares anywhere inside it (parameters, variables, functions, classes, catch). */
function declaredNames(node: ts.Node): Set<string> {
  const names = new Set<string>();
  const visit = (n: ts.Node): void => {
    if (ts.isParameter(n) || ts.isVariableDeclaration(n)) for (const id of bindingIdentifiers(n.name)) names.add(id.text);
    if ((ts.isFunctionDeclaration(n) || ts.isClassDeclaration(n) || ts.isFunctionExpression(n) || ts.isClassExpression(n)) && n.name) names.add(n.name.text);
    if (ts.isCatchClause(n) && n.variableDeclaration) for (const id of bindingIdentifiers(n.variableDeclaration.name)) names.add(id.text);
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(node, visit);
  return names;
}

/** An identifier that reads a variable (not a property name, a declaration's name, a label). */
function isReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (!p) return false;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if (ts.isQualifiedName(p) && p.right === id) return false;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isGetAccessor(p) || ts.isSetAccessor(p) || ts.isEnumMember(p)) && p.name === id) return false;
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p) || ts.isFunctionExpression(p) || ts.isClassDeclaration(p) || ts.isClassExpression(p)) && p.name === id) return false;
  if (ts.isBindingElement(p) && (p.name === id || p.propertyName === id)) return false;
  if ((ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) && p.label === id) return false;
  return true;
}

/** A global used only as `G(…)`, `new G(…)`, `G.member(…)` or `G.member`, never handed on or written. */
function onlyCalledOrRead(id: ts.Identifier): boolean {
  const p = id.parent;
  if ((ts.isCallExpression(p) || ts.isNewExpression(p)) && p.expression === id) return true;
  if (ts.isPropertyAccessExpression(p) && p.expression === id) {
    const use = p.parent;
    if ((ts.isCallExpression(use) || ts.isNewExpression(use)) && use.expression === p) return true;
    return !assignedTarget(use) && !(ts.isCallExpression(use) || ts.isNewExpression(use)) && !ts.isPropertyAccessExpression(use) && !ts.isElementAccessExpression(use);
  }
  return false;
}

/** The expression a node assigns to (`x = …`, `x += …`, `x++`, `delete x.y`), if it assigns. */
function assignedTarget(n: ts.Node): ts.Expression | undefined {
  if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return n.left;
  if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && (n.operator === ts.SyntaxKind.PlusPlusToken || n.operator === ts.SyntaxKind.MinusMinusToken)) return n.operand;
  if (ts.isDeleteExpression(n)) return n.expression;
  if ((ts.isForOfStatement(n) || ts.isForInStatement(n)) && !ts.isVariableDeclarationList(n.initializer)) return n.initializer as ts.Expression;
  return undefined;
}

/** The variable at the root of an assigned place (`a` of `a.b[c].d`); undefined for `this` and the like. */
function rootOf(target: ts.Expression): ts.Expression | undefined {
  let t = skipOuter(target);
  while (ts.isPropertyAccessExpression(t) || ts.isElementAccessExpression(t)) t = skipOuter(t.expression);
  return isIdentifier(t) ? t : undefined;
}

/** The variables an assignment target writes or writes into (each name of a destructuring pattern). */
function targetIdentifiers(target: ts.Expression): (ts.Identifier | undefined)[] {
  const t = skipOuter(target);
  if (ts.isArrayLiteralExpression(t)) return t.elements.flatMap((e) => (ts.isOmittedExpression(e) ? [] : targetIdentifiers(ts.isSpreadElement(e) ? e.expression : e)));
  if (ts.isObjectLiteralExpression(t)) {
    return t.properties.flatMap((p) => {
      if (ts.isShorthandPropertyAssignment(p)) return [p.name];
      if (ts.isPropertyAssignment(p)) return targetIdentifiers(p.initializer);
      if (ts.isSpreadAssignment(p)) return targetIdentifiers(p.expression);
      return [undefined];
    });
  }
  if (ts.isBinaryExpression(t) && t.operatorToken.kind === ts.SyntaxKind.EqualsToken) return targetIdentifiers(t.left); // a default
  const root = rootOf(t);
  return [root && isIdentifier(root) ? root : undefined];
}
