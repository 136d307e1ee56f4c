/**
 * Remembered lenses: a pipeline's lenses and diagnostics kept on disk after its analysis, shown the
 * next time a server opens the same text while it analyses it again (a window reloaded, the editor
 * restarted, a module closed and reopened). A fresh server's first analysis of a 3,000-task module
 * takes ~500 ms on a 2-core machine, mostly while V8 has compiled nothing yet; recalling takes a few.
 *
 * What is remembered is shown only where the analysis would give the same: it is keyed by the server's
 * build (its bundle and Node), the module's path and text, and everything the analysis read (each
 * file's digest, each existence asked, each folder listed, each real path: see `FileReader.record`),
 * checked again through the same host (open documents' text first). A result whose analysis hit a
 * budget or could not read a file is not kept. The real analysis still runs right after the lenses are
 * shown, and the editor is asked for its lenses again once it has, so nothing recalled outlives it.
 *
 * Written here rather than taken from a library: a cache keyed by text and read answers, checked
 * against a module host, is particular to this analysis. Nothing here may stop the server: a memory
 * missing, corrupt, of another build or unwritable only means the lenses wait for the analysis.
 */
import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic, Range } from 'vscode-languageserver';
import { readRecordOf, type ModuleHost } from '../analysis/analyse';
import { readRecordHolds, textDigest, type ReadRecord } from '../analysis/modules/host';
import { writeFileAtomic } from '../engine/fsUtil';
import type { DocumentModel } from '../model/documentModel';
import type { LensText } from './features/lenses';

/** Modules remembered at most (the least recently used go): a few hundred KB for a 3,000-task one. */
const MAX_REMEMBERED = 200;
/** The format of a memory file; another is not read. */
const FORMAT = 1;
/** A memory file larger than this is not read (a 10,000-task module's is ~2.5 MB). */
const MAX_MEMORY_BYTES = 64 * 1024 * 1024;

export interface RememberedLens {
  readonly range: Range;
  readonly text: LensText;
}

export interface Recalled {
  readonly lenses: readonly RememberedLens[];
  readonly diagnostics: readonly Diagnostic[];
  /** What the analysis read: a file changed after the recall (an event, a helper opened) is seen by checking it again. */
  readonly reads: ReadRecord;
}

/** What a memory file holds (JSON). */
interface MemoryFile {
  readonly format: number;
  readonly build: string;
  readonly path: string;
  readonly text: string;
  readonly reads: ReadRecord;
  readonly lenses: readonly RememberedLens[];
  readonly diagnostics: readonly Diagnostic[];
}

export class LensMemory {
  private readonly build: string;

  /**
   * @param folder where memory files are kept (one per module path)
   * @param build what the lenses depend on besides the module and what it reads: the server's build and Node's
   */
  constructor(private readonly folder: string, build: string) {
    // What the analysis takes from the process' environment: the temporary folder, whose listing is
    // unknown (`nodeFs.ts`).
    this.build = `${build} ${tmpdir()}`;
  }

  private fileOf(path: string): string {
    return join(this.folder, `${textDigest(path).slice(0, 32)}.json`);
  }

  /**
   * Keeps the lenses and diagnostics of `model`, the analysis of `text` at `path`, when they can be
   * recalled exactly; says why not otherwise (undefined: kept).
   */
  remember(path: string, text: string, model: DocumentModel, lenses: readonly RememberedLens[], diagnostics: readonly Diagnostic[]): string | undefined {
    if (model.analysis.diagnostics.some((d) => d.code === 'analysis-limit')) return 'its analysis stopped at a budget';
    const reads = readRecordOf(model.analysis);
    if (!reads) return 'a file it reads could not be read';
    const memory: MemoryFile = { format: FORMAT, build: this.build, path, text: textDigest(text), reads, lenses, diagnostics };
    try {
      // Whole or not at all: a server starting meanwhile never reads half a file.
      writeFileAtomic(this.fileOf(path), JSON.stringify(memory));
      this.prune();
      return undefined;
    } catch (e) {
      return `the memory could not be written (${e instanceof Error ? e.message : String(e)})`;
    }
  }

  /**
   * The lenses and diagnostics remembered for `text` at `path`, if every file their analysis read
   * still reads the same through `host`; else why not (`remembered: false`, nothing kept for the
   * path; `true`, something kept that does not hold).
   */
  recall(path: string, text: string, host: ModuleHost): { recalled: Recalled } | { why: string; remembered: boolean } {
    const file = this.fileOf(path);
    let memory: unknown;
    try {
      memory = JSON.parse(readMemoryFile(file));
    } catch {
      return { why: 'nothing remembered', remembered: false };
    }
    if (!isMemoryFile(memory) || memory.format !== FORMAT || memory.path !== path) return { why: 'the memory is of another format', remembered: true };
    if (memory.build !== this.build) return { why: 'remembered by another build of the server, or with another temporary folder', remembered: true };
    if (memory.text !== textDigest(text)) return { why: 'remembered for another text', remembered: true };
    const recalled: Recalled = { lenses: memory.lenses, diagnostics: memory.diagnostics, reads: memory.reads };
    if (!recalledStillHolds(recalled, host)) return { why: 'a file it reads changed since', remembered: true };
    try {
      // Recently recalled: kept longest (see `prune`).
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // Only the pruning order is lost.
    }
    return { recalled };
  }

  /** Drops the least recently used memory files beyond {@link MAX_REMEMBERED}. */
  private prune(): void {
    const files = readdirSync(this.folder).filter((f) => f.endsWith('.json'));
    if (files.length <= MAX_REMEMBERED) return;
    const used = files.map((f) => {
      try {
        return { f, at: statSync(join(this.folder, f)).mtimeMs };
      } catch {
        return { f, at: 0 };
      }
    });
    used.sort((a, b) => a.at - b.at);
    for (const { f } of used.slice(0, used.length - MAX_REMEMBERED)) rmSync(join(this.folder, f), { force: true });
  }
}

/** Whether every file the analysis of what was recalled read still reads the same through `host`. */
export function recalledStillHolds(recalled: Recalled, host: ModuleHost): boolean {
  try {
    return readRecordHolds(recalled.reads, host);
  } catch {
    return false;
  }
}

/**
 * The text of a memory file: only a regular file (a FIFO put there would block the read, and so the
 * server), and not too large; throws otherwise.
 */
function readMemoryFile(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > MAX_MEMORY_BYTES) throw new Error('not a memory file');
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isCount = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
const isPosition = (x: unknown) => typeof x === 'object' && x !== null && isCount((x as { line: unknown }).line) && isCount((x as { character: unknown }).character);
const isRange = (x: unknown): x is Range => typeof x === 'object' && x !== null && isPosition((x as Range).start) && isPosition((x as Range).end);
const pairsOf = (x: unknown, second: (y: unknown) => boolean) => Array.isArray(x) && x.every((p) => Array.isArray(p) && p.length === 2 && isString(p[0]) && second(p[1]));
const digestOrNull = (y: unknown) => y === null || isString(y);

function isLensText(x: unknown): x is LensText {
  if (typeof x !== 'object' || x === null || !isString((x as LensText).title)) return false;
  const output = (x as LensText).output as unknown;
  if (output === undefined) return true;
  const o = output as NonNullable<LensText['output']>;
  return typeof output === 'object' && output !== null && isString(o.id) && isString(o.task) && isCount(o.statusAt) && o.statusAt <= (x as LensText).title.length;
}

/** A diagnostic as `features/diagnostics.ts` makes it. */
function isDiagnostic(x: unknown): x is Diagnostic {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as Diagnostic;
  const related = d.relatedInformation as unknown;
  return isRange(d.range) && isString(d.message) && (d.severity === 1 || d.severity === 2) && d.source === 'alamode'
    && (d.code === undefined || isString(d.code))
    && (related === undefined || (Array.isArray(related) && related.every((r) => typeof r === 'object' && r !== null && isString(r.message)
      && typeof r.location === 'object' && r.location !== null && isString(r.location.uri) && isRange(r.location.range))));
}

/** A memory file as this build writes it (one from another build, or damaged, is not used). */
function isMemoryFile(x: unknown): x is MemoryFile {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as MemoryFile;
  const reads = m.reads as unknown as Record<string, unknown> | undefined;
  return Number.isSafeInteger(m.format) && isString(m.build) && isString(m.path) && isString(m.text)
    && typeof reads === 'object' && reads !== null
    && pairsOf(reads.files, digestOrNull) && pairsOf(reads.existence, (y) => typeof y === 'boolean')
    && pairsOf(reads.listings, digestOrNull) && pairsOf(reads.realPaths, isString)
    && Array.isArray(m.lenses) && m.lenses.every((l) => typeof l === 'object' && l !== null && isRange(l.range) && isLensText(l.text))
    && Array.isArray(m.diagnostics) && m.diagnostics.every(isDiagnostic);
}
