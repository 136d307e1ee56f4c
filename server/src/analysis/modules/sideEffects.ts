/**
 * package.json `sideEffects`: esbuild leaves out a module its package marks free of side effects when
 * nothing the bundle keeps uses what it exports (a bare `import './register'` included, with a
 * warning). Such a module's top-level code then never runs. The analysis runs every module it reads,
 * so where esbuild may leave one out that does something when it runs (registers a task, changes a
 * shared object), the run it follows may not be the bundle's: that is reported as not static rather
 * than guessed. Which exports esbuild counts as used is its linker's business; the analysis only
 * claims a module is kept when an import of it whose bindings are read is in a module that is kept.
 */
import { dirname, relative } from 'node:path';
import ts from 'typescript';
import { hasDeclareModifier } from '../syntax';
import type { Configs } from './configs';
import { walkModule } from './elision';
import type { GraphProblem, ModuleGraph, ModuleRecord } from './graph';

/** Whether the nearest package.json marks `path` free of side effects (`false`, or a list without it). */
function markedFree(path: string, configs: Configs): boolean {
  const pkg = configs.packageJsonFor(dirname(path));
  const marks = pkg?.sideEffects;
  if (marks === false) return true;
  if (!Array.isArray(marks) || !pkg) return false;
  const rel = relative(pkg.dir, path).split('\\').join('/');
  // A pattern without a `/` matches in any folder, as esbuild reads them; `*` within a name, `**` across folders.
  return !marks.some((m) => typeof m !== 'string' || globMatches(m.includes('/') ? m.replace(/^\.\//, '') : `**/${m}`, rel));
}

function globMatches(pattern: string, path: string): boolean {
  const source = pattern.split(/(\*\*\/?|\*|\?)/).map((part) => {
    if (part === '**/' || part === '**') return '(?:.*/)?' + (part === '**' ? '.*' : '');
    if (part === '*') return '[^/]*';
    if (part === '?') return '[^/]';
    return part.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }).join('');
  return new RegExp(`^${source}$`).test(path);
}

/** Top-level code that does nothing observable when it runs: declarations of functions, types, plain values. */
function isInert(sf: ts.SourceFile): boolean {
  return sf.statements.every((s) => {
    if (ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isInterfaceDeclaration(s) || ts.isTypeAliasDeclaration(s) || ts.isFunctionDeclaration(s) || ts.isEmptyStatement(s)) return true;
    if (hasDeclareModifier(s)) return true;
    if (ts.isImportEqualsDeclaration(s)) return s.isTypeOnly || !ts.isExternalModuleReference(s.moduleReference);
    if (ts.isEnumDeclaration(s)) return s.members.every((m) => !m.initializer || isInertExpression(m.initializer));
    if (ts.isVariableStatement(s)) return s.declarationList.declarations.every((d) => ts.isIdentifier(d.name) && (!d.initializer || isInertExpression(d.initializer)));
    if (ts.isExportAssignment(s)) return isInertExpression(s.expression);
    return false;
  });
}

function isInertExpression(e: ts.Expression): boolean {
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e) || ts.isNonNullExpression(e) || ts.isTypeAssertionExpression(e)) return isInertExpression(e.expression);
  if (ts.isStringLiteralLike(e) || ts.isNumericLiteral(e) || ts.isBigIntLiteral(e) || ts.isIdentifier(e) || ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return true;
  switch (e.kind) {
    case ts.SyntaxKind.TrueKeyword:
    case ts.SyntaxKind.FalseKeyword:
    case ts.SyntaxKind.NullKeyword:
      return true;
  }
  if (ts.isPrefixUnaryExpression(e)) return (e.operator === ts.SyntaxKind.MinusToken || e.operator === ts.SyntaxKind.PlusToken) && (ts.isNumericLiteral(e.operand) || ts.isBigIntLiteral(e.operand));
  if (ts.isArrayLiteralExpression(e)) return e.elements.every((x) => !ts.isSpreadElement(x) && isInertExpression(x));
  if (ts.isObjectLiteralExpression(e)) {
    return e.properties.every((p) => (ts.isPropertyAssignment(p) && !ts.isComputedPropertyName(p.name) && isInertExpression(p.initializer)) || ts.isShorthandPropertyAssignment(p) || ts.isMethodDeclaration(p));
  }
  return false;
}

/** Whether `name` is read in `sf` as a value somewhere other than an import or export clause. */
function readAsValue(sf: ts.SourceFile, name: string): boolean {
  const used = walkModule(sf).used;
  if (used === 'unknown' || !used.has(name)) return false;
  const stack: ts.Node[] = [...sf.statements.filter((s) => !ts.isImportDeclaration(s) && !ts.isExportDeclaration(s))];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (ts.isIdentifier(n) && n.text === name) {
      const p = n.parent;
      const isName = (ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n) || (ts.isExportSpecifier(p)) || (ts.isQualifiedName(p) && p.right === n);
      if (!isName) return true;
    }
    if (ts.isTypeNode(n)) continue;
    ts.forEachChild(n, (c) => {
      stack.push(c);
    });
  }
  return false;
}

/** An `import` of the module at `edge` whose value bindings the importer reads. */
function importsUsedBinding(importer: ModuleRecord, node: ts.Node): boolean {
  if (!importer.sf || !ts.isImportDeclaration(node)) return false;
  const clause = node.importClause;
  if (!clause || clause.isTypeOnly) return false;
  const names: string[] = [];
  if (clause.name) names.push(clause.name.text);
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
  if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) if (!e.isTypeOnly) names.push(e.name.text);
  return names.some((name) => readAsValue(importer.sf!, name));
}

/**
 * The first module the bundle may leave out although its top-level code does something, if any,
 * with the import through which it is reached.
 */
export function droppableModule(graph: ModuleGraph, configs: Configs): GraphProblem | undefined {
  const importers = new Map<ModuleRecord, { record: ModuleRecord; node: ts.Node; kept: boolean }[]>();
  for (const record of graph.all) {
    for (const edge of record.edges) {
      if (!edge.record) continue;
      let list = importers.get(edge.record);
      if (!list) importers.set(edge.record, (list = []));
      list.push({ record, node: edge.node, kept: edge.kept === 'kept' });
    }
  }
  const free = new Map<ModuleRecord, boolean>();
  const isFree = (r: ModuleRecord) => {
    let f = free.get(r);
    if (f === undefined) free.set(r, (f = !r.isEntry && markedFree(r.path, configs)));
    return f;
  };
  // Certainly in the bundle: the entry; a module not marked free that a kept module imports; a marked
  // one imported by a kept module that reads what the import binds.
  const kept = new Map<ModuleRecord, boolean>();
  const isKept = (r: ModuleRecord): boolean => {
    const known = kept.get(r);
    if (known !== undefined) return known;
    if (r.isEntry) return true;
    kept.set(r, false); // while deciding: a cycle alone keeps nothing
    const result = (importers.get(r) ?? []).some((i) => i.kept && isKept(i.record) && (!isFree(r) || importsUsedBinding(i.record, i.node)));
    kept.set(r, result);
    return result;
  };
  for (const record of graph.all) {
    if (!record.sf || !isFree(record) || isInert(record.sf) || isKept(record)) continue;
    const via = importers.get(record)?.[0];
    if (!via) continue;
    const pkg = configs.packageJsonFor(dirname(record.path));
    return {
      why: `the bundle may leave out ${relative(dirname(graph.entry.path), record.path)}, which ${pkg ? relative(dirname(graph.entry.path), pkg.path) : 'its package.json'} marks free of side effects ("sideEffects"), when nothing uses what it exports; what it does when it runs may then not happen`,
      node: via.node,
    };
  }
  return undefined;
}
