/**
 * The interpreter as its parts see one another. Each file of `semantics/` implements one concern
 * (statements, expressions, calls, bindings, the heap, escape and havoc, branches) as functions of an
 * {@link Interpreter}; they never import each other, and reach one another through it (`ev.evalExpr`,
 * `ev.havoc`, …). `evaluator.ts` holds the state and wires the methods to their semantics, so the
 * import graph has no cycles.
 */
import type ts from 'typescript';
import type { AnalysisDiagnosticCode, SourceRange, TaskReference, UnfollowedTaskCall, UnknownValue } from './types';
import type { Budget } from './budget';
import type { Journal, MergeHost } from './speculation';
import type { RegionFacts } from './regions';
import type { DeepRegion } from './deepNesting';
import type {
  Binding,
  BindingKind,
  BuiltinFunction,
  CallSite,
  ClassValue,
  Closure,
  InstanceValue,
  DagState,
  HeapValue,
  ObjectValue,
  Opaque,
  PrivateMember,
  Realm,
  Scope,
  Slot,
  TaskState,
  TemplateStringsValue,
  Value,
} from './values';

/** Result of an optional chain that short-circuited (`a?.b` with `a` nullish). */
export const SHORT: unique symbol = Symbol('short-circuit');
export type ChainResult = Value | typeof SHORT;

/** How a statement ended, when not normally. */
export type Completion =
  | undefined
  | { readonly kind: 'return'; readonly value: Value }
  | { readonly kind: 'break' | 'continue'; readonly label: string | undefined }
  /** Control may or may not have left here (a havocked region can return or jump): the rest is havocked too. */
  | { readonly kind: 'uncertain'; readonly why: UnknownValue; readonly reach: readonly HeapValue[] };

/** A place a value can be assigned to. */
export type Reference =
  | { readonly kind: 'variable'; readonly node: ts.Identifier }
  | { readonly kind: 'property'; readonly obj: Value; readonly key: string | Opaque; readonly node: ts.Node; readonly objNode: ts.Node }
  | { readonly kind: 'private'; readonly obj: Value; readonly member: PrivateMember | undefined; readonly node: ts.PropertyAccessExpression }
  | { readonly kind: 'invalid' };

/** Unknown conditions nested deeper than this are havocked rather than evaluated both ways (2^n work). */
export const MAX_SPECULATION_DEPTH = 3;

/** The values a generator run to completion yields (see `Interpreter.yieldSinks`). */
export interface YieldSink {
  readonly values: Slot[];
  /** Run for a `for…of` (see `isolatedGenerators.ts`): it must yield primitives, and not too many. */
  readonly isolated?: boolean;
  /** How deep in speculative branches the generator started: a yield deeper is on a branch not decided. */
  readonly journals: number;
  /** Set when which values it yields is not known. */
  unknown: UnknownValue | undefined;
}

export interface Interpreter extends Realm, MergeHost {
  // ── state ──
  readonly sf: ts.SourceFile;
  readonly budget: Budget;
  readonly dags: DagState[];
  readonly silent: WeakSet<UnknownValue>;
  readonly runCalls: Set<number>;
  /**
   * The call whose value is iterated to its end as soon as it is made (the operand of a spread,
   * `Array.from`'s only argument): a generator called there runs to completion at once (see
   * `evalDrained` in calls.ts).
   */
  drainedCall: ts.Node | undefined;
  /** The call an `await` is evaluating the operand of: an async function called there runs through (see `evalAwait`). */
  awaitedCall: ts.Node | undefined;
  /** The async function an `await` runs through (see `callClosure`): its `return f()` outside a `try` is awaited too. */
  awaitedFunction: ts.Node | undefined;
  /** Set when {@link drainedCall} is a `for…of`'s: only a generator that cannot interact with the loop runs (`evalIsolated`). */
  drainIsolated: boolean;
  /** What each generator running to completion has yielded so far, innermost last. */
  readonly yieldSinks: YieldSink[];
  /** Each tagged template's template object, by site: JS makes it once per site and hands the same one. */
  readonly templateObjects: Map<ts.TemplateLiteral, TemplateStringsValue>;
  /** `dag.task(…)` calls of the analysed module in havocked code, by `pos` (see `ModuleAnalysis`). */
  readonly unfollowedTaskCalls: Map<number, UnfollowedTaskCall>;
  /** Notes a `x.task(…)` call of the analysed module whose tasks the analysis cannot see made, and why (its lens says so). */
  noteUnfollowedTaskCall(call: ts.CallExpression, callee: ts.PropertyAccessExpression, why: UnknownValue): void;
  builtinsPatched: UnknownValue | undefined;
  /**
   * Built-in functions (and bound ones) handed to code the analysis cannot see in this analysis: that
   * code may have given them their own `call`, `apply` or `bind`.
   */
  readonly escapedBuiltins: Set<BuiltinFunction>;
  havocEpoch: number;
  /** See {@link Realm.unseenCodeRuns} (counted by havoc and calls of code not followed). */
  unseenCodeRuns: number;
  /** Journals of the speculative branches being evaluated, outermost first (see speculation.ts). */
  readonly journals: Journal[];
  /** Evaluations of each object literal that is a call's second argument (see evaluator.ts). */
  readonly specLiteralEvaluations: Map<ts.ObjectLiteralExpression, number>;
  /** The module's top-level scope. */
  readonly moduleScope: Scope;
  /** The analysed module's code that led to what is evaluated in another module (see evaluator.ts). */
  readonly anchors: ts.Node[];
  /** The analysed module's calls being evaluated, innermost last (see evaluator.ts). */
  readonly callSites: ts.Node[];
  callDepth: number;
  /** Counts operations that might have thrown at run time (on unknown values): a `try` compares it. */
  uncertainty: number;
  /** Heap writes so far (see evaluator.ts). */
  readonly writes: number;
  /** How many `try` blocks with a `catch` the evaluation is inside (a certain throw is then modelled exactly). */
  catchDepth: number;

  // ── services (evaluator.ts) ──
  /** A write that throws in strict mode only: the module may fail there (see evaluator.ts). */
  throwsIfStrict(what: string, node: ts.Node): void;
  report(code: AnalysisDiagnosticCode, range: SourceRange, message: string, origin?: SourceRange): void;
  addTaskReference(task: TaskState, range: SourceRange, kind: TaskReference['kind']): void;
  addNameReference(dag: DagState, name: string, range: SourceRange, kind: TaskReference['kind']): void;
  addCompletionSite(dag: DagState, range: SourceRange): void;
  nextIteration(site: ts.Node): number;
  declare(scope: Scope, name: string, binding: Binding): void;
  incompleteCall(node: ts.Node): UnknownValue | undefined;
  /** A silent unknown for code that is still being typed. */
  incomplete(node: ts.Node): Opaque;
  // ── where things are (evaluator.ts) ──
  /** Whether `node` is in the analysed module (only there are references and completion sites). */
  inEntry(node: ts.Node): boolean;
  /** `node`'s own range, with its file when that is another module. */
  locate(node: ts.Node): SourceRange;
  /** `node`'s own range when in another module, for `origin`/`madeAt`. */
  elsewhere(node: ts.Node): SourceRange | undefined;
  /** Whether `node` runs in the top level of an imported module, not called from the analysed module's code. */
  runsAtImport(node: ts.Node): boolean;
  /** The callee name of the DSL call at `site`, or of the call in the analysed module that led to it. */
  calleeRange(site: ts.Node): SourceRange;
  /** An unknown for `node`, placed in the analysed module, with where it is in another. */
  unknown(why: string, node: ts.Node, anchor?: ts.Node): UnknownValue;
  sameSpot(u: UnknownValue, node: ts.Node): boolean;
  keywordRange(node: ts.Node, length: number): SourceRange;
  slot(value: Value, node: ts.Node): Slot;
  fileOf(node: ts.Node): ts.SourceFile;

  // ── escape.ts ──
  havoc(nodes: readonly ts.Node[], scope: Scope, why: UnknownValue, options?: { volatile?: boolean; reach?: readonly HeapValue[] }): HeapValue[];
  havocRest(rest: readonly ts.Statement[], scope: Scope, c: Extract<Completion, { kind: 'uncertain' }>): Completion;
  afterHavoc(facts: RegionFacts, why: UnknownValue, reach: readonly HeapValue[]): Completion;
  conditionUnknown(cond: Opaque, node: ts.Node, what: string): UnknownValue;
  unreadCode(node: ts.Identifier, region: DeepRegion, scope: Scope): { value: Opaque; completion: Completion };

  // ── branches.ts ──
  speculate<T>(branches: readonly (() => T)[], accept: (r: T) => boolean, why: UnknownValue, onlyIf: UnknownValue): { results: T[]; map: (v: Value) => Value } | undefined;
  eitherWay(cond: Opaque, condNode: ts.Node, branches: readonly (() => Value)[], nodes: readonly ts.Node[], scope: Scope): Value;

  // ── statements.ts ──
  evalStatements(statements: readonly ts.Statement[], scope: Scope): Completion;

  // ── bindings.ts ──
  hoist(statements: readonly ts.Statement[], scope: Scope, functionBody: ts.Node | undefined): void;
  initBinding(id: ts.Identifier, value: Value, scope: Scope, kind: BindingKind): void;
  bindPattern(name: ts.BindingName, value: Value, scope: Scope, kind: BindingKind): void;
  applyDefault(v: Value, init: ts.Expression, scope: Scope): Value;
  propertyKey(name: ts.PropertyName | ts.Expression, scope: Scope): string | Opaque;
  keyOf(v: Value, node: ts.Node): string | Opaque;
  reference(target: ts.Expression, scope: Scope): Reference;
  readReference(ref: Reference, scope: Scope): Value;
  writeReference(ref: Reference, value: Value, scope: Scope, assignment: ts.Node): void;
  assignTo(target: ts.Expression, value: Value, scope: Scope, assignment: ts.Node): void;
  evalIdentifier(node: ts.Identifier, scope: Scope): Value;

  // ── properties.ts ──
  setProperty(obj: Value, key: string, value: Value, assignment: ts.Node, objNode?: ts.Node): void;
  deleteProperty(obj: Value, key: string | Opaque, node: ts.Node): Value;
  patchBuiltins(node: ts.Node): void;

  // ── calls.ts ──
  callUnseen(fn: Value, thisValue: Value, args: readonly Value[], site: CallSite, cause?: UnknownValue): Opaque;
  directEval(scope: Scope, node: ts.Node): Opaque;
  /** The module's `import.meta`, once the module started to run (undefined without a host, or before). */
  importMeta(node: ts.Node): ObjectValue | undefined;
  /** `require('./c.json')` (the module's own `require`): the file's object, loaded once; undefined for any other call. */
  requiredJson(node: ts.CallExpression): { readonly value: Value } | undefined;
  makeClass(node: ts.ClassLikeDeclaration, scope: Scope): Closure;
  makeClosure(node: ts.FunctionLikeDeclaration, scope: Scope): Closure;
  evalCall(node: ts.CallExpression, scope: Scope): ChainResult;
  /** Whether a call of `member` on `recv` has no `this`: a namespace import's export named statically, which esbuild rewrites into the export. */
  plainNamespaceMember(recv: Value, member: ts.PropertyAccessExpression | ts.ElementAccessExpression, scope: Scope): boolean;
  /** `node`, whose value is iterated to its end at once: a generator called there runs to completion. */
  evalDrained(node: ts.Expression, scope: Scope): Value;
  evalIsolated(node: ts.Expression, scope: Scope): Value;
  evalNew(node: ts.NewExpression, scope: Scope): Value;

  // ── enums.ts ──
  evalEnum(node: ts.EnumDeclaration, scope: Scope): void;

  // ── classes.ts ──
  /** How the bundle defines class fields in the file of `node` (undefined: not known). */
  classFieldsOf(node: ts.Node): 'define' | 'assign' | undefined;
  construct(cls: ClassValue, args: readonly Value[], site: CallSite): Value;
  superCall(node: ts.CallExpression, args: readonly Value[], site: CallSite, scope: Scope): Value;
  superProperty(node: ts.PropertyAccessExpression | ts.ElementAccessExpression, key: string | Opaque, scope: Scope): Value;
  superValue(node: ts.Node, scope: Scope): Opaque;
  instanceProperty(inst: InstanceValue, key: string, node: ts.Node): Value;
  /** A property of a Dag made by a class extending Dag (`DagState.cls`). */
  dagInstanceProperty(dag: DagState, key: string, node: ts.Node): Value;
  staticProperty(cls: ClassValue, key: string, node: ts.Node): Value;
  /** True when the write is done (a setter ran, or it was not followed); false for a plain write. */
  setInstanceProperty(inst: InstanceValue, key: string, value: Value, assignment: ts.Node): boolean;
  setStaticProperty(cls: ClassValue, key: string, value: Value, assignment: ts.Node): void;
  /** The private member `#x` names at `id` here (undefined where the analysis does not find it). */
  resolvePrivate(id: ts.PrivateIdentifier, scope: Scope): PrivateMember | undefined;
  getPrivate(obj: Value, member: PrivateMember | undefined, node: ts.PropertyAccessExpression): Value;
  setPrivate(obj: Value, member: PrivateMember | undefined, value: Value, node: ts.Node): void;
  privateIn(member: PrivateMember | undefined, obj: Value, node: ts.BinaryExpression): Value;

  // ── expressions.ts ──
  evalExpr(node: ts.Expression, scope: Scope): Value;
  /** See `Evaluator.failsOnUnhandledRejection`. */
  failsOnUnhandledRejection(node: ts.Node, awaited: Value): void;
  /** Evaluates an expression whose value is awaited at once (`evalAwaitedOperand` in semantics/expressions.ts). */
  evalAwaitedOperand(node: ts.Expression, scope: Scope): Value;
  evalChainOperand(node: ts.PropertyAccessExpression | ts.ElementAccessExpression, scope: Scope): ChainResult;
  evalMaybeChain(node: ts.Expression, scope: Scope): ChainResult;
  binaryOp(op: ts.SyntaxKind, a: Value, b: Value, node: ts.Node): Value;
}

