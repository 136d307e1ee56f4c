/**
 * Where a quick fix can add a task the pipeline names but never creates (`dag.task('x', {…})`): a
 * statement of its own in the block that creates the Dag, after the Dag exists, before the code that
 * names the input. Not inside a loop or a helper, where the stub would run once per iteration or
 * call (a duplicate task) or not at all.
 */
import ts from 'typescript';
import { nodeAt, outermostExpression } from './syntax';
import type { SourceRange } from './types';

export interface StubPlace {
  readonly offset: number;
  /** What goes before and after the stub's call statement there (a line of its own, or a space on a shared line). */
  readonly before: string;
  readonly after: string;
}

function isStatementList(node: ts.Node): node is ts.Node & { readonly statements: ts.NodeArray<ts.Statement> } {
  return ts.isSourceFile(node) || ts.isBlock(node) || ts.isModuleBlock(node) || ts.isCaseOrDefaultClause(node);
}

/** The statement of `list` that holds `node`, unless a function or class lies between them. */
function statementIn(list: ts.Node, node: ts.Node): ts.Statement | undefined {
  for (let n: ts.Node = node; n.parent; n = n.parent) {
    if (ts.isFunctionLike(n) || ts.isClassLike(n)) return undefined;
    if (n.parent === list) return n as ts.Statement;
  }
  return undefined;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

const indentAt = (text: string, offset: number) => /^[ \t]*/.exec(text.slice(lineStart(text, offset)))![0];

/**
 * Before `statement`: a line of its own above it when the statement begins its line, else just before
 * it on the same line (`const dag = new Dag(); dag.task('a', {})…` written on one line).
 */
function placeBefore(sf: ts.SourceFile, statement: ts.Node, eol: string): StubPlace {
  const start = statement.getStart(sf);
  const line = lineStart(sf.text, start);
  if (/^[ \t]*$/.test(sf.text.slice(line, start))) return { offset: line, before: indentAt(sf.text, start), after: eol };
  return { offset: start, before: '', after: ' ' };
}

/** Right after `statement`: on the next line when nothing but a comment follows it on its line. */
function placeAfter(sf: ts.SourceFile, statement: ts.Node, eol: string): StubPlace {
  const indent = indentAt(sf.text, statement.getStart(sf));
  const lineBreak = sf.text.indexOf('\n', statement.end);
  const rest = sf.text.slice(statement.end, lineBreak < 0 ? sf.text.length : lineBreak);
  if (!/^\s*(\/\/.*)?$/.test(rest)) return { offset: statement.end, before: ' ', after: '' };
  return lineBreak < 0 ? { offset: sf.text.length, before: `${eol}${indent}`, after: '' } : { offset: lineBreak + 1, before: indent, after: eol };
}

/**
 * The `const` declaration that binds `variable` to the Dag at `dagNode`: the stub calls that name, so it
 * must mean this Dag wherever the stub goes (a `let` may have been given another Dag since).
 */
function constBinding(dagNode: ts.Node, variable: string): boolean {
  const n = outermostExpression(dagNode);
  const declaration = n.parent;
  return ts.isVariableDeclaration(declaration) && declaration.initializer === n && ts.isIdentifier(declaration.name) && declaration.name.text === variable
    && ts.isVariableDeclarationList(declaration.parent) && (declaration.parent.flags & ts.NodeFlags.Const) !== 0;
}

/**
 * `dagRange`: the `new Dag(…)` expression, bound to `variable` by a `const`. `uses`: where the missing
 * input is named, innermost first (the `addDep` call, then each call that led to it). The first use
 * in the Dag's block after the Dag's statement decides; when none is, the stub follows the Dag's
 * statement. Undefined when no place is certain to have the Dag under that name.
 */
export function taskStubPlace(sf: ts.SourceFile, dagRange: SourceRange, variable: string, uses: readonly SourceRange[]): StubPlace | undefined {
  const dagNode = nodeAt(sf, dagRange);
  if (!dagNode || !constBinding(dagNode, variable)) return undefined;
  let dagStatement: ts.Node = dagNode;
  while (dagStatement.parent && !isStatementList(dagStatement.parent)) dagStatement = dagStatement.parent;
  const list = dagStatement.parent;
  if (!list) return undefined;
  // In the file's own line endings (Windows checkouts have CRLF).
  const eol = sf.text.includes('\r\n') ? '\r\n' : '\n';
  for (const use of uses) {
    const node = nodeAt(sf, use);
    const statement = node && statementIn(list, node);
    if (statement && statement.pos >= dagStatement.end) return placeBefore(sf, statement, eol);
  }
  return placeAfter(sf, dagStatement, eol);
}
