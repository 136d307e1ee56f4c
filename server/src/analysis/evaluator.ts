/**
 * An abstract interpreter for pipeline modules: it runs the module's top-level code over the syntax
 * tree, without executing anything, and builds the Dags the module would build at run time.
 *
 * Known values are computed exactly (JS semantics, applied natively to primitives). Whatever depends on
 * something the analysis cannot know becomes {@link Opaque}. Code whose effects cannot be followed step
 * by step (a branch on an unknown condition, a function handed to code in another module) is
 * "havocked": everything it could reach is conservatively tainted and every variable it could assign
 * becomes opaque. The rule throughout: an unknown is always acceptable, a wrong known value never is.
 *
 * This class is the interpreter's state and its services (reporting, budgets, journaling, ranges);
 * the semantics of each kind of syntax live in `semantics/`, wired to it here (see `realm.ts`).
 */
import { posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import type ts from 'typescript';
import { UnknownValue, sourcePathOf, type AnalysisDiagnostic, type AnalysisDiagnosticCode, type SourceRange, type TaskReference, type UnfollowedTaskCall } from './types';
import { Budget, DEFAULT_LIMITS, LimitSignal, type Limits } from './budget';
import type { Journal } from './speculation';
import type { RegionFacts } from './regions';
import { UNREAD_DEEP_CODE, deepRegionsOf, isStackOverflow, type DeepRegion } from './deepNesting';
import { ThrowSignal } from './signals';
import type { ChainResult, Completion, Interpreter, Reference, YieldSink } from './realm';
import { DagState, NO_REACH, ObjectValue, Opaque, Scope, type PromiseOpaque, bindingValue, quietOpaque, type Binding, type BindingKind, type BuiltinFunction, type CallSite, type Chain, type ClassValue, type Closure, type HeapValue, type InstanceValue, type MutableHeapValue, type Primitive, type PrivateMember, type Slot, type TaskState, type TemplateStringsValue, type Value } from './values';
import { bindingIdentifiers, hasErrorInside, isCallExpression, isClassDeclaration, isExpressionStatement, isModuleLoadingDeclaration, isVariableStatement, isElementAccess, isNewExpression, isPropertyAccess, mentionsImportMeta, skipOuter, skipTrivia } from './syntax';
import { parseDiagnosticsOf } from './parse';
import { ModuleGraph, runsUnfollowedCode, type ModuleRecord } from './modules/graph';
import { Linker } from './modules/linker';
import * as Bindings from './semantics/bindings';
import * as Branches from './semantics/branches';
import * as Calls from './semantics/calls';
import * as Classes from './semantics/classes';
import * as Enums from './semantics/enums';
import * as Escape from './semantics/escape';
import * as Expressions from './semantics/expressions';
import * as Properties from './semantics/properties';
import * as Statements from './semantics/statements';

const MAX_SNIPPET = 48;

export class Evaluator implements Interpreter {
  readonly dags: DagState[] = [];
  readonly diagnostics: AnalysisDiagnostic[] = [];
  readonly references: TaskReference[] = [];
  readonly completionSites: { readonly dag: number; readonly range: SourceRange }[] = [];
  /** Unknowns that are not reported as `not-static`: incomplete code, or already reported as a limit. */
  readonly silent = new WeakSet<UnknownValue>();
  readonly templateObjects = new Map<ts.TemplateLiteral, TemplateStringsValue>();
  drainedCall: ts.Node | undefined = undefined;
  awaitedCall: ts.Node | undefined = undefined;
  awaitedFunction: ts.Node | undefined = undefined;
  readonly unhandledRejections = new Set<PromiseOpaque>();
  drainIsolated = false;
  readonly yieldSinks: YieldSink[] = [];
  builtinsPatched: UnknownValue | undefined;
  readonly escapedBuiltins = new Set<BuiltinFunction>();
  havocEpoch = 0;
  unseenCodeRuns = 0;
  readonly budget: Budget;
  readonly journals: Journal[] = [];
  /** The analysed module's top-level scope. */
  readonly moduleScope: Scope;
  /**
   * The analysed module's code that led to what is being evaluated in another module: the import
   * declaration that made it run, or the call of its function (innermost last). Ranges of other
   * modules' code are placed there.
   */
  readonly anchors: ts.Node[] = [];
  /**
   * The calls in the analysed module whose functions or constructors are being evaluated, innermost
   * last: an `addDep` made inside a helper records them, so a problem with that one edge can be shown
   * on the call that made it (`link(b, a)`) rather than on the helper's code that every call shares.
   */
  readonly callSites: ts.Node[] = [];
  /** The modules the analysed one imports (just itself without a host). */
  readonly graph: ModuleGraph;
  callDepth = 0;
  uncertainty = 0;
  /** Heap writes so far (each `touch`): an encoding of a Dag saw what the Dag ends with when none came after. */
  writes = 0;
  catchDepth = 0;
  /** The `pos` of every call expression evaluated: code that ran (navigation treats the rest syntactically). */
  readonly runCalls = new Set<number>();
  readonly unfollowedTaskCalls = new Map<number, UnfollowedTaskCall>();

  noteUnfollowedTaskCall(call: ts.CallExpression, callee: ts.PropertyAccessExpression, why: UnknownValue): void {
    if (this.inEntry(call) && !this.unfollowedTaskCalls.has(call.pos)) this.unfollowedTaskCalls.set(call.pos, { calleeRange: this.range(callee.name), why });
  }
  /**
   * How many times each object literal written as a call's second argument (`dag.task(name, {…})`)
   * was evaluated: a spec literal evaluated once, whose task's spec nothing read, can take an edit of a
   * string in it without a new analysis (see `literalEdits.ts`).
   */
  readonly specLiteralEvaluations = new Map<ts.ObjectLiteralExpression, number>();

  private readonly reportedRanges = new Set<string>();
  private readonly referencesAt = new Map<number, TaskReference[]>();
  private readonly completionKeys = new Set<string>();
  private readonly iterationsBySite = new Map<ts.Node, number>();
  /** {@link incompleteCall}'s answer per call node (a call in a loop is asked once per iteration). */
  private readonly unclosedCalls = new Map<ts.Node, boolean>();

  /** Whether the analysis reads only the module itself (ranges need no look at which file a node is in). */
  private readonly single: boolean;
  private readonly linker: Linker;

  constructor(readonly sf: ts.SourceFile, readonly limits: Limits = DEFAULT_LIMITS, graph?: ModuleGraph, started?: number) {
    this.graph = graph ?? new ModuleGraph(sf, sf.fileName, undefined);
    this.single = this.graph.all.length === 1;
    this.budget = new Budget(limits, (node, reason) => this.exhausted(node, reason), started);
    // `this` at the top of a module is `undefined` in ESM and `module.exports` in a CommonJS bundle.
    const moduleThis = new Opaque(new UnknownValue('`this` at the top level of a module depends on how it is loaded', { start: 0, end: 0 }));
    this.moduleScope = new Scope(undefined, true, { value: moduleThis });
    this.linker = new Linker(this, this.graph);
  }

  run(): void {
    try {
      this.linker.instantiate(this.moduleScope);
      this.reportUnreadImports();
      this.runModule(this.graph.entry);
      if (this.mayFail) for (const dag of this.dags) this.taintDag(dag, this.mayFail);
      this.markDefaultExport();
      for (const dag of this.dags) dag.encodedByModule = dag.encodedAtWrites === this.writes;
      // Code the parser could not read is a limit even where it does not run (a function never called).
      for (const region of deepRegionsOf(this.sf)?.values() ?? []) this.report('analysis-limit', region.range, UNREAD_DEEP_CODE);
      this.graphProblems();
    } catch (e) {
      if (e instanceof ThrowSignal) {
        // The module fails when it runs: it produces no Dag at all.
        const why = this.unknown(`the module throws here when it runs (${e.description})`, e.node);
        this.report('not-static', why.range, why.why, why.origin);
        this.silent.add(why);
        for (const dag of this.dags) this.taintDag(dag, why);
      } else if (e instanceof LimitSignal) {
        // The rest of the module was not analysed: anything could still happen to every Dag.
        for (const dag of this.dags) this.taintDag(dag, e.why);
      } else {
        throw e;
      }
    }
  }

  /** A module's path on disk, when the analysis reads files (a host, a POSIX server: see nodePath.ts). */
  private diskPathOf(sf: ts.SourceFile): string | undefined {
    // The path the module was read from. TypeScript's file name turns `\` into `/`, which on POSIX
    // names another file: such a path is not followed.
    const record = sf === this.sf ? this.graph.entry : this.graph.all.find((r) => r.sf === sf);
    const path = sourcePathOf(record?.path ?? sf.fileName);
    if (path.includes('\\')) return undefined;
    return this.graph.reader && process.platform !== 'win32' && posix.isAbsolute(path) ? path : undefined;
  }

  get workingDirectory(): string | undefined {
    // The CLI runs a pipeline in the folder of its path as given (a link to the file is not followed).
    const path = this.diskPathOf(this.sf);
    return path === undefined ? undefined : posix.dirname(path);
  }

  readTextFile(absPath: string): string | undefined | Error {
    const reader = this.graph.reader;
    return reader ? reader.read(absPath) : new Error('the analysis reads no files here');
  }

  pathExists(absPath: string): boolean | Error {
    const reader = this.graph.reader;
    return reader ? reader.pathExists(absPath) : new Error('the analysis reads no files here');
  }

  realPath(absPath: string): string {
    return this.graph.reader?.realPath(absPath) ?? absPath;
  }

  readDirectory(absPath: string): readonly string[] | undefined | Error {
    const reader = this.graph.reader;
    return reader ? reader.readDirectory(absPath) : new Error('the analysis reads no files here');
  }

  /** Each module's real path, asked for once per analysis (each is a system call). */
  private readonly moduleFiles = new Map<ts.SourceFile, string | undefined>();

  moduleFile(node: ts.Node): string | undefined {
    const sf = this.fileOf(node);
    if (this.moduleFiles.has(sf)) return this.moduleFiles.get(sf);
    const path = this.diskPathOf(sf);
    // esbuild gives each module its real path (symbolic links resolved).
    const file = path === undefined ? undefined : this.graph.reader!.realPath(path);
    this.moduleFiles.set(sf, file);
    return file;
  }

  /** Each module's `import.meta` (as the CLI's bundle defines it: url, dirname, filename), made when the module starts to run. */
  private readonly importMetas = new Map<ts.SourceFile, ObjectValue>();

  importMeta(node: ts.Node): ObjectValue | undefined {
    return this.importMetas.get(this.fileOf(node));
  }

  private makeImportMeta(sf: ts.SourceFile): void {
    const filename = this.moduleFile(sf);
    if (filename === undefined || this.importMetas.has(sf)) return;
    const meta = new ObjectValue();
    for (const [key, value] of [['url', pathToFileURL(filename).href], ['dirname', posix.dirname(filename)], ['filename', filename]] as const) meta.props.set(key, { value, range: undefined });
    this.importMetas.set(sf, meta);
  }

  requiredJson(node: ts.CallExpression): { readonly value: Value } | undefined {
    const record = this.graph.jsonRequires.get(node);
    if (!record) return undefined;
    if (record.failure) return { value: new Opaque(this.unknown(`${this.text(node)} loads a file the analysis cannot read (${record.failure})`, node)) };
    // The first call runs it (the bundle's wrapper), later ones get the same object: when does not matter.
    if (this.inEntry(node)) this.anchors.push(node);
    try {
      this.runModule(record);
    } finally {
      if (this.inEntry(node)) this.anchors.pop();
    }
    const target = this.linker.jsonObject(record);
    return { value: target.kind === 'binding' ? bindingValue(target.binding) : undefined };
  }

  /**
   * Runs a module as the bundle does: first the modules it imports (those it keeps, in order, each
   * once; a cycle sees a module that has not finished), then its own statements.
   */
  private runModule(record: ModuleRecord): void {
    if (record.status !== 'new') return;
    record.status = 'running';
    for (const edge of record.edges) {
      if (runsUnfollowedCode(edge)) this.unseenCodeRuns++;
      if (edge.kept === 'dropped' || !edge.record || edge.record.failure) continue;
      if (record.isEntry) this.anchors.push(edge.node);
      try {
        this.runModule(edge.record);
      } finally {
        if (record.isEntry) this.anchors.pop();
      }
    }
    const scope = this.linker.scopeOf(record)!;
    if (record.sf && mentionsImportMeta(record.sf.text)) this.makeImportMeta(record.sf);
    if (record.sf) {
      // Nothing leaves a module early (a top-level `return` does not bundle), so every statement runs:
      // none is havocked for a jump that cannot happen.
      for (const statement of record.sf.statements) this.topLevelStatement(statement, scope);
    } else {
      this.linker.runJson(record, this.anchors.at(-1) ?? this.sf);
    }
    record.status = 'done';
  }

  /** The Dag the analysed module exports as default (what the CLI encodes), at the end of the module. */
  private markDefaultExport(): void {
    const target = this.linker.resolveExport(this.graph.entry, 'default', new Set());
    const value = target.kind === 'value' ? target.value : target.kind === 'binding' && target.binding.initialised && !target.binding.volatile && !target.binding.link ? target.binding.value : target.kind === 'binding' ? bindingValue(target.binding) : undefined;
    // Not known: it may be any Dag, another module's too (its lenses stay: `fromImportsOnly`).
    if (target.kind === 'unknown' || value instanceof Opaque) for (const dag of this.dags) dag.mayBeDefaultExport = true;
    if (value instanceof DagState) value.isDefaultExport = true;
    // No Dag to show lenses for, and nothing else would say why (`new MyDag()` of a class the
    // analysis does not follow, a factory in a package).
    else if (value instanceof Opaque && !this.silent.has(value.unknown) && !this.dags.some((d) => d.isDefaultExport)) {
      const { unknown } = value;
      this.report('not-static', unknown.range, `the Dag this module exports is not known: ${unknown.why}`, unknown.origin);
    }
  }

  /** An import the bundle cannot resolve or read: a warning on it (in the analysed module, or where it led there). */
  private reportUnreadImports(): void {
    for (const record of this.graph.all) {
      for (const edge of record.edges) {
        if (edge.kept === 'dropped') continue;
        const failure = edge.record?.failure ?? (edge.resolution.kind === 'unresolved' ? edge.resolution.why : undefined);
        if (failure === undefined) continue;
        const why = this.unknown(`'${edge.specifier}' cannot be read: ${failure}`, edge.node, record.isEntry ? undefined : this.viaOf(record));
        this.report('not-static', why.range, why.why, why.origin);
      }
    }
  }

  /** The import declaration of the analysed module through which `record` is reached first. */
  private viaOf(record: ModuleRecord): ts.Node | undefined {
    return this.graph.via.get(record);
  }

  /**
   * What keeps the analysis from following the modules exactly: the bundle may run them in another
   * order (`require`, `import()`), or a bound stopped the reading. Every Dag is then unknown.
   */
  private graphProblems(): void {
    for (const [problem, code] of [[this.graph.unbundlable, 'not-static'], [this.graph.orderUnknown, 'not-static'], [this.graph.droppable, 'not-static'], [this.graph.limit, 'analysis-limit']] as const) {
      if (!problem) continue;
      const anchor = this.inEntry(problem.node) ? undefined : this.graph.viaOfNode(problem.node);
      const why = this.unknown(problem.why, problem.node, anchor);
      this.report(code, why.range, why.why, why.origin);
      this.silent.add(why);
      for (const dag of this.dags) this.taintDag(dag, why);
    }
  }

  /**
   * A statement of a module's top level. Code nested too deeply for the JS stack (thousands of levels
   * the parser could read: a long `a + b + …`, say) is set aside as the parser's deep code is: an
   * `analysis-limit` on the statement, whose effects are then havocked; the rest of the module goes on.
   */
  private topLevelStatement(statement: ts.Statement, scope: Scope): void {
    try {
      Statements.evalStatement(this, statement, scope, []);
    } catch (e) {
      if (!isStackOverflow(e)) throw e;
      const message = 'the analysis does not follow this code: it nests too deeply';
      // On the expression a declaration or an expression statement is made of, where it nests.
      const declarations = isVariableStatement(statement) ? statement.declarationList.declarations : [];
      const at = declarations.length === 1 && declarations[0]!.initializer ? declarations[0]!.initializer : isExpressionStatement(statement) ? statement.expression : statement;
      const why = this.unknown(message, at);
      this.report('analysis-limit', why.range, message, why.origin);
      this.silent.add(why);
      const reach = this.havoc([statement], scope, why);
      // What it declares holds what the code would have given it (havoc leaves `const`s and classes
      // alone: only their declaration assigns them), not undefined, which read as a false error.
      const declared = isVariableStatement(statement) ? statement.declarationList.declarations.flatMap((d) => bindingIdentifiers(d.name)) : isClassDeclaration(statement) && statement.name ? [statement.name] : [];
      for (const id of declared) {
        const b = scope.bindings.get(id.text);
        if (!b) continue;
        this.touchBinding(b);
        b.value = new Opaque(why, reach);
        b.initialised = true;
      }
    }
  }

  report(code: AnalysisDiagnosticCode, range: SourceRange, message: string, origin?: SourceRange): void {
    const key = origin ? `${range.start}:${range.end}:${origin.file}:${origin.start}:${origin.end}` : `${range.start}:${range.end}`;
    if (this.reportedRanges.has(key)) return;
    this.reportedRanges.add(key);
    this.diagnostics.push(origin ? { code, range, message, origin } : { code, range, message });
  }

  addTaskReference(task: TaskState, range: SourceRange, kind: TaskReference['kind']): void {
    if (task.name === undefined) return;
    this.addNameReference(task.dag, task.name, range, kind);
  }

  addNameReference(dag: DagState, name: string, range: SourceRange, kind: TaskReference['kind']): void {
    // References are deduplicated (code in loops and functions runs more than once); most ranges are
    // seen once, so the few references per start offset are compared directly.
    const same = this.referencesAt.get(range.start);
    if (same) {
      for (const r of same) if (r.dag === dag.index && r.task === name && r.range.end === range.end && r.range.file === range.file && r.kind === kind) return;
    }
    const ref: TaskReference = { dag: dag.index, task: name, range, kind };
    if (same) same.push(ref);
    else this.referencesAt.set(range.start, [ref]);
    this.references.push(ref);
  }

  addCompletionSite(dag: DagState, range: SourceRange): void {
    const key = `${dag.index}:${range.start}:${range.end}`;
    if (this.completionKeys.has(key)) return;
    this.completionKeys.add(key);
    this.completionSites.push({ dag: dag.index, range });
  }

  /** How many tasks this `dag.task(...)` call site made before: the new task's `iteration`. */
  nextIteration(site: ts.Node): number {
    const n = this.iterationsBySite.get(site) ?? 0;
    this.iterationsBySite.set(site, n + 1);
    return n;
  }

  taintDag(dag: DagState, why: UnknownValue): void {
    if (dag.tainted) return;
    this.touch(dag);
    dag.tainted = why;
  }

  touch(x: MutableHeapValue): void {
    this.writes++;
    for (const j of this.journals) j.touch(x);
  }

  touchBinding(b: Binding): void {
    for (const j of this.journals) j.touchBinding(b);
  }

  touchScope(scope: Scope, name: string): void {
    for (const j of this.journals) j.touchScope(scope, name);
  }

  declare(scope: Scope, name: string, binding: Binding): void {
    if (this.journals.length > 0) this.touchScope(scope, name);
    scope.declare(name, binding);
  }

  // ───────────────────────────── where things are ─────────────────────────────

  /** The tree `node` belongs to. */
  fileOf(node: ts.Node): ts.SourceFile {
    if (this.single) return this.sf;
    let n = node;
    while (n.parent) n = n.parent;
    return n as ts.SourceFile;
  }

  inEntry(node: ts.Node): boolean {
    return this.single || this.fileOf(node) === this.sf;
  }

  /** Where `node` is: its range, with its file when that is not the analysed module. */
  locate(node: ts.Node): SourceRange {
    const sf = this.fileOf(node);
    const end = node.end;
    const start = Math.min(node.getStart(sf), end);
    return sf === this.sf ? { start, end } : { start, end, file: sf.fileName };
  }

  /**
   * Where `node` shows in the analysed module: its own range there, and for code of another module the
   * analysed module's code that led to it (see `anchors`).
   */
  range(node: ts.Node): SourceRange {
    if (this.single || this.fileOf(node) === this.sf) {
      const end = node.end;
      return { start: Math.min(node.getStart(this.sf), end), end };
    }
    const anchor = this.anchors.at(-1);
    return anchor ? this.range(anchor) : { start: 0, end: 0 };
  }

  /** Where `node` is, when that is in another module (for `origin` and `madeAt`). */
  elsewhere(node: ts.Node): SourceRange | undefined {
    return this.single || this.fileOf(node) === this.sf ? undefined : this.locate(node);
  }

  /**
   * Whether `node` runs as part of the top level of a module the analysed one imports: another module's
   * code, with no call from the analysed module's own code under way.
   */
  runsAtImport(node: ts.Node): boolean {
    if (this.inEntry(node)) return false;
    const anchor = this.anchors.at(-1);
    return anchor !== undefined && isModuleLoadingDeclaration(anchor);
  }

  /** The call in the analysed module whose callee name is where a lens goes, for a DSL call at `site`. */
  calleeRange(site: ts.Node): SourceRange {
    const n = this.inEntry(site) ? site : this.anchors.at(-1);
    if (!n) return { start: 0, end: 0 };
    if (isCallExpression(n) || isNewExpression(n)) {
      const callee = skipOuter(n.expression);
      if (isPropertyAccess(callee)) return this.range(callee.name);
      if (isElementAccess(callee)) return this.range(callee.argumentExpression);
      return this.range(callee);
    }
    return this.range(n);
  }

  /**
   * An unknown for `node`: placed in the analysed module (see {@link range}), with where it is when
   * that is another module. `anchor` places it on that node of the analysed module instead.
   */
  unknown(why: string, node: ts.Node, anchor?: ts.Node): UnknownValue {
    const origin = this.elsewhere(node);
    return new UnknownValue(why, anchor ? this.range(anchor) : this.range(node), origin);
  }

  /** Whether an unknown was made for `node` (the same place, in the same file). */
  sameSpot(u: UnknownValue, node: ts.Node): boolean {
    const at = u.origin ?? u.range;
    const here = this.locate(node);
    return at.start === here.start && at.end === here.end && at.file === here.file;
  }

  /** The first `length` characters of `node` (a keyword), in the analysed module. */
  keywordRange(node: ts.Node, length: number): SourceRange {
    if (!this.inEntry(node)) return this.range(node);
    const start = node.getStart(this.sf);
    return { start, end: start + length };
  }

  /** A slot for a value written at `node`. */
  slot(value: Value, node: ts.Node): Slot {
    if (this.single) return { value, range: this.range(node) };
    const origin = this.elsewhere(node);
    return origin ? { value, range: this.range(node), origin } : { value, range: this.range(node) };
  }

  /** The source of `node`, on one line and shortened, for messages. */
  text(node: ts.Node): string {
    const sf = this.fileOf(node);
    const start = Math.min(node.getStart(sf), node.end);
    const raw = sf.text.slice(start, Math.min(node.end, start + 200)).replace(/\s+/g, ' ');
    return raw.length > MAX_SNIPPET || node.end - start > 200 ? `${raw.slice(0, MAX_SNIPPET - 1)}…` : raw;
  }

  opaque(why: string, node: ts.Node, reach: readonly HeapValue[] = NO_REACH): Opaque {
    return new Opaque(this.unknown(why, node), reach);
  }

  limitOpaque(why: string, node: ts.Node): Opaque {
    const unknown = this.unknown(why, node);
    this.report('analysis-limit', unknown.range, why, unknown.origin);
    this.silent.add(unknown);
    return new Opaque(unknown);
  }

  throwError(message: string, node: ts.Node): never {
    const error = quietOpaque(this.unknown(`the error thrown here (${message})`, node));
    throw new ThrowSignal(error, node, message);
  }

  mayThrow(): void {
    this.uncertainty++;
  }

  /**
   * Code that throws in strict mode and does nothing in sloppy mode (a write to a frozen object or a
   * primitive). Whether the bundle is strict depends on esbuild's reading of tsconfig (`strict`,
   * `alwaysStrict`) and on 'use strict' directives, which the analysis does not model: outside a try
   * the module may fail here, so no Dag is complete (a warning says why); inside one the catch may run.
   */
  throwsIfStrict(what: string, node: ts.Node): void {
    if (this.catchDepth > 0) return this.mayThrow();
    if (this.mayFail) return;
    const why = this.unknown(`${what}: a TypeError in strict mode (tsconfig strict or alwaysStrict, 'use strict'), nothing otherwise; whether the module fails here is not known to the analysis`, node);
    this.report('not-static', why.range, why.why, why.origin);
    this.mayFail = why;
  }

  /**
   * Where the module waits (an `await` of `awaited`, at `node`): a promise rejected with no handler may
   * be found so by Node while it waits on a file, which ends the process whatever a `try` around it does.
   * Whether its handler comes first depends on when the reads end, so the module may fail there. (At the
   * module's end it does not: the CLI has its Dag before the read fails.)
   */
  failsOnUnhandledRejection(node: ts.Node, awaited: Value): void {
    if (this.unhandledRejections.size === 0) return;
    const unhandled = [...this.unhandledRejections].find((p) => p !== awaited);
    if (!unhandled || this.mayFail) return;
    const settled = unhandled.known;
    const rejection = settled && 'rejection' in settled ? settled.rejection : 'rejected';
    const why = this.unknown(`a promise rejected with no handler yet (${rejection}) may end the process while the module waits here, as Node does with an unhandled rejection`, node);
    this.report('not-static', why.range, why.why, why.origin);
    this.mayFail = why;
  }

  /** Set by {@link throwsIfStrict}: the module may have failed there, so every Dag is tainted at the end. */
  private mayFail: UnknownValue | undefined;

  charge(n: number, node: ts.Node): void {
    this.budget.charge(n, node);
  }

  /** Whether the time budget is spent (the materialiser, which runs after the evaluation, shares it). */
  pastDeadline(): boolean {
    return this.budget.pastDeadline();
  }

  /** Whether a budget shared by the whole analysis stopped the evaluation (every Dag is then tainted). */
  get budgetSpent(): boolean {
    return this.budget.spent;
  }

  /** Reports where a budget ran out and stops the evaluation. */
  private exhausted(node: ts.Node, reason: string): never {
    const why = this.unknown(`the analysis stops here: ${reason}`, node);
    this.report('analysis-limit', why.range, why.why, why.origin);
    this.silent.add(why);
    throw new LimitSignal(why);
  }

  /**
   * A silent "incomplete" reason when a DSL call has no closing `)` yet: being typed. Its task then has
   * no output until the call is whole, rather than the output of whatever the parser recovered (a spec
   * without the property being typed; `blur.addDep(` taking the next line's call as its argument).
   * Read from the tree, not from the parser's diagnostics: TypeScript's incremental parse does not
   * always report the same errors as a fresh one, and the analysis must not depend on which it got.
   */
  incompleteCall(node: ts.Node): UnknownValue | undefined {
    if (!isCallExpression(node)) return undefined;
    let unclosed = this.unclosedCalls.get(node);
    if (unclosed === undefined) {
      // Whole: the `)` is the call's last character and the first token after its arguments, and the
      // parser flagged no node inside it (`String( })`, a `{` without its `}`). Flags, unlike the
      // diagnostics, are the same for an incremental and a fresh parse: nodes with errors are never reused.
      // So a tree without diagnostics has no flagged node (each flag comes with an error the parse that
      // made the node reported), and the walk inside each call is spared on a first analysis.
      const file = this.fileOf(node);
      const source = file.text;
      unclosed = source.charCodeAt(node.end - 1) !== 0x29 || skipTrivia(source, node.arguments.end) !== node.end - 1 || (parseDiagnosticsOf(file).length > 0 && hasErrorInside(node));
      this.unclosedCalls.set(node, unclosed);
    }
    if (!unclosed) return undefined;
    const why = this.unknown('the code is incomplete here', node);
    this.silent.add(why);
    return why;
  }

  incomplete(node: ts.Node): Opaque {
    const unknown = this.unknown('the code is incomplete here', node);
    this.silent.add(unknown);
    return new Opaque(unknown);
  }

  // ───────────────────────────── semantics (see semantics/) ─────────────────────────────

  escape(value: Value, why: UnknownValue): void {
    return Escape.escape(this, value, why);
  }

  havoc(nodes: readonly ts.Node[], scope: Scope, why: UnknownValue, options: { volatile?: boolean; reach?: readonly HeapValue[] } = {}): HeapValue[] {
    this.havocEpoch++;
    this.unseenCodeRuns++;
    return Escape.havoc(this, nodes, scope, why, options);
  }

  havocRest(rest: readonly ts.Statement[], scope: Scope, c: Extract<Completion, { kind: 'uncertain' }>): Completion {
    this.havocEpoch++;
    return Escape.havocRest(this, rest, scope, c);
  }

  afterHavoc(facts: RegionFacts, why: UnknownValue, reach: readonly HeapValue[]): Completion {
    return Escape.afterHavoc(this, facts, why, reach);
  }

  unreadCode(node: ts.Identifier, region: DeepRegion, scope: Scope): { value: Opaque; completion: Completion } {
    return Escape.unreadCode(this, node, region, scope);
  }

  conditionUnknown(cond: Opaque, node: ts.Node, what: string): UnknownValue {
    return Escape.conditionUnknown(this, cond, node, what);
  }

  speculate<T>(branches: readonly (() => T)[], accept: (r: T) => boolean, why: UnknownValue, onlyIf: UnknownValue): { results: T[]; map: (v: Value) => Value } | undefined {
    return Branches.speculate(this, branches, accept, why, onlyIf);
  }

  eitherWay(cond: Opaque, condNode: ts.Node, branches: readonly (() => Value)[], nodes: readonly ts.Node[], scope: Scope): Value {
    return Branches.eitherWay(this, cond, condNode, branches, nodes, scope);
  }

  evalStatements(statements: readonly ts.Statement[], scope: Scope): Completion {
    return Statements.evalStatements(this, statements, scope);
  }

  hoist(statements: readonly ts.Statement[], scope: Scope, functionBody: ts.Node | undefined): void {
    return Bindings.hoist(this, statements, scope, functionBody);
  }

  initBinding(id: ts.Identifier, value: Value, scope: Scope, kind: BindingKind): void {
    return Bindings.initBinding(this, id, value, scope, kind);
  }

  bindPattern(name: ts.BindingName, value: Value, scope: Scope, kind: BindingKind): void {
    return Bindings.bindPattern(this, name, value, scope, kind);
  }

  applyDefault(v: Value, init: ts.Expression, scope: Scope): Value {
    return Bindings.applyDefault(this, v, init, scope);
  }

  propertyKey(name: ts.PropertyName | ts.Expression, scope: Scope): string | Opaque {
    return Bindings.propertyKey(this, name, scope);
  }

  keyOf(v: Value, node: ts.Node): string | Opaque {
    return Bindings.keyOf(this, v, node);
  }

  reference(target: ts.Expression, scope: Scope): Reference {
    return Bindings.reference(this, target, scope);
  }

  readReference(ref: Reference, scope: Scope): Value {
    return Bindings.readReference(this, ref, scope);
  }

  writeReference(ref: Reference, value: Value, scope: Scope, assignment: ts.Node): void {
    return Bindings.writeReference(this, ref, value, scope, assignment);
  }

  assignTo(target: ts.Expression, value: Value, scope: Scope, assignment: ts.Node): void {
    return Bindings.assignTo(this, target, value, scope, assignment);
  }

  evalIdentifier(node: ts.Identifier, scope: Scope): Value {
    return Bindings.evalIdentifier(this, node, scope);
  }

  iterate(value: Value, node: ts.Node): Value[] | Opaque {
    return Bindings.iterate(this, value, node);
  }

  getProperty(obj: Value, key: string, node: ts.Node, objNode?: ts.Node): Value {
    return Properties.getProperty(this, obj, key, node, objNode);
  }

  chainOpaque(chain: Chain, node: ts.Node, mode: 'read' | 'call'): Opaque {
    return Properties.chainOpaque(this, chain, node, mode);
  }

  setProperty(obj: Value, key: string, value: Value, assignment: ts.Node, objNode?: ts.Node): void {
    return Properties.setProperty(this, obj, key, value, assignment, objNode);
  }

  deleteProperty(obj: Value, key: string | Opaque, node: ts.Node): Value {
    return Properties.deleteProperty(this, obj, key, node);
  }

  patchBuiltins(node: ts.Node): void {
    return Properties.patchBuiltins(this, node);
  }

  toPrimitive(v: Value, node: ts.Node, hint: 'string' | 'number' | 'default' = 'default'): Primitive | Opaque {
    return Properties.toPrimitive(this, v, node, hint);
  }

  call(fn: Value, thisValue: Value, args: readonly Value[], site: CallSite): Value {
    return Calls.call(this, fn, thisValue, args, site);
  }

  callUnseen(fn: Value, thisValue: Value, args: readonly Value[], site: CallSite, cause?: UnknownValue): Opaque {
    return Calls.callUnseen(this, fn, thisValue, args, site, cause);
  }

  directEval(scope: Scope, node: ts.Node): Opaque {
    return Calls.directEval(this, scope, node);
  }

  makeClass(node: ts.ClassLikeDeclaration, scope: Scope): Closure {
    // A class the analysis models, else unseen code (as before classes were modelled).
    return Classes.makeClass(this, node, scope) ?? Calls.makeClass(this, node, scope);
  }

  private readonly classFieldsByFile = new Map<ts.SourceFile, 'define' | 'assign' | undefined>();

  classFieldsOf(node: ts.Node): 'define' | 'assign' | undefined {
    const sf = this.fileOf(node);
    if (!this.classFieldsByFile.has(sf)) this.classFieldsByFile.set(sf, this.graph.all.find((r) => r.sf === sf)?.classFields);
    return this.classFieldsByFile.get(sf);
  }

  construct(cls: ClassValue, args: readonly Value[], site: CallSite): Value {
    return Classes.construct(this, cls, args, site);
  }

  superCall(node: ts.CallExpression, args: readonly Value[], site: CallSite, scope: Scope): Value {
    return Classes.superCall(this, node, args, site, scope);
  }

  superProperty(node: ts.PropertyAccessExpression | ts.ElementAccessExpression, key: string | Opaque, scope: Scope): Value {
    return Classes.superProperty(this, node, key, scope);
  }

  superValue(node: ts.Node, scope: Scope): Opaque {
    return Classes.superValue(this, node, scope);
  }

  instanceProperty(inst: InstanceValue, key: string, node: ts.Node): Value {
    return Classes.instanceProperty(this, inst, key, node);
  }

  dagInstanceProperty(dag: DagState, key: string, node: ts.Node): Value {
    return Classes.dagInstanceProperty(this, dag, key, node);
  }

  staticProperty(cls: ClassValue, key: string, node: ts.Node): Value {
    return Classes.staticProperty(this, cls, key, node);
  }

  setInstanceProperty(inst: InstanceValue, key: string, value: Value, assignment: ts.Node): boolean {
    return Classes.setInstanceProperty(this, inst, key, value, assignment);
  }

  setStaticProperty(cls: ClassValue, key: string, value: Value, assignment: ts.Node): void {
    return Classes.setStaticProperty(this, cls, key, value, assignment);
  }

  resolvePrivate(id: ts.PrivateIdentifier, scope: Scope): PrivateMember | undefined {
    return Classes.resolvePrivate(id, scope);
  }

  getPrivate(obj: Value, member: PrivateMember | undefined, node: ts.PropertyAccessExpression): Value {
    return Classes.getPrivate(this, obj, member, node);
  }

  setPrivate(obj: Value, member: PrivateMember | undefined, value: Value, node: ts.Node): void {
    return Classes.setPrivate(this, obj, member, value, node);
  }

  privateIn(member: PrivateMember | undefined, obj: Value, node: ts.BinaryExpression): Value {
    return Classes.privateIn(this, member, obj, node);
  }

  makeClosure(node: ts.FunctionLikeDeclaration, scope: Scope): Closure {
    return Calls.makeClosure(this, node, scope);
  }

  evalCall(node: ts.CallExpression, scope: Scope): ChainResult {
    return Calls.evalCall(this, node, scope);
  }

  evalNew(node: ts.NewExpression, scope: Scope): Value {
    return Calls.evalNew(this, node, scope);
  }

  plainNamespaceMember(recv: Value, member: ts.PropertyAccessExpression | ts.ElementAccessExpression, scope: Scope): boolean {
    return Calls.plainNamespaceMember(recv, member, scope);
  }

  evalDrained(node: ts.Expression, scope: Scope): Value {
    return Calls.evalDrained(this, node, scope);
  }

  evalIsolated(node: ts.Expression, scope: Scope): Value {
    return Calls.evalDrained(this, node, scope, true);
  }

  evalEnum(node: ts.EnumDeclaration, scope: Scope): void {
    return Enums.evalEnum(this, node, scope);
  }

  evalExpr(node: ts.Expression, scope: Scope): Value {
    return Expressions.evalExpr(this, node, scope);
  }

  evalAwaitedOperand(node: ts.Expression, scope: Scope): Value {
    return Expressions.evalAwaitedOperand(this, node, scope);
  }

  evalChainOperand(node: ts.PropertyAccessExpression | ts.ElementAccessExpression, scope: Scope): ChainResult {
    return Expressions.evalChainOperand(this, node, scope);
  }

  evalMaybeChain(node: ts.Expression, scope: Scope): ChainResult {
    return Expressions.evalMaybeChain(this, node, scope);
  }

  toStr(v: Value, node: ts.Node): string | Opaque {
    return Expressions.toStr(this, v, node);
  }

  binaryOp(op: ts.SyntaxKind, a: Value, b: Value, node: ts.Node): Value {
    return Expressions.binaryOp(this, op, a, b, node);
  }
}
