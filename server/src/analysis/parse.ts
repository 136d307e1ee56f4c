/**
 * Parsing module texts into syntax trees: fresh, or incrementally from the previous tree of the same
 * file (as TypeScript's language service does), with code nested too deeply for the parser set aside
 * (`deepNesting.ts`).
 */
import ts from 'typescript';
import { deepRegionsOf, isStackOverflow, parseNested } from './deepNesting';

/** A tree and the text it was parsed from (a tree with code set aside holds another text). */
export interface Parsed {
  readonly text: string;
  readonly sourceFile: ts.SourceFile;
}

/**
 * `.js`, `.mjs`, `.cjs` and files without an extension are JavaScript (TypeScript syntax there is an
 * error, as for the bundle).
 */
export function scriptKindOf(fileName: string): ts.ScriptKind {
  return /\.[cm]?js$/i.test(fileName) || !/\.[^\\/.]+$/.test(fileName) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
}

/**
 * JSDoc comments are not parsed into trees: nothing reads them, and tsc itself skips those it does not
 * need. (An incremental update keeps the mode of the tree it updates.)
 */
const PARSE_OPTIONS: ts.CreateSourceFileOptions = { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone };

/** Parses `text`; undefined when it nests too deeply even after the deepest code is set aside. */
export function parseFresh(fileName: string, text: string, kind: ts.ScriptKind = ts.ScriptKind.TS): ts.SourceFile | undefined {
  const parse = (t: string) => {
    const sf = ts.createSourceFile(fileName, t, PARSE_OPTIONS, /*setParentNodes*/ false, kind);
    return setParents(sf) ? sf : ts.createSourceFile(fileName, t, PARSE_OPTIONS, /*setParentNodes*/ true, kind);
  };
  try {
    return parse(text);
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
  }
  return parseNested(text, parse);
}

/**
 * Sets every node's `parent`, as `createSourceFile(…, setParentNodes: true)` does, in half the time:
 * TypeScript's own walk (`setParentRecursive`) gathers each node's children into a new array first,
 * and on a 3,001-task module that walk cost 40 ms of a cold first analysis, this one 20 ms (measured).
 * Recursive: false when the tree is deep enough to overflow the stack here (the parser, deeper per
 * level, got through it), and then the caller parses again with TypeScript's iterative walk. No JSDoc
 * nodes exist to parent: JSDoc is not parsed (`PARSE_OPTIONS`).
 */
function setParents(sf: ts.SourceFile): boolean {
  let parent: ts.Node = sf;
  const visit = (child: ts.Node): void => {
    (child as { parent: ts.Node }).parent = parent;
    const saved = parent;
    parent = child;
    ts.forEachChild(child, visit, visitAll);
    parent = saved;
  };
  const visitAll = (children: ts.NodeArray<ts.Node>): void => {
    for (let i = 0; i < children.length; i++) visit(children[i]!);
  };
  try {
    ts.forEachChild(sf, visit, visitAll);
    return true;
  } catch (e) {
    if (!isStackOverflow(e)) throw e;
    return false;
  }
}

/**
 * The tree of `text`, reusing `previous` (the same file's last tree): as is when the text is the same,
 * updated with the edit otherwise. The previous tree is consumed by an update (its nodes are reused).
 */
export function parseIncremental(fileName: string, text: string, previous: Parsed | undefined, kind: ts.ScriptKind = ts.ScriptKind.TS): ts.SourceFile | undefined {
  if (previous?.text === text) return previous.sourceFile;
  // A tree with code set aside (nested too deeply) does not hold the text it was parsed from. A tree
  // with syntax errors is not updated either: TypeScript's update can lose one (`range... [a]` then a
  // line added above it: the fresh parse reports "',' expected", the update nothing), found by the
  // property test comparing incremental and fresh analyses.
  if (previous && !deepRegionsOf(previous.sourceFile) && parseDiagnosticsOf(previous.sourceFile).length === 0) {
    try {
      return ts.updateSourceFile(previous.sourceFile, text, changeBetween(previous.text, text));
    } catch {
      // Parsed afresh below.
    }
  }
  return parseFresh(fileName, text, kind);
}

/** The range of `next` that differs from `previous`, as a TypeScript text change. */
function changeBetween(previous: string, next: string): ts.TextChangeRange {
  const { start, removed, inserted } = textChange(previous, next);
  return ts.createTextChangeRange(ts.createTextSpan(start, removed), inserted);
}

/** The span of `next` that differs from `previous`: where, how many characters went, how many came. */
export function textChange(previous: string, next: string): { start: number; removed: number; inserted: number } {
  const max = Math.min(previous.length, next.length);
  // Whole chunks first (V8 compares slices of a string without copying them), then character by character.
  const CHUNK = 1024;
  let start = 0;
  while (start + CHUNK <= max && previous.slice(start, start + CHUNK) === next.slice(start, start + CHUNK)) start += CHUNK;
  while (start < max && previous.charCodeAt(start) === next.charCodeAt(start)) start++;
  let end = 0;
  while (end + CHUNK <= max - start && previous.slice(previous.length - end - CHUNK, previous.length - end) === next.slice(next.length - end - CHUNK, next.length - end)) end += CHUNK;
  while (end < max - start && previous.charCodeAt(previous.length - 1 - end) === next.charCodeAt(next.length - 1 - end)) end++;
  return { start, removed: previous.length - start - end, inserted: next.length - start - end };
}

export function parseDiagnosticsOf(sf: ts.SourceFile): readonly ts.Diagnostic[] {
  // `parseDiagnostics` is not in the public typings, but is what `getSyntacticDiagnostics` returns.
  return (sf as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
}
