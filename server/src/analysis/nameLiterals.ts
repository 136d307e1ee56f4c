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

/** A string literal inside a DSL call's argument that is more than the literal (`x ?? 'a'`, `c ? 'a' : 'b'`). */
export interface NestedNameLiteral {
  readonly name: string;
  /** Inside the quotes. */
  readonly range: SourceRange;
  /** The argument it is part of. */
  readonly argument: SourceRange;
}

/**
 * String literals nested in the arguments of DSL calls (`addDep(process.env.DEP ?? 'a')`): a name
 * there may be a task's, in a way the evaluator cannot tell (the argument's value is not known), so
 * a rename that edits the other literals would leave it behind.
 */
export function nestedNameLiterals(sourceFile: ts.SourceFile): NestedNameLiteral[] {
  const found: NestedNameLiteral[] = [];
  const stack: ts.Node[] = [sourceFile];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (const arg of nameArguments(node)) {
      if (isStringLiteralLike(skipOuter(arg))) continue;
      const argument = { start: arg.getStart(sourceFile), end: arg.end };
      const inner: ts.Node[] = [arg];
      while (inner.length > 0) {
        const n = inner.pop()!;
        if (isStringLiteralLike(n)) {
          found.push({ name: n.text, range: insideQuotes(n, sourceFile), argument });
          continue;
        }
        // A DSL call inside (`addDep(dag.get('a'))`): its own literal is a reference, not a guess.
        const own = new Set(nameArguments(n).filter((a) => isStringLiteralLike(skipOuter(a))));
        ts.forEachChild(n, (c) => {
          if (!own.has(c as ts.Expression)) inner.push(c);
        });
      }
    }
    ts.forEachChild(node, (child) => {
      stack.push(child);
    });
  }
  return found;
}

/** The arguments of a DSL-shaped call that name tasks: `x.task(name, …)`, `x.get(name)`, `x.addDep(…names)`. */
function nameArguments(node: ts.Node): readonly ts.Expression[] {
  if (!isCallExpression(node) || !isPropertyAccess(node.expression)) return [];
  const method = node.expression.name.text;
  if (method === 'task' || method === 'get') return node.arguments.slice(0, 1);
  return method === 'addDep' ? node.arguments : [];
}
