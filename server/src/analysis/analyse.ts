/**
 * Static analysis of a pipeline module: the Dags it builds, without running it (see `evaluator.ts`).
 *
 * The server calls this on every keystroke, so parsing is incremental: the last syntax tree of each
 * file is kept and updated with the edit (as TypeScript's own language service does), and the last
 * result is returned as is when the text did not change.
 */
import ts from 'typescript';
import { deepRegionsOf, isStackOverflow, parseNested } from './deepNesting';
import { Evaluator } from './evaluator';
import { Materialiser, reportUnknowns } from './finalise';
import { taskNameLiterals, type NameLiteral } from './nameLiterals';
import type { ModuleAnalysis } from './types';
import { DEFAULT_LIMITS, type Limits } from './budget';

export interface AnalyseOptions {
  /** Budgets (tests lower them to exercise the limits). */
  readonly limits?: Partial<Limits>;
  /** Parse from scratch, ignoring the incremental cache. */
  readonly fresh?: boolean;
  /**
   * Told about a failure inside the analysis (a bug), which otherwise only shows as an empty result.
   * The server can log it; tests fail on it.
   */
  readonly onInternalError?: (error: unknown) => void;
}

interface CacheEntry {
  text: string;
  sourceFile: ts.SourceFile;
  result: ModuleAnalysis | undefined;
}

/** The last tree per file name. Few files are edited at once; the oldest entries go first. */
const cache = new Map<string, CacheEntry>();
const CACHE_SIZE = 16;

const EMPTY: ModuleAnalysis = Object.freeze({ dags: [], diagnostics: [], references: [], completionSites: [], hasSyntaxErrors: false, runCalls: new Set<number>() });

/**
 * Parsing cost grows with the text and cannot be interrupted: beyond this many characters (about ten
 * times a 6,000-line module) the module is not analysed at all.
 */
const MAX_TEXT_LENGTH = 4_000_000;

/**
 * Parses a module's text; undefined when it nests too deeply for TypeScript's parser even after the
 * deepest code is set aside (see `deepNesting.ts`).
 */
function parseFresh(fileName: string, text: string): ts.SourceFile | undefined {
  const parse = (t: string) => ts.createSourceFile(fileName, t, ts.ScriptTarget.Latest, /*setParentNodes*/ true, ts.ScriptKind.TS);
  try {
    return parse(text);
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
  }
  return parseNested(text, parse);
}

/** The result for a module the parser cannot read at all. */
function tooDeep(): ModuleAnalysis {
  return { ...EMPTY, diagnostics: [{ code: 'analysis-limit', range: { start: 0, end: 0 }, message: 'the module nests too deeply for the analysis to read it' }] };
}

/** The range of `next` that differs from `previous`, as a TypeScript text change. */
function changeBetween(previous: string, next: string): ts.TextChangeRange {
  const max = Math.min(previous.length, next.length);
  let start = 0;
  while (start < max && previous.charCodeAt(start) === next.charCodeAt(start)) start++;
  let end = 0;
  while (end < max - start && previous.charCodeAt(previous.length - 1 - end) === next.charCodeAt(next.length - 1 - end)) end++;
  return ts.createTextChangeRange(ts.createTextSpan(start, previous.length - start - end), next.length - start - end);
}

function parse(fileName: string, text: string, fresh: boolean): { sourceFile: ts.SourceFile; entry: CacheEntry } | undefined {
  const previous = fresh ? undefined : cache.get(fileName);
  let sourceFile: ts.SourceFile | undefined;
  if (previous) {
    cache.delete(fileName);
    if (previous.text === text) sourceFile = previous.sourceFile;
    // A tree with code set aside (nested too deeply) does not hold the text it was parsed from.
    else if (!deepRegionsOf(previous.sourceFile)) {
      try {
        // The previous tree is consumed by the update (its nodes are reused), so it is not kept.
        sourceFile = ts.updateSourceFile(previous.sourceFile, text, changeBetween(previous.text, text));
      } catch {
        sourceFile = undefined;
      }
    }
  }
  sourceFile ??= parseFresh(fileName, text);
  if (!sourceFile) return undefined;
  const entry: CacheEntry = { text, sourceFile, result: previous?.text === text ? previous.result : undefined };
  cache.set(fileName, entry);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return { sourceFile, entry };
}

/** Analyses one module's text. Never throws: an internal failure gives an empty analysis. */
export function analyseModule(text: string, fileName = 'module.alamode.ts', options: AnalyseOptions = {}): ModuleAnalysis {
  const custom = options.limits !== undefined;
  if (text.length > MAX_TEXT_LENGTH) {
    cache.delete(fileName);
    const message = `the module is too large for the analysis (more than ${MAX_TEXT_LENGTH.toLocaleString('en-US')} characters)`;
    return { ...EMPTY, diagnostics: [{ code: 'analysis-limit', range: { start: 0, end: 0 }, message }] };
  }
  let entry: CacheEntry | undefined;
  try {
    const parsed = parse(fileName, text, options.fresh === true);
    if (!parsed) return tooDeep();
    entry = parsed.entry;
    if (entry.result && !custom) return entry.result;
    const result = analyseSourceFile(parsed.sourceFile, { ...DEFAULT_LIMITS, ...options.limits });
    if (!custom) entry.result = result;
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

function parseDiagnosticsOf(sf: ts.SourceFile): readonly ts.Diagnostic[] {
  // `parseDiagnostics` is not in the public typings, but is what `getSyntacticDiagnostics` returns.
  return (sf as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
}

/** Analyses an already parsed module (no cache). */
export function analyseSourceFile(sourceFile: ts.SourceFile, limits: Limits = DEFAULT_LIMITS): ModuleAnalysis {
  const ev = new Evaluator(sourceFile, limits);
  ev.run();
  const materialiser = new Materialiser(ev);
  const dags = ev.dags.map((d) => materialiser.dag(d));
  reportUnknowns(ev, materialiser.seen);
  return {
    dags,
    diagnostics: ev.diagnostics,
    references: ev.references,
    completionSites: ev.completionSites,
    hasSyntaxErrors: parseDiagnosticsOf(sourceFile).length > 0,
    runCalls: ev.runCalls,
  };
}

/**
 * Task names written as literals in DSL calls anywhere in the module, run or not (see
 * `nameLiterals.ts`). Reuses the tree `analyseModule` parsed for the same text.
 */
export function taskNameLiteralsOf(text: string, fileName: string, unterminated = false): NameLiteral[] {
  if (text.length > MAX_TEXT_LENGTH) return [];
  // The cached tree when it is this text's; otherwise a tree of its own, leaving the cache as it is.
  const cached = cache.get(fileName);
  const sourceFile = cached?.text === text ? cached.sourceFile : parseFresh(fileName, text);
  return sourceFile ? taskNameLiterals(sourceFile, unterminated) : [];
}

/** Forgets the cached tree of a file (when it is closed). */
export function forgetModule(fileName: string): void {
  cache.delete(fileName);
}
