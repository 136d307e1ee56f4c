/**
 * Static analysis of a pipeline module: the Dags it builds, without running it (see `evaluator.ts`),
 * following the modules it imports when the caller gives a {@link ModuleHost} to read them.
 *
 * The server calls this on every keystroke, so parsing is incremental: the last syntax tree of each
 * file is kept and updated with the edit (as TypeScript's own language service does), and the last
 * result is returned as is when the text did not change (nor any file it read).
 */
import type ts from 'typescript';
import { Evaluator } from './evaluator';
import { Materialiser, reportUnknowns } from './finalise';
import { nestedNameLiterals, taskNameLiterals, type NameLiteral, type NestedNameLiteral } from './nameLiterals';
import type { AnalysedDag, ModuleAnalysis, SourceRange, UnfollowedTaskCall } from './types';
import { taskStubPlace, type StubPlace } from './stubPlace';
import { inExportedCode } from './exportedCode';
import { DEFAULT_LIMITS, type Limits } from './budget';
import { DEFAULT_GRAPH_LIMITS, ModuleGraph, type GraphLimits } from './modules/graph';
import type { FileReader, ModuleHost, ReadRecord } from './modules/host';
import { parseDiagnosticsOf, parseFresh, parseIncremental, textChange, type Parsed } from './parse';
import { applyStringEdit, EditableStrings, specLiteralsOf, withinSpecLiteral, type SpecLiteral } from './literalEdits';

export type { ModuleHost };

export interface AnalyseOptions {
  /** Budgets (tests lower them to exercise the limits). */
  readonly limits?: Partial<Limits & GraphLimits>;
  /** Parse from scratch, ignoring the incremental cache. */
  readonly fresh?: boolean;
  /**
   * Told about a failure inside the analysis (a bug), which otherwise only shows as an empty result.
   * The server can log it; tests fail on it.
   */
  readonly onInternalError?: (error: unknown) => void;
  /**
   * How to read the files the module imports (relative imports, `tsconfig.json` `paths`, package.json
   * `imports`): the analysis then follows them, as the bundle the CLI runs does. Without one, what the
   * module imports is unknown (the file name need not be a real path then).
   */
  readonly host?: ModuleHost;
}

interface CacheEntry {
  /** The text `result` is for. */
  text: string;
  /**
   * The last syntax tree: of `text`, or of an earlier text when edits inside spec strings were applied
   * to the result without parsing (see `literalEdits.ts`); brought up to date when a tree is needed.
   */
  tree: Parsed;
  result: ModuleAnalysis | undefined;
  /** The files the result read, to tell whether it still holds (see `Evaluator.graph`). */
  graph: ModuleGraph | undefined;
  /** The spec literals of the evaluation that made `result` (nodes of `tree`, which is then `text`'s). */
  specLiterals?: readonly SpecLiteral[] | undefined;
  /** Their strings an edit may change in place, made from `specLiterals` on the first such edit. */
  strings?: EditableStrings | undefined;
  /** How the last request for this file was answered (see {@link howAnswered}). */
  answer?: Answer;
  /** When `result` is an edit in a string applied to another result: that one, and the task edited. */
  edited?: StringEditOf | undefined;
}

/** An analysis that is another with one spec changed (see {@link stringEditOf}). */
export interface StringEditOf {
  readonly before: ModuleAnalysis;
  readonly dag: number;
  readonly task: number;
}

type Answer = 'the last result' | 'an edit in a string' | 'an analysis';

/** The last tree per file name. Few files are edited at once; the oldest entries go first. */
const cache = new Map<string, CacheEntry>();
const CACHE_SIZE = 16;

const EMPTY: ModuleAnalysis = Object.freeze({ dags: [], diagnostics: [], references: [], completionSites: [], hasSyntaxErrors: false, runCalls: new Set<number>(), unfollowedTaskCalls: [], modules: [], moduleTexts: new Map<string, string>() });

/**
 * Parsing cost grows with the text and cannot be interrupted: beyond this many characters (about ten
 * times a 6,000-line module) the module is not analysed at all.
 */
const MAX_TEXT_LENGTH = 4_000_000;

/** The result for a module the parser cannot read at all. */
function tooDeep(): ModuleAnalysis {
  return { ...EMPTY, diagnostics: [{ code: 'analysis-limit', range: { start: 0, end: 0 }, message: 'the module nests too deeply for the analysis to read it' }] };
}

function parse(fileName: string, text: string, fresh: boolean): CacheEntry | undefined {
  const previous = fresh ? undefined : cache.get(fileName);
  if (previous) cache.delete(fileName);
  // The previous tree is consumed by an update (its nodes are reused), so it is not kept.
  const sourceFile = parseIncremental(fileName, text, previous?.tree);
  if (!sourceFile) return undefined;
  const entry: CacheEntry = previous?.text === text ? { ...previous, tree: { text, sourceFile } } : { text, tree: { text, sourceFile }, result: undefined, graph: undefined, edited: undefined };
  remember(fileName, entry);
  return entry;
}

function remember(fileName: string, entry: CacheEntry): void {
  cache.delete(fileName);
  cache.set(fileName, entry);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
}

/**
 * The analysis of `text` as an edit inside a string of a spec, from the last analysis of the same file
 * (see `literalEdits.ts`); undefined when the edit is anything else.
 */
function editInString(fileName: string, previous: CacheEntry, text: string): ModuleAnalysis | undefined {
  if (!previous.result) return undefined;
  const change = textChange(previous.text, text);
  if (!previous.strings) {
    // Made on the first edit inside a spec literal after an evaluation, while the tree is still the
    // one it evaluated (other edits are analysed again, and the literals with them).
    if (!previous.specLiterals || previous.tree.text !== previous.text) return undefined;
    if (!withinSpecLiteral(previous.specLiterals, change.start, change.start + change.removed)) return undefined;
    previous.strings = EditableStrings.of(previous.specLiterals, previous.tree.sourceFile);
    previous.specLiterals = undefined;
  }
  const edited = applyStringEdit(previous.text, text, previous.result, previous.strings, change);
  if (!edited) return undefined;
  // The tree stays the earlier text's until one is needed (a full analysis updates it with the edits).
  remember(fileName, { ...previous, text, result: edited.result, strings: edited.strings, answer: 'an edit in a string', edited: { before: previous.result, ...edited.edited } });
  return edited.result;
}

/** The entry's tree, brought up to its text. */
function currentTree(fileName: string, entry: CacheEntry): ts.SourceFile | undefined {
  if (entry.tree.text !== entry.text) {
    const sourceFile = parseIncremental(fileName, entry.text, entry.tree);
    if (!sourceFile) return undefined;
    entry.tree = { text: entry.text, sourceFile };
  }
  return entry.tree.sourceFile;
}

/**
 * Analyses one module's text. `fileName` is the module's absolute path when a host is given (its
 * imports are resolved from there). Never throws: an internal failure gives an empty analysis.
 */
export function analyseModule(text: string, fileName = 'module.alamode.ts', options: AnalyseOptions = {}): ModuleAnalysis {
  const custom = options.limits !== undefined;
  if (text.length > MAX_TEXT_LENGTH) {
    cache.delete(fileName);
    const message = `the module is too large for the analysis (more than ${MAX_TEXT_LENGTH.toLocaleString('en-US')} characters)`;
    return { ...EMPTY, diagnostics: [{ code: 'analysis-limit', range: { start: 0, end: 0 }, message }] };
  }
  try {
    // The last result for this file: specs that did not change are shared with it (see `Materialiser`).
    const previous = options.fresh ? undefined : cache.get(fileName);
    const prior = previous?.result;
    // A keystroke inside a string of a spec, while every file the result read reads the same.
    if (previous && previous.text !== text && !custom && stillHolds(previous.graph, options.host)) {
      const edited = editInString(fileName, previous, text);
      if (edited) return readWith(edited, previous.graph);
    }
    const entry = parse(fileName, text, options.fresh === true);
    if (!entry) return tooDeep();
    // The previous result holds while every file it read still reads the same (and none appeared).
    if (entry.result && !custom && stillHolds(entry.graph, options.host)) {
      entry.answer = 'the last result';
      return readWith(entry.result, entry.graph);
    }
    const limits = { ...DEFAULT_LIMITS, ...DEFAULT_GRAPH_LIMITS, ...options.limits };
    const started = performance.now();
    const graph = new ModuleGraph(entry.tree.sourceFile, fileName, options.host, { ...limits, deadline: started + limits.deadlineMs });
    const { result, specLiterals } = analyseGraph(graph, limits, started, prior?.dags);
    readWith(result, graph);
    if (!custom) {
      entry.result = result;
      entry.graph = graph;
      entry.specLiterals = specLiterals;
      entry.strings = undefined;
      entry.edited = undefined;
    }
    entry.answer = 'an analysis';
    return result;
  } catch (error) {
    // A bug in the analysis must not take the server down, nor leave a half-updated tree behind.
    cache.delete(fileName);
    try {
      options.onInternalError?.(error);
    } catch {
      // The reporter's own failure changes nothing.
    }
    try {
      const sf = parseFresh(fileName, text);
      return { ...EMPTY, hasSyntaxErrors: sf !== undefined && parseDiagnosticsOf(sf).length > 0 };
    } catch {
      return EMPTY;
    }
  }
}

/**
 * What each result read (the reader of the analysis that made it), so that a result kept elsewhere (a
 * language server's model of a module nobody has open) can be checked later: {@link readsStillHold}.
 */
const readersOfResults = new WeakMap<ModuleAnalysis, FileReader>();

function readWith(result: ModuleAnalysis, graph: ModuleGraph | undefined): ModuleAnalysis {
  if (graph?.reader) readersOfResults.set(result, graph.reader);
  return result;
}

/**
 * Whether every file the analysis that gave `result` read (or looked for, or listed) still reads the
 * same through `host`: if not, the result no longer holds and the module must be analysed again. A
 * result that read nothing (no host) always holds.
 */
export function readsStillHold(result: ModuleAnalysis, host: ModuleHost): boolean {
  return readersOfResults.get(result)?.unchanged(host) ?? true;
}

/**
 * What the analysis that gave `result` read, as digests another process can check
 * ({@link readRecordHolds}); undefined when it read nothing through a host, or an answer was an error.
 */
export function readRecordOf(result: ModuleAnalysis): ReadRecord | undefined {
  return readersOfResults.get(result)?.record();
}

/** {@link readsStillHold} for what was read of one path only (see `FileReader.unchangedAt`). */
export function readsOfPathStillHold(result: ModuleAnalysis, host: ModuleHost, path: string, what: 'text' | 'presence'): boolean {
  return readersOfResults.get(result)?.unchangedAt(host, path, what) ?? true;
}

/** Whether a result computed with `graph` holds: the same files read the same (or no host then and now). */
function stillHolds(graph: ModuleGraph | undefined, host: ModuleHost | undefined): boolean {
  const reader = graph?.reader;
  if (!reader || !host) return !reader && !host;
  return reader.unchanged(host);
}

/** The havocked `dag.task(…)` calls where no task was seen made (a call that ran has its tasks' lenses). */
function unfollowedTaskCalls(ev: Evaluator, dags: readonly AnalysedDag[]): UnfollowedTaskCall[] {
  if (ev.unfollowedTaskCalls.size === 0) return [];
  const made = new Set<number>();
  for (const dag of dags) for (const t of dag.tasks) if (t.calleeRange.file === undefined) made.add(t.calleeRange.start);
  return [...ev.unfollowedTaskCalls.values()].filter((c) => !made.has(c.calleeRange.start)).sort((a, b) => a.calleeRange.start - b.calleeRange.start);
}

/** Analyses an already parsed module on its own (no cache, no imports followed). */
export function analyseSourceFile(sourceFile: ts.SourceFile, limits: Limits = DEFAULT_LIMITS): ModuleAnalysis {
  return analyseGraph(new ModuleGraph(sourceFile, sourceFile.fileName, undefined), limits).result;
}

function analyseGraph(graph: ModuleGraph, limits: Limits, started?: number, previous?: readonly AnalysedDag[]): { result: ModuleAnalysis; specLiterals: SpecLiteral[] } {
  const ev = new Evaluator(graph.entry.sf!, limits, graph, started);
  ev.run();
  const materialiser = new Materialiser(ev, previous);
  const dags = ev.dags.map((d) => materialiser.dag(d));
  reportUnknowns(ev, materialiser.seen);
  const moduleTexts = new Map<string, string>();
  for (const record of graph.all) {
    const text = record.isEntry ? undefined : graph.reader?.seen.get(record.path);
    if (typeof text === 'string' && record.sf) moduleTexts.set(record.path, text);
  }
  const result: ModuleAnalysis = {
    dags,
    diagnostics: ev.diagnostics,
    references: ev.references,
    completionSites: ev.completionSites,
    hasSyntaxErrors: parseDiagnosticsOf(graph.entry.sf!).length > 0,
    runCalls: ev.runCalls,
    unfollowedTaskCalls: unfollowedTaskCalls(ev, dags),
    modules: graph.paths,
    moduleTexts,
  };
  return { result, specLiterals: specLiteralsOf(ev.dags, ev.specLiteralEvaluations) };
}

/**
 * Task names written as literals in DSL calls anywhere in the module, run or not (see
 * `nameLiterals.ts`). Reuses the tree `analyseModule` parsed for the same text.
 */
export function taskNameLiteralsOf(text: string, fileName: string, unterminated = false): NameLiteral[] {
  const sourceFile = treeOf(text, fileName);
  return sourceFile ? taskNameLiterals(sourceFile, unterminated) : [];
}

/** String literals nested in DSL calls' arguments (see `nameLiterals.ts`), from the cached tree when it is this text's. */
export function nestedNameLiteralsOf(text: string, fileName: string): NestedNameLiteral[] {
  const sourceFile = treeOf(text, fileName);
  return sourceFile ? nestedNameLiterals(sourceFile) : [];
}

/** Whether the code at `range` is in a function or class the module exports (see `exportedCode.ts`). */
export function inExportedCodeOf(text: string, fileName: string, range: SourceRange): boolean {
  const sourceFile = treeOf(text, fileName);
  return sourceFile !== undefined && inExportedCode(sourceFile, range);
}

/** Where a quick fix can add a task to the Dag at `dagRange` (see `stubPlace.ts`). */
export function taskStubPlaceOf(text: string, fileName: string, dagRange: SourceRange, variable: string, uses: readonly SourceRange[]): StubPlace | undefined {
  const sourceFile = treeOf(text, fileName);
  return sourceFile && taskStubPlace(sourceFile, dagRange, variable, uses);
}

/** The cached tree when it is this text's; otherwise a tree of its own, leaving the cache as it is. */
function treeOf(text: string, fileName: string): ts.SourceFile | undefined {
  if (text.length > MAX_TEXT_LENGTH) return undefined;
  const cached = cache.get(fileName);
  return cached?.text === text ? currentTree(fileName, cached) : parseFresh(fileName, text);
}

/**
 * When `result` (the last result for the file) is the previous result with one spec changed by an
 * edit inside a string (`literalEdits.ts`): that previous result and the task. The document model then
 * reuses what it computed for the rest.
 */
export function stringEditOf(fileName: string, result: ModuleAnalysis): StringEditOf | undefined {
  const entry = cache.get(fileName);
  return entry?.result === result ? entry.edited : undefined;
}

/**
 * How the last `analyseModule` of a file was answered: the cached result (nothing changed), an edit
 * inside a spec string applied to it (`literalEdits.ts`), or a new analysis. For tests and the bench.
 */
export function howAnswered(fileName: string): Answer | undefined {
  return cache.get(fileName)?.answer;
}

/** Forgets the cached tree of a file (when it is closed). */
export function forgetModule(fileName: string): void {
  cache.delete(fileName);
}
