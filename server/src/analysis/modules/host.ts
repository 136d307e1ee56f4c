/**
 * How the analysis reaches other files: only through a {@link ModuleHost} the caller supplies, so that
 * the server can give open documents' unsaved text priority over the disk, and tests can give a whole
 * repository in memory. Every path asked for is recorded (found or not), so the caller knows which
 * files to watch: a module's analysis changes when any of them changes or appears.
 */
import { readFileSync, realpathSync } from 'node:fs';

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
  };
}

/** A file not read because the analysis read enough already: a limit, not a missing file. */
export class ReadLimit extends Error {}

/** What one analysis read: each path once (the answers stay the same for the whole analysis). */
export class FileReader {
  /** Every path asked for, in order, with what it held (undefined: missing; an Error: unreadable). */
  readonly seen = new Map<string, string | undefined | Error>();
  private chars = 0;

  constructor(private readonly host: ModuleHost, private readonly maxChars: number) {}

  /** The file's text, undefined if missing; an Error if it exists but cannot be read (or is too large). */
  read(absPath: string): string | undefined | Error {
    if (this.seen.has(absPath)) return this.seen.get(absPath);
    let result: string | undefined | Error;
    try {
      result = this.host.readFile(absPath);
      if (typeof result === 'string') {
        this.chars += result.length;
        if (this.chars > this.maxChars) result = new ReadLimit(`the modules it imports hold more than ${this.maxChars.toLocaleString('en-US')} characters, too many for the analysis`);
      }
    } catch (e) {
      result = e instanceof Error ? e : new Error(String(e));
    }
    this.seen.set(absPath, result);
    return result;
  }

  exists(absPath: string): boolean {
    return this.read(absPath) !== undefined;
  }

  realPath(absPath: string): string {
    try {
      return this.host.realPath?.(absPath) ?? absPath;
    } catch {
      return absPath;
    }
  }

  /** Whether the files read still hold what they held (for reusing a result). */
  unchanged(host: ModuleHost): boolean {
    for (const [path, before] of this.seen) {
      let now: string | undefined | Error;
      try {
        now = host.readFile(path);
      } catch (e) {
        now = e instanceof Error ? e : new Error(String(e));
      }
      if (before instanceof Error ? !(now instanceof Error) : now !== before) return false;
    }
    return true;
  }
}
