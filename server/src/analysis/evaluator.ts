/**
 * An abstract interpreter for pipeline modules: it runs the module's top-level code over the syntax
 * tree, without executing anything, and builds the Dags the module would build at run time.
 *
 * Known values are computed exactly (JS semantics, applied natively to primitives). Whatever depends on
 * something the analysis cannot know becomes {@link Opaque}. Code whose effects cannot be followed step
 * by step (a branch on an unknown condition, a function handed to code in another module) is
 * "havocked": everything it could reach is conservatively tainted and every variable it could assign
 * becomes opaque. The rule throughout: an unknown is always acceptable, a wrong known value never is.
 */
import ts from 'typescript';
import { UnknownValue, type AnalysisDiagnostic, type AnalysisDiagnosticCode, type SourceRange, type TaskReference } from './types';
import { Scope, type Binding, type BindingKind } from './scope';
import { Journal, mergeBranches, type Branch } from './speculation';
import { factsOf, regionFacts, type RegionFacts } from './regions';
import { LimitSignal, ThrowSignal } from './signals';
import {
  ArrayValue,
  BuiltinFunction,
  Closure,
  DagClassValue,
  DagState,
  DEFAULT_LIMITS,
  IteratorValue,
  NamespaceValue,
  NO_REACH,
  ObjectValue,
  Opaque,
  SpreadOpaque,
  TaskState,
  arrayIndex,
  copySlot,
  isHeap,
  isPrimitive,
  nextSerial,
  opaqueCount,
  orderedKeys,
  quietOpaque,
  reachOf,
  sameRange,
  toPropertyKey,
  truthiness,
  typeOf,
  type ArgInfo,
  type CallSite,
  type Chain,
  type HeapValue,
  type Limits,
  type MutableHeapValue,
  type Primitive,
  type Realm,
  type Slot,
  type Value,
} from './values';
import { arrayProperty } from './builtins/arrays';
import { applyBinary, iterateSnapshot, toPrimitiveValue } from './builtins/coercion';
import { MODELLED_GLOBALS, SAFE_GLOBAL_CALLS, globalValue } from './builtins/globals';
import { objectProtoProperty } from './builtins/objects';
import { primitiveProperty } from './builtins/primitives';
import { describeValue } from './builtins/support';
import { dagProperty, taskProperty, newDag } from './dsl';
import {
  NF,
  SK,
  hasDeclareModifier,
  isArrayLiteral,
  isArrowFunction,
  isBlock,
  isCallExpression,
  isClassDeclaration,
  isComputedPropertyName,
  isElementAccess,
  isFunctionDeclaration,
  isGetAccessor,
  isIdentifier,
  isMethodDeclaration,
  isNewExpression,
  isObjectBindingPattern,
  isObjectLiteral,
  isOmittedExpression,
  isPropertyAccess,
  isPropertyAssignment,
  isSetAccessor,
  isShorthandPropertyAssignment,
  isSpreadAssignment,
  isSpreadElement,
  isVariableStatement,
  skipOuter,
  skipTrivia,
} from './syntax';

/** Result of an optional chain that short-circuited (`a?.b` with `a` nullish). */
const SHORT: unique symbol = Symbol('short-circuit');
type ChainResult = Value | typeof SHORT;

type Completion =
  | undefined
  | { readonly kind: 'return'; readonly value: Value }
  | { readonly kind: 'break' | 'continue'; readonly label: string | undefined }
  /** Control may or may not have left here (a havocked region can return or jump): the rest is havocked too. */
  | { readonly kind: 'uncertain'; readonly why: UnknownValue; readonly reach: readonly HeapValue[] };

/** A place a value can be assigned to. */
type Reference =
  | { readonly kind: 'variable'; readonly node: ts.Identifier }
  | { readonly kind: 'property'; readonly obj: Value; readonly key: string | Opaque; readonly node: ts.Node; readonly objNode: ts.Node }
  | { readonly kind: 'invalid' };

const MAX_SNIPPET = 48;
/** Unknown conditions nested deeper than this are havocked rather than evaluated both ways (2^n work). */
const MAX_SPECULATION_DEPTH = 3;

export class Evaluator implements Realm {
  readonly dags: DagState[] = [];
  readonly diagnostics: AnalysisDiagnostic[] = [];
  readonly references: TaskReference[] = [];
  readonly completionSites: { readonly dag: number; readonly range: SourceRange }[] = [];
  /** Unknowns that are not reported as `not-static`: incomplete code, or already reported as a limit. */
  readonly silent = new WeakSet<UnknownValue>();
  builtinsPatched: UnknownValue | undefined;
  /** The module's text. */
  readonly source: string;

  private readonly reportedRanges = new Set<string>();
  private readonly referencesAt = new Map<number, TaskReference[]>();
  private readonly completionKeys = new Set<string>();
  private readonly iterationsBySite = new Map<ts.Node, number>();
  private readonly defaultExportBindings: ts.Identifier[] = [];
  private readonly moduleScope: Scope;
  private steps = 0;
  private ops = 0;
  private nextBudgetCheck = 4096;
  private callDepth = 0;
  /** Counts operations that might have thrown at run time (on unknown values): a `try` compares it. */
  private uncertainty = 0;
  /** How many `try` blocks with a `catch` the evaluation is inside (a certain throw is then modelled exactly). */
  catchDepth = 0;
  private readonly deadline: number;
  /** Journals of the speculative branches being evaluated, outermost first (see speculation.ts). */
  private readonly journals: Journal[] = [];
  /** The top-level statement being evaluated (where a stack overflow is reported). */
  private currentStatement: ts.Node | undefined;

  /** {@link incompleteCall}'s answer per call node (a call in a loop is asked once per iteration). */
  private readonly unclosedCalls = new Map<ts.Node, boolean>();
  /** The `pos` of every call expression evaluated: code that ran (navigation treats the rest syntactically). */
  readonly runCalls = new Set<number>();
  /** Set once a module-wide budget stopped the evaluation (every Dag is then tainted). */
  budgetSpent = false;

  constructor(readonly sf: ts.SourceFile, readonly limits: Limits = DEFAULT_LIMITS) {
    this.source = sf.text;
    this.deadline = performance.now() + limits.deadlineMs;
    // `this` at the top of a module is `undefined` in ESM and `module.exports` in a CommonJS bundle.
    const moduleThis = new Opaque(new UnknownValue('`this` at the top level of a module depends on how it is loaded', { start: 0, end: 0 }));
    this.moduleScope = new Scope(undefined, true, { value: moduleThis });
  }

  // ───────────────────────────── entry ─────────────────────────────

  run(): void {
    const scope = this.moduleScope;
    try {
      this.bindImports(this.sf.statements, scope);
      this.hoist(this.sf.statements, scope, this.sf);
      // Nothing leaves a module early (a top-level `return` does not bundle), so every statement runs:
      // none is havocked for a jump that cannot happen.
      for (const statement of this.sf.statements) {
        this.currentStatement = statement;
        this.evalStatement(statement, scope, []);
      }
      this.resolveDefaultExportBindings(scope);
    } catch (e) {
      if (isStackOverflow(e)) e = this.nestedTooDeeply();
      if (e instanceof ThrowSignal) {
        // The module fails when it runs: it produces no Dag at all.
        const why = new UnknownValue(`the module throws here when it runs (${e.description})`, this.range(e.node));
        this.report('not-static', why.range, why.why);
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

  // ───────────────────────────── reporting ─────────────────────────────

  report(code: AnalysisDiagnosticCode, range: SourceRange, message: string): void {
    const key = `${range.start}:${range.end}`;
    if (this.reportedRanges.has(key)) return;
    this.reportedRanges.add(key);
    this.diagnostics.push({ code, range, message });
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
      for (const r of same) if (r.dag === dag.index && r.task === name && r.range.end === range.end && r.kind === kind) return;
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

  // ───────────────────────────── journaling (for speculative branches) ─────────────────────────────

  touch(x: MutableHeapValue): void {
    for (const j of this.journals) j.touch(x);
  }

  touchBinding(b: Binding): void {
    for (const j of this.journals) j.touchBinding(b);
  }

  touchScope(scope: Scope, name: string): void {
    for (const j of this.journals) j.touchScope(scope, name);
  }

  private declare(scope: Scope, name: string, binding: Binding): void {
    if (this.journals.length > 0) this.touchScope(scope, name);
    scope.declare(name, binding);
  }

  /**
   * Evaluates each branch speculatively and merges what they did (see speculation.ts). Returns their
   * results, and the mapping of tasks they made to the merged ones; or undefined when a branch did
   * something the merge cannot follow (it threw, or `accept` refused its result), in which case none of
   * them left anything behind and the caller havocs them instead.
   */
  private speculate<T>(branches: readonly (() => T)[], accept: (r: T) => boolean, why: UnknownValue, onlyIf: UnknownValue): { results: T[]; map: (v: Value) => Value } | undefined {
    if (this.journals.length >= MAX_SPECULATION_DEPTH) return undefined;
    const startSerial = nextSerial();
    const done: Branch<T>[] = [];
    for (const run of branches) {
      const journal = new Journal(startSerial, this.builtinsPatched);
      this.journals.push(journal);
      let result: T | undefined;
      let ok: boolean;
      try {
        result = run();
        ok = accept(result);
      } catch (e) {
        if (!(e instanceof ThrowSignal)) {
          this.journals.pop();
          throw e;
        }
        ok = false;
      }
      const after = journal.outcome();
      const patched = this.builtinsPatched;
      journal.undo();
      this.builtinsPatched = journal.builtinsPatched;
      this.journals.pop();
      if (!ok) {
        // Undo the branches already done as well: their journals restored them; nothing to merge.
        return undefined;
      }
      done.push({ before: journal, after, builtinsPatched: patched, result: result as T });
    }
    const map = mergeBranches(this, done, startSerial, why, onlyIf);
    return { results: done.map((d) => d.result), map };
  }

  /** The merged value of an expression evaluated on several branches. */
  private mergedValue(values: readonly Value[], map: (v: Value) => Value, why: UnknownValue): Value {
    const mapped = values.map(map);
    const first = mapped[0];
    return mapped.every((v) => Object.is(v, first)) ? first : new Opaque(why, reachOf(mapped));
  }

  // ───────────────────────────── Realm ─────────────────────────────

  range(node: ts.Node): SourceRange {
    const end = node.end;
    const start = Math.min(node.getStart(this.sf), end);
    return { start, end };
  }

  /** The source of `node`, on one line and shortened, for messages. */
  text(node: ts.Node): string {
    const r = this.range(node);
    const raw = this.source.slice(r.start, Math.min(r.end, r.start + 200)).replace(/\s+/g, ' ');
    return raw.length > MAX_SNIPPET || r.end - r.start > 200 ? `${raw.slice(0, MAX_SNIPPET - 1)}…` : raw;
  }

  opaque(why: string, node: ts.Node, reach: readonly HeapValue[] = NO_REACH): Opaque {
    return new Opaque(new UnknownValue(why, this.range(node)), reach);
  }

  limitOpaque(why: string, node: ts.Node): Opaque {
    const unknown = new UnknownValue(why, this.range(node));
    this.report('analysis-limit', unknown.range, why);
    this.silent.add(unknown);
    return new Opaque(unknown);
  }

  throwError(message: string, node: ts.Node): never {
    const error = quietOpaque(new UnknownValue(`the error thrown here (${message})`, this.range(node)));
    throw new ThrowSignal(error, node, message);
  }

  mayThrow(): void {
    this.uncertainty++;
  }

  charge(n: number, node: ts.Node): void {
    this.ops += n;
    if (this.ops >= this.nextBudgetCheck) this.checkBudget(node);
  }

  /** Whether the module's time budget is spent (the materialiser, which runs after, shares it). */
  pastDeadline(): boolean {
    return performance.now() > this.deadline;
  }

  private checkBudget(node: ts.Node): void {
    if (this.ops > this.limits.maxOps) this.exhausted(node, `it takes more than ${this.limits.maxOps.toLocaleString('en-US')} operations to evaluate`);
    if (this.pastDeadline()) this.exhausted(node, `it takes more than ${this.limits.deadlineMs} ms to evaluate`);
    this.nextBudgetCheck = this.ops + 4096;
  }

  private step(node: ts.Node): void {
    if (++this.steps > this.limits.maxSteps) this.exhausted(node, `the module runs more than ${this.limits.maxSteps.toLocaleString('en-US')} steps`);
  }

  private exhausted(node: ts.Node, reason: string): never {
    this.budgetSpent = true;
    const why = new UnknownValue(`the analysis stops here: ${reason}`, this.range(node));
    this.report('analysis-limit', why.range, why.why);
    this.silent.add(why);
    throw new LimitSignal(why);
  }

  /** The JS stack ran out (code nested thousands deep): the analysis stops, as for a budget. */
  private nestedTooDeeply(): LimitSignal {
    const node = this.currentStatement ?? this.sf;
    const why = new UnknownValue('the analysis stops here: the code nests too deeply', this.range(node));
    this.report('analysis-limit', why.range, why.why);
    this.silent.add(why);
    return new LimitSignal(why);
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
      unclosed = this.source.charCodeAt(node.end - 1) !== 0x29 || skipTrivia(this.source, node.arguments.end) !== node.end - 1 || hasErrorInside(node);
      this.unclosedCalls.set(node, unclosed);
    }
    if (!unclosed) return undefined;
    const why = new UnknownValue('the code is incomplete here', this.range(node));
    this.silent.add(why);
    return why;
  }

  private incomplete(node: ts.Node): Opaque {
    const unknown = new UnknownValue('the code is incomplete here', this.range(node));
    this.silent.add(unknown);
    return new Opaque(unknown);
  }

  // ───────────────────────────── escape and havoc ─────────────────────────────

  /**
   * `value` is handed to code the analysis cannot see, which may keep it and change it at any time:
   * everything reachable from it is tainted for good, every Dag (or Task, whose `.dag` leads to its Dag)
   * among it is tainted, and every closure among it is havocked (it may be called at any time).
   */
  escape(value: Value, why: UnknownValue): void {
    const work: Value[] = [value];
    while (work.length > 0) {
      const v = work.pop();
      if (v instanceof ObjectValue) {
        if (v.tainted) continue;
        this.touch(v);
        v.tainted = why;
        this.charge(v.props.size + 1, this.sf);
        for (const s of v.props.values()) work.push(s.value);
      } else if (v instanceof ArrayValue) {
        if (v.tainted) continue;
        this.touch(v);
        v.tainted = why;
        this.charge(v.items.length + 1, this.sf);
        for (const s of v.items) if (s) work.push(s.value);
      } else if (v instanceof Closure) {
        if (v.escaped) continue;
        this.touch(v);
        v.escaped = true;
        const reach = this.havoc([v.node], v.scope, why, { volatile: true });
        work.push(...reach);
      } else if (v instanceof DagState) {
        this.taintDag(v, why);
        if (v.escaped) continue;
        this.touch(v);
        v.escaped = true;
        // `dag.meta`, `dag.tasks[i].spec`: objects that may also be used elsewhere.
        work.push(v.meta);
        for (const t of v.tasks) work.push(t.spec);
      } else if (v instanceof TaskState) {
        // `task.dag` leads to the whole Dag.
        work.push(v.dag);
      } else if (v instanceof IteratorValue) {
        work.push(v.source);
      } else if (v instanceof Opaque) {
        work.push(...v.reach);
      }
    }
  }

  /**
   * Conservatively applies whatever `nodes` might do, without evaluating them: see the module comment.
   * Returns the heap values the region could reach (and so return, or leave in a variable).
   */
  havoc(nodes: readonly ts.Node[], scope: Scope, why: UnknownValue, options: { volatile?: boolean; reach?: readonly HeapValue[] } = {}): HeapValue[] {
    this.mayThrow();
    const facts: RegionFacts = nodes.length === 1 ? factsOf(nodes[0]!) : regionFacts(nodes);
    this.charge(facts.size, nodes[0] ?? this.sf);
    // A direct eval in the region can read and assign any variable, named or not.
    if (facts.names.has('eval') && !scope.lookup('eval')) this.directEval(scope, nodes[0] ?? this.sf);
    const reach: HeapValue[] = [...(options.reach ?? NO_REACH)];
    for (const name of facts.names) {
      const b = scope.lookup(name);
      if (!b || b.importedFrom) continue;
      if (b.value instanceof Opaque) reach.push(...b.value.reach);
      else if (isHeap(b.value)) reach.push(b.value);
    }
    if (facts.usesThis) reach.push(...reachOf([scope.thisValue()]));
    for (const name of facts.assigned) {
      const b = scope.lookup(name);
      if (!b || b.importedFrom || b.kind === 'const') continue;
      this.touchBinding(b);
      b.value = new Opaque(why, reach);
      b.initialised = true;
      if (options.volatile) b.volatile = why;
    }
    for (const v of reach) this.escape(v, why);
    return reach;
  }

  /** Havocs the rest of a statement list after control became uncertain, and passes the uncertainty on. */
  private havocRest(rest: readonly ts.Statement[], scope: Scope, c: Extract<Completion, { kind: 'uncertain' }>): Completion {
    if (rest.length === 0) return c;
    const reach = this.havoc(rest, scope, c.why);
    return { kind: 'uncertain', why: c.why, reach: [...c.reach, ...reach] };
  }

  /** A region was havocked: whether control may have left it through `return`/`break`/`continue`. */
  private afterHavoc(facts: RegionFacts, why: UnknownValue, reach: readonly HeapValue[]): Completion {
    return facts.mayReturn || facts.mayJumpOut ? { kind: 'uncertain', why, reach } : undefined;
  }

  /**
   * Why code controlled by an unknown value (a condition, a loop's bounds) is not followed. Placed on
   * the controlling expression, and says what made it unknown when that is elsewhere.
   */
  private conditionUnknown(cond: Opaque, node: ts.Node, what: string): UnknownValue {
    const range = this.range(node);
    const cause = sameRange(cond.unknown.range, range) ? cond.unknown.why : `${this.text(node)} is not static (${cond.unknown.why})`;
    return new UnknownValue(`${what}: ${cause}`, range);
  }

  // ───────────────────────────── imports, hoisting, exports ─────────────────────────────

  private bindImports(statements: readonly ts.Statement[], scope: Scope): void {
    for (const s of statements) {
      if (ts.isImportEqualsDeclaration(s)) {
        if (!s.isTypeOnly) this.declare(scope, s.name.text, { value: undefined, kind: 'import', initialised: true, importedFrom: { module: this.text(s.moduleReference), name: '=' } });
        continue;
      }
      if (!ts.isImportDeclaration(s) || !s.importClause || s.importClause.isTypeOnly) continue;
      const module = ts.isStringLiteral(s.moduleSpecifier) ? s.moduleSpecifier.text : this.text(s.moduleSpecifier);
      const isDsl = module === 'a-la-mode';
      const clause = s.importClause;
      if (clause.name) this.declare(scope, clause.name.text, { value: undefined, kind: 'import', initialised: true, importedFrom: { module, name: 'default' } });
      const named = clause.namedBindings;
      if (!named) continue;
      if (ts.isNamespaceImport(named)) {
        if (isDsl) this.declare(scope, named.name.text, { value: new NamespaceValue('a-la-mode', new Map([['Dag', DagClassValue.instance]])), kind: 'import', initialised: true });
        else this.declare(scope, named.name.text, { value: undefined, kind: 'import', initialised: true, importedFrom: { module, name: '*' } });
        continue;
      }
      for (const el of named.elements) {
        if (el.isTypeOnly) continue;
        const imported = (el.propertyName ?? el.name).text;
        if (isDsl && imported === 'Dag') this.declare(scope, el.name.text, { value: DagClassValue.instance, kind: 'import', initialised: true });
        else this.declare(scope, el.name.text, { value: undefined, kind: 'import', initialised: true, importedFrom: { module, name: imported } });
      }
    }
  }

  private readonly varNamesCache = new WeakMap<ts.Node, string[]>();

  /** Declares what a scope's statements hoist: functions (initialised), let/const/class (in their dead zone), vars. */
  private hoist(statements: readonly ts.Statement[], scope: Scope, functionBody: ts.Node | undefined): void {
    if (functionBody) {
      let names = this.varNamesCache.get(functionBody);
      if (!names) {
        names = collectVarNames(statements);
        this.varNamesCache.set(functionBody, names);
      }
      for (const name of names) if (!scope.bindings.has(name)) this.declare(scope, name, { value: undefined, kind: 'var', initialised: true });
    }
    for (const s of statements) {
      if (isFunctionDeclaration(s)) {
        if (s.name && s.body && !hasDeclareModifier(s)) this.declare(scope, s.name.text, { value: this.makeClosure(s, scope), kind: 'function', initialised: true });
      } else if (isVariableStatement(s)) {
        const flags = s.declarationList.flags;
        if ((flags & NF.BlockScoped) === 0 || hasDeclareModifier(s)) continue;
        const kind: BindingKind = flags & NF.Let ? 'let' : 'const';
        for (const d of s.declarationList.declarations) {
          for (const id of bindingIdentifiers(d.name)) this.declare(scope, id.text, { value: undefined, kind, initialised: false });
        }
      } else if (isClassDeclaration(s)) {
        if (s.name && !hasDeclareModifier(s)) this.declare(scope, s.name.text, { value: undefined, kind: 'class', initialised: false });
      }
    }
  }

  private markDefaultExport(value: Value): void {
    if (value instanceof DagState) value.isDefaultExport = true;
  }

  /** `export { dag as default }` is a live binding: what it holds at the end of the module. */
  private resolveDefaultExportBindings(scope: Scope): void {
    for (const id of this.defaultExportBindings) {
      const b = scope.lookup(id.text);
      if (b && b.initialised && !b.volatile) this.markDefaultExport(b.value);
    }
  }

  // ───────────────────────────── statements ─────────────────────────────

  private evalStatements(statements: readonly ts.Statement[], scope: Scope): Completion {
    for (let i = 0; i < statements.length; i++) {
      const c = this.evalStatement(statements[i]!, scope, []);
      if (c) return c.kind === 'uncertain' ? this.havocRest(statements.slice(i + 1), scope, c) : c;
    }
    return undefined;
  }

  private evalBlock(statements: readonly ts.Statement[], scope: Scope): Completion {
    const inner = new Scope(scope, false);
    this.hoist(statements, inner, undefined);
    return this.evalStatements(statements, inner);
  }

  /** `labels`: the labels directly on this statement (for `continue label` on a loop). */
  private evalStatement(node: ts.Statement, scope: Scope, labels: readonly string[]): Completion {
    this.step(node);
    switch (node.kind) {
      case SK.VariableStatement:
        this.evalVariableStatement(node as ts.VariableStatement, scope);
        return undefined;
      case SK.ExpressionStatement:
        this.evalExpr((node as ts.ExpressionStatement).expression, scope);
        return undefined;
      case SK.IfStatement:
        return this.evalIf(node as ts.IfStatement, scope);
      case SK.Block:
        return this.evalBlock((node as ts.Block).statements, scope);
      case SK.ReturnStatement: {
        const r = node as ts.ReturnStatement;
        return { kind: 'return', value: r.expression ? this.evalExpr(r.expression, scope) : undefined };
      }
      case SK.BreakStatement:
      case SK.ContinueStatement:
        return { kind: node.kind === SK.BreakStatement ? 'break' : 'continue', label: (node as ts.BreakOrContinueStatement).label?.text };
      case SK.ThrowStatement: {
        const t = node as ts.ThrowStatement;
        const value = this.evalExpr(t.expression, scope);
        throw new ThrowSignal(value, t, `throw ${this.text(t.expression)}`);
      }
      case SK.TryStatement:
        return this.evalTry(node as ts.TryStatement, scope);
      case SK.ForStatement:
        return this.evalFor(node as ts.ForStatement, scope, labels);
      case SK.ForOfStatement:
        return this.evalForOf(node as ts.ForOfStatement, scope, labels);
      case SK.ForInStatement:
        return this.evalForIn(node as ts.ForInStatement, scope, labels);
      case SK.WhileStatement:
      case SK.DoStatement:
        return this.evalWhile(node as ts.WhileStatement | ts.DoStatement, scope, labels);
      case SK.SwitchStatement:
        return this.evalSwitch(node as ts.SwitchStatement, scope);
      case SK.LabeledStatement: {
        const l = node as ts.LabeledStatement;
        const label = l.label.text;
        const c = this.evalStatement(l.statement, scope, [...labels, label]);
        if (c && c.kind === 'break' && c.label === label) return undefined;
        // Control that may have jumped to this label is certain again after it, unless it may have
        // gone further.
        if (c && c.kind === 'uncertain') return this.afterHavoc(factsOf(l), c.why, c.reach);
        return c;
      }
      case SK.FunctionDeclaration:
      case SK.EmptyStatement:
      case SK.TypeAliasDeclaration:
      case SK.InterfaceDeclaration:
      case SK.ImportDeclaration:
      case SK.ImportEqualsDeclaration:
      case SK.DebuggerStatement:
      case SK.NotEmittedStatement:
        return undefined;
      case SK.ClassDeclaration: {
        const c = node as ts.ClassDeclaration;
        if (c.name && !hasDeclareModifier(c)) this.initBinding(c.name, this.makeClass(c, scope), scope, 'class');
        return undefined;
      }
      case SK.ExportAssignment: {
        const e = node as ts.ExportAssignment;
        const value = this.evalExpr(e.expression, scope);
        // `export = x` replaces the module's exports: x is not its default export.
        if (!e.isExportEquals) this.markDefaultExport(value);
        return undefined;
      }
      case SK.ExportDeclaration: {
        const e = node as ts.ExportDeclaration;
        if (!e.isTypeOnly && !e.moduleSpecifier && e.exportClause && ts.isNamedExports(e.exportClause)) {
          for (const el of e.exportClause.elements) {
            if (el.name.text === 'default' && !el.isTypeOnly) this.defaultExportBindings.push((el.propertyName ?? el.name) as ts.Identifier);
          }
        }
        return undefined;
      }
      case SK.EnumDeclaration: {
        const e = node as ts.EnumDeclaration;
        if (!hasDeclareModifier(e)) {
          const value = this.opaque(`enum ${e.name.text} is not evaluated by the analysis`, e.name);
          // Its initialisers run now.
          if (e.members.some((m) => m.initializer)) this.havoc(e.members.flatMap((m) => (m.initializer ? [m.initializer] : [])), scope, value.unknown);
          const b = scope.lookup(e.name.text);
          if (b && b.kind === 'var') {
            this.touchBinding(b);
            b.value = value;
          }
          else this.declare(scope, e.name.text, { value, kind: 'var', initialised: true });
        }
        return undefined;
      }
      case SK.ModuleDeclaration: {
        const m = node as ts.ModuleDeclaration;
        if (hasDeclareModifier(m) || !m.body) return undefined;
        // A namespace body runs when the module loads; the analysis does not follow it.
        const why = new UnknownValue(`namespace ${this.text(m.name)} is not evaluated by the analysis`, this.range(m.name));
        this.havoc([m.body], scope, why);
        if (isIdentifier(m.name)) {
          const b = scope.lookup(m.name.text);
          if (b && b.kind === 'var') {
            this.touchBinding(b);
            b.value = new Opaque(why);
          }
          else this.declare(scope, m.name.text, { value: new Opaque(why), kind: 'var', initialised: true });
        }
        return undefined;
      }
      default: {
        // Anything else (a `with` statement, a declaration the parser could not finish): not followed.
        const why = new UnknownValue('this statement is not evaluated by the analysis', this.range(node));
        const facts = factsOf(node);
        return this.afterHavoc(facts, why, this.havoc([node], scope, why));
      }
    }
  }

  private evalVariableStatement(node: ts.VariableStatement, scope: Scope): void {
    this.evalDeclarationList(node.declarationList, scope, hasDeclareModifier(node));
  }

  private evalDeclarationList(list: ts.VariableDeclarationList, scope: Scope, ambient: boolean): void {
    const flags = list.flags;
    const kind: BindingKind = flags & NF.Const || flags & NF.Using ? 'const' : flags & NF.Let ? 'let' : 'var';
    if (ambient) {
      for (const d of list.declarations) {
        for (const id of bindingIdentifiers(d.name)) {
          const why = `${id.text} is declared here but defined elsewhere`;
          this.declare(scope, id.text, { value: this.opaque(why, id), kind: 'const', initialised: true });
        }
      }
      return;
    }
    for (const d of list.declarations) {
      let value: Value;
      if (d.initializer) value = this.evalExpr(d.initializer, scope);
      else if (kind === 'var') continue; // `var x;` leaves x as it was
      else value = undefined;
      if (flags & NF.Using) this.escape(value, new UnknownValue('`using` disposes the value at the end of the scope', this.range(d)));
      this.bindPattern(d.name, value, scope, kind);
      if (isIdentifier(d.name) && value instanceof DagState && value.variable === undefined && d.initializer && isNewExpression(skipOuter(d.initializer))) {
        value.variable = d.name.text;
      }
    }
  }

  private evalIf(node: ts.IfStatement, scope: Scope): Completion {
    const cond = this.evalExpr(node.expression, scope);
    const t = truthiness(cond);
    if (t === true) return this.evalStatement(node.thenStatement, scope, []);
    if (t === false) return node.elseStatement ? this.evalStatement(node.elseStatement, scope, []) : undefined;
    const why = this.conditionUnknown(cond as Opaque, node.expression, 'which branch runs is not static');
    const region = node.elseStatement ? [node.thenStatement, node.elseStatement] : [node.thenStatement];
    const facts = regionFacts(region);
    if (!facts.mayReturn && !facts.mayJumpOut) {
      // Both ways, then merged: what the branches agree on stays known.
      const onlyIf = this.conditionUnknown(cond as Opaque, node.expression, 'it is made on one branch only, and which branch runs is not static');
      const done = this.speculate(
        [() => this.evalStatement(node.thenStatement, scope, []), () => (node.elseStatement ? this.evalStatement(node.elseStatement, scope, []) : undefined)],
        (c) => c === undefined,
        why,
        onlyIf,
      );
      if (done) return undefined;
    }
    return this.afterHavoc(facts, why, this.havoc(region, scope, why));
  }

  /** Changes whenever something may have thrown where the analysis cannot tell (see `opaqueCount`). */
  private uncertaintyMark(): number {
    return this.uncertainty + opaqueCount();
  }

  private evalTry(node: ts.TryStatement, scope: Scope): Completion {
    const before = this.uncertaintyMark();
    let completion: Completion;
    let pending: ThrowSignal | undefined;
    let thrown: ThrowSignal | undefined;
    // The catch block may start from any state the try block went through: a journal keeps what its
    // locations held before, should the analysis not know where it stopped.
    const journal = node.catchClause ? new Journal(nextSerial(), this.builtinsPatched) : undefined;
    if (journal) {
      this.catchDepth++;
      this.journals.push(journal);
    }
    try {
      completion = this.evalBlock(node.tryBlock.statements, scope);
    } catch (e) {
      if (!(e instanceof ThrowSignal)) throw e;
      thrown = e;
    } finally {
      if (journal) {
        this.catchDepth--;
        this.journals.splice(this.journals.lastIndexOf(journal), 1);
      }
    }
    if (thrown) {
      if (node.catchClause) {
        try {
          completion = this.evalCatch(node.catchClause, thrown.value, scope);
        } catch (e) {
          if (!(e instanceof ThrowSignal)) throw e;
          pending = e;
        }
      } else {
        pending = thrown;
      }
    }
    if (this.uncertaintyMark() !== before && node.catchClause) {
      // Something in the try block may have thrown where the analysis could not tell: the statements
      // after that point may not have run, and the catch block may have.
      const start = node.getStart(this.sf);
      const why = new UnknownValue('code in this try block may throw at run time, so which of its statements run is not static', { start, end: start + 3 });
      const region = [node.tryBlock, node.catchClause];
      const reach = this.havoc(region, scope, why, { reach: journal?.earlierValues() ?? [] });
      pending = undefined;
      completion = this.afterHavoc(regionFacts(region), why, reach);
    }
    if (node.finallyBlock) {
      const f = this.evalBlock(node.finallyBlock.statements, scope);
      if (f) return f;
    }
    if (pending) throw pending;
    return completion;
  }

  private evalCatch(clause: ts.CatchClause, thrown: Value, scope: Scope): Completion {
    const inner = new Scope(scope, false);
    if (clause.variableDeclaration) this.bindPattern(clause.variableDeclaration.name, thrown, inner, 'catch');
    return this.evalBlock(clause.block.statements, inner);
  }

  /**
   * What a loop does with its body's completion. `'next'` continues, `'exit'` leaves the loop normally,
   * otherwise the completion propagates.
   */
  private loopControl(c: Completion, labels: readonly string[]): 'next' | 'exit' | Completion {
    if (!c) return 'next';
    if (c.kind === 'break' && (c.label === undefined || labels.includes(c.label))) return 'exit';
    if (c.kind === 'continue' && (c.label === undefined || labels.includes(c.label))) return 'next';
    return c;
  }

  /**
   * One pass of a loop's body, the same for every kind of loop: the iteration cap, a step, the body
   * (in the scope `enter` makes, after the cap: a loop variable is bound only for a pass that runs), and
   * what the body's completion means for the loop. `'next'` to go on; anything else is the loop's own
   * completion. What is not followed is havocked in `havocScope`.
   */
  private loopPass(node: ts.IterationStatement, i: number, havocScope: Scope, labels: readonly string[], enter: () => Scope): 'next' | Completion {
    if (i >= this.limits.maxLoopIterations) return this.havocLoop(node, havocScope, this.loopLimit(node));
    this.step(node);
    const c = this.loopControl(this.evalStatement(node.statement, enter(), []), labels);
    if (c === 'exit') return undefined;
    if (c !== 'next') return c?.kind === 'uncertain' ? this.havocLoop(node, havocScope, c.why, c.reach) : c;
    return 'next';
  }

  /** The loop's remaining iterations are not followed: havoc the whole loop from here. */
  private havocLoop(node: ts.IterationStatement, scope: Scope, why: UnknownValue, reach: readonly HeapValue[] = NO_REACH): Completion {
    const r = this.havoc([node], scope, why, { reach });
    return this.afterHavoc(factsOf(node), why, r);
  }

  private loopLimit(node: ts.IterationStatement): UnknownValue {
    const start = node.getStart(this.sf);
    const keyword = ts.isDoStatement(node) ? 2 : ts.isWhileStatement(node) ? 5 : 3;
    const why = new UnknownValue(`the loop runs more than ${this.limits.maxLoopIterations.toLocaleString('en-US')} times; the analysis does not follow it further`, { start, end: start + keyword });
    this.report('analysis-limit', why.range, why.why);
    this.silent.add(why);
    return why;
  }

  private evalFor(node: ts.ForStatement, scope: Scope, labels: readonly string[]): Completion {
    const loopScope = new Scope(scope, false);
    const init = node.initializer;
    let perIteration = false;
    if (init) {
      if (ts.isVariableDeclarationList(init)) {
        perIteration = (init.flags & NF.BlockScoped) !== 0;
        this.evalDeclarationList(init, loopScope, false);
      } else {
        this.evalExpr(init, loopScope);
      }
    }
    let iterScope = perIteration ? loopScope.copyForIteration() : loopScope;
    for (let i = 0; ; i++) {
      if (node.condition) {
        const cond = this.evalExpr(node.condition, iterScope);
        const t = truthiness(cond);
        if (t === undefined) return this.havocLoop(node, iterScope, this.conditionUnknown(cond as Opaque, node.condition, 'how often the loop runs is not static'));
        if (!t) return undefined;
      }
      const pass = this.loopPass(node, i, iterScope, labels, () => iterScope);
      if (pass !== 'next') return pass;
      if (perIteration) iterScope = iterScope.copyForIteration();
      if (node.incrementor) this.evalExpr(node.incrementor, iterScope);
    }
  }

  private evalWhile(node: ts.WhileStatement | ts.DoStatement, scope: Scope, labels: readonly string[]): Completion {
    const isDo = ts.isDoStatement(node);
    for (let i = 0; ; i++) {
      if (!isDo || i > 0) {
        const cond = this.evalExpr(node.expression, scope);
        const t = truthiness(cond);
        if (t === undefined) return this.havocLoop(node, scope, this.conditionUnknown(cond as Opaque, node.expression, 'how often the loop runs is not static'));
        if (!t) return undefined;
      }
      const pass = this.loopPass(node, i, scope, labels, () => scope);
      if (pass !== 'next') return pass;
    }
  }

  /** Binds the loop variable of `for (const x of/in …)` for one iteration. */
  private bindLoopVariable(init: ts.ForInitializer, value: Value, iterScope: Scope, node: ts.Node): void {
    if (ts.isVariableDeclarationList(init)) {
      const flags = init.flags;
      const kind: BindingKind = flags & NF.Const || flags & NF.Using ? 'const' : flags & NF.Let ? 'let' : 'var';
      const d = init.declarations[0];
      if (d) this.bindPattern(d.name, value, iterScope, kind);
    } else {
      this.assignTo(init, value, iterScope, node);
    }
  }

  private evalForOf(node: ts.ForOfStatement, scope: Scope, labels: readonly string[]): Completion {
    const iterable = this.evalExpr(node.expression, scope);
    if (node.awaitModifier) {
      const why = new UnknownValue('`for await` runs asynchronously; the analysis does not follow it', this.range(node.expression));
      return this.havocLoop(node, scope, why, reachOf([iterable]));
    }
    // Arrays are iterated live (the body may push to them), as JS does.
    let source: ArrayValue | undefined;
    let values: readonly Value[] | undefined;
    let mapIter: ((v: Value, i: number) => Value) | undefined;
    if (iterable instanceof ArrayValue && !iterable.tainted) source = iterable;
    else if (iterable instanceof IteratorValue && !iterable.source.tainted) {
      source = iterable.source;
      const kind = iterable.kind;
      mapIter = kind === 'keys' ? (_v, i) => i : kind === 'entries' ? (v, i) => new ArrayValue([{ value: i, range: undefined }, { value: v, range: undefined }]) : undefined;
    } else if (typeof iterable === 'string') {
      values = Array.from(iterable);
      this.charge(values.length, node);
    } else if (iterable instanceof Opaque || ((iterable instanceof ArrayValue || iterable instanceof IteratorValue) && (iterable instanceof ArrayValue ? iterable.tainted : iterable.source.tainted))) {
      const base = iterable instanceof Opaque ? iterable.unknown : iterable instanceof ArrayValue ? iterable.tainted! : iterable.source.tainted!;
      const why = new UnknownValue(`the loop runs over ${this.text(node.expression)}, which is not static (${base.why})`, this.range(node.expression));
      return this.havocLoop(node, scope, why, reachOf([iterable]));
    } else {
      this.throwError(`${this.text(node.expression)} is not iterable`, node.expression);
    }
    for (let i = 0; ; i++) {
      let value: Value;
      if (source) {
        if (source.tainted) {
          const why = new UnknownValue(`the loop runs over ${this.text(node.expression)}, which code the analysis cannot see may change`, this.range(node.expression));
          return this.havocLoop(node, scope, why, [source]);
        }
        if (i >= source.items.length) return undefined;
        value = source.items[i]?.value;
        if (mapIter) value = mapIter(value, i);
      } else {
        if (i >= values!.length) return undefined;
        value = values![i];
      }
      const pass = this.loopPass(node, i, scope, labels, () => {
        const iterScope = new Scope(scope, false);
        this.bindLoopVariable(node.initializer, value, iterScope, node);
        return iterScope;
      });
      if (pass !== 'next') return pass;
    }
  }

  private evalForIn(node: ts.ForInStatement, scope: Scope, labels: readonly string[]): Completion {
    const obj = this.evalExpr(node.expression, scope);
    let keys: string[];
    let stillThere: (key: string) => boolean = () => true;
    if (obj === null || obj === undefined) return undefined;
    if (obj instanceof ObjectValue && !obj.tainted && !this.builtinsPatched) {
      keys = orderedKeys(obj);
      stillThere = (k) => obj.props.has(k);
    } else if (obj instanceof ArrayValue && !obj.tainted && !this.builtinsPatched) {
      keys = [];
      obj.items.forEach((s, i) => { if (s) keys.push(String(i)); });
      stillThere = (k) => obj.items[Number(k)] !== undefined;
    } else if (typeof obj === 'string') {
      keys = Array.from({ length: obj.length }, (_, i) => String(i));
    } else if (isPrimitive(obj)) {
      return undefined;
    } else {
      const base = obj instanceof Opaque ? obj.unknown.why : 'its keys are not modelled';
      const why = new UnknownValue(`the loop runs over the keys of ${this.text(node.expression)}, which are not static (${base})`, this.range(node.expression));
      return this.havocLoop(node, scope, why, reachOf([obj]));
    }
    this.charge(keys.length, node);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (!stillThere(key)) continue; // deleted before it was visited
      if ((obj instanceof ObjectValue || obj instanceof ArrayValue) && obj.tainted) {
        const why = new UnknownValue(`the loop runs over ${this.text(node.expression)}, which code the analysis cannot see may change`, this.range(node.expression));
        return this.havocLoop(node, scope, why, [obj]);
      }
      const pass = this.loopPass(node, i, scope, labels, () => {
        const iterScope = new Scope(scope, false);
        this.bindLoopVariable(node.initializer, key, iterScope, node);
        return iterScope;
      });
      if (pass !== 'next') return pass;
    }
    return undefined;
  }

  private evalSwitch(node: ts.SwitchStatement, scope: Scope): Completion {
    const d = this.evalExpr(node.expression, scope);
    const havocCases = (cause: Opaque, at: ts.Node): Completion => {
      const why = this.conditionUnknown(cause, at, 'which case runs is not static');
      // Facts of the whole statement: a `break` in it is its own; `continue` and `return` leave it.
      const reach = this.havoc([node], scope, why);
      return this.afterHavoc(factsOf(node), why, reach);
    };
    if (d instanceof Opaque) return havocCases(d, node.expression);
    const clauses = node.caseBlock.clauses;
    let start = -1;
    for (let i = 0; i < clauses.length && start < 0; i++) {
      const clause = clauses[i]!;
      if (!ts.isCaseClause(clause)) continue;
      const test = this.evalExpr(clause.expression, scope);
      const eq = strictEquals(d, test);
      if (eq === undefined) return havocCases(test as Opaque, clause.expression);
      if (eq) start = i;
    }
    if (start < 0) start = clauses.findIndex((c) => ts.isDefaultClause(c));
    if (start < 0) return undefined;
    const inner = new Scope(scope, false);
    for (const clause of clauses) this.hoist(clause.statements, inner, undefined);
    for (let i = start; i < clauses.length; i++) {
      const c = this.evalStatements(clauses[i]!.statements, inner);
      if (!c) continue;
      if (c.kind === 'break' && c.label === undefined) return undefined;
      if (c.kind === 'uncertain') {
        const rest = clauses.slice(i + 1).flatMap((cl) => [...cl.statements]);
        const more = rest.length ? this.havoc(rest, inner, c.why) : [];
        return this.afterHavoc(factsOf(node), c.why, [...c.reach, ...more]);
      }
      return c;
    }
    return undefined;
  }

  // ───────────────────────────── bindings and patterns ─────────────────────────────

  private initBinding(id: ts.Identifier, value: Value, scope: Scope, kind: BindingKind): void {
    const name = id.text;
    if (name === '') return;
    if (kind === 'var') {
      const b = scope.lookup(name);
      if (b && !b.importedFrom) {
        if (b.volatile) this.escape(value, b.volatile);
        this.touchBinding(b);
        b.value = value;
        b.initialised = true;
      } else {
        this.declare(scope.varScope(), name, { value, kind, initialised: true });
      }
    } else {
      const b = scope.bindings.get(name);
      if (b && !b.initialised) {
        this.touchBinding(b);
        b.value = value;
        b.initialised = true;
      } else {
        this.declare(scope, name, { value, kind, initialised: true });
      }
    }
    if (value instanceof TaskState) this.addTaskReference(value, this.range(id), 'variable');
  }

  private bindPattern(name: ts.BindingName, value: Value, scope: Scope, kind: BindingKind): void {
    if (isIdentifier(name)) {
      this.initBinding(name, value, scope, kind);
    } else if (isObjectBindingPattern(name)) {
      this.requireObjectCoercible(value, name);
      const used: string[] = [];
      for (const el of name.elements) {
        if (el.dotDotDotToken) {
          this.bindPattern(el.name, this.objectRest(value, used, el), scope, kind);
          continue;
        }
        const keyNode = el.propertyName ?? (isIdentifier(el.name) ? el.name : undefined);
        if (!keyNode) continue;
        const key = this.propertyKey(keyNode, scope);
        let v: Value;
        if (key instanceof Opaque) v = new Opaque(key.unknown, reachOf([value]));
        else {
          used.push(key);
          v = this.getProperty(value, key, el);
        }
        if (el.initializer) v = this.applyDefault(v, el.initializer, scope);
        this.bindPattern(el.name, v, scope, kind);
      }
    } else {
      const items = this.iterate(value, name);
      name.elements.forEach((el, i) => {
        if (isOmittedExpression(el)) return;
        let v: Value;
        if (items instanceof Opaque) v = new Opaque(items.unknown, items.reach);
        else if (el.dotDotDotToken) v = new ArrayValue(items.slice(i).map((x) => ({ value: x, range: undefined })));
        else v = items[i];
        if (el.initializer && !el.dotDotDotToken) v = this.applyDefault(v, el.initializer, scope);
        this.bindPattern(el.name, v, scope, kind);
      });
    }
  }

  /** A default (`= init`) applies when the value is `undefined`. */
  private applyDefault(v: Value, init: ts.Expression, scope: Scope): Value {
    if (v === undefined) return this.evalExpr(init, scope);
    if (v instanceof Opaque) {
      const reach = this.havoc([init], scope, v.unknown);
      return new Opaque(v.unknown, [...v.reach, ...reach]);
    }
    return v;
  }

  private requireObjectCoercible(value: Value, node: ts.Node): void {
    if (value === null || value === undefined) this.throwError(`Cannot destructure '${String(value)}' as it is ${String(value)}.`, node);
  }

  /** `{a, ...rest} = value`: own enumerable properties not named before. */
  private objectRest(value: Value, used: readonly string[], node: ts.Node): Value {
    if (value instanceof ObjectValue && !value.tainted) {
      const rest = new ObjectValue();
      for (const key of orderedKeys(value)) {
        if (used.includes(key)) continue;
        const s = value.props.get(key)!;
        rest.props.set(key, copySlot(s));
      }
      return rest;
    }
    if (value instanceof Opaque) return new Opaque(value.unknown, value.reach);
    if (isPrimitive(value) && typeof value !== 'string') return new ObjectValue();
    return this.opaque(`the rest of ${this.text(node)} is not modelled`, node, reachOf([value]));
  }

  /** Values produced by iterating `value` (spread, array destructuring), or opaque when not known. */
  iterate(value: Value, node: ts.Node): Value[] | Opaque {
    const r = iterateSnapshot(this, value, node);
    if (r === undefined) this.throwError(`${describeValue(value)} is not iterable`, node);
    return r;
  }

  private propertyKey(name: ts.PropertyName | ts.Expression, scope: Scope): string | Opaque {
    switch (name.kind) {
      case SK.Identifier:
      case SK.PrivateIdentifier:
      case SK.StringLiteral:
      case SK.NoSubstitutionTemplateLiteral:
        return (name as ts.Identifier).text;
      case SK.NumericLiteral:
        return String(Number((name as ts.NumericLiteral).text));
      case SK.BigIntLiteral:
        return parseBigInt((name as ts.BigIntLiteral).text).toString();
      case SK.ComputedPropertyName: {
        const e = (name as ts.ComputedPropertyName).expression;
        return this.keyOf(this.evalExpr(e, scope), e);
      }
      default:
        return this.keyOf(this.evalExpr(name as ts.Expression, scope), name);
    }
  }

  /** `ToPropertyKey` of a known value; opaque when unknown (or a symbol, which the analysis does not model). */
  private keyOf(v: Value, node: ts.Node): string | Opaque {
    const k = toPropertyKey(v);
    if (k !== undefined) return k;
    if (v instanceof Opaque) return v;
    const p = this.toPrimitive(v, node);
    return p instanceof Opaque ? p : String(p);
  }

  // ───────────────────────────── assignment ─────────────────────────────

  private reference(target: ts.Expression, scope: Scope): Reference {
    const t = skipOuter(target);
    if (isIdentifier(t)) return { kind: 'variable', node: t };
    if (isPropertyAccess(t) || isElementAccess(t)) {
      const obj = this.evalExpr(t.expression, scope);
      const key = isPropertyAccess(t) ? t.name.text : this.keyOf(this.evalExpr(t.argumentExpression, scope), t.argumentExpression);
      return { kind: 'property', obj, key, node: t, objNode: t.expression };
    }
    return { kind: 'invalid' };
  }

  private readReference(ref: Reference, scope: Scope): Value {
    switch (ref.kind) {
      case 'variable':
        return this.evalIdentifier(ref.node, scope);
      case 'property':
        if (ref.key instanceof Opaque) {
          if (ref.obj === null || ref.obj === undefined) this.throwError(`Cannot read properties of ${String(ref.obj)}`, ref.node);
          return new Opaque(ref.key.unknown, reachOf([ref.obj]));
        }
        return this.getProperty(ref.obj, ref.key, ref.node, ref.objNode);
      case 'invalid':
        return undefined;
    }
  }

  private writeReference(ref: Reference, value: Value, scope: Scope, assignment: ts.Node): void {
    switch (ref.kind) {
      case 'variable':
        this.setVariable(ref.node, value, scope);
        return;
      case 'property':
        if (ref.key instanceof Opaque) {
          // Which property changes is not known: the object's content is no longer known.
          if (ref.obj === null || ref.obj === undefined) this.throwError(`Cannot set properties of ${String(ref.obj)}`, ref.node);
          const why = new UnknownValue(`${this.text(assignment)} sets a property whose name is not static (${ref.key.unknown.why})`, this.range(assignment));
          this.escape(ref.obj, why);
          this.escape(value, why);
          return;
        }
        this.setProperty(ref.obj, ref.key, value, assignment, ref.objNode);
        return;
      case 'invalid':
        return;
    }
  }

  private setVariable(id: ts.Identifier, value: Value, scope: Scope): void {
    const name = id.text;
    const b = scope.lookup(name);
    if (!b) {
      // An implicit global (sloppy mode) or a ReferenceError (strict mode): either way, out of sight.
      this.mayThrow();
      this.escape(value, new UnknownValue(`${name} is not declared: the assignment creates a global`, this.range(id)));
      return;
    }
    this.touchBinding(b);
    if (!b.initialised) {
      // As for reads: the bundle assigns the `var` (even a const's), ES modules throw.
      if (scope.lookupScope(name) !== this.moduleScope) this.throwError(`Cannot access '${name}' before initialization`, id);
      this.mayThrow();
      b.initialised = true;
    } else if (b.kind === 'const' || b.kind === 'import') {
      this.throwError('Assignment to constant variable.', id);
    }
    if (b.volatile) this.escape(value, b.volatile);
    b.value = value;
    if (value instanceof TaskState) this.addTaskReference(value, this.range(id), 'variable');
  }

  /** Destructuring assignment (`[a, b] = [b, a]`, `({a} = obj)`) or a plain target. */
  private assignTo(target: ts.Expression, value: Value, scope: Scope, assignment: ts.Node): void {
    const t = skipOuter(target);
    if (isObjectLiteral(t)) {
      this.requireObjectCoercible(value, t);
      const used: string[] = [];
      for (const p of t.properties) {
        if (isSpreadAssignment(p)) {
          this.assignTo(p.expression, this.objectRest(value, used, p), scope, assignment);
        } else if (isShorthandPropertyAssignment(p)) {
          used.push(p.name.text);
          let v = this.getProperty(value, p.name.text, p);
          if (p.objectAssignmentInitializer) v = this.applyDefault(v, p.objectAssignmentInitializer, scope);
          this.setVariable(p.name, v, scope);
        } else if (isPropertyAssignment(p)) {
          const key = this.propertyKey(p.name, scope);
          let v: Value;
          if (key instanceof Opaque) v = new Opaque(key.unknown, reachOf([value]));
          else {
            used.push(key);
            v = this.getProperty(value, key, p);
          }
          let inner = p.initializer;
          if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === SK.EqualsToken) {
            v = this.applyDefault(v, inner.right, scope);
            inner = inner.left;
          }
          this.assignTo(inner, v, scope, assignment);
        }
      }
      return;
    }
    if (isArrayLiteral(t)) {
      const items = this.iterate(value, t);
      t.elements.forEach((el, i) => {
        if (isOmittedExpression(el)) return;
        let v: Value;
        if (items instanceof Opaque) v = new Opaque(items.unknown, items.reach);
        else if (isSpreadElement(el)) v = new ArrayValue(items.slice(i).map((x) => ({ value: x, range: undefined })));
        else v = items[i];
        let inner: ts.Expression = isSpreadElement(el) ? el.expression : el;
        if (ts.isBinaryExpression(inner) && inner.operatorToken.kind === SK.EqualsToken) {
          v = this.applyDefault(v, inner.right, scope);
          inner = inner.left;
        }
        this.assignTo(inner, v, scope, assignment);
      });
      return;
    }
    const ref = this.reference(t, scope);
    this.writeReference(ref, value, scope, assignment);
  }

  // ───────────────────────────── properties ─────────────────────────────

  getProperty(obj: Value, key: string, node: ts.Node, objNode?: ts.Node): Value {
    if (obj instanceof Opaque) {
      this.mayThrow();
      if (obj.chain && objNode && sameRange(obj.unknown.range, this.range(objNode))) return this.chainOpaque(obj.chain, node, 'read');
      return obj;
    }
    if (obj === null || obj === undefined) this.throwError(`Cannot read properties of ${String(obj)} (reading '${key}')`, node);
    if (isPrimitive(obj)) return primitiveProperty(this, obj, key, node);
    if (obj instanceof ObjectValue) {
      if (obj.tainted) return new Opaque(obj.tainted, [obj]);
      const s = obj.props.get(key);
      if (s) return s.value;
      return objectProtoProperty(this, obj, key, node);
    }
    if (obj instanceof ArrayValue) {
      if (obj.tainted) return new Opaque(obj.tainted, [obj]);
      return arrayProperty(this, obj, key, node);
    }
    if (obj instanceof DagState) return dagProperty(this, obj, key, node);
    if (obj instanceof TaskState) return taskProperty(this, obj, key, node);
    if (obj instanceof BuiltinFunction) return obj.options.members?.get(key) ?? this.chainOpaque({ kind: 'global', root: obj.name }, node, 'read');
    if (obj instanceof NamespaceValue) {
      const m = obj.members.get(key);
      if (m !== undefined) return m;
      if (obj.name === 'a-la-mode') return this.opaque(`${this.text(node)} is not modelled by the analysis`, node);
      return this.chainOpaque({ kind: 'global', root: obj.name }, node, 'read');
    }
    if (obj instanceof DagClassValue) return this.chainOpaque({ kind: 'global', root: 'Dag' }, node, 'read');
    // Closures and iterators: their properties are not modelled.
    return this.opaque(`${this.text(node)} is not modelled by the analysis`, node, [obj]);
  }

  chainOpaque(chain: Chain, node: ts.Node, mode: 'read' | 'call'): Opaque {
    const text = this.text(node);
    let why: string;
    if (chain.kind === 'global') why = mode === 'read' ? `${text} is read at run time` : `${text} is computed at run time`;
    else if (chain.kind === 'builtin') why = `${text} is not modelled by the analysis`;
    else why = mode === 'read' ? `${text} comes from '${chain.root}', which the analysis does not read` : `${text} runs code from '${chain.root}', which the analysis does not read`;
    return new Opaque(new UnknownValue(why, this.range(node)), NO_REACH, chain);
  }

  setProperty(obj: Value, key: string, value: Value, assignment: ts.Node, objNode?: ts.Node): void {
    if (obj instanceof Opaque) {
      this.mayThrow();
      if (obj.chain?.kind === 'global' && (obj.chain.root === 'globalThis' ? MODELLED_GLOBALS.has(key) : MODELLED_GLOBALS.has(obj.chain.root))) this.patchBuiltins(assignment);
      const why = new UnknownValue(`${this.text(assignment)} stores into ${objNode ? this.text(objNode) : 'a value'}, which is not static (${obj.unknown.why})`, this.range(assignment));
      this.escape(obj, why);
      this.escape(value, why);
      return;
    }
    if (obj === null || obj === undefined) this.throwError(`Cannot set properties of ${String(obj)} (setting '${key}')`, assignment);
    if (isPrimitive(obj)) {
      // Ignored in sloppy mode, a TypeError in strict mode.
      this.mayThrow();
      return;
    }
    const range = this.range(assignment);
    if (obj instanceof ObjectValue) {
      if (obj.tainted) return this.escape(value, obj.tainted);
      if (obj.frozen) return this.mayThrow();
      const s = obj.props.get(key);
      if (s?.accessor || key === '__proto__') {
        const why = new UnknownValue(key === '__proto__' ? `${this.text(assignment)} changes the prototype of an object` : `${this.text(assignment)} runs a setter`, range);
        this.escape(obj, why);
        this.escape(value, why);
        return;
      }
      this.touch(obj);
      obj.props.set(key, { value, range });
      this.charge(1, assignment);
      return;
    }
    if (obj instanceof ArrayValue) {
      if (obj.tainted) return this.escape(value, obj.tainted);
      if (obj.frozen) return this.mayThrow();
      const i = arrayIndex(key);
      if (i !== undefined) {
        if (i >= this.limits.maxArrayLength) {
          const why = this.limitOpaque(`the array grows beyond ${this.limits.maxArrayLength.toLocaleString('en-US')} elements`, assignment).unknown;
          this.escape(obj, why);
          this.escape(value, why);
          return;
        }
        this.touch(obj);
        while (obj.items.length < i) obj.items.push(undefined);
        obj.items[i] = { value, range };
        return;
      }
      if (key === 'length') {
        const n = typeof value === 'number' ? value : Number.NaN;
        if (!(Number.isInteger(n) && n >= 0 && n < 2 ** 32)) this.throwError('Invalid array length', assignment);
        if (n > this.limits.maxArrayLength) {
          const why = this.limitOpaque(`the array grows beyond ${this.limits.maxArrayLength.toLocaleString('en-US')} elements`, assignment).unknown;
          this.escape(obj, why);
          return;
        }
        this.touch(obj);
        if (n < obj.items.length) obj.items.length = n;
        else while (obj.items.length < n) obj.items.push(undefined);
        return;
      }
      const why = new UnknownValue(`${this.text(assignment)} sets a property of an array, which the analysis does not model`, range);
      this.escape(obj, why);
      this.escape(value, why);
      return;
    }
    if (obj instanceof DagState || obj instanceof TaskState) {
      const why = new UnknownValue(`${this.text(assignment)} changes the ${obj instanceof DagState ? 'Dag' : 'task'} object itself`, range);
      this.escape(obj, why);
      this.escape(value, why);
      return;
    }
    if (obj instanceof BuiltinFunction || obj instanceof NamespaceValue || obj instanceof DagClassValue) this.patchBuiltins(assignment);
    this.escape(value, new UnknownValue(`${this.text(assignment)} stores a value where the analysis does not follow it`, range));
  }

  private deleteProperty(obj: Value, key: string | Opaque, node: ts.Node): Value {
    if (obj === null || obj === undefined) this.throwError(`Cannot convert undefined or null to object`, node);
    const why = (): UnknownValue => new UnknownValue(`${this.text(node)} deletes a property the analysis does not follow`, this.range(node));
    if (obj instanceof ObjectValue && !obj.tainted && !(key instanceof Opaque)) {
      if (obj.frozen) {
        this.mayThrow();
        return false;
      }
      const s = obj.props.get(key);
      if (s?.accessor) this.escape(obj, why());
      else {
        this.touch(obj);
        obj.props.delete(key);
      }
      return true;
    }
    if (obj instanceof ArrayValue && !obj.tainted && !(key instanceof Opaque)) {
      if (obj.frozen) {
        this.mayThrow();
        return false;
      }
      const i = arrayIndex(key);
      if (i !== undefined) {
        this.touch(obj);
        if (i < obj.items.length) obj.items[i] = undefined;
        return true;
      }
      if (key === 'length') return false;
      return true;
    }
    if (isPrimitive(obj)) return true;
    if (obj instanceof Opaque) {
      this.mayThrow();
      if (obj.chain?.kind === 'global' && (MODELLED_GLOBALS.has(obj.chain.root) || obj.chain.root === 'globalThis')) this.patchBuiltins(node);
    }
    if (obj instanceof BuiltinFunction || obj instanceof NamespaceValue || obj instanceof DagClassValue) this.patchBuiltins(node);
    this.escape(obj, why());
    return this.opaque(`the result of ${this.text(node)} is not modelled`, node);
  }

  private patchBuiltins(node: ts.Node): void {
    if (this.builtinsPatched) return;
    const why = new UnknownValue(`${this.text(node)} changes a built-in object, so built-in functions are not modelled after it`, this.range(node));
    this.builtinsPatched = why;
  }

  toPrimitive(v: Value, node: ts.Node, hint: 'string' | 'default' = 'default'): Primitive | Opaque {
    return toPrimitiveValue(this, v, node, hint);
  }

  // ───────────────────────────── calls ─────────────────────────────

  call(fn: Value, thisValue: Value, args: readonly Value[], site: CallSite): Value {
    if (fn instanceof Closure) return this.callClosure(fn, thisValue, args, site);
    if (fn instanceof BuiltinFunction) {
      const spread = fn.options.spreadAware ? undefined : findSpread(args);
      if (spread) return this.callUnseen(fn, thisValue, args, site, spread.unknown);
      if (this.builtinsPatched && !fn.options.dsl) return this.callUnseen(fn, thisValue, args, site, this.builtinsPatched);
      return fn.impl(this, thisValue, args, site);
    }
    if (fn instanceof Opaque) return this.callOpaque(fn, thisValue, args, site);
    if (fn instanceof DagClassValue) this.throwError("Class constructor Dag cannot be invoked without 'new'", site.node);
    this.throwError(`${this.calleeText(site)} is not a function`, site.node);
  }

  private calleeText(site: CallSite): string {
    const n = site.node;
    return isCallExpression(n) || isNewExpression(n) ? this.text(n.expression) : this.text(n);
  }

  /**
   * A call into code the analysis does not follow (a known function called in a way it does not model):
   * the function, `this` and the arguments escape; the result is opaque.
   */
  private callUnseen(fn: Value, thisValue: Value, args: readonly Value[], site: CallSite, cause?: UnknownValue): Opaque {
    this.mayThrow();
    const why = cause ?? new UnknownValue(`${this.text(site.node)} runs code the analysis does not follow`, this.range(site.node));
    this.escape(fn, why);
    this.escape(thisValue, why);
    for (const a of args) this.escape(a, why);
    return new Opaque(why);
  }

  private callOpaque(fn: Opaque, thisValue: Value, args: readonly Value[], site: CallSite): Value {
    this.mayThrow();
    const n = site.node;
    const calleeNode = ts.isCallExpression(n) || ts.isNewExpression(n) ? n.expression : undefined;
    const chain = fn.chain !== undefined && calleeNode !== undefined && sameRange(fn.unknown.range, this.range(calleeNode)) ? fn.chain : undefined;
    // One reason for the call, whether for its result or for what it was given.
    const result = chain ? this.chainOpaque(chain, n, 'call') : undefined;
    const safe = chain?.kind === 'global' && SAFE_GLOBAL_CALLS.has(chain.root);
    if (!safe) {
      const why = result && chain?.kind === 'import' ? result.unknown : new UnknownValue(`${this.text(n)} runs code the analysis cannot see`, this.range(n));
      this.escape(fn, why);
      this.escape(thisValue, why);
      for (const a of args) {
        if (a instanceof Opaque && a.chain?.kind === 'global' && MODELLED_GLOBALS.has(a.chain.root)) this.patchBuiltins(n);
        this.escape(a, why);
      }
    }
    const reach = safe ? reachOf(args) : NO_REACH;
    if (result) return reach.length ? new Opaque(result.unknown, reach, result.chain) : result;
    return new Opaque(fn.unknown, reach);
  }

  private callClosure(fn: Closure, thisValue: Value, args: readonly Value[], site: CallSite): Value {
    const node = fn.node;
    if (!fn.supported || !ts.isFunctionLike(node)) {
      const what = ts.isClassLike(node) ? 'a class' : 'an async function or generator';
      return this.callUnseen(fn, thisValue, args, site, new UnknownValue(`${this.text(site.node)} calls ${what}, which the analysis does not follow`, this.range(site.node)));
    }
    const spread = findSpread(args);
    if (spread) return this.callUnseen(fn, thisValue, args, site, spread.unknown);
    if (this.callDepth >= this.limits.maxCallDepth) {
      const why = this.limitOpaque(`calls nest more than ${this.limits.maxCallDepth} deep here; the analysis does not follow them further`, site.node).unknown;
      return this.callUnseen(fn, thisValue, args, site, why);
    }
    this.step(site.node);
    const isArrow = isArrowFunction(node);
    if (!isArrow && usesArguments(node)) {
      // Sloppy-mode `arguments` aliases the parameters (the bundle the CLI runs is not strict).
      return this.callUnseen(fn, thisValue, args, site, new UnknownValue(`${this.text(site.node)} calls a function that uses \`arguments\`, which the analysis does not follow`, this.range(site.node)));
    }
    // In a plain call, `this` is the global object in the (sloppy) bundle, undefined in strict code.
    const callThis = !isArrow && (thisValue === undefined || thisValue === null) ? this.globalThisValue(site.node) : thisValue;
    const scope = new Scope(fn.scope, true, isArrow ? undefined : { value: callThis });
    if (ts.isFunctionExpression(node) && node.name) this.declare(scope, node.name.text, { value: fn, kind: 'function', initialised: true });
    this.callDepth++;
    try {
      let i = 0;
      for (const p of node.parameters) {
        if (isIdentifier(p.name) && p.name.text === 'this') continue; // TypeScript's `this` parameter is erased
        let value: Value;
        if (p.dotDotDotToken) value = new ArrayValue(args.slice(i).map((a) => ({ value: a, range: undefined })));
        else value = args[i];
        i++;
        if (p.initializer) value = this.applyDefault(value, p.initializer, scope);
        this.bindPattern(p.name, value, scope, 'param');
      }
      const body = node.body;
      if (!body) return undefined;
      if (!isBlock(body)) return this.evalExpr(body, scope);
      this.hoist(body.statements, scope, body);
      const c = this.evalStatements(body.statements, scope);
      if (!c) return undefined;
      if (c.kind === 'return') return c.value;
      if (c.kind === 'uncertain') return new Opaque(c.why, c.reach);
      return undefined;
    } finally {
      this.callDepth--;
    }
  }

  private globalThisValue(node: ts.Node): Opaque {
    return new Opaque(new UnknownValue('`this` in a plain function call is the global object (or undefined in strict code)', this.range(node)), NO_REACH, { kind: 'global', root: 'globalThis' });
  }

  /**
   * A direct `eval(code)` can read and assign every variable in scope, now and later (through
   * functions it makes): each becomes volatile, and everything reachable from them escapes.
   */
  private directEval(scope: Scope, node: ts.Node): Opaque {
    const why = new UnknownValue(`${this.text(node)} runs code the analysis cannot see, with access to every variable in scope`, this.range(node));
    this.mayThrow();
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      for (const b of s.bindings.values()) {
        if (b.importedFrom) continue;
        this.escape(b.value, why);
        if (b.kind !== 'const' && b.kind !== 'import') {
          this.touchBinding(b);
          b.value = new Opaque(why);
          b.volatile = why;
        }
      }
    }
    this.escape(scope.thisValue(), why);
    return new Opaque(why);
  }

  /**
   * Classes are not modelled: calling or constructing one is unseen code. Some of a class runs when it
   * is defined (static blocks and fields, computed keys, `extends`, decorators): then it escapes at once.
   */
  private makeClass(node: ts.ClassLikeDeclaration, scope: Scope): Closure {
    const cls = new Closure(node, scope, undefined, node.name?.text ?? '', false);
    if (classRunsCodeWhenDefined(node)) {
      this.escape(cls, new UnknownValue(`the class ${node.name?.text ?? ''} runs code when it is defined, which the analysis does not follow`.replace('class  ', 'class '), this.range(node.name ?? node)));
    }
    return cls;
  }

  private makeClosure(node: ts.FunctionLikeDeclaration, scope: Scope): Closure {
    const isAsync = ts.canHaveModifiers(node) && (ts.getModifiers(node)?.some((m) => m.kind === SK.AsyncKeyword) ?? false);
    const isGenerator = node.asteriskToken !== undefined;
    const lexicalThis = isArrowFunction(node) ? scope.thisValue() : undefined;
    const name = node.name && isIdentifier(node.name) ? node.name.text : '';
    return new Closure(node, scope, lexicalThis, name, !isAsync && !isGenerator && node.body !== undefined);
  }

  private evalArgs(nodes: readonly ts.Expression[], scope: Scope): { values: Value[]; infos: ArgInfo[] } {
    const values: Value[] = [];
    const infos: ArgInfo[] = [];
    for (let index = 0; index < nodes.length; index++) {
      const arg = nodes[index]!;
      if (isSpreadElement(arg)) {
        const v = this.evalExpr(arg.expression, scope);
        const items = this.iterate(v, arg.expression);
        if (items instanceof Opaque) {
          values.push(new SpreadOpaque(items.unknown, items.reach));
          infos.push({ node: arg, index, spread: true });
        } else {
          for (const item of items) {
            values.push(item);
            infos.push({ node: arg, index, spread: true });
          }
        }
      } else {
        values.push(this.evalExpr(arg, scope));
        infos.push({ node: arg, index, spread: false });
      }
    }
    return { values, infos };
  }

  private evalCall(node: ts.CallExpression, scope: Scope): ChainResult {
    this.runCalls.add(node.pos);
    const callee = node.expression;
    if (callee.kind === SK.ImportKeyword || callee.kind === SK.SuperKeyword) {
      const { values } = this.evalArgs(node.arguments, scope);
      const why = new UnknownValue(callee.kind === SK.ImportKeyword ? `${this.text(node)} loads a module at run time` : '`super(…)` is not modelled by the analysis', this.range(node));
      for (const v of values) this.escape(v, why);
      return new Opaque(why);
    }
    if (isIdentifier(callee) && callee.text === 'eval' && !scope.lookup('eval')) {
      for (const arg of node.arguments) this.evalExpr(isSpreadElement(arg) ? arg.expression : arg, scope);
      return this.directEval(scope, node);
    }
    let fn: Value;
    let thisValue: Value = undefined;
    const inner = skipOuter(callee);
    if (isPropertyAccess(inner) || isElementAccess(inner)) {
      const recv = this.evalChainOperand(inner, scope);
      if (recv === SHORT) {
        if (inner !== callee) fn = undefined; // `(a?.b)()`: the chain ends at the parenthesis
        else return SHORT;
      } else if (inner.questionDotToken && (recv === null || recv === undefined)) {
        if (inner !== callee) fn = undefined;
        else return SHORT;
      } else {
        thisValue = recv;
        const key = isPropertyAccess(inner) ? inner.name.text : this.keyOf(this.evalExpr(inner.argumentExpression, scope), inner.argumentExpression);
        if (key instanceof Opaque) {
          if (recv === null || recv === undefined) this.throwError(`Cannot read properties of ${String(recv)}`, inner);
          fn = new Opaque(key.unknown, reachOf([recv]));
        } else {
          fn = this.getProperty(recv, key, inner, inner.expression);
        }
      }
    } else {
      const f = this.evalMaybeChain(callee, scope);
      if (f === SHORT) return SHORT;
      fn = f;
    }
    if (node.questionDotToken && (fn === null || fn === undefined)) return SHORT;
    const { values, infos } = this.evalArgs(node.arguments, scope);
    return this.call(fn, thisValue, values, { node, args: infos, argumentCount: node.arguments.length });
  }

  private evalNew(node: ts.NewExpression, scope: Scope): Value {
    const callee = this.evalExpr(node.expression, scope);
    const argNodes = node.arguments ?? [];
    const { values, infos } = this.evalArgs(argNodes, scope);
    const site: CallSite = { node, args: infos, argumentCount: argNodes.length };
    if (callee instanceof DagClassValue) {
      return newDag(this, values, site, findSpread(values));
    }
    if (callee instanceof BuiltinFunction && callee.options.construct) {
      if (this.builtinsPatched) return this.callUnseen(callee, undefined, values, site, this.builtinsPatched);
      return callee.options.construct(this, undefined, values, site);
    }
    if (callee instanceof Opaque) return this.callOpaque(callee, undefined, values, site);
    if (callee instanceof Closure || callee instanceof BuiltinFunction) {
      return this.callUnseen(callee, undefined, values, site, new UnknownValue(`${this.text(node)} constructs an object the analysis does not model`, this.range(node)));
    }
    this.throwError(`${this.text(node.expression)} is not a constructor`, node);
  }

  // ───────────────────────────── expressions ─────────────────────────────

  /** Evaluates the operand of a member access, continuing an optional chain. */
  private evalChainOperand(node: ts.PropertyAccessExpression | ts.ElementAccessExpression, scope: Scope): ChainResult {
    return node.flags & NF.OptionalChain ? this.evalMaybeChain(node.expression, scope) : this.evalExpr(node.expression, scope);
  }

  private evalMaybeChain(node: ts.Expression, scope: Scope): ChainResult {
    if (node.flags & NF.OptionalChain) {
      if (isPropertyAccess(node) || isElementAccess(node)) return this.evalMember(node, scope);
      if (isCallExpression(node)) return this.evalCall(node, scope);
      if (ts.isNonNullExpression(node)) return this.evalMaybeChain(node.expression, scope);
    }
    return this.evalExpr(node, scope);
  }

  private evalMember(node: ts.PropertyAccessExpression | ts.ElementAccessExpression, scope: Scope): ChainResult {
    const obj = this.evalChainOperand(node, scope);
    if (obj === SHORT) return SHORT;
    if (node.questionDotToken && (obj === null || obj === undefined)) return SHORT;
    let key: string | Opaque;
    if (isPropertyAccess(node)) {
      key = node.name.text;
      if (key === '') return this.incomplete(node.name);
    } else {
      key = this.keyOf(this.evalExpr(node.argumentExpression, scope), node.argumentExpression);
    }
    if (key instanceof Opaque) {
      if (obj === null || obj === undefined) this.throwError(`Cannot read properties of ${String(obj)}`, node);
      return new Opaque(key.unknown, reachOf([obj]));
    }
    return this.getProperty(obj, key, node, node.expression);
  }

  evalIdentifier(node: ts.Identifier, scope: Scope): Value {
    const name = node.text;
    if (name === '') return this.incomplete(node);
    const b = scope.lookup(name);
    if (!b) return globalValue(this, name, node);
    if (b.importedFrom) {
      const chain: Chain = { kind: 'import', root: b.importedFrom.module };
      return this.chainOpaque(chain, node, 'read');
    }
    if (b.volatile) return new Opaque(b.volatile, reachOf([b.value]));
    if (!b.initialised) {
      // At the top of a module, esbuild's bundle (what the CLI runs) makes let/const/class a `var`:
      // the read gives undefined there, where ES modules throw. Follow the bundle, but as uncertain.
      if (scope.lookupScope(name) !== this.moduleScope) this.throwError(`Cannot access '${name}' before initialization`, node);
      this.mayThrow();
      return undefined;
    }
    const v = b.value;
    if (v instanceof TaskState) this.addTaskReference(v, this.range(node), 'variable');
    return v;
  }

  evalExpr(node: ts.Expression, scope: Scope): Value {
    if (++this.ops >= this.nextBudgetCheck) this.checkBudget(node);
    switch (node.kind) {
      case SK.NumericLiteral:
        return Number((node as ts.NumericLiteral).text);
      case SK.BigIntLiteral:
        return parseBigInt((node as ts.BigIntLiteral).text);
      case SK.StringLiteral:
      case SK.NoSubstitutionTemplateLiteral:
        // Unterminated (being typed): its text runs to the end of the line or file, not what is meant.
        if ((node as ts.StringLiteral).isUnterminated) return this.incomplete(node);
        return (node as ts.StringLiteral).text;
      case SK.TrueKeyword:
        return true;
      case SK.FalseKeyword:
        return false;
      case SK.NullKeyword:
        return null;
      case SK.Identifier:
        return this.evalIdentifier(node as ts.Identifier, scope);
      case SK.ThisKeyword:
        return scope.thisValue();
      case SK.ParenthesizedExpression:
      case SK.AsExpression:
      case SK.SatisfiesExpression:
      case SK.TypeAssertionExpression:
      case SK.NonNullExpression:
      case SK.PartiallyEmittedExpression:
      case SK.ExpressionWithTypeArguments:
        return this.evalExpr((node as ts.ParenthesizedExpression).expression, scope);
      case SK.TemplateExpression:
        if ((node as ts.TemplateExpression).templateSpans.some((span) => span.literal.isUnterminated)) return this.incomplete(node);
        return this.evalTemplate(node as ts.TemplateExpression, scope);
      case SK.ArrayLiteralExpression:
        return this.evalArrayLiteral(node as ts.ArrayLiteralExpression, scope);
      case SK.ObjectLiteralExpression:
        return this.evalObjectLiteral(node as ts.ObjectLiteralExpression, scope);
      case SK.PropertyAccessExpression:
      case SK.ElementAccessExpression: {
        const v = this.evalMember(node as ts.PropertyAccessExpression, scope);
        return v === SHORT ? undefined : v;
      }
      case SK.CallExpression: {
        const v = this.evalCall(node as ts.CallExpression, scope);
        return v === SHORT ? undefined : v;
      }
      case SK.NewExpression:
        return this.evalNew(node as ts.NewExpression, scope);
      case SK.ArrowFunction:
      case SK.FunctionExpression:
        return this.makeClosure(node as ts.FunctionExpression, scope);
      case SK.ClassExpression:
        return this.makeClass(node as ts.ClassExpression, scope);
      case SK.BinaryExpression:
        return this.evalBinary(node as ts.BinaryExpression, scope);
      case SK.PrefixUnaryExpression:
        return this.evalPrefix(node as ts.PrefixUnaryExpression, scope);
      case SK.PostfixUnaryExpression: {
        const p = node as ts.PostfixUnaryExpression;
        return this.evalUpdate(p.operand, p.operator === SK.PlusPlusToken ? 1 : -1, false, p, scope);
      }
      case SK.TypeOfExpression: {
        const v = this.evalExpr((node as ts.TypeOfExpression).expression, scope);
        const t = typeOf(v);
        return t ?? new Opaque((v as Opaque).unknown, (v as Opaque).reach);
      }
      case SK.VoidExpression:
        this.evalExpr((node as ts.VoidExpression).expression, scope);
        return undefined;
      case SK.DeleteExpression: {
        const target = skipOuter((node as ts.DeleteExpression).expression);
        if (isPropertyAccess(target) || isElementAccess(target)) {
          const operand = this.evalChainOperand(target, scope);
          // `delete a?.b` with a nullish `a` deletes nothing and is true.
          if (operand === SHORT || (target.questionDotToken && (operand === null || operand === undefined))) return true;
          const obj = operand;
          const key = isPropertyAccess(target) ? target.name.text : this.keyOf(this.evalExpr(target.argumentExpression, scope), target.argumentExpression);
          return this.deleteProperty(obj, key, node);
        }
        this.evalExpr(target, scope);
        return true;
      }
      case SK.AwaitExpression: {
        const v = this.evalExpr((node as ts.AwaitExpression).expression, scope);
        const why = new UnknownValue(`${this.text(node)} is only known at run time`, this.range(node));
        this.mayThrow();
        // Awaiting calls `.then` on thenables: the value is handed over.
        this.escape(v, why);
        return new Opaque(why);
      }
      case SK.ConditionalExpression:
        return this.evalConditional(node as ts.ConditionalExpression, scope);
      case SK.RegularExpressionLiteral:
        return this.opaque('regular expressions are not evaluated by the analysis', node);
      case SK.TaggedTemplateExpression: {
        const t = node as ts.TaggedTemplateExpression;
        const tag = this.evalExpr(t.tag, scope);
        const spans = ts.isTemplateExpression(t.template) ? t.template.templateSpans.map((s) => this.evalExpr(s.expression, scope)) : [];
        return this.callUnseen(tag, undefined, spans, { node, args: [], argumentCount: 0 }, new UnknownValue(`${this.text(node)} (a tagged template) is not evaluated by the analysis`, this.range(node)));
      }
      case SK.MetaProperty:
        return this.chainOpaque({ kind: 'global', root: 'import.meta' }, node, 'read');
      case SK.OmittedExpression:
        return undefined;
      case SK.SpreadElement:
        return this.evalExpr((node as ts.SpreadElement).expression, scope);
      default:
        // Syntax the analysis does not model (`yield`, JSX, a node the parser could not finish).
        return this.opaque(`${this.text(node)} is not evaluated by the analysis`, node, this.havoc([node], scope, new UnknownValue(`${this.text(node)} is not evaluated by the analysis`, this.range(node))));
    }
  }

  private evalTemplate(node: ts.TemplateExpression, scope: Scope): Value {
    let out = node.head.text;
    let unknown: Opaque | undefined;
    for (const span of node.templateSpans) {
      const v = this.evalExpr(span.expression, scope);
      const s = this.toStr(v, span.expression);
      if (s instanceof Opaque) unknown ??= s;
      else out += s;
      out += span.literal.text;
      if (out.length > this.limits.maxStringLength) return this.limitOpaque(`the string grows beyond ${this.limits.maxStringLength.toLocaleString('en-US')} characters`, node);
    }
    return unknown ? new Opaque(unknown.unknown) : out;
  }

  /** JS `ToString` of a known value (as templates and `String()` do). */
  toStr(v: Value, node: ts.Node): string | Opaque {
    if (typeof v === 'string') return v;
    const p = this.toPrimitive(v, node, 'string');
    if (p instanceof Opaque) return new Opaque(p.unknown);
    return String(p);
  }

  private evalArrayLiteral(node: ts.ArrayLiteralExpression, scope: Scope): Value {
    const items: (Slot | undefined)[] = [];
    let unknown: Opaque | undefined;
    for (const el of node.elements) {
      if (isOmittedExpression(el)) {
        items.push(undefined);
      } else if (isSpreadElement(el)) {
        const v = this.evalExpr(el.expression, scope);
        if (v instanceof ArrayValue && !v.tainted) {
          const range = this.range(el);
          for (const s of v.items) items.push(s ? copySlot(s) : { value: undefined, range });
          this.charge(v.items.length, el);
        } else {
          const values = this.iterate(v, el.expression);
          if (values instanceof Opaque) unknown ??= values;
          else {
            const range = this.range(el);
            for (const x of values) items.push({ value: x, range });
          }
        }
      } else {
        items.push({ value: this.evalExpr(el, scope), range: this.range(el) });
      }
      if (items.length > this.limits.maxArrayLength) return this.limitOpaque(`the array grows beyond ${this.limits.maxArrayLength.toLocaleString('en-US')} elements`, node);
    }
    if (unknown) return new Opaque(unknown.unknown, [...unknown.reach, ...reachOf(items.map((s) => s?.value))]);
    return new ArrayValue(items);
  }

  private evalObjectLiteral(node: ts.ObjectLiteralExpression, scope: Scope): Value {
    const obj = new ObjectValue();
    let unknown: UnknownValue | undefined;
    const lost: Value[] = [];
    for (const p of node.properties) {
      if (isPropertyAssignment(p)) {
        const key = this.propertyKey(p.name, scope);
        const value = this.evalExpr(p.initializer, scope);
        if (key instanceof Opaque) {
          unknown ??= key.unknown;
          lost.push(value);
        } else if (key === '__proto__' && !isComputedPropertyName(p.name)) {
          // `{__proto__: x}` sets the prototype: not a plain data object any more.
          unknown ??= new UnknownValue('an object literal that sets __proto__ is not modelled by the analysis', this.range(p));
          lost.push(value);
        } else {
          obj.props.set(key, { value, range: this.range(p) });
        }
      } else if (isShorthandPropertyAssignment(p)) {
        obj.props.set(p.name.text, { value: this.evalIdentifier(p.name, scope), range: this.range(p) });
      } else if (isSpreadAssignment(p)) {
        const v = this.evalExpr(p.expression, scope);
        const cause = this.spreadInto(obj, v, p);
        if (cause) {
          unknown ??= cause;
          lost.push(v);
        }
      } else if (isMethodDeclaration(p)) {
        const key = this.propertyKey(p.name, scope);
        const fn = this.makeClosure(p, scope);
        if (key instanceof Opaque) {
          unknown ??= key.unknown;
          lost.push(fn);
        } else {
          obj.props.set(key, { value: fn, range: this.range(p) });
        }
      } else if (isGetAccessor(p) || isSetAccessor(p)) {
        const key = this.propertyKey(p.name, scope);
        const fn = this.makeClosure(p, scope);
        const why = new UnknownValue(`${this.text(p.name)} is a ${isGetAccessor(p) ? 'getter' : 'setter'}, which the analysis does not run`, this.range(p));
        // An accessor may run whenever the property is read or written, so its body is out of sight.
        this.escape(fn, why);
        if (key instanceof Opaque) unknown ??= key.unknown;
        else obj.props.set(key, { value: new Opaque(why), range: this.range(p), accessor: true });
      }
      if (obj.props.size > this.limits.maxArrayLength) return this.limitOpaque(`the object grows beyond ${this.limits.maxArrayLength.toLocaleString('en-US')} properties`, node);
    }
    if (unknown) {
      const values = [...lost, ...[...obj.props.values()].map((s) => s.value)];
      return new Opaque(unknown, reachOf(values));
    }
    return obj;
  }

  /** Copies `v`'s own enumerable properties into `obj`; returns why not when they are not known. */
  private spreadInto(obj: ObjectValue, v: Value, node: ts.SpreadAssignment): UnknownValue | undefined {
    if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return undefined;
    if (typeof v === 'string') {
      const range = this.range(node);
      for (let i = 0; i < v.length; i++) obj.props.set(String(i), { value: v[i], range });
      this.charge(v.length, node);
      return undefined;
    }
    if (v instanceof ObjectValue && !v.tainted) {
      for (const key of orderedKeys(v)) {
        const s = v.props.get(key)!;
        obj.props.set(key, copySlot(s));
      }
      this.charge(v.props.size, node);
      return undefined;
    }
    if (v instanceof ArrayValue && !v.tainted) {
      v.items.forEach((s, i) => { if (s) obj.props.set(String(i), copySlot(s)); });
      this.charge(v.items.length, node);
      return undefined;
    }
    if (v instanceof Opaque) return v.unknown;
    if (v instanceof ObjectValue || v instanceof ArrayValue) return v.tainted;
    return new UnknownValue(`the properties of ${this.text(node.expression)} are not modelled by the analysis`, this.range(node.expression));
  }

  private evalConditional(node: ts.ConditionalExpression, scope: Scope): Value {
    const cond = this.evalExpr(node.condition, scope);
    const t = truthiness(cond);
    if (t === true) return this.evalExpr(node.whenTrue, scope);
    if (t === false) return this.evalExpr(node.whenFalse, scope);
    return this.eitherWay(cond as Opaque, node.condition, [() => this.evalExpr(node.whenTrue, scope), () => this.evalExpr(node.whenFalse, scope)], [node.whenTrue, node.whenFalse], scope);
  }

  /**
   * An expression whose value is one of `branches`, which one decided by the unknown `cond`: each is
   * evaluated speculatively and the results merged (havocked when that is not possible).
   */
  private eitherWay(cond: Opaque, condNode: ts.Node, branches: readonly (() => Value)[], nodes: readonly ts.Node[], scope: Scope): Value {
    const why = cond.unknown;
    const onlyIf = this.conditionUnknown(cond, condNode, 'it is made on one branch only, and which branch runs is not static');
    const done = this.speculate(branches, () => true, why, onlyIf);
    if (done) return this.mergedValue(done.results, done.map, why);
    const reach = this.havoc(nodes, scope, why);
    return new Opaque(why, [...cond.reach, ...reach]);
  }

  private evalBinary(node: ts.BinaryExpression, scope: Scope): Value {
    const op = node.operatorToken.kind;
    switch (op) {
      case SK.EqualsToken: {
        const left = skipOuter(node.left);
        if (isObjectLiteral(left) || isArrayLiteral(left)) {
          const v = this.evalExpr(node.right, scope);
          this.assignTo(left, v, scope, node);
          return v;
        }
        const ref = this.reference(node.left, scope);
        const v = this.evalExpr(node.right, scope);
        this.writeReference(ref, v, scope, node);
        return v;
      }
      case SK.CommaToken:
        this.evalExpr(node.left, scope);
        return this.evalExpr(node.right, scope);
      case SK.AmpersandAmpersandToken:
      case SK.BarBarToken:
      case SK.QuestionQuestionToken: {
        const left = this.evalExpr(node.left, scope);
        const decided = shortCircuits(op, left);
        if (decided === true) return left;
        if (decided === false) return this.evalExpr(node.right, scope);
        return this.eitherWay(left as Opaque, node.left, [() => left, () => this.evalExpr(node.right, scope)], [node.right], scope);
      }
      case SK.AmpersandAmpersandEqualsToken:
      case SK.BarBarEqualsToken:
      case SK.QuestionQuestionEqualsToken: {
        const ref = this.reference(node.left, scope);
        const old = this.readReference(ref, scope);
        const base = op === SK.AmpersandAmpersandEqualsToken ? SK.AmpersandAmpersandToken : op === SK.BarBarEqualsToken ? SK.BarBarToken : SK.QuestionQuestionToken;
        const decided = shortCircuits(base, old);
        if (decided === true) return old;
        if (decided === false) {
          const v = this.evalExpr(node.right, scope);
          this.writeReference(ref, v, scope, node);
          return v;
        }
        const why = (old as Opaque).unknown;
        const reach = this.havoc([node.right], scope, why);
        const v = new Opaque(why, [...(old as Opaque).reach, ...reach]);
        this.writeReference(ref, v, scope, node);
        return v;
      }
    }
    if (op >= SK.FirstCompoundAssignment && op <= SK.LastCompoundAssignment) {
      const ref = this.reference(node.left, scope);
      const old = this.readReference(ref, scope);
      const right = this.evalExpr(node.right, scope);
      const v = this.binaryOp(compoundToBinary(op), old, right, node);
      this.writeReference(ref, v, scope, node);
      return v;
    }
    const left = this.evalExpr(node.left, scope);
    const right = this.evalExpr(node.right, scope);
    return this.binaryOp(op, left, right, node);
  }

  binaryOp(op: ts.SyntaxKind, a: Value, b: Value, node: ts.Node): Value {
    switch (op) {
      case SK.EqualsEqualsEqualsToken:
      case SK.ExclamationEqualsEqualsToken: {
        const eq = strictEquals(a, b);
        if (eq === undefined) return this.unknownOperand(a, b);
        return op === SK.EqualsEqualsEqualsToken ? eq : !eq;
      }
      case SK.EqualsEqualsToken:
      case SK.ExclamationEqualsToken: {
        const eq = this.looseEquals(a, b, node);
        if (eq instanceof Opaque) return eq;
        return op === SK.EqualsEqualsToken ? eq : !eq;
      }
      case SK.InKeyword:
        return this.inOperator(a, b, node);
      case SK.InstanceOfKeyword:
        if (b instanceof DagClassValue && !(a instanceof Opaque)) return a instanceof DagState;
        return this.opaque(`${this.text(node)} is not evaluated by the analysis`, node);
    }
    if (a instanceof Opaque || b instanceof Opaque) return this.unknownOperand(a, b);
    const pa = isPrimitive(a) ? a : this.toPrimitive(a, node);
    const pb = isPrimitive(b) ? b : this.toPrimitive(b, node);
    if (pa instanceof Opaque || pb instanceof Opaque) return this.unknownOperand(pa, pb);
    return applyBinary(this, op, pa, pb, node);
  }

  private unknownOperand(a: Value, b: Value): Opaque {
    const o = (a instanceof Opaque ? a : b) as Opaque;
    return new Opaque(o.unknown);
  }

  private looseEquals(a: Value, b: Value, node: ts.Node): boolean | Opaque {
    if (a instanceof Opaque || b instanceof Opaque) return this.unknownOperand(a, b);
    const pa = isPrimitive(a);
    const pb = isPrimitive(b);
    if (pa && pb) return (a as Primitive) == (b as Primitive);
    if (!pa && !pb) return a === b;
    const prim = (pa ? a : b) as Primitive;
    if (prim === null || prim === undefined) return false;
    const other = this.toPrimitive(pa ? b : a, node);
    if (other instanceof Opaque) return other;
    return prim == other;
  }

  private inOperator(key: Value, obj: Value, node: ts.Node): Value {
    if (obj instanceof Opaque) {
      this.mayThrow();
      return new Opaque(obj.unknown);
    }
    if (isPrimitive(obj)) this.throwError(`Cannot use 'in' operator to search for '${String(key)}' in ${String(obj)}`, node);
    const k = this.keyOf(key, node);
    if (k instanceof Opaque) return new Opaque(k.unknown);
    if (this.builtinsPatched) return new Opaque(this.builtinsPatched);
    if (obj instanceof ObjectValue && !obj.tainted) return obj.props.has(k) || k in Object.prototype;
    if (obj instanceof ArrayValue && !obj.tainted) {
      const i = arrayIndex(k);
      if (i !== undefined) return obj.items[i] !== undefined;
      return k === 'length' || k in Array.prototype;
    }
    return this.opaque(`${this.text(node)} is not evaluated by the analysis`, node);
  }

  private evalPrefix(node: ts.PrefixUnaryExpression, scope: Scope): Value {
    const op = node.operator;
    if (op === SK.PlusPlusToken || op === SK.MinusMinusToken) return this.evalUpdate(node.operand, op === SK.PlusPlusToken ? 1 : -1, true, node, scope);
    const v = this.evalExpr(node.operand, scope);
    if (op === SK.ExclamationToken) {
      const t = truthiness(v);
      return t === undefined ? new Opaque((v as Opaque).unknown) : !t;
    }
    if (v instanceof Opaque) return new Opaque(v.unknown);
    const p = isPrimitive(v) ? v : this.toPrimitive(v, node);
    if (p instanceof Opaque) return p;
    try {
      switch (op) {
        case SK.MinusToken:
          return -(p as number);
        case SK.PlusToken:
          return +(p as number);
        case SK.TildeToken:
          return ~(p as number);
      }
    } catch (e) {
      this.throwError(e instanceof Error ? `${e.name}: ${e.message}` : String(e), node);
    }
    return this.opaque(`${this.text(node)} is not evaluated by the analysis`, node);
  }

  /** `x++`, `--obj.n`: ToNumeric, add one, store; the value of the expression is the old or new number. */
  private evalUpdate(operand: ts.Expression, delta: 1 | -1, prefix: boolean, node: ts.Node, scope: Scope): Value {
    const ref = this.reference(operand, scope);
    const old = this.readReference(ref, scope);
    let oldNumeric: Value;
    if (old instanceof Opaque) oldNumeric = new Opaque(old.unknown);
    else {
      const p = isPrimitive(old) ? old : this.toPrimitive(old, node);
      if (p instanceof Opaque) oldNumeric = p;
      else {
        try {
          oldNumeric = typeof p === 'bigint' ? p : Number(p);
        } catch (e) {
          this.throwError(e instanceof Error ? `${e.name}: ${e.message}` : String(e), node);
        }
      }
    }
    const next: Value = oldNumeric instanceof Opaque ? oldNumeric : typeof oldNumeric === 'bigint' ? oldNumeric + BigInt(delta) : (oldNumeric as number) + delta;
    this.writeReference(ref, next, scope, node);
    return prefix ? next : oldNumeric;
  }
}

// ───────────────────────────── helpers ─────────────────────────────

/** Whether defining the class runs some of its code (static blocks and fields, computed keys, `extends`, decorators). */
function classRunsCodeWhenDefined(node: ts.ClassLikeDeclaration): boolean {
  if (node.heritageClauses?.some((h) => h.token === SK.ExtendsKeyword)) return true;
  if (ts.canHaveDecorators(node) && ts.getDecorators(node)?.length) return true;
  for (const m of node.members) {
    if (ts.isClassStaticBlockDeclaration(m)) return true;
    if (m.name && ts.isComputedPropertyName(m.name)) return true;
    if (ts.canHaveDecorators(m) && ts.getDecorators(m)?.length) return true;
    const isStatic = ts.canHaveModifiers(m) && (ts.getModifiers(m)?.some((x) => x.kind === SK.StaticKeyword) ?? false);
    if (isStatic && ts.isPropertyDeclaration(m) && m.initializer) return true;
  }
  return false;
}

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

const argumentsUse = new WeakMap<ts.Node, boolean>();

/** Whether a (non-arrow) function's own code mentions `arguments` (arrows inside it share it). */
function usesArguments(fn: ts.Node): boolean {
  let uses = argumentsUse.get(fn);
  if (uses === undefined) {
    let found = false;
    const visit = (n: ts.Node): void => {
      if (found) return;
      if (n.kind === SK.Identifier && (n as ts.Identifier).text === 'arguments') found = true;
      else if (n === fn || !((ts.isFunctionLike(n) && !isArrowFunction(n)) || ts.isClassLike(n))) ts.forEachChild(n, visit);
    };
    visit(fn);
    uses = found;
    argumentsUse.set(fn, uses);
  }
  return uses;
}

function findSpread(args: readonly Value[]): SpreadOpaque | undefined {
  for (const a of args) if (a instanceof SpreadOpaque) return a;
  return undefined;
}

function parseBigInt(text: string): bigint {
  return BigInt(text.replace(/n$/, '').replace(/_/g, ''));
}

function bindingIdentifiers(name: ts.BindingName): ts.Identifier[] {
  if (isIdentifier(name)) return [name];
  const out: ts.Identifier[] = [];
  for (const el of name.elements) if (!isOmittedExpression(el)) out.push(...bindingIdentifiers(el.name));
  return out;
}

/** Names of `var`s declared in a function body (not in nested functions), which hoist to its scope. */
function collectVarNames(statements: readonly ts.Statement[]): string[] {
  const names = new Set<string>();
  const declare = (list: ts.VariableDeclarationList | ts.Expression | undefined): void => {
    if (list && ts.isVariableDeclarationList(list) && (list.flags & NF.BlockScoped) === 0) {
      for (const d of list.declarations) for (const id of bindingIdentifiers(d.name)) names.add(id.text);
    }
  };
  // Only statements can declare vars; expressions (including the functions in them) are skipped.
  const visit = (s: ts.Statement | undefined): void => {
    if (!s) return;
    switch (s.kind) {
      case SK.VariableStatement: return declare((s as ts.VariableStatement).declarationList);
      case SK.Block: return (s as ts.Block).statements.forEach(visit);
      case SK.IfStatement: visit((s as ts.IfStatement).thenStatement); return visit((s as ts.IfStatement).elseStatement);
      case SK.ForStatement: declare((s as ts.ForStatement).initializer); return visit((s as ts.ForStatement).statement);
      case SK.ForInStatement:
      case SK.ForOfStatement: declare((s as ts.ForInOrOfStatement).initializer); return visit((s as ts.ForInOrOfStatement).statement);
      case SK.WhileStatement:
      case SK.DoStatement: return visit((s as ts.WhileStatement).statement);
      case SK.LabeledStatement: return visit((s as ts.LabeledStatement).statement);
      case SK.TryStatement: {
        const t = s as ts.TryStatement;
        visit(t.tryBlock);
        visit(t.catchClause?.block);
        return visit(t.finallyBlock);
      }
      case SK.SwitchStatement: for (const c of (s as ts.SwitchStatement).caseBlock.clauses) c.statements.forEach(visit); return;
      default: return;
    }
  };
  statements.forEach(visit);
  return [...names];
}

/** `===` on known values (heap values by identity); undefined when either side is unknown. */
function strictEquals(a: Value, b: Value): boolean | undefined {
  if (a instanceof Opaque || b instanceof Opaque) return undefined;
  return a === b;
}

/** Whether `a op b` (op one of `&&`, `||`, `??`) is decided by `a` alone (true), needs `b` (false), or is unknown. */
function shortCircuits(op: ts.SyntaxKind, a: Value): boolean | undefined {
  if (a instanceof Opaque) return undefined;
  if (op === SK.QuestionQuestionToken) return !(a === null || a === undefined);
  const t = truthiness(a)!;
  return op === SK.AmpersandAmpersandToken ? !t : t;
}

function compoundToBinary(op: ts.SyntaxKind): ts.SyntaxKind {
  switch (op) {
    case SK.PlusEqualsToken: return SK.PlusToken;
    case SK.MinusEqualsToken: return SK.MinusToken;
    case SK.AsteriskEqualsToken: return SK.AsteriskToken;
    case SK.AsteriskAsteriskEqualsToken: return SK.AsteriskAsteriskToken;
    case SK.SlashEqualsToken: return SK.SlashToken;
    case SK.PercentEqualsToken: return SK.PercentToken;
    case SK.LessThanLessThanEqualsToken: return SK.LessThanLessThanToken;
    case SK.GreaterThanGreaterThanEqualsToken: return SK.GreaterThanGreaterThanToken;
    case SK.GreaterThanGreaterThanGreaterThanEqualsToken: return SK.GreaterThanGreaterThanGreaterThanToken;
    case SK.AmpersandEqualsToken: return SK.AmpersandToken;
    case SK.BarEqualsToken: return SK.BarToken;
    case SK.CaretEqualsToken: return SK.CaretToken;
    default: return op;
  }
}

/** Whether the parser flagged `node` or a node inside it (iterative: arguments may nest deeply). */
function hasErrorInside(node: ts.Node): boolean {
  const stack: ts.Node[] = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (n.flags & ts.NodeFlags.ThisNodeHasError) return true;
    ts.forEachChild(n, (child) => {
      stack.push(child);
    });
  }
  return false;
}
