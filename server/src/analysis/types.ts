/**
 * What the static analysis of a pipeline module produces: the DAGs it defines, each task with its
 * definition (as the core takes it) and the source ranges an editor needs. No LSP types here: ranges
 * are UTF-16 offsets into the document text; the server converts them to positions.
 *
 * Every range is in the analysed module unless it has a `file`. What happens in a module it imports is
 * placed on the analysed module's own code that led there (the call of the helper, or the import
 * declaration), with where it happened in the other module beside it (`madeAt`, `origin`).
 */
import type { PathSegment } from '../core/values';

/** Half-open range of UTF-16 offsets into the module text. */
export interface SourceRange {
  readonly start: number;
  readonly end: number;
  /** The absolute path of the file the offsets are in; absent: the analysed module itself. */
  readonly file?: string;
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
    /** The expression that could not be evaluated (in the analysed module: see the module comment). */
    readonly range: SourceRange,
    /** The expression in the module it comes from, when that is another module (`file` set). */
    readonly origin?: SourceRange,
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
  /** Set when the argument is a spread (`...checks`), which may make other edges too. */
  readonly spread?: true;
  /** The `addDep(...)` call in another module, when it was made there (the ranges above are then the call site in this one). */
  readonly madeAt?: SourceRange;
  /**
   * When the `addDep` ran inside a function or constructor: the calls in this module that led there,
   * innermost first (the 16 innermost, for deep recursion). A helper's `x.addDep(y)` makes many edges; the
   * call `link(b, a)` may make just this one.
   */
  readonly via?: readonly SourceRange[];
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
  /**
   * Values written in another module (a helper building the spec), by the same keys as `valueRanges`,
   * whose entries are then the call site in this module.
   */
  readonly valueOrigins?: ReadonlyMap<string, SourceRange>;
  /** Which iteration of an enclosing loop/map created it (0 for straight-line code). */
  readonly iteration: number;
  /**
   * The `dag.task(...)` call, when it is in another module (`file` set): the ranges above are then the
   * outermost call in this module that led to it (`addQualityChecks(dag)`), where the lens goes.
   */
  readonly madeAt?: SourceRange;
}

export interface AnalysedDag {
  /** The `new Dag(...)` expression. */
  readonly range: SourceRange;
  /** The variable it is bound to, if any (`const dag = new Dag(...)`). */
  readonly variable?: string;
  /** True when this Dag is the module's default export (what the CLI encodes). */
  readonly isDefaultExport: boolean;
  /**
   * Set when the module itself certainly encodes this Dag (`dag.encode()`, `bencode()` or `save()`,
   * not in a branch that may not run nor inside a `try` that catches), which throws on its problems.
   */
  readonly encodedByModule?: true;
  /** The meta argument (`{}` when omitted); may contain {@link UnknownValue}s. */
  readonly meta: unknown;
  readonly metaRange?: SourceRange;
  readonly metaValueRanges: ReadonlyMap<string, SourceRange>;
  /** Meta values written in another module (see {@link AnalysedTask.valueOrigins}). */
  readonly metaValueOrigins?: ReadonlyMap<string, SourceRange>;
  /** The `new Dag(...)` expression in another module, when it is there. */
  readonly madeAt?: SourceRange;
  /**
   * Set when the Dag is another module's and this one only imports it: made, with all its tasks and
   * inputs, while the modules this one imports ran, and neither exported as default (nor perhaps, when
   * the default export is not known) nor encoded here
   * (`import { RAW } from './ingest.alamode'` runs ingest's pipeline). Its tasks show in their own
   * module, not as lenses on this module's import line, and nothing here encodes it.
   */
  readonly fromImportsOnly?: true;
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
  /** Where in another module the cause is (`file` set), when the range is this module's code that led there. */
  readonly origin?: SourceRange;
}

/** A reference to a task in the source: a name literal or a variable holding the task. */
export interface TaskReference {
  /** Index into {@link ModuleAnalysis.dags}. */
  readonly dag: number;
  readonly task: string;
  readonly range: SourceRange;
  /**
   * `definition`: the name literal in `dag.task('x', …)`; `string`: a name literal elsewhere
   * (`addDep('x')`, `dag.get('x')`); `variable`: an identifier holding the task; `computed`: a DSL
   * call's argument that is the name but not written as a literal there (`dag.get(nm)`,
   * `addDep(...names)`, `dag.task(SRC, …)`), which a rename cannot edit.
   */
  readonly kind: 'definition' | 'string' | 'variable' | 'computed';
}

/**
 * A `dag.task(…)` call of the analysed module in code the analysis did not follow (a loop over a list
 * it does not know, a function handed to code it cannot see): tasks may be made there, unseen.
 */
export interface UnfollowedTaskCall {
  /** The callee's property name `task`, where a task's code lens goes. */
  readonly calleeRange: SourceRange;
  /** Why the code around the call is not followed. */
  readonly why: UnknownValue;
}

/**
 * The name a version of a module other than the one on disk is analysed under (the diff's base):
 * `<path>#committed`. Its own cache entry, but the same file to the module (`__filename`, relative reads).
 */
export const COMMITTED_SUFFIX = '#committed';

/** The module's path on disk, from the name it is analysed under. */
export function sourcePathOf(fileName: string): string {
  return fileName.endsWith(COMMITTED_SUFFIX) ? fileName.slice(0, -COMMITTED_SUFFIX.length) : fileName;
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
  /** `dag.task(…)` calls in code not followed that made no task the analysis saw, in source order. */
  readonly unfollowedTaskCalls: readonly UnfollowedTaskCall[];
  /**
   * Every absolute path the analysis read or looked for through its host (modules it imports, the
   * `tsconfig.json` and `package.json` files it consulted, candidate files that did not exist), the
   * analysed module's own path excepted: the analysis may change when any of them changes or appears.
   * Empty without a host.
   */
  readonly modules: readonly string[];
  /** The text the analysis read for each other module whose ranges it gives (`file`), to place them. */
  readonly moduleTexts: ReadonlyMap<string, string>;
}

export type { PathSegment };
