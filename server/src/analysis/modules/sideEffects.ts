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
import { hasDeclareModifier, skipOuter } from '../syntax';
import type { Configs } from './configs';
import { walkModule } from './elision';
import { exportTableOf } from './graph';
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

function isInertExpression(expression: ts.Expression): boolean {
  const e = skipOuter(expression);
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

/** A top-level statement esbuild keeps whatever is used: one that calls, constructs or assigns outside a function. */
function keptStatement(s: ts.Statement): boolean {
  if (ts.isExpressionStatement(s)) return doesSomething(s.expression);
  if (ts.isVariableStatement(s)) return !hasDeclareModifier(s) && s.declarationList.declarations.some((d) => d.initializer !== undefined && doesSomething(d.initializer));
  return false;
}

const SHORT_CIRCUITS = [ts.SyntaxKind.AmpersandAmpersandToken, ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken];

/** Whether evaluating `e` certainly calls, constructs or assigns (not only inside a function it makes or a branch). */
function doesSomething(e: ts.Node): boolean {
  if (ts.isCallExpression(e) || ts.isNewExpression(e) || ts.isTaggedTemplateExpression(e)) return true;
  if (ts.isBinaryExpression(e) && e.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && e.operatorToken.kind <= ts.SyntaxKind.LastAssignment) return true;
  if (ts.isFunctionLike(e) || ts.isClassLike(e) || ts.isConditionalExpression(e)) return false;
  if (ts.isBinaryExpression(e) && SHORT_CIRCUITS.includes(e.operatorToken.kind)) return doesSomething(e.left);
  return ts.forEachChild(e, (c) => (doesSomething(c) ? true : undefined)) ?? false;
}

/**
 * Whether `name` is read in a top-level statement of `sf` that esbuild keeps (it calls, constructs or
 * assigns), anywhere in it but a branch of `?:`, `&&`, `||`, `??` (constant conditions are folded
 * away). A read in a declaration nothing uses, in dead code or in a bare `x;` is not enough: esbuild
 * removes those, and with them the use.
 */
function readInKeptStatement(sf: ts.SourceFile, name: string): boolean {
  const used = walkModule(sf).used;
  if (used === 'unknown' || !used.has(name)) return false;
  for (const s of sf.statements) {
    if (!keptStatement(s)) continue;
    const stack: ts.Node[] = [s];
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (ts.isIdentifier(n) && n.text === name) {
        const p = n.parent;
        const isName = (ts.isPropertyAccessExpression(p) && p.name === n) || (ts.isPropertyAssignment(p) && p.name === n) || (ts.isQualifiedName(p) && p.right === n);
        if (!isName) return true;
      }
      if (ts.isTypeNode(n) || ts.isConditionalExpression(n)) continue;
      if (ts.isBinaryExpression(n) && SHORT_CIRCUITS.includes(n.operatorToken.kind)) {
        stack.push(n.left);
        continue;
      }
      ts.forEachChild(n, (c) => {
        stack.push(c);
      });
    }
  }
  return false;
}

/** Names `sf` exports that it declares itself (not bindings it imports and passes on). */
function ownExports(sf: ts.SourceFile): Set<string> {
  const imported = new Set<string>();
  for (const s of sf.statements) {
    const clause = ts.isImportDeclaration(s) ? s.importClause : undefined;
    if (!clause) continue;
    if (clause.name) imported.add(clause.name.text);
    const b = clause.namedBindings;
    if (b && ts.isNamespaceImport(b)) imported.add(b.name.text);
    if (b && ts.isNamedImports(b)) for (const e of b.elements) imported.add(e.name.text);
  }
  const own = new Set<string>();
  for (const [exported, local] of exportTableOf(sf).local) if (!imported.has(local)) own.add(exported);
  return own;
}

/**
 * An `import` that certainly keeps `target` in the bundle: it binds a value `target` declares and
 * exports itself (a name `target` only passes on, through `export *` or a re-export, is taken from
 * where it is declared, and `target` may go), and the importer reads it in a statement esbuild keeps.
 */
function keepsTarget(importer: ModuleRecord, node: ts.Node, target: ModuleRecord): boolean {
  if (!importer.sf || !target.sf || !ts.isImportDeclaration(node)) return false;
  const clause = node.importClause;
  if (!clause || clause.isTypeOnly) return false;
  const own = ownExports(target.sf);
  const reads: [imported: string, local: string][] = [];
  if (clause.name) reads.push(['default', clause.name.text]);
  const bindings = clause.namedBindings;
  if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) if (!e.isTypeOnly) reads.push([(e.propertyName ?? e.name).text, e.name.text]);
  return reads.some(([imported, local]) => own.has(imported) && readInKeptStatement(importer.sf!, local));
}

interface Importer {
  readonly record: ModuleRecord;
  readonly node: ts.Node;
  /** The import is not one TypeScript drops. */
  readonly kept: boolean;
}

/**
 * Whether a module is reached from the entry through imports for which `follows` holds, decided once
 * per module (while deciding, a module counts as not reached: a cycle alone reaches nothing).
 */
function reachedThrough(importers: ReadonlyMap<ModuleRecord, readonly Importer[]>, follows: (importer: Importer, target: ModuleRecord) => boolean): (r: ModuleRecord) => boolean {
  const known = new Map<ModuleRecord, boolean>();
  const reached = (r: ModuleRecord): boolean => {
    if (r.isEntry) return true;
    const answer = known.get(r);
    if (answer !== undefined) return answer;
    known.set(r, false);
    const result = (importers.get(r) ?? []).some((i) => follows(i, r) && reached(i.record));
    known.set(r, result);
    return result;
  };
  return reached;
}

/**
 * The first module the bundle may leave out although its top-level code does something, if any,
 * with the import through which it is reached.
 */
export function droppableModule(graph: ModuleGraph, configs: Configs): GraphProblem | undefined {
  const importers = new Map<ModuleRecord, Importer[]>();
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
  // What the analysis runs: the entry, and what a module it runs imports (unless TypeScript drops it).
  const isRun = reachedThrough(importers, (i) => i.kept);
  // Certainly in the bundle: the entry; a module not marked free that a kept module imports; a marked
  // one that a kept module imports with a binding it declares, read where esbuild keeps the read.
  const isKept = reachedThrough(importers, (i, r) => i.kept && (!isFree(r) || keepsTarget(i.record, i.node, r)));
  const entryDir = dirname(graph.entry.path);
  for (const record of graph.all) {
    if (record.isEntry || !record.sf || !isRun(record)) continue;
    const via = importers.get(record)?.[0];
    if (!via) continue;
    const pkg = configs.packageJsonFor(dirname(record.path));
    // esbuild refuses to bundle with a package.json it cannot read beside a module.
    if (pkg?.error) return { why: `${pkg.error}, so the bundle fails`, node: via.node };
    if (isKept(record) || isInert(record.sf)) continue;
    const why = isFree(record) ? `${pkg ? relative(entryDir, pkg.path) : 'its package.json'} marks it free of side effects ("sideEffects")` : 'it is reached only through modules marked free of side effects ("sideEffects")';
    return { why: `the bundle may leave out ${relative(entryDir, record.path)}: ${why}, and nothing certainly uses what it exports; what it does when it runs may then not happen`, node: via.node };
  }
  return undefined;
}
