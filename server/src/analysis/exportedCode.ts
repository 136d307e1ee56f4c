/**
 * Whether code lies in a function other modules can call: an edit there (a quick fix removing an
 * `addDep`) changes what those modules build too, which the analysis of this one does not see.
 */
import ts from 'typescript';
import { nodeAt, outermostExpression } from './syntax';
import type { SourceRange } from './types';

const hasExportModifier = (node: ts.Node) => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** Names the module exports by `export { a, b as c }` and `export default a`. */
function exportedNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const statement of sf.statements) {
    if (ts.isExportDeclaration(statement) && !statement.moduleSpecifier && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const e of statement.exportClause.elements) names.add((e.propertyName ?? e.name).text);
    } else if (ts.isExportAssignment(statement) && ts.isIdentifier(statement.expression)) {
      names.add(statement.expression.text);
    }
  }
  return names;
}

/** The name a function or class is declared under, if any (`function f`, `const f = () => …`). */
function declaredName(node: ts.Node): { name: string; statement: ts.Node } | undefined {
  if ((ts.isFunctionDeclaration(node) || ts.isClassDeclaration(node)) && node.name) return { name: node.name.text, statement: node };
  const n = outermostExpression(node);
  const d = n.parent;
  if (d && ts.isVariableDeclaration(d) && d.initializer === n && ts.isIdentifier(d.name)) return { name: d.name.text, statement: d.parent.parent };
  return undefined;
}

/** True when the code at `range` is inside a function or class this module exports (by any name). */
export function inExportedCode(sf: ts.SourceFile, range: SourceRange): boolean {
  let exported: Set<string> | undefined;
  for (let n: ts.Node | undefined = nodeAt(sf, range); n && n !== sf; n = n.parent) {
    if (!ts.isFunctionLike(n) && !ts.isClassLike(n)) continue;
    if (ts.isExportAssignment(n.parent) || hasExportModifier(n)) return true;
    const declared = declaredName(n);
    if (!declared) continue;
    if (hasExportModifier(declared.statement)) return true;
    if ((exported ??= exportedNames(sf)).has(declared.name)) return true;
  }
  return false;
}
