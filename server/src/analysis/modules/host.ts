/**
 * How the analysis reaches other files: only through a {@link ModuleHost} the caller supplies, so that
 * the server can give open documents' unsaved text priority over the disk, and tests can give a whole
 * repository in memory. Every path asked for is recorded (found or not), so the caller knows which
 * files to watch: a module's analysis changes when any of them changes or appears.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ModuleHost {
  /**
   * The text of the file at `absPath`; undefined when there is no such file (a folder is not a file).
   * Throw when the file exists but cannot be read: what comes from it is then unknown, where skipping
   * it would make the analysis resolve an import to another file than the bundle does.
   */
  readFile(absPath: string): string | undefined;
  /**
   * The real path of an existing file, with symbolic links resolved (the bundle counts a module reached
   * by two paths once). Optional: without it, paths are taken as they are.
   */
  realPath?(absPath: string): string;
  /**
   * The names in the folder at `absPath`, in the order Node's `readdirSync` gives them (libuv sorts
   * them by their bytes); undefined when there is no folder there. Throw when it exists but cannot be
   * listed. Optional: without it, a pipeline that lists a folder gets an unknown.
   */
  readDirectory?(absPath: string): readonly string[] | undefined;
  /**
   * Whether anything is at `absPath` on disk (a file, a folder, a device…), as the pipeline's
   * `existsSync` answers when it runs. Optional: without it, existence is unknown.
   */
  exists?(absPath: string): boolean;
}

/**
 * How a folder's listing is named among the paths an analysis read: its path with a trailing `/`, so a
 * caller that watches what was read knows to watch the folder's entries (a file made or removed there
 * changes the listing), and it never collides with a file's path.
 */
export function listingPath(folder: string): string {
  return folder.endsWith('/') ? folder : `${folder}/`;
}

/** The folder whose listing `path` names, if it names one (see {@link listingPath}). */
export function listedFolder(path: string): string | undefined {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : undefined;
}

/** Node's own listing, as `readdirSync` gives it to the pipeline; undefined when it is not a folder. */
export function readDirectoryFromDisk(absPath: string): readonly string[] | undefined {
  try {
    return readdirSync(absPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** The file system, as `alamode encode` sees it. */
export function nodeFileHost(): ModuleHost {
  return {
    readFile(absPath) {
      try {
        return readFileSync(absPath, 'utf8');
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
        throw e;
      }
    },
    realPath(absPath) {
      try {
        return realpathSync.native(absPath);
      } catch {
        return absPath;
      }
    },
    readDirectory: readDirectoryFromDisk,
    exists: existsSync,
  };
}

/** A file not read because the analysis read enough already: a limit, not a missing file. */
export class ReadLimit extends Error {}

/** What one analysis read: each path once (the answers stay the same for the whole analysis). */
export class FileReader {
  /** Every path asked for, in order, with what it held (undefined: missing; an Error: unreadable). */
  readonly seen = new Map<string, string | undefined | Error>();
  /** Every folder listed, by its {@link listingPath}, with its names (undefined: no folder; an Error: unreadable). */
  readonly listings = new Map<string, readonly string[] | undefined | Error>();
  /** Every path whose existence was asked (an Error: the host cannot tell). */
  readonly existence = new Map<string, boolean | Error>();
  /** Every real path asked for: a symbolic link retargeted changes which module a path is. */
  readonly realPaths = new Map<string, string>();
  private chars = 0;

  constructor(private readonly host: ModuleHost, private readonly maxChars: number) {}

  /** The file's text, undefined if missing; an Error if it exists but cannot be read (or is too large). */
  read(absPath: string): string | undefined | Error {
    if (this.seen.has(absPath)) return this.seen.get(absPath);
    let result = answer(() => this.host.readFile(absPath));
    if (typeof result === 'string') {
      this.chars += result.length;
      if (this.chars > this.maxChars) result = new ReadLimit(`the modules it imports hold more than ${this.maxChars.toLocaleString('en-US')} characters, too many for the analysis`);
    }
    this.seen.set(absPath, result);
    return result;
  }

  /** The names in the folder, undefined if there is none; an Error if it cannot be listed (or no host lists folders). */
  readDirectory(absPath: string): readonly string[] | undefined | Error {
    const key = listingPath(absPath);
    if (this.listings.has(key)) return this.listings.get(key);
    let result = answer(() => listing(this.host, absPath));
    if (result instanceof Array) {
      this.chars += result.reduce((n, name) => n + name.length + 1, 0);
      if (this.chars > this.maxChars) result = new ReadLimit(`the files it reads hold more than ${this.maxChars.toLocaleString('en-US')} characters, too many for the analysis`);
    }
    this.listings.set(key, result);
    return result;
  }

  /** Whether anything is at the path (without reading it); an Error if the host cannot tell. */
  pathExists(absPath: string): boolean | Error {
    let result = this.existence.get(absPath);
    if (result === undefined) {
      result = answer(() => existence(this.host, absPath));
      this.existence.set(absPath, result);
    }
    return result;
  }

  /** Every file read or looked for, every path whose existence was asked, then every folder listed (as {@link listingPath}s). */
  get paths(): string[] {
    return [...new Set([...this.seen.keys(), ...this.existence.keys()]), ...this.listings.keys()];
  }

  exists(absPath: string): boolean {
    return this.read(absPath) !== undefined;
  }

  realPath(absPath: string): string {
    let real = this.realPaths.get(absPath);
    if (real === undefined) {
      real = realPathOf(this.host, absPath);
      this.realPaths.set(absPath, real);
    }
    return real;
  }

  /** Whether the files read still hold what they held (for reusing a result). */
  unchanged(host: ModuleHost): boolean {
    for (const [path, before] of this.seen) if (!sameAnswer(before, answer(() => host.readFile(path)))) return false;
    for (const [path, before] of this.existence) if (!sameAnswer(before, answer(() => existence(host, path)))) return false;
    for (const [key, before] of this.listings) if (!sameAnswer(before, answer(() => listing(host, listedFolder(key)!)))) return false;
    for (const [path, before] of this.realPaths) if (realPathOf(host, path) !== before) return false;
    return true;
  }

  /**
   * What was read, as digests that can be kept on disk and checked by another process
   * ({@link readRecordHolds}); undefined when an answer was an error (unreadable, or over the read
   * limit): such a result is not worth keeping.
   */
  record(): ReadRecord | undefined {
    const files: [string, string | null][] = [];
    for (const [path, text] of this.seen) {
      if (text instanceof Error) return undefined;
      files.push([path, digestOrNull(text)]);
    }
    const existence: [string, boolean][] = [];
    for (const [path, exists] of this.existence) {
      if (exists instanceof Error) return undefined;
      existence.push([path, exists]);
    }
    const listings: [string, string | null][] = [];
    for (const [key, names] of this.listings) {
      if (names instanceof Error) return undefined;
      listings.push([key, digestOrNull(names?.join('\0'))]);
    }
    return { files, existence, listings, realPaths: [...this.realPaths] };
  }

  /**
   * Whether what was read of one path still holds, without looking at the rest: its text (`'text'`:
   * opening or closing a document changes only what reading it gives), or its being there (`'presence'`:
   * whether it exists, and the listings of its folder and of itself; what a file made or removed on
   * disk changes while an open document gives its text).
   */
  unchangedAt(host: ModuleHost, path: string, what: 'text' | 'presence'): boolean {
    if (what === 'text') return !this.seen.has(path) || sameAnswer(this.seen.get(path), answer(() => host.readFile(path)));
    const existed = this.existence.get(path);
    if (existed !== undefined && !sameAnswer(existed, answer(() => existence(host, path)))) return false;
    const real = this.realPaths.get(path);
    if (real !== undefined && realPathOf(host, path) !== real) return false;
    for (const key of [listingPath(dirname(path)), listingPath(path)]) {
      if (this.listings.has(key) && !sameAnswer(this.listings.get(key), answer(() => listing(host, listedFolder(key)!)))) return false;
    }
    return true;
  }
}

/**
 * What an analysis read, kept beyond the process (the language server's remembered lenses): each file's
 * SHA-256 (null: missing), each existence asked, each folder's listing's SHA-256 (null: no folder), and
 * each real path.
 */
export interface ReadRecord {
  readonly files: readonly (readonly [path: string, sha256: string | null])[];
  readonly existence: readonly (readonly [path: string, exists: boolean])[];
  readonly listings: readonly (readonly [listingPath: string, sha256: string | null])[];
  readonly realPaths: readonly (readonly [path: string, realPath: string])[];
}

/** Whether every answer in the record is what the host answers now (an error now: it does not hold). */
export function readRecordHolds(record: ReadRecord, host: ModuleHost): boolean {
  for (const [path, before] of record.files) {
    const now = answer(() => host.readFile(path));
    if (now instanceof Error || digestOrNull(now) !== before) return false;
  }
  for (const [path, before] of record.existence) if (answer(() => existence(host, path)) !== before) return false;
  for (const [key, before] of record.listings) {
    const now = answer(() => listing(host, listedFolder(key)!));
    if (now instanceof Error || digestOrNull(now?.join('\0')) !== before) return false;
  }
  for (const [path, before] of record.realPaths) if (realPathOf(host, path) !== before) return false;
  return true;
}

/**
 * The SHA-256 of a text's UTF-16 code units, not of its UTF-8: a lone surrogate (an open document can
 * hold one) and U+FFFD differ.
 */
export const textDigest = (text: string) => createHash('sha256').update(text, 'utf16le').digest('hex');

/** A read's digest; null for nothing there. */
const digestOrNull = (text: string | undefined) => (text === undefined ? null : textDigest(text));

function realPathOf(host: ModuleHost, absPath: string): string {
  try {
    return host.realPath?.(absPath) ?? absPath;
  } catch {
    return absPath;
  }
}

/** What the host answers, or the Error it throws (a file that exists but cannot be read is an answer too). */
function answer<T>(ask: () => T): T | Error {
  try {
    return ask();
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

function existence(host: ModuleHost, absPath: string): boolean | Error {
  return host.exists ? host.exists(absPath) : new Error('the analysis cannot tell whether a path exists here');
}

function listing(host: ModuleHost, absPath: string): readonly string[] | undefined | Error {
  return host.readDirectory ? host.readDirectory(absPath) : new Error('the analysis cannot list folders here');
}

/** Two answers alike: both errors, or the same text, existence or listing. */
function sameAnswer(before: unknown, now: unknown): boolean {
  if (before instanceof Error || now instanceof Error) return before instanceof Error && now instanceof Error;
  if (Array.isArray(before) && Array.isArray(now)) return before.join('\0') === now.join('\0');
  return before === now;
}
