/**
 * Syntactic facts about a region of code the evaluator will not follow step by step (a branch taken
 * on a condition that is not static, a loop over an unknown list, the body of a function that escaped
 * to code the analysis cannot see). From these facts the evaluator over-approximates what the region
 * may do: every variable it names may be read (so everything reachable from it may be changed), every
 * variable it assigns may hold anything afterwards, and it may return or break out early.
 *
 * Over-approximation is the point: an identifier that is really a local of the region, or a property
 * name, costs only precision, never correctness.
 */
import ts from 'typescript';
import { deepRegionAt } from './deepNesting';
import { NF, SK } from './syntax';

export interface RegionFacts {
  /** Identifiers the region may read (and so reach values through). */
  readonly names: ReadonlySet<string>;
  /** Identifiers it may assign (including `var` and function declarations, which bind in the enclosing function). */
  readonly assigned: ReadonlySet<string>;
  readonly usesThis: boolean;
  /** A `return` (outside nested functions) is in the region. */
  readonly mayReturn: boolean;
  /** A `break`/`continue` in the region may jump to a statement outside it. */
  readonly mayJumpOut: boolean;
  /** Number of nodes, to charge the work to the budget. */
  readonly size: number;
  /** Calls written `name.task(…)`, nested functions included: where a Dag's tasks may be made unseen. */
  readonly taskCalls: readonly ts.CallExpression[];
}

const cache = new WeakMap<ts.Node, RegionFacts>();

/** Facts of one node, cached (regions are often the same loop body or function, havocked again). */
export function factsOf(node: ts.Node): RegionFacts {
  let facts = cache.get(node);
  if (!facts) {
    facts = regionFacts([node]);
    cache.set(node, facts);
  }
  return facts;
}

export function regionFacts(nodes: readonly ts.Node[]): RegionFacts {
  const names = new Set<string>();
  const assigned = new Set<string>();
  let usesThis = false;
  let mayReturn = false;
  let mayJumpOut = false;
  let size = 0;
  const taskCalls: ts.CallExpression[] = [];

  // Iterative throughout: the region may nest thousands deep (a long `a + b + …` chain, say).
  const addTargets = (root: ts.Node): void => {
    const work: ts.Node[] = [root];
    while (work.length > 0) {
      const target = work.pop()!;
      if (ts.isIdentifier(target)) assigned.add(target.text);
      else if (ts.isParenthesizedExpression(target) || ts.isNonNullExpression(target) || ts.isAsExpression(target) || ts.isSatisfiesExpression(target) || ts.isTypeAssertionExpression(target)) work.push(target.expression);
      else if (ts.isArrayLiteralExpression(target)) work.push(...target.elements);
      else if (ts.isSpreadElement(target) || ts.isSpreadAssignment(target)) work.push(target.expression);
      else if (ts.isObjectLiteralExpression(target)) {
        for (const p of target.properties) {
          if (ts.isPropertyAssignment(p)) work.push(p.initializer);
          else if (ts.isShorthandPropertyAssignment(p)) assigned.add(p.name.text);
          else if (ts.isSpreadAssignment(p)) work.push(p.expression);
        }
      } else if (ts.isBinaryExpression(target) && target.operatorToken.kind === SK.EqualsToken) work.push(target.left);
    }
  };

  const addBindingNames = (root: ts.BindingName): void => {
    const work: ts.BindingName[] = [root];
    while (work.length > 0) {
      const name = work.pop()!;
      if (ts.isIdentifier(name)) assigned.add(name.text);
      else for (const e of name.elements) if (!ts.isOmittedExpression(e)) work.push(e.name);
    }
  };

  /**
   * `loopDepth`/`switchDepth` count enclosing loops/switches inside the region (for unlabelled jumps);
   * `labels` are the labels defined inside it; `inFunction` is true inside a nested function.
   */
  interface Frame { readonly node: ts.Node; readonly loopDepth: number; readonly switchDepth: number; readonly labels: readonly string[]; readonly inFunction: boolean }
  const stack: Frame[] = [];
  const visit = (frame: Frame): void => {
    const { node, loopDepth, switchDepth, labels, inFunction } = frame;
    size++;
    if (ts.isTypeNode(node) && !ts.isExpressionWithTypeArguments(node)) return;
    switch (node.kind) {
      case SK.Identifier: {
        names.add((node as ts.Identifier).text);
        // Code the parser could not read (nested too deeply) may do anything with the names it mentions.
        const deep = deepRegionAt(node as ts.Identifier);
        if (deep) {
          for (const n of deep.names) names.add(n);
          for (const n of deep.assigned) assigned.add(n);
          if (deep.usesThis) usesThis = true;
          if (deep.mayJump && !inFunction) mayReturn = mayJumpOut = true;
        }
        return;
      }
      case SK.ThisKeyword:
      case SK.SuperKeyword:
        usesThis = true;
        return;
      case SK.ReturnStatement:
        if (!inFunction) mayReturn = true;
        break;
      case SK.BreakStatement:
      case SK.ContinueStatement: {
        if (inFunction) break;
        const label = (node as ts.BreakOrContinueStatement).label?.text;
        if (label !== undefined ? !labels.includes(label) : node.kind === SK.BreakStatement ? loopDepth + switchDepth === 0 : loopDepth === 0) mayJumpOut = true;
        return;
      }
      case SK.PropertyAccessExpression: {
        const p = node as ts.PropertyAccessExpression;
        stack.push({ ...frame, node: p.expression });
        return; // the name after the dot is not a variable
      }
      case SK.CallExpression: {
        const callee = (node as ts.CallExpression).expression;
        if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'task' && ts.isIdentifier(callee.expression)) taskCalls.push(node as ts.CallExpression);
        break;
      }
      case SK.PropertyAssignment: {
        const p = node as ts.PropertyAssignment;
        if (ts.isComputedPropertyName(p.name)) stack.push({ ...frame, node: p.name });
        stack.push({ ...frame, node: p.initializer });
        return;
      }
      case SK.BinaryExpression: {
        const b = node as ts.BinaryExpression;
        const op = b.operatorToken.kind;
        if (op >= SK.FirstAssignment && op <= SK.LastAssignment) addTargets(b.left);
        break;
      }
      case SK.PrefixUnaryExpression:
      case SK.PostfixUnaryExpression: {
        const u = node as ts.PrefixUnaryExpression | ts.PostfixUnaryExpression;
        if (u.operator === SK.PlusPlusToken || u.operator === SK.MinusMinusToken) addTargets(u.operand);
        break;
      }
      case SK.ForInStatement:
      case SK.ForOfStatement: {
        const init = (node as ts.ForInOrOfStatement).initializer;
        if (!ts.isVariableDeclarationList(init)) addTargets(init);
        break;
      }
      case SK.VariableDeclarationList: {
        const list = node as ts.VariableDeclarationList;
        // Only `var` binds outside the region; let/const there are the region's own.
        if ((list.flags & NF.BlockScoped) === 0) for (const d of list.declarations) addBindingNames(d.name);
        break;
      }
      case SK.FunctionDeclaration: {
        const f = node as ts.FunctionDeclaration;
        if (f.name) assigned.add(f.name.text);
        break;
      }
      case SK.ClassDeclaration: {
        const c = node as ts.ClassDeclaration;
        if (c.name) assigned.add(c.name.text);
        break;
      }
    }
    const nestedFunction = ts.isFunctionLike(node) || ts.isClassLike(node);
    const isLoop = ts.isIterationStatement(node, false);
    const isSwitch = ts.isSwitchStatement(node);
    const label = ts.isLabeledStatement(node) ? [...labels, node.label.text] : labels;
    const child: Omit<Frame, 'node'> = {
      loopDepth: nestedFunction ? 0 : loopDepth + (isLoop ? 1 : 0),
      switchDepth: nestedFunction ? 0 : switchDepth + (isSwitch ? 1 : 0),
      labels: nestedFunction ? [] : label,
      inFunction: inFunction || nestedFunction,
    };
    ts.forEachChild(node, (c) => {
      stack.push({ ...child, node: c });
    });
  };

  for (const node of nodes) {
    stack.push({ node, loopDepth: 0, switchDepth: 0, labels: [], inFunction: false });
    while (stack.length > 0) visit(stack.pop()!);
  }
  return { names, assigned, usesThis, mayReturn, mayJumpOut, size, taskCalls };
}
