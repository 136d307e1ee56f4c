/**
 * Fast access to TypeScript's syntax kinds. The `typescript` module exports everything through getters,
 * so `ts.SyntaxKind.X` in a hot `switch` costs a function call per case label, and `ts.isX(node)` a
 * getter call plus the call. The evaluator runs on every keystroke over modules of thousands of
 * statements: it reads the enums once, here, and tests kinds directly.
 */
import ts from 'typescript';

export const SK = ts.SyntaxKind;
export const NF = ts.NodeFlags;

function kindIs<T extends ts.Node>(kind: ts.SyntaxKind): (n: ts.Node) => n is T {
  return (n: ts.Node): n is T => n.kind === kind;
}

export const isIdentifier = kindIs<ts.Identifier>(SK.Identifier);
export const isPropertyAccess = kindIs<ts.PropertyAccessExpression>(SK.PropertyAccessExpression);
export const isElementAccess = kindIs<ts.ElementAccessExpression>(SK.ElementAccessExpression);
export const isSpreadElement = kindIs<ts.SpreadElement>(SK.SpreadElement);
export const isCallExpression = kindIs<ts.CallExpression>(SK.CallExpression);
export const isNewExpression = kindIs<ts.NewExpression>(SK.NewExpression);
export const isOmittedExpression = kindIs<ts.OmittedExpression>(SK.OmittedExpression);
export const isPropertyAssignment = kindIs<ts.PropertyAssignment>(SK.PropertyAssignment);
export const isShorthandPropertyAssignment = kindIs<ts.ShorthandPropertyAssignment>(SK.ShorthandPropertyAssignment);
export const isSpreadAssignment = kindIs<ts.SpreadAssignment>(SK.SpreadAssignment);
export const isMethodDeclaration = kindIs<ts.MethodDeclaration>(SK.MethodDeclaration);
export const isGetAccessor = kindIs<ts.GetAccessorDeclaration>(SK.GetAccessor);
export const isSetAccessor = kindIs<ts.SetAccessorDeclaration>(SK.SetAccessor);
export const isComputedPropertyName = kindIs<ts.ComputedPropertyName>(SK.ComputedPropertyName);
export const isFunctionDeclaration = kindIs<ts.FunctionDeclaration>(SK.FunctionDeclaration);
export const isVariableStatement = kindIs<ts.VariableStatement>(SK.VariableStatement);
export const isExpressionStatement = kindIs<ts.ExpressionStatement>(SK.ExpressionStatement);
export const isClassDeclaration = kindIs<ts.ClassDeclaration>(SK.ClassDeclaration);
export const isObjectBindingPattern = kindIs<ts.ObjectBindingPattern>(SK.ObjectBindingPattern);
export const isArrowFunction = kindIs<ts.ArrowFunction>(SK.ArrowFunction);
export const isBlock = kindIs<ts.Block>(SK.Block);
export const isObjectLiteral = kindIs<ts.ObjectLiteralExpression>(SK.ObjectLiteralExpression);
export const isArrayLiteral = kindIs<ts.ArrayLiteralExpression>(SK.ArrayLiteralExpression);
/** A declaration that loads a module (an import edge: `import`, `export … from`, `import x = require(…)`). */
export const isModuleLoadingDeclaration = (n: ts.Node): n is ts.ImportDeclaration | ts.ExportDeclaration | ts.ImportEqualsDeclaration => n.kind === SK.ImportDeclaration || n.kind === SK.ExportDeclaration || n.kind === SK.ImportEqualsDeclaration;
export const isStringLiteralLike = (n: ts.Node): n is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral => n.kind === SK.StringLiteral || n.kind === SK.NoSubstitutionTemplateLiteral;

/** Kinds that wrap an expression without changing its value: parentheses and type-only syntax. */
export function isTransparent(n: ts.Node): n is ts.ParenthesizedExpression | ts.AsExpression | ts.SatisfiesExpression | ts.TypeAssertion | ts.NonNullExpression | ts.PartiallyEmittedExpression {
  switch (n.kind) {
    case SK.ParenthesizedExpression:
    case SK.AsExpression:
    case SK.SatisfiesExpression:
    case SK.TypeAssertionExpression:
    case SK.NonNullExpression:
    case SK.PartiallyEmittedExpression:
      return true;
    default:
      return false;
  }
}

/** Strips parentheses and type-only wrappers, which do not change the value. */
export function skipOuter(node: ts.Expression): ts.Expression {
  let n = node;
  while (isTransparent(n)) n = n.expression;
  return n;
}

/** The outermost of the parentheses and type-only wrappers around `node` (`skipOuter` the other way). */
export function outermostExpression(node: ts.Node): ts.Node {
  let n = node;
  while (n.parent && isTransparent(n.parent)) n = n.parent;
  return n;
}

/** The innermost node whose range is exactly `range` (iterative: code may nest thousands deep). */
export function nodeAt(sf: ts.SourceFile, range: { readonly start: number; readonly end: number }): ts.Node | undefined {
  let node: ts.Node = sf;
  for (;;) {
    if (node !== sf && node.getStart(sf) === range.start && node.end === range.end) {
      // Parentheses and the like share the range: the innermost is the expression itself.
      let inner: ts.Node | undefined = node;
      while (inner) {
        node = inner;
        inner = ts.forEachChild(node, (c) => (c.getStart(sf) === range.start && c.end === range.end ? c : undefined));
      }
      return node;
    }
    const child: ts.Node | undefined = ts.forEachChild(node, (c) => (c.pos <= range.start && range.end <= c.end ? c : undefined));
    if (!child) return undefined;
    node = child;
  }
}

export function hasDeclareModifier(node: ts.Node): boolean {
  const modifiers = (node as { modifiers?: ts.NodeArray<ts.ModifierLike> }).modifiers;
  if (!modifiers) return false;
  for (const m of modifiers) if (m.kind === SK.DeclareKeyword) return true;
  return false;
}

/**
 * The position of the first token at or after `pos`: past whitespace (as TypeScript's scanner counts
 * it, U+200B and U+0085 included) and comments. TypeScript's own `skipTrivia` is not public API;
 * its character classes are.
 */
export function skipTrivia(text: string, pos: number): number {
  for (;;) {
    while (pos < text.length && ts.isWhiteSpaceLike(text.charCodeAt(pos))) pos++;
    if (text.startsWith('//', pos)) {
      pos += 2;
      while (pos < text.length && !ts.isLineBreak(text.charCodeAt(pos))) pos++;
    } else if (text.startsWith('/*', pos)) {
      const end = text.indexOf('*/', pos + 2);
      pos = end < 0 ? text.length : end + 2;
    } else {
      return pos;
    }
  }
}

export function parseBigInt(text: string): bigint {
  return BigInt(text.replace(/n$/, '').replace(/_/g, ''));
}

export function bindingIdentifiers(name: ts.BindingName): ts.Identifier[] {
  if (isIdentifier(name)) return [name];
  const out: ts.Identifier[] = [];
  for (const el of name.elements) if (!isOmittedExpression(el)) out.push(...bindingIdentifiers(el.name));
  return out;
}

/** Names of `var`s declared in a function body (not in nested functions), which hoist to its scope. */
export function collectVarNames(statements: readonly ts.Statement[]): string[] {
  const names = new Set<string>();
  const declare = (list: ts.VariableDeclarationList | ts.Expression | undefined): void => {
    if (list && ts.isVariableDeclarationList(list) && (list.flags & NF.BlockScoped) === 0) {
      for (const d of list.declarations) for (const id of bindingIdentifiers(d.name)) names.add(id.text);
    }
  };
  // Only statements can declare vars; expressions (including the functions in them) are skipped.
  const visit = (s: ts.Statement | undefined): void => {
    if (!s) return;
    switch (s.kind) {
      case SK.VariableStatement: return declare((s as ts.VariableStatement).declarationList);
      case SK.Block: return (s as ts.Block).statements.forEach(visit);
      case SK.IfStatement: visit((s as ts.IfStatement).thenStatement); return visit((s as ts.IfStatement).elseStatement);
      case SK.ForStatement: declare((s as ts.ForStatement).initializer); return visit((s as ts.ForStatement).statement);
      case SK.ForInStatement:
      case SK.ForOfStatement: declare((s as ts.ForInOrOfStatement).initializer); return visit((s as ts.ForInOrOfStatement).statement);
      case SK.WhileStatement:
      case SK.DoStatement: return visit((s as ts.WhileStatement).statement);
      case SK.LabeledStatement: return visit((s as ts.LabeledStatement).statement);
      case SK.TryStatement: {
        const t = s as ts.TryStatement;
        visit(t.tryBlock);
        visit(t.catchClause?.block);
        return visit(t.finallyBlock);
      }
      case SK.SwitchStatement: for (const c of (s as ts.SwitchStatement).caseBlock.clauses) c.statements.forEach(visit); return;
      default: return;
    }
  };
  statements.forEach(visit);
  return [...names];
}

/**
 * The key a property name writes when it is written out (an identifier, a string, a number as its
 * canonical string); undefined for a computed or private name, which needs evaluating or has no key.
 */
export function staticPropertyName(name: ts.PropertyName | undefined): string | undefined {
  if (!name) return undefined;
  switch (name.kind) {
    case SK.Identifier:
    case SK.StringLiteral:
    case SK.NoSubstitutionTemplateLiteral:
      return (name as ts.Identifier).text;
    case SK.NumericLiteral:
      return String(Number((name as ts.NumericLiteral).text));
    default:
      return undefined;
  }
}

/**
 * Whether the parser flagged `node` or a node inside it (iterative: arguments may nest deeply).
 * Remembered per node: an incremental parse reuses only nodes whose text did not change (and never a
 * node with an error), so the answer holds for as long as the node is in a tree.
 */
export function hasErrorInside(node: ts.Node): boolean {
  let answer = errorInside.get(node);
  if (answer === undefined) errorInside.set(node, (answer = walkForError(node)));
  return answer;
}

const errorInside = new WeakMap<ts.Node, boolean>();

function walkForError(node: ts.Node): boolean {
  const stack: ts.Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.flags & ts.NodeFlags.ThisNodeHasError) return true;
    ts.forEachChild(n, (child) => {
      stack.push(child);
    });
  }
  return false;
}

/** Whether a module's text uses `import.meta` (spelt with any spacing). */
export function mentionsImportMeta(text: string): boolean {
  return /\bimport\s*\.\s*meta\b/.test(text);
}
