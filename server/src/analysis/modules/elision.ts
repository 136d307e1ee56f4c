/**
 * Which import declarations the bundle keeps. esbuild compiles TypeScript as TypeScript does: an import
 * none of whose bindings is used as a value (only as a type, or not at all) is removed, so the module
 * it names does not run for it (unless `verbatimModuleSyntax` or `importsNotUsedAsValues: preserve`
 * keep every import, or `preserveValueImports` every import that binds a value). JavaScript modules
 * keep every import.
 *
 * "Used" is decided as the compiler does, by scope: an identifier in a value position that resolves to
 * the import (not to a local of the same name). Where the analysis cannot tell (a direct `eval`), the
 * answer is `unknown`, never a guess.
 */
import ts from 'typescript';
import { bindingIdentifiers, hasDeclareModifier } from '../syntax';
import type { KeepsImports } from './configs';

export type Kept = 'kept' | 'dropped' | 'unknown';

/** Per tree, for modules whose unused imports are removed (the answer is syntax, shared by every analysis). */
const cache = new WeakMap<ts.SourceFile, ReadonlyMap<ts.Node, Kept>>();

/**
 * For a module's import declarations (`import …`, `import x = require(…)`): whether the bundle keeps
 * them. `typescript`: the module is compiled as TypeScript; `keepsImports`: which its tsconfig keeps
 * unused (see `TsConfig.keepsImports`).
 * Imports of `a-la-mode` (which has no effect when it runs) are not looked at: finding uses takes a walk
 * over the whole module, which the analysis spares itself on every keystroke when nothing else is imported.
 */
export function keptImports(sf: ts.SourceFile, typescript: boolean, keepsImports: KeepsImports): ReadonlyMap<ts.Node, Kept> {
  const removesUnused = typescript && keepsImports === false;
  const keepsAll = !typescript || keepsImports === 'all';
  if (removesUnused) {
    const cached = cache.get(sf);
    if (cached) return cached;
  }
  const result = new Map<ts.Node, Kept>();
  const names = new Map<string, ts.Node>(); // value binding name → its declaration
  for (const s of sf.statements) {
    if (ts.isImportDeclaration(s)) {
      const clause = s.importClause;
      if (!clause || (ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === 'a-la-mode')) { result.set(s, 'kept'); continue; }
      if (clause.isTypeOnly) { result.set(s, 'dropped'); continue; }
      if (keepsAll) { result.set(s, 'kept'); continue; }
      const values: string[] = [];
      if (clause.name) values.push(clause.name.text);
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) values.push(nb.name.text);
      else if (nb) for (const el of nb.elements) if (!el.isTypeOnly) values.push(el.name.text);
      if (values.length === 0) { result.set(s, 'dropped'); continue; }
      // `preserveValueImports` (TypeScript files only): a value binding keeps it, used or not.
      if (!removesUnused) { result.set(s, 'kept'); continue; }
      result.set(s, 'dropped');
      for (const n of values) names.set(n, s);
    } else if (ts.isImportEqualsDeclaration(s)) {
      if (s.isTypeOnly) { result.set(s, 'dropped'); continue; }
      if (!removesUnused) { result.set(s, 'kept'); continue; }
      result.set(s, 'dropped');
      names.set(s.name.text, s);
    }
  }
  if (names.size > 0) {
    const used = walkModule(sf).used;
    if (used === 'unknown') {
      for (const d of new Set(names.values())) result.set(d, 'unknown');
    } else {
      for (const n of used) result.set(names.get(n)!, 'kept');
    }
  }
  if (removesUnused) cache.set(sf, result);
  return result;
}

/**
 * One walk over a module: which of `names` (its import bindings) it uses as values (`unknown` when it
 * has a direct `eval`, which can use any of them), and its `require(…)` and `import(…)` calls.
 *
 * Walked statement by statement, each top-level statement's findings kept with the statement: an
 * incremental parse reuses the statements an edit did not touch (the same nodes, their text
 * unchanged), so after a keystroke only the edited statement is walked again, not the whole module.
 */
export function walkModule(sf: ts.SourceFile): ModuleWalk {
  let walked = walks.get(sf);
  if (!walked) {
    const names = importNames(sf);
    const namespaces = namespaceImportNames(sf);
    const key = `${[...names].join('\n')}\n*${[...namespaces].join('\n')}`;
    const references = new Map<string, ts.Identifier[]>();
    const declaredElsewhere = new Set<string>();
    const lazyLoads: ts.CallExpression[] = [];
    const writes: ts.Identifier[] = [];
    let evals = false;
    // Last statement first: the order the whole-module walk found them in (the first lazy load is reported).
    for (let i = sf.statements.length - 1; i >= 0; i--) {
      const s = sf.statements[i]!;
      let facts = statementWalks.get(s);
      if (facts?.names !== key) statementWalks.set(s, (facts = mayHoldFacts(sf.text.slice(s.pos, s.end), names) ? walk(s, names, namespaces, key) : { ...NO_FACTS, names: key }));
      for (const [name, refs] of facts.references) {
        const list = references.get(name);
        if (list) list.push(...refs);
        else references.set(name, [...refs]);
      }
      for (const name of facts.declaredElsewhere) declaredElsewhere.add(name);
      lazyLoads.push(...facts.lazyLoads);
      writes.push(...facts.importWrites);
      evals ||= facts.evals;
    }
    let used: Set<string> | 'unknown' = 'unknown';
    if (!evals) {
      used = new Set<string>();
      for (const [name, refs] of references) {
        if (!declaredElsewhere.has(name) || refs.some((r) => resolvesToModule(r, sf))) used.add(name);
      }
    }
    walked = { used, lazyLoads, importWrites: writes.filter((id) => resolvesToModule(id, sf)).reverse() };
    walks.set(sf, walked);
  }
  return walked;
}

interface ModuleWalk {
  readonly used: Set<string> | 'unknown';
  readonly lazyLoads: ts.CallExpression[];
  /**
   * Imports the module writes to (`v = 1`, `v++`, `[v] = xs`, and for `import * as ns`, `ns.x = 1`
   * or `delete ns.x`), in source order: esbuild refuses to bundle them ("Cannot assign to import").
   */
  readonly importWrites: readonly ts.Identifier[];
}

const walks = new WeakMap<ts.SourceFile, ModuleWalk>();

/** What one top-level statement holds, for the import names `names` (joined) of its module. */
interface StatementFacts {
  readonly names: string;
  readonly references: ReadonlyMap<string, readonly ts.Identifier[]>;
  readonly declaredElsewhere: ReadonlySet<string>;
  readonly lazyLoads: readonly ts.CallExpression[];
  readonly importWrites: readonly ts.Identifier[];
  readonly evals: boolean;
}

const NO_FACTS: StatementFacts = { names: '', references: new Map(), declaredElsewhere: new Set(), lazyLoads: [], importWrites: [], evals: false };

/**
 * Whether a statement whose source is `text` can hold what {@link walk} looks for: an identifier among
 * `names`, `require` or `eval`, or the keyword `import`. Each must be written out in the text, unless
 * it is spelt with a `\u` escape (hence any backslash). Most statements of a pipeline hold none of
 * them, and a substring search costs far less than walking their trees (the first analysis of a
 * 3,001-task module walked them for 35 ms).
 */
function mayHoldFacts(text: string, names: ReadonlySet<string>): boolean {
  if (text.includes('require') || text.includes('import') || text.includes('eval') || text.includes('\\')) return true;
  for (const name of names) if (text.includes(name)) return true;
  return false;
}

/** Per top-level statement node (kept across incremental parses, which reuse untouched statements). */
const statementWalks = new WeakMap<ts.Node, StatementFacts>();

/** The value bindings a module imports (but from `a-la-mode`, whose running changes nothing). */
function importNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const s of sf.statements) {
    if (ts.isImportDeclaration(s)) {
      const clause = s.importClause;
      if (!clause || clause.isTypeOnly || (ts.isStringLiteral(s.moduleSpecifier) && s.moduleSpecifier.text === 'a-la-mode')) continue;
      if (clause.name) names.add(clause.name.text);
      const nb = clause.namedBindings;
      if (nb && ts.isNamespaceImport(nb)) names.add(nb.name.text);
      else if (nb) for (const el of nb.elements) if (!el.isTypeOnly) names.add(el.name.text);
    } else if (ts.isImportEqualsDeclaration(s) && !s.isTypeOnly) {
      names.add(s.name.text);
    }
  }
  return names;
}

/** The names of `import * as ns` bindings (whose members the module must not write either). */
function namespaceImportNames(sf: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  for (const s of sf.statements) {
    const nb = ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly ? s.importClause?.namedBindings : undefined;
    if (nb && ts.isNamespaceImport(nb)) names.add(nb.name.text);
  }
  return names;
}

/** Skips what TypeScript erases around an expression: `(x)`, `x as T`, `x!`, `<T>x`, `x satisfies T`. */
function outerOf(node: ts.Node): ts.Node {
  let n = node;
  while (n.parent && (ts.isParenthesizedExpression(n.parent) || ts.isAsExpression(n.parent) || ts.isNonNullExpression(n.parent) || ts.isTypeAssertionExpression(n.parent) || ts.isSatisfiesExpression(n.parent))) n = n.parent;
  return n;
}

/** Whether `node` (with what TypeScript erases around it) is written to: assigned, updated, a destructuring or for-in/of target. */
function isWriteTarget(node: ts.Node): boolean {
  const n = outerOf(node);
  const parent = n.parent;
  if (!parent) return false;
  if (ts.isBinaryExpression(parent)) return parent.left === n && parent.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && parent.operatorToken.kind <= ts.SyntaxKind.LastAssignment;
  if (ts.isPrefixUnaryExpression(parent) || ts.isPostfixUnaryExpression(parent)) return parent.operator === ts.SyntaxKind.PlusPlusToken || parent.operator === ts.SyntaxKind.MinusMinusToken;
  if (ts.isForInStatement(parent) || ts.isForOfStatement(parent)) return parent.initializer === n;
  // Inside a destructuring assignment: `[v] = xs`, `({ a: v } = o)`, `({ v } = o)`, `[...v] = xs`.
  if (ts.isArrayLiteralExpression(parent) || ts.isSpreadElement(parent)) return isWriteTarget(parent);
  // `({ ...v } = o)`: the rest element's object literal is the target.
  if (ts.isSpreadAssignment(parent)) return isWriteTarget(parent.parent);
  if (ts.isPropertyAssignment(parent)) return parent.initializer === n && isWriteTarget(parent.parent);
  if (ts.isShorthandPropertyAssignment(parent)) return parent.name === n && isWriteTarget(parent.parent);
  return false;
}

/** A write to an import binding, or to a member of a namespace import (`ns.x = 1`, `delete ns.x`). */
function isImportWrite(id: ts.Identifier, namespaces: ReadonlySet<string>): boolean {
  if (isWriteTarget(id)) return true;
  if (!namespaces.has(id.text)) return false;
  const n = outerOf(id);
  const member = n.parent;
  if (!member || !((ts.isPropertyAccessExpression(member) || ts.isElementAccessExpression(member)) && member.expression === n)) return false;
  const outer = outerOf(member);
  // (`delete ns?.x` is an optional chain, which esbuild accepts.)
  return isWriteTarget(member) || (outer.parent !== undefined && ts.isDeleteExpression(outer.parent) && (member.flags & ts.NodeFlags.OptionalChain) === 0);
}

function walk(statement: ts.Statement, names: ReadonlySet<string>, namespaces: ReadonlySet<string>, key: string): StatementFacts {
  const references = new Map<string, ts.Identifier[]>();
  const declaredElsewhere = new Set<string>();
  const lazyLoads: ts.CallExpression[] = [];
  const importWrites: ts.Identifier[] = [];
  let evals = false;
  const stack: ts.Node[] = [statement];
  const push = (child: ts.Node) => {
    stack.push(child);
  };
  while (stack.length > 0) {
    const node = stack.pop()!;
    const kind = node.kind;
    if (kind === ts.SyntaxKind.Identifier) {
      const id = node as ts.Identifier;
      if (!names.has(id.text)) continue;
      const parent = id.parent;
      if (!isNameOf(id, parent)) {
        addReference(id);
        if (isImportWrite(id, namespaces)) importWrites.push(id);
      } else if (declaresName(parent, id)) declaredElsewhere.add(id.text);
      continue;
    }
    if (kind >= ts.SyntaxKind.FirstTypeNode && kind <= ts.SyntaxKind.LastTypeNode && kind !== ts.SyntaxKind.ExpressionWithTypeArguments) continue;
    switch (kind) {
      case ts.SyntaxKind.ImportDeclaration:
      case ts.SyntaxKind.InterfaceDeclaration:
      case ts.SyntaxKind.TypeAliasDeclaration:
        continue;
      case ts.SyntaxKind.ImportEqualsDeclaration: {
        // `import x = N.y` uses N; `import x = require(…)` uses nothing.
        const ref = (node as ts.ImportEqualsDeclaration).moduleReference;
        if (!(node as ts.ImportEqualsDeclaration).isTypeOnly && !ts.isExternalModuleReference(ref)) stack.push(ref);
        continue;
      }
      case ts.SyntaxKind.QualifiedName:
        stack.push((node as ts.QualifiedName).left);
        continue;
      case ts.SyntaxKind.ExportDeclaration: {
        const e = node as ts.ExportDeclaration;
        if (e.isTypeOnly || e.moduleSpecifier || !e.exportClause || !ts.isNamedExports(e.exportClause)) continue;
        for (const el of e.exportClause.elements) {
          const local = el.propertyName ?? el.name;
          if (!el.isTypeOnly && ts.isIdentifier(local) && names.has(local.text)) addReference(local);
        }
        continue;
      }
      case ts.SyntaxKind.HeritageClause: {
        const h = node as ts.HeritageClause;
        // `class A extends B` uses B as a value; `implements` and interfaces' `extends` are types.
        if (h.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(h.parent)) for (const t of h.types) stack.push(t.expression);
        continue;
      }
      case ts.SyntaxKind.PropertyAccessExpression:
        stack.push((node as ts.PropertyAccessExpression).expression);
        continue;
      case ts.SyntaxKind.CallExpression: {
        const c = node as ts.CallExpression;
        const callee = c.expression;
        if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) lazyLoads.push(c);
        if (ts.isIdentifier(callee) && callee.text === 'eval') evals = true;
        break;
      }
      case ts.SyntaxKind.FunctionDeclaration:
      case ts.SyntaxKind.MethodDeclaration:
      case ts.SyntaxKind.Constructor:
        if (!(node as ts.FunctionLikeDeclaration).body) continue; // an overload
        break;
    }
    if ((node as { modifiers?: unknown }).modifiers && hasDeclareModifier(node)) continue; // ambient: nothing of it is emitted
    ts.forEachChild(node, push);
  }
  return { names: key, references, declaredElsewhere, lazyLoads, importWrites, evals };

  function addReference(id: ts.Identifier): void {
    const list = references.get(id.text);
    if (list) list.push(id);
    else references.set(id.text, [id]);
  }
}

/** Whether `id`, a name of `parent`, is a name `parent` declares (not a property name or a label). */
function declaresName(parent: ts.Node, id: ts.Identifier): boolean {
  switch (parent.kind) {
    case ts.SyntaxKind.VariableDeclaration:
    case ts.SyntaxKind.Parameter:
    case ts.SyntaxKind.FunctionDeclaration:
    case ts.SyntaxKind.FunctionExpression:
    case ts.SyntaxKind.ClassDeclaration:
    case ts.SyntaxKind.ClassExpression:
    case ts.SyntaxKind.EnumDeclaration:
    case ts.SyntaxKind.ModuleDeclaration:
      return true;
    case ts.SyntaxKind.BindingElement:
      return (parent as ts.BindingElement).name === id;
    default:
      return false;
  }
}

/** Whether `child` is a name `parent` declares or a property name (not a reference to a variable). */
function isNameOf(child: ts.Node, parent: ts.Node): boolean {
  if (!ts.isIdentifier(child) && !ts.isPrivateIdentifier(child)) return false;
  switch (parent.kind) {
    case ts.SyntaxKind.VariableDeclaration:
    case ts.SyntaxKind.Parameter:
    case ts.SyntaxKind.FunctionDeclaration:
    case ts.SyntaxKind.FunctionExpression:
    case ts.SyntaxKind.ClassDeclaration:
    case ts.SyntaxKind.ClassExpression:
    case ts.SyntaxKind.EnumDeclaration:
    case ts.SyntaxKind.ModuleDeclaration:
    case ts.SyntaxKind.TypeParameter:
    case ts.SyntaxKind.PropertyAssignment:
    case ts.SyntaxKind.PropertyDeclaration:
    case ts.SyntaxKind.MethodDeclaration:
    case ts.SyntaxKind.GetAccessor:
    case ts.SyntaxKind.SetAccessor:
    case ts.SyntaxKind.EnumMember:
    case ts.SyntaxKind.LabeledStatement:
    case ts.SyntaxKind.BreakStatement:
    case ts.SyntaxKind.ContinueStatement:
    case ts.SyntaxKind.MetaProperty:
    case ts.SyntaxKind.NamespaceExport:
    case ts.SyntaxKind.ExportSpecifier:
      return (parent as { name?: ts.Node; label?: ts.Node }).name === child || (parent as { label?: ts.Node }).label === child;
    case ts.SyntaxKind.BindingElement:
      return (parent as ts.BindingElement).name === child || (parent as ts.BindingElement).propertyName === child;
    default:
      return false;
  }
}

/**
 * Whether `ref` names a declaration made between it and the nearest of `roots` (a parameter, a
 * `let`, a catch variable of code inside them), rather than a variable outside them.
 */
export function declaredWithin(ref: ts.Identifier, roots: ReadonlySet<ts.Node>): boolean {
  for (let n: ts.Node = ref; n.parent && !roots.has(n); n = n.parent) {
    if (declares(n.parent, ref.text)) return true;
  }
  return false;
}

/**
 * Whether a reference resolves to the module's own binding: no scope between it and the module
 * declares the name (function parameters and `var`s, block-scoped declarations, a catch variable, a
 * named function or class expression's own name).
 */
function resolvesToModule(ref: ts.Identifier, sf: ts.SourceFile): boolean {
  const name = ref.text;
  for (let n: ts.Node = ref; n.parent && n.parent !== sf; n = n.parent) {
    const scope = n.parent;
    if (declares(scope, name)) return false;
  }
  return true;
}

const declaredCache = new WeakMap<ts.Node, Set<string>>();

/** The names a scope-making node declares directly (a function: its parameters, `var`s and functions). */
function declares(scope: ts.Node, name: string): boolean {
  let set = declaredCache.get(scope);
  if (!set) {
    set = new Set<string>();
    const add = (id: ts.Identifier) => set!.add(id.text);
    if (ts.isFunctionLike(scope)) {
      for (const p of scope.parameters) for (const id of bindingIdentifiers(p.name)) add(id);
      if ((ts.isFunctionExpression(scope)) && scope.name) add(scope.name);
      const body = (scope as ts.FunctionLikeDeclaration).body;
      if (body && ts.isBlock(body)) collectFunctionScoped(body, add);
    } else if (ts.isClassExpression(scope) && scope.name) {
      add(scope.name);
    } else if (ts.isClassStaticBlockDeclaration(scope)) {
      // A static block is a function of its own: its `var`s stay in it.
      collectFunctionScoped(scope.body, add);
      for (const s of scope.body.statements) blockScoped(s, add);
    } else if (ts.isBlock(scope) || ts.isCaseBlock(scope) || ts.isModuleBlock(scope)) {
      const statements = ts.isCaseBlock(scope) ? scope.clauses.flatMap((c) => [...c.statements]) : scope.statements;
      for (const s of statements) blockScoped(s, add);
      // A namespace's body is compiled to a function: its `var`s stay in it too.
      if (ts.isModuleBlock(scope)) collectFunctionScoped(scope, add);
    } else if ((ts.isForStatement(scope) || ts.isForInStatement(scope) || ts.isForOfStatement(scope)) && scope.initializer && ts.isVariableDeclarationList(scope.initializer)) {
      for (const d of scope.initializer.declarations) for (const id of bindingIdentifiers(d.name)) add(id);
    } else if (ts.isCatchClause(scope) && scope.variableDeclaration) {
      for (const id of bindingIdentifiers(scope.variableDeclaration.name)) add(id);
    }
    declaredCache.set(scope, set);
  }
  return set.has(name);
}

/** Declarations scoped to a block: let/const/class, functions (modules are strict), enums, namespaces. */
function blockScoped(s: ts.Statement, add: (id: ts.Identifier) => void): void {
  if (ts.isVariableStatement(s) && (s.declarationList.flags & ts.NodeFlags.BlockScoped) !== 0) {
    for (const d of s.declarationList.declarations) for (const id of bindingIdentifiers(d.name)) add(id);
  } else if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isEnumDeclaration(s)) && s.name) {
    add(s.name);
  } else if (ts.isModuleDeclaration(s) && ts.isIdentifier(s.name)) {
    add(s.name);
  }
}

/** `var`s anywhere in a function body (not in nested functions), which belong to the function. */
function collectFunctionScoped(body: ts.Block | ts.ModuleBlock, add: (id: ts.Identifier) => void): void {
  const stack: ts.Node[] = [...body.statements];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (ts.isFunctionLike(n) || ts.isClassLike(n) || ts.isModuleDeclaration(n)) continue;
    if (ts.isVariableDeclarationList(n) && (n.flags & ts.NodeFlags.BlockScoped) === 0) {
      for (const d of n.declarations) for (const id of bindingIdentifiers(d.name)) add(id);
    }
    ts.forEachChild(n, (c) => {
      stack.push(c);
    });
  }
}
