/**
 * Where a quick fix can add a task the pipeline names but never creates (`dag.task('x', {…})`): a
 * statement of its own in the block that creates the Dag, after the Dag exists, before the code that
 * names the input. Not inside a loop or a helper, where the stub would run once per iteration or
 * call (a duplicate task) or not at all.
 */
import ts from 'typescript';
import type { SourceRange } from './types';

export interface StubPlace {
  /** Where the stub's line goes (a line start, or the end of the text). */
  readonly offset: number;
  /** The indentation of the statements there. */
  readonly indent: string;
  /** True at the end of a text without a final line break: the stub starts a line of its own. */
  readonly newlineBefore: boolean;
}

/** The innermost node whose range is exactly `range` (iterative: code may nest thousands deep). */
function nodeAt(sf: ts.SourceFile, range: SourceRange): ts.Node | undefined {
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

function placeBefore(sf: ts.SourceFile, statement: ts.Statement): StubPlace {
  const start = lineStart(sf.text, statement.getStart(sf));
  return { offset: start, indent: /^[ \t]*/.exec(sf.text.slice(start))![0], newlineBefore: false };
}

/**
 * `dagRange`: the `new Dag(…)` expression, when it is in this module. `uses`: where the missing input is
 * named, innermost first (the `addDep` call, then each call that led to it). The first use in the
 * Dag's block after the Dag's statement decides; when none is, the stub follows the Dag's statement.
 * Undefined when no place is certain to have the Dag in scope.
 */
export function taskStubPlace(sf: ts.SourceFile, dagRange: SourceRange | undefined, uses: readonly SourceRange[]): StubPlace | undefined {
  const dagNode = dagRange && nodeAt(sf, dagRange);
  let dagStatement: ts.Node | undefined = dagNode;
  while (dagStatement?.parent && !isStatementList(dagStatement.parent)) dagStatement = dagStatement.parent;
  const list = dagStatement?.parent ?? (dagRange ? undefined : sf);
  if (!list) return undefined;
  for (const use of uses) {
    const node = nodeAt(sf, use);
    const statement = node && statementIn(list, node);
    if (statement && (!dagStatement || statement.pos >= dagStatement.end)) return placeBefore(sf, statement);
  }
  if (!dagStatement) return undefined;
  const indent = placeBefore(sf, dagStatement as ts.Statement).indent;
  const lineBreak = sf.text.indexOf('\n', dagStatement.end);
  return lineBreak < 0 ? { offset: sf.text.length, indent, newlineBefore: true } : { offset: lineBreak + 1, indent, newlineBefore: false };
}
