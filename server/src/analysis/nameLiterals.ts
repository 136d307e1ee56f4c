/**
 * Task names written as string literals in DSL calls, found by syntax alone: `x.task('name', …)`,
 * `x.get('name')`, `x.addDep('a', 'b')`. The evaluator records references only in code it runs, so a
 * helper the module defines but never calls (one another module imports, say) has none; rename and
 * find-references add these so that renaming a task leaves no stale name behind in such code, and
 * completion offers task names there too.
 */
import ts from 'typescript';
import { insideQuotes } from './dsl';
import { isCallExpression, isPropertyAccess, isStringLiteralLike, skipOuter } from './syntax';
import type { SourceRange } from './types';

export interface NameLiteral {
  readonly name: string;
  /** Inside the quotes. */
  readonly range: SourceRange;
  readonly kind: 'definition' | 'string';
  /** The `pos` of the call it is an argument of (see `ModuleAnalysis.runCalls`). */
  readonly callPos: number;
}

/** `unterminated`: include literals still being typed (for completion; rename wants whole names). */
export function taskNameLiterals(sourceFile: ts.SourceFile, unterminated = false): NameLiteral[] {
  const found: NameLiteral[] = [];
  const literal = (node: ts.Node | undefined, kind: NameLiteral['kind'], call: ts.Node) => {
    const n = node && skipOuter(node as ts.Expression);
    if (n && isStringLiteralLike(n) && (unterminated || !n.isUnterminated)) found.push({ name: n.text, range: insideQuotes(n, sourceFile), kind, callPos: call.pos });
  };
  // Iterative: code nested thousands deep must not overflow the stack.
  const stack: ts.Node[] = [sourceFile];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isCallExpression(node) && isPropertyAccess(node.expression)) {
      const method = node.expression.name.text;
      if (method === 'task') literal(node.arguments[0], 'definition', node);
      else if (method === 'get') literal(node.arguments[0], 'string', node);
      else if (method === 'addDep') for (const a of node.arguments) literal(a, 'string', node);
    }
    ts.forEachChild(node, (child) => {
      stack.push(child);
    });
  }
  return found.sort((a, b) => a.range.start - b.range.start);
}
