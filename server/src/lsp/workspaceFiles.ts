/**
 * The files a pipeline's analysis reads (its helpers, JSON, tsconfig.json, package.json), as the editor
 * sees them: an open document's text, unsaved edits included, wins over the disk; closing it unsaved
 * goes back to the disk. It also knows which open pipelines read which files, so that a change to any
 * of them (an edit, a save from another tool, a `git checkout`) re-analyses exactly the pipelines it
 * reaches.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ModuleHost } from '../analysis/analyse';
import { listingPath, readDirectoryFromDisk } from '../analysis/modules/host';
import { fileNameOf } from './modelCache';

interface DiskEntry {
  readonly mtimeMs: number;
  readonly size: number;
  readonly text: string;
}

export class WorkspaceFiles implements ModuleHost {
  /** Open documents by their file path (the client names them by URI). */
  private readonly open = new Map<string, { uri: string; text: () => string }>();
  /**
   * Files read from disk, checked against their size and modification time on every read: a client
   * without file watching (Neovim) still never sees a stale helper, and one with it pays a `stat`.
   */
  private readonly disk = new Map<string, DiskEntry>();
  /** Which files each pipeline's kept analysis read (by URI), to find the pipelines a change reaches. */
  private readonly readBy = new Map<string, ReadonlySet<string>>();

  opened(uri: string, text: () => string): void {
    this.open.set(fileNameOf(uri), { uri, text });
  }

  closed(uri: string): void {
    this.open.delete(fileNameOf(uri));
  }

  readFile(path: string): string | undefined {
    const document = this.open.get(path);
    if (document) return document.text();
    let stat;
    try {
      stat = statSync(path);
    } catch (e) {
      if (isMissing(e)) {
        this.disk.delete(path);
        return undefined;
      }
      throw e;
    }
    if (!stat.isFile()) return undefined;
    const cached = this.disk.get(path);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached.text;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
    this.disk.set(path, { mtimeMs: stat.mtimeMs, size: stat.size, text });
    return text;
  }

  /**
   * A folder's names as on disk (what the pipeline's `readdirSync` lists when it runs): a document
   * open in the editor but not yet on disk is not among them.
   */
  readDirectory(path: string): readonly string[] | undefined {
    return readDirectoryFromDisk(path);
  }

  /** Whether anything is on disk at the path, as the pipeline's `existsSync` answers when the CLI runs it. */
  exists(path: string): boolean {
    return existsSync(path);
  }

  realPath(path: string): string {
    try {
      return realpathSync.native(path);
    } catch {
      return path;
    }
  }

  /** Records what an open pipeline's latest analysis read (`files` are absolute paths). */
  recordReads(pipelineUri: string, files: readonly string[]): void {
    this.readBy.set(pipelineUri, new Set(files));
  }

  forget(pipelineUri: string): void {
    this.readBy.delete(pipelineUri);
  }

  /**
   * Every file the pipelines' analyses read (or looked for), and every folder they listed (as a
   * `listingPath`): those of the pipelines `first` picks (the open ones) before the others, so that a
   * bound on watchers leaves out only what modules nobody has open read.
   */
  *allReads(first: (pipelineUri: string) => boolean = () => true): Iterable<string> {
    const seen = new Set<string>();
    for (const pass of [true, false]) {
      for (const [uri, files] of this.readBy) if (first(uri) === pass) for (const path of files) if (!seen.has(path)) {
        seen.add(path);
        yield path;
      }
    }
  }

  /**
   * The open pipelines whose analysis read `path` (or looked for it and found nothing), or listed the
   * folder it is in, or listed it as a folder.
   */
  readersOf(path: string): string[] {
    const readers: string[] = [];
    const [folder, itself] = [listingPath(dirname(path)), listingPath(path)];
    for (const [uri, files] of this.readBy) if (files.has(path) || files.has(folder) || files.has(itself)) readers.push(uri);
    return readers;
  }

  /** A file changed on disk (a watcher said so): its next read goes to the disk. */
  changedOnDisk(path: string): void {
    this.disk.delete(path);
  }
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
