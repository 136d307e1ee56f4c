/**
 * The modules a pipeline module imports, read and parsed before anything is evaluated: one record per
 * file (by its real path), with its import edges in source order (resolved as the bundle resolves them,
 * and whether the bundle keeps them), and what it exports (syntax). Parse trees and these syntactic
 * facts are shared by every analysis that reads the same text; the values a module's code computes are
 * not (each analysis evaluates the modules it imports in a heap of its own).
 *
 * The graph is bounded (modules, characters, files looked at): beyond a bound, the rest is not read and
 * the analysis says so with an `analysis-limit`.
 */
import { builtinModules } from 'node:module';
import { extname } from 'node:path';
import ts from 'typescript';
import { bindingIdentifiers, hasDeclareModifier, mentionsImportMeta } from '../syntax';
import { DEFAULT_BINDING } from '../values';
import { parseDiagnosticsOf, parseIncremental, scriptKindOf, type Parsed } from '../parse';
import { Configs, parseJsonFile } from './configs';
import { keptImports, walkModule, type Kept } from './elision';
import { droppableModule } from './sideEffects';
import { FileReader, ReadLimit, type ModuleHost } from './host';
import { isPackagePath, Resolver, type Resolution } from './resolve';

/** Bounds of one analysis' graph (besides the evaluation budgets it shares with the module). */
export interface GraphLimits {
  readonly maxModules: number;
  /** Characters of every file read (modules and configuration): parsing cannot be interrupted. */
  readonly maxChars: number;
  /** When reading stops (`performance.now()`): the analysis' time budget counts reading too. */
  readonly deadline?: number;
}

/** A few times a large repository's shared code (a 6,000-line module is about 400,000 characters). */
export const DEFAULT_GRAPH_LIMITS: GraphLimits = { maxModules: 200, maxChars: 2_000_000 };

/** An `import` (or `export … from`, `import x = require(…)`) of a module. */
export interface ImportEdge {
  readonly node: ts.ImportDeclaration | ts.ExportDeclaration | ts.ImportEqualsDeclaration;
  readonly specifier: string;
  readonly resolution: Resolution;
  /** The module it loads, when the analysis reads it. */
  readonly record: ModuleRecord | undefined;
  /** Whether the bundle runs the module for this declaration (TypeScript removes unused imports). */
  readonly kept: Kept;
}

/**
 * Whether the bundle runs code the analysis does not follow for a kept import it does not read: a
 * CommonJS helper, a file it cannot read, a package imported for its side effects (`import 'setup'`).
 * Such code may write files or change the working directory, so what is read from disk after it is
 * unknown (`Realm.unseenCodeRuns`). Node's own modules run nothing of the pipeline's; a package whose
 * bindings are imported is taken to only define things when loaded, as libraries do.
 */
export function runsUnfollowedCode(edge: ImportEdge): boolean {
  if (edge.kept === 'dropped' || (edge.record && !edge.record.failure)) return false;
  const { resolution, specifier } = edge;
  if (resolution.kind === 'dsl') return false;
  if (resolution.kind === 'unseen' && (specifier.startsWith('node:') || BUILTIN_MODULES.has(specifier))) return false;
  // An installed package imported for its bindings (not code of the repository the analysis does not read).
  if (resolution.kind === 'unseen' && resolution.installed) return ts.isImportDeclaration(edge.node) && !edge.node.importClause;
  return true;
}

const BUILTIN_MODULES: ReadonlySet<string> = new Set(builtinModules);

/** What a module exports, by syntax. Local names are bindings of its scope (imports included). */
export interface ExportTable {
  readonly local: ReadonlyMap<string, string>;
  readonly indirect: ReadonlyMap<string, { readonly from: ts.ExportDeclaration; readonly name: string }>;
  readonly namespaces: ReadonlyMap<string, ts.ExportDeclaration>;
  readonly stars: readonly ts.ExportDeclaration[];
  /** `export = …`: not an ES module; what it exports is not followed. */
  readonly exportEquals: boolean;
}


export class ModuleRecord {
  readonly edges: ImportEdge[] = [];
  /** Set when the module cannot be read or analysed: what comes from it is unknown. */
  failure: string | undefined;
  /** Whether it ran (in the analysis that read it: records are not shared). */
  status: 'new' | 'running' | 'done' = 'new';
  /**
   * How the bundle defines its class fields (its tsconfig's `useDefineForClassFields` and `target`;
   * always `define` in JavaScript); undefined when not known (no host, or a tsconfig that cannot be read).
   */
  classFields: 'define' | 'assign' | undefined;
  constructor(
    readonly path: string,
    readonly isEntry: boolean,
    /** A script's tree; undefined for JSON. */
    readonly sf: ts.SourceFile | undefined,
    /** A JSON module's value. */
    readonly json: unknown,
    /** Compiled as TypeScript (unused imports removed). */
    readonly typescript: boolean,
  ) {}

  edgeOf(node: ts.Node): ImportEdge | undefined {
    return this.edges.find((e) => e.node === node);
  }
}

const ALL_KEPT: ReadonlyMap<ts.Node, Kept> = new Map();

/** Why the order modules run in is not followed, and where. */
export interface GraphProblem {
  readonly why: string;
  readonly node: ts.Node;
}

/** Parse trees of imported modules, by path: shared by analyses while their text is the same. */
const trees = new Map<string, Parsed>();
const TREES = 64;

function treeOf(path: string, text: string): ts.SourceFile | undefined {
  const previous = trees.get(path);
  trees.delete(path);
  const sf = parseIncremental(path, text, previous, scriptKindOf(path));
  if (sf) {
    trees.set(path, { text, sourceFile: sf });
    while (trees.size > TREES) trees.delete(trees.keys().next().value!);
  }
  return sf;
}

export class ModuleGraph {
  readonly records = new Map<string, ModuleRecord>();
  readonly entry: ModuleRecord;
  readonly reader: FileReader | undefined;
  /** Set when the bundle may run modules in another order than the analysis follows (`require`, `import()`). */
  orderUnknown: GraphProblem | undefined;
  /** Set when a bound stopped the reading: modules beyond it are not followed. */
  limit: GraphProblem | undefined;
  /** Set when the bundle may leave out a module that does something when it runs (see `sideEffects.ts`). */
  droppable: GraphProblem | undefined;
  /** Set when esbuild refuses to bundle a module (it writes to an import): the module never runs. */
  unbundlable: GraphProblem | undefined;
  /** For each module the analysed one does not import itself, the import declaration of the analysed module it is first reached through. */
  readonly via = new Map<ModuleRecord, ts.Node>();
  /** `require('./x.json')` calls (with the module's own `require`) and the JSON module each loads. */
  readonly jsonRequires = new Map<ts.CallExpression, ModuleRecord>();

  constructor(entrySf: ts.SourceFile, entryPath: string, host: ModuleHost | undefined, readonly limits: GraphLimits = DEFAULT_GRAPH_LIMITS) {
    this.entry = new ModuleRecord(entryPath, true, entrySf, undefined, true);
    this.records.set(entryPath, this.entry);
    this.reader = host ? new FileReader(host, limits.maxChars) : undefined;
    // A module importing the pipeline back by its real path imports the pipeline itself.
    if (this.reader) this.records.set(this.reader.realPath(entryPath), this.entry);
    const configs = this.reader ? new Configs(this.reader) : undefined;
    const resolver = this.reader && configs ? new Resolver(this.reader, configs) : undefined;
    const queue = [this.entry];
    while (queue.length > 0) {
      const record = queue.shift()!;
      if (!record.sf) continue;
      const tsconfig = configs?.tsconfigFor(dirOf(record.path));
      // Without a host nothing imported runs, so which imports run does not matter.
      const kept = this.reader ? keptImports(record.sf, record.typescript, tsconfig?.keepsImports ?? false) : ALL_KEPT;
      if (this.reader) record.classFields = !record.typescript ? 'define' : tsconfig?.error ? undefined : tsconfig?.classFields ?? 'define';
      for (const s of record.sf.statements) {
        const edge = this.edgeFor(record, s, kept, resolver, queue);
        if (edge) record.edges.push(edge);
      }
      this.noteLazyLoads(record, resolver, queue);
    }
    this.noteImportWrites();
    if (configs) this.droppable = droppableModule(this, configs);
  }

  /**
   * A write to an import in a module the bundle includes (reached through imports it keeps): esbuild
   * refuses to bundle it, so the pipeline never runs.
   */
  private noteImportWrites(): void {
    const included = new Set<ModuleRecord>([this.entry]);
    const work = [this.entry];
    while (work.length > 0) {
      const record = work.pop()!;
      const write = record.sf && walkModule(record.sf).importWrites[0];
      if (write) {
        this.unbundlable = { why: `esbuild refuses to bundle this write to the import '${write.text}' ("Cannot assign to import"), so the module never runs`, node: write };
        return;
      }
      for (const edge of record.edges) {
        if (edge.kept !== 'dropped' && edge.record && !edge.record.failure && !included.has(edge.record)) {
          included.add(edge.record);
          work.push(edge.record);
        }
      }
    }
  }

  /** Every module, once (a module may be known by two paths: the pipeline by its own and its real one). */
  get all(): ModuleRecord[] {
    return [...new Set(this.records.values())];
  }

  /** The analysed module's import declaration through which the module holding `node` is reached. */
  viaOfNode(node: ts.Node): ts.Node | undefined {
    let n = node;
    while (n.parent) n = n.parent;
    for (const [record, via] of this.via) if (record.sf === n) return via;
    return undefined;
  }

  /** Every path the analysis read or looked for, but the module's own. */
  get paths(): string[] {
    return this.reader ? this.reader.paths.filter((p) => p !== this.entry.path) : [];
  }

  private edgeFor(record: ModuleRecord, s: ts.Statement, kept: ReadonlyMap<ts.Node, Kept>, resolver: Resolver | undefined, queue: ModuleRecord[]): ImportEdge | undefined {
    let specifierNode: ts.Expression | undefined;
    let keep: Kept;
    if (ts.isImportDeclaration(s)) {
      specifierNode = s.moduleSpecifier;
      keep = kept === ALL_KEPT ? 'kept' : kept.get(s) ?? 'dropped';
    } else if (ts.isExportDeclaration(s) && s.moduleSpecifier) {
      specifierNode = s.moduleSpecifier;
      const typeOnly = s.isTypeOnly || (s.exportClause && ts.isNamedExports(s.exportClause) && s.exportClause.elements.length > 0 && s.exportClause.elements.every((e) => e.isTypeOnly));
      keep = typeOnly ? 'dropped' : 'kept';
    } else if (ts.isImportEqualsDeclaration(s) && ts.isExternalModuleReference(s.moduleReference)) {
      specifierNode = s.moduleReference.expression;
      keep = kept === ALL_KEPT ? 'kept' : kept.get(s) ?? 'dropped';
    } else {
      return undefined;
    }
    if (!ts.isStringLiteral(specifierNode)) return { node: s as ImportEdge['node'], specifier: '', resolution: { kind: 'unresolved', why: 'the module name is not a string' }, record: undefined, kept: keep };
    const specifier = specifierNode.text;
    const resolution: Resolution = specifier === 'a-la-mode' ? { kind: 'dsl' } : resolver ? resolver.resolve(specifier, record.path, ts.isImportEqualsDeclaration(s) ? 'require' : 'import') : { kind: 'unseen', why: '' };
    let target: ModuleRecord | undefined;
    if (resolution.kind === 'file') {
      target = this.recordFor(resolution.path, s, queue);
      if (target && !target.isEntry && !this.via.has(target)) this.via.set(target, record.isEntry ? s : this.via.get(record) ?? s);
    }
    if (resolution.kind === 'limit') this.limit ??= { why: resolution.why, node: s };
    if (ts.isImportEqualsDeclaration(s) && target && isJsonRequire(specifier, target.path)) {
      // `import x = require('./c.json')`: a JSON module runs nothing, so when it loads does not matter.
    } else if (ts.isImportEqualsDeclaration(s) && keep !== 'dropped' && (resolution.kind === 'file' || resolution.kind === 'unresolved')) {
      // `import x = require(…)` loads the module lazily, in a wrapper: another order than the imports'.
      this.orderUnknown ??= { why: `${s.getText(record.sf)} loads a module with require, which the analysis does not follow`, node: s };
    }
    if (keep === 'unknown') this.orderUnknown ??= { why: `whether the bundle keeps the import of '${specifier}' is not known (the module uses eval)`, node: s };
    return { node: s as ImportEdge['node'], specifier, resolution, record: target, kept: keep };
  }

  private recordFor(path: string, from: ts.Node, queue: ModuleRecord[]): ModuleRecord | undefined {
    const existing = this.records.get(path);
    if (existing) return existing;
    if (this.all.length >= this.limits.maxModules) {
      this.limit ??= { why: `the module imports more than ${this.limits.maxModules} modules, too many for the analysis`, node: from };
      return undefined;
    }
    if (this.limits.deadline !== undefined && performance.now() > this.limits.deadline) {
      this.limit ??= { why: 'reading the modules it imports takes longer than the analysis may', node: from };
      return undefined;
    }
    const text = this.reader!.read(path);
    let record: ModuleRecord;
    const ext = extname(path).toLowerCase();
    if (typeof text !== 'string') {
      record = new ModuleRecord(path, false, undefined, undefined, false);
      record.failure = text === undefined ? `${path} does not exist` : text.message;
      if (text instanceof ReadLimit) this.limit ??= { why: text.message, node: from };
    } else if (isJsonPath(path)) {
      let json: unknown;
      let failure: string | undefined;
      try {
        json = parseJsonFile(text);
        if (hasProtoKey(json)) failure = `${path} has a "__proto__" key, which the analysis does not model`;
      } catch (e) {
        failure = `${path} is not valid JSON (${(e as Error).message})`;
      }
      record = new ModuleRecord(path, false, undefined, json, false);
      record.failure = failure;
    } else {
      const sf = treeOf(path, text);
      record = new ModuleRecord(path, false, sf, undefined, /\.[cm]?ts$/i.test(ext));
      if (!sf) record.failure = `${path} nests too deeply for the analysis to read it`;
      else if (parseDiagnosticsOf(sf).length > 0) record.failure = `${path} has syntax errors`;
      else if (usesCommonJs(sf)) record.failure = `${path} is a CommonJS module (module.exports), which the analysis does not follow`;
      else if (exportTableOf(sf).exportEquals) record.failure = `${path} assigns its exports with \`export =\`, which the analysis does not follow`;
    }
    this.records.set(path, record);
    if (!record.failure) queue.push(record);
    return record;
  }

  /**
   * `require(…)` and `import(…)` of the module's own files make the bundle wrap those in functions run
   * on first use: the order modules run in is then another one than the analysis follows. But for a
   * JSON file loaded with `require('./c.json')`: it runs nothing, so when it loads does not matter,
   * and the call's value is the file's object. (The bundle then wraps the file as CommonJS, which
   * changes what its imports read once the program changes the object: see `linker.ts`.)
   */
  private noteLazyLoads(record: ModuleRecord, resolver: Resolver | undefined, queue: ModuleRecord[]): void {
    // Without a host no other module runs: the order does not matter (and the walk is spared).
    if (!resolver) return;
    const lazyLoads = walkModule(record.sf!).lazyLoads;
    if (lazyLoads.length === 0) return;
    const ownRequire = !declaresRequire(record.sf!);
    for (const call of lazyLoads) {
      const arg = call.arguments[0];
      // (`require?.(…)` is left to Node by esbuild.)
      if (ownRequire && ts.isIdentifier(call.expression) && !call.questionDotToken && call.arguments.length === 1 && arg && ts.isStringLiteralLike(arg)) {
        const resolution = resolver.resolve(arg.text, record.path, 'require');
        if (resolution.kind === 'file' && isJsonRequire(arg.text, resolution.path)) {
          const json = this.recordFor(resolution.path, call, queue);
          if (json) {
            this.jsonRequires.set(call, json);
            continue;
          }
        }
      }
      if (this.orderUnknown) continue;
      const local = !arg || !ts.isStringLiteralLike(arg) || !isPackagePath(arg.text) || arg.text.startsWith('#') || (resolver?.resolve(arg.text, record.path, 'require').kind === 'file');
      if (local) {
        this.orderUnknown = { why: `${call.getText(record.sf).slice(0, 60)} loads a module when it runs, which the analysis does not follow`, node: call };
        return;
      }
    }
  }
}

function isJsonPath(path: string): boolean {
  return extname(path).toLowerCase() === '.json';
}

/**
 * A `require` of a JSON file the analysis resolves as esbuild does: not a package.json `#imports`
 * name, which the resolver maps with an `import` statement's conditions, not `require`'s.
 */
function isJsonRequire(specifier: string, path: string): boolean {
  return isJsonPath(path) && !specifier.startsWith('#');
}

/**
 * Whether the module declares a `require` of its own anywhere (`const require = createRequire(…)`, a
 * parameter): the bundle then leaves its `require(…)` calls alone, to run as Node runs them.
 */
function declaresRequire(sf: ts.SourceFile): boolean {
  let found = false;
  const visit = (node: ts.Node): void => {
    if (found) return;
    if (ts.isIdentifier(node) && node.text === 'require' && DECLARES.has(node.parent?.kind) && (node.parent as { name?: ts.Node }).name === node) found = true;
    else ts.forEachChild(node, visit);
  };
  // Only the statements that spell it (a substring test costs far less than walking every tree).
  for (const s of sf.statements) {
    const text = sf.text.slice(s.pos, s.end);
    if (!found && (text.includes('require') || text.includes('\\'))) visit(s);
  }
  return found;
}

const SK = ts.SyntaxKind;
/** Declarations whose `name` binds it (a shorthand `{ require }` or `x.require` does not). */
const DECLARES = new Set<ts.SyntaxKind | undefined>([
  SK.VariableDeclaration, SK.Parameter, SK.BindingElement, SK.FunctionDeclaration, SK.FunctionExpression, SK.ClassDeclaration, SK.ClassExpression,
  SK.ImportClause, SK.ImportSpecifier, SK.NamespaceImport, SK.ImportEqualsDeclaration, SK.EnumDeclaration, SK.ModuleDeclaration,
]);

function dirOf(path: string): string {
  return path.replace(/[\\/][^\\/]*$/, '') || '/';
}

function hasProtoKey(json: unknown): boolean {
  const stack = [json];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (!Array.isArray(v) && Object.prototype.hasOwnProperty.call(v, '__proto__')) return true;
    stack.push(...Object.values(v));
  }
  return false;
}

const commonJs = new WeakMap<ts.SourceFile, boolean>();

/**
 * Whether the module reads `module` or `exports` where no declaration of its own can be meant: a
 * CommonJS module. Only uses as values count: an object key (`{ module: 'etl' }`), a property
 * (`job.module`), a binding's property name or a parameter called `module` are not the CommonJS one.
 * A use inside a scope that declares the name (a parameter, a `const`, a catch or loop variable, an
 * import) is not either.
 */
function usesCommonJs(sf: ts.SourceFile): boolean {
  let uses = commonJs.get(sf);
  if (uses === undefined) {
    uses = false;
    const stack: ts.Node[] = [sf];
    while (stack.length > 0 && !uses) {
      const n = stack.pop()!;
      if (ts.isIdentifier(n) && (n.text === 'module' || n.text === 'exports') && isFreeValueUse(n)) uses = true;
      ts.forEachChild(n, (c) => {
        stack.push(c);
      });
    }
    commonJs.set(sf, uses);
  }
  return uses;
}

/** Whether identifier `id` is read as a value (not a name in a declaration, key or type) that no enclosing scope declares. */
function isFreeValueUse(id: ts.Identifier): boolean {
  const parent = id.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === id) return false;
  if ((ts.isPropertyAssignment(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent) || ts.isGetAccessor(parent) || ts.isSetAccessor(parent)) && parent.name === id) return false;
  if (ts.isPropertySignature(parent) || ts.isMethodSignature(parent) || ts.isEnumMember(parent)) return false;
  if (ts.isBindingElement(parent) && parent.propertyName === id) return false;
  if ((ts.isBindingElement(parent) || ts.isParameter(parent) || ts.isVariableDeclaration(parent)) && parent.name === id) return false;
  if ((ts.isFunctionDeclaration(parent) || ts.isFunctionExpression(parent) || ts.isClassDeclaration(parent) || ts.isClassExpression(parent)) && parent.name === id) return false;
  if (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent) || ts.isImportClause(parent) || ts.isNamespaceImport(parent)) return false;
  if (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return false;
  if (ts.isQualifiedName(parent) || ts.isTypeReferenceNode(parent) || ts.isModuleDeclaration(parent) || ts.isTypeAliasDeclaration(parent) || ts.isInterfaceDeclaration(parent)) return false;
  for (let scope: ts.Node | undefined = parent; scope; scope = scope.parent) {
    if (declaresInScope(scope, id.text)) return false;
  }
  return true;
}

/** Whether `scope` itself declares `name`: parameters, the statements directly in a block, a catch or loop variable. */
function declaresInScope(scope: ts.Node, name: string): boolean {
  const bound = (n: ts.BindingName) => bindingIdentifiers(n).some((b) => b.text === name);
  if (ts.isFunctionLike(scope)) {
    if (scope.parameters.some((p) => bound(p.name))) return true;
    if ((ts.isFunctionExpression(scope) || ts.isClassExpression(scope)) && scope.name?.text === name) return true;
  }
  if (ts.isCatchClause(scope) && scope.variableDeclaration && bound(scope.variableDeclaration.name)) return true;
  if ((ts.isForStatement(scope) || ts.isForOfStatement(scope) || ts.isForInStatement(scope)) && scope.initializer && ts.isVariableDeclarationList(scope.initializer)) {
    if (scope.initializer.declarations.some((d) => bound(d.name))) return true;
  }
  if (ts.isSourceFile(scope) || ts.isBlock(scope) || ts.isModuleBlock(scope)) {
    for (const s of scope.statements) {
      if (ts.isVariableStatement(s) && s.declarationList.declarations.some((d) => bound(d.name))) return true;
      if ((ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s) || ts.isEnumDeclaration(s)) && s.name?.text === name) return true;
      if (ts.isImportDeclaration(s) && s.importClause && !s.importClause.isTypeOnly) {
        const c = s.importClause;
        if (c.name?.text === name) return true;
        const bindings = c.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings) && bindings.name.text === name) return true;
        if (bindings && ts.isNamedImports(bindings) && bindings.elements.some((e) => e.name.text === name)) return true;
      }
    }
  }
  return false;
}

const exportTables = new WeakMap<ts.SourceFile, ExportTable>();

/**
 * Why esbuild's namespace object of a module may have other keys than its export table, if so: a
 * file without `import`/`export` is bundled as CommonJS (its namespace is `{ default: module.exports }`),
 * and exported namespaces, `export import` and `const enum`s are TypeScript that may emit nothing or
 * something the table leaves out.
 */
export function namespaceShapeProblem(sf: ts.SourceFile): string | undefined {
  const commonJs = commonJsBundling(sf);
  if (commonJs) return commonJs;
  // `declare const d; export { d }`: nothing is emitted for d, and the export goes with it.
  if (sf.statements.some((s) => hasDeclareModifier(s)) && sf.statements.some((s) => ts.isExportDeclaration(s) && !s.moduleSpecifier)) return `${sf.fileName} declares something ambient (\`declare\`) and has an export list, which the analysis does not follow`;
  for (const s of sf.statements) {
    const modifiers = ts.canHaveModifiers(s) ? ts.getModifiers(s) : undefined;
    if (!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) || hasDeclareModifier(s)) continue;
    if (ts.isModuleDeclaration(s)) return `${sf.fileName} exports a namespace, which esbuild may leave out`;
    if (ts.isImportEqualsDeclaration(s)) return `${sf.fileName} exports with \`export import\`, which the analysis does not follow`;
    if (ts.isEnumDeclaration(s) && modifiers.some((m) => m.kind === ts.SyntaxKind.ConstKeyword)) return `${sf.fileName} exports a const enum, which the analysis does not follow`;
  }
  return undefined;
}

/**
 * Why esbuild bundles a file as CommonJS, if it does: it has no `import`, `export` or `import.meta`
 * (its namespace is then `{ default: module.exports }`).
 */
export function commonJsBundling(sf: ts.SourceFile): string | undefined {
  if (mentionsImportMeta(sf.text)) return undefined;
  const moduleSyntax = sf.statements.some((s) => ts.isImportDeclaration(s) || ts.isExportDeclaration(s) || ts.isExportAssignment(s) || (ts.canHaveModifiers(s) && ts.getModifiers(s)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)));
  return moduleSyntax ? undefined : `${sf.fileName} has no import or export, so esbuild bundles it as CommonJS`;
}

/** What a module exports, by syntax (type-only and ambient exports left out). */
export function exportTableOf(sf: ts.SourceFile): ExportTable {
  let table = exportTables.get(sf);
  if (table) return table;
  const local = new Map<string, string>();
  const indirect = new Map<string, { from: ts.ExportDeclaration; name: string }>();
  const namespaces = new Map<string, ts.ExportDeclaration>();
  const stars: ts.ExportDeclaration[] = [];
  let exportEquals = false;
  const nameOf = (n: ts.ModuleExportName) => n.text;
  for (const s of sf.statements) {
    if (ts.isExportAssignment(s)) {
      if (s.isExportEquals) exportEquals = true;
      else local.set('default', DEFAULT_BINDING);
      continue;
    }
    if (ts.isExportDeclaration(s)) {
      if (s.isTypeOnly) continue;
      if (!s.exportClause) {
        if (s.moduleSpecifier) stars.push(s);
        continue;
      }
      if (ts.isNamespaceExport(s.exportClause)) {
        namespaces.set(nameOf(s.exportClause.name), s);
        continue;
      }
      for (const el of s.exportClause.elements) {
        if (el.isTypeOnly) continue;
        const inner = nameOf(el.propertyName ?? el.name);
        if (s.moduleSpecifier) indirect.set(nameOf(el.name), { from: s, name: inner });
        else local.set(nameOf(el.name), inner);
      }
      continue;
    }
    const modifiers = ts.canHaveModifiers(s) ? ts.getModifiers(s) : undefined;
    if (!modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) || hasDeclareModifier(s)) continue;
    const isDefault = modifiers.some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
    if (ts.isVariableStatement(s)) {
      for (const d of s.declarationList.declarations) for (const id of bindingIdentifiers(d.name)) local.set(id.text, id.text);
    } else if (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) {
      if (ts.isFunctionDeclaration(s) && !s.body) continue; // an overload
      const name = s.name?.text ?? DEFAULT_BINDING;
      local.set(isDefault ? 'default' : name, name);
    } else if ((ts.isEnumDeclaration(s) || ts.isModuleDeclaration(s)) && ts.isIdentifier(s.name)) {
      local.set(s.name.text, s.name.text);
    }
  }
  table = { local, indirect, namespaces, stars, exportEquals };
  exportTables.set(sf, table);
  return table;
}
