/**
 * What the static analysis of a pipeline module produces: the DAGs it defines, each task with its
 * definition (as the core takes it) and the source ranges an editor needs. No LSP types here: ranges
 * are UTF-16 offsets into the document text; the server converts them to positions.
 */
import type { PathSegment } from '../core/values';

/** Half-open range of UTF-16 offsets into the module text. */
export interface SourceRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Stands for a value the analysis cannot know without running code (`process.env.X`, a call into
 * another module, …). Appears inside specs and meta; a task whose spec or inputs contain one has no
 * output, and the reason is shown instead.
 */
export class UnknownValue {
  constructor(
    /** Why, in a phrase: "process.env.SHA is read at run time". */
    readonly why: string,
    /** The expression that could not be evaluated. */
    readonly range: SourceRange,
  ) {}
}

/** One argument of an `addDep(...)` call (or a dependency added some other way the analysis understands). */
export interface AnalysedDep {
  /** The input task's name, when known. */
  readonly name?: string;
  /** Set when the argument cannot be known statically (the task then has no output). */
  readonly unknown?: UnknownValue;
  /** The argument expression (a string literal, a variable, `dag.get('x')`, …). */
  readonly range: SourceRange;
  /** When the name is written as a string literal: the literal's range *inside* the quotes. */
  readonly nameLiteralRange?: SourceRange;
  /** The whole `x.addDep(...)` call, for a quick fix that removes the edge. */
  readonly callRange: SourceRange;
  /** The argument list of that call and how many arguments it has, so a fix can remove one argument. */
  readonly argumentIndex: number;
  readonly argumentCount: number;
}

export interface AnalysedTask {
  /** Undefined when the name itself is not static. */
  readonly name?: string;
  /** Set when the name is not static. */
  readonly nameUnknown?: UnknownValue;
  /** The spec value: plain objects/arrays/strings/numbers/bigints/booleans, possibly containing {@link UnknownValue}s. */
  readonly spec: unknown;
  readonly deps: readonly AnalysedDep[];
  /**
   * Set when something the analysis cannot see may have changed this task after it was created (it
   * was passed to code in another module, say). The task then has no output.
   */
  readonly tainted?: UnknownValue;
  /** The `dag.task(...)` call expression. Tasks created in a loop share it. */
  readonly callRange: SourceRange;
  /** Range of the callee's property name `task` in `dag.task(`, where the code lens goes. */
  readonly calleeRange: SourceRange;
  /** The name argument's expression, and, when it is a string literal, the text inside its quotes. */
  readonly nameRange: SourceRange;
  readonly nameLiteralRange?: SourceRange;
  /** The spec argument's expression. */
  readonly specRange: SourceRange;
  /**
   * Where each spec value came from in the source, keyed by `JSON.stringify(path)` (path as in
   * `checkValue`): the property assignment (or element) that produced it. Used to put `invalid-value`
   * diagnostics on the offending property. Missing entries fall back to `specRange`.
   */
  readonly valueRanges: ReadonlyMap<string, SourceRange>;
  /** Which iteration of an enclosing loop/map created it (0 for straight-line code). */
  readonly iteration: number;
}

export interface AnalysedDag {
  /** The `new Dag(...)` expression. */
  readonly range: SourceRange;
  /** The variable it is bound to, if any (`const dag = new Dag(...)`). */
  readonly variable?: string;
  /** True when this Dag is the module's default export (what the CLI encodes). */
  readonly isDefaultExport: boolean;
  /** The meta argument (`{}` when omitted); may contain {@link UnknownValue}s. */
  readonly meta: unknown;
  readonly metaRange?: SourceRange;
  readonly metaValueRanges: ReadonlyMap<string, SourceRange>;
  /** In creation order. */
  readonly tasks: readonly AnalysedTask[];
  /**
   * Set when the Dag object itself escaped to code the analysis cannot see (passed to an imported
   * function, say): tasks may have been added or changed there, so no output in it can be trusted.
   */
  readonly tainted?: UnknownValue;
}

export type AnalysisDiagnosticCode = 'not-static' | 'analysis-limit';

export interface AnalysisDiagnostic {
  readonly code: AnalysisDiagnosticCode;
  readonly range: SourceRange;
  readonly message: string;
}

/** A reference to a task in the source: a name literal or a variable holding the task. */
export interface TaskReference {
  /** Index into {@link ModuleAnalysis.dags}. */
  readonly dag: number;
  readonly task: string;
  readonly range: SourceRange;
  /** `definition`: the name literal in `dag.task('x', …)`; `string`: a name literal elsewhere (`addDep('x')`, `dag.get('x')`); `variable`: an identifier holding the task. */
  readonly kind: 'definition' | 'string' | 'variable';
}

export interface ModuleAnalysis {
  readonly dags: readonly AnalysedDag[];
  readonly diagnostics: readonly AnalysisDiagnostic[];
  /** Every place a task is named or referenced, for hover, definition, references and rename. */
  readonly references: readonly TaskReference[];
  /** Ranges of string literals where a task name can be completed (`addDep('|')`, `dag.get('|')`), with their dag. */
  readonly completionSites: readonly { readonly dag: number; readonly range: SourceRange }[];
  /** True when the parser reported syntax errors (the analysis still covers what parsed). */
  readonly hasSyntaxErrors: boolean;
  /** The `pos` of every call expression the analysis evaluated; calls not in it are in code that did not run. */
  readonly runCalls: ReadonlySet<number>;
}

export type { PathSegment };
