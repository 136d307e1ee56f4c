/**
 * Watchers for the files pipelines read that the client does not watch on its own. The VS Code client
 * watches what a pipeline may import (`IMPORTABLE_EXTENSIONS`) in the workspace's folders (a helper
 * outside them, `../shared/images.ts`, is watched here); a pipeline may also read any file with
 * `readFileSync` (a `.sql` query, a `.py` script it hashes for a code tag, a `stages.txt`), and a save
 * of such a file must reach its lenses as a helper's does. The server asks the client to watch exactly
 * those files, through a dynamic registration of `workspace/didChangeWatchedFiles` (as rust-analyzer
 * registers the files it loads), and changes them as pipelines read other files. A folder a pipeline
 * lists (`readdirSync`) is watched for what is made or removed in it.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, extname, sep } from 'node:path';
import { DidChangeWatchedFilesNotification, type Connection, type Disposable, type FileSystemWatcher } from 'vscode-languageserver';
import { URI } from 'vscode-uri';
import { listedFolder } from '../analysis/modules/host';
import { IMPORTABLE_EXTENSIONS } from '../protocol';

/** Never more watchers than this (a pipeline that reads thousands of files is watched for the first ones). */
const MAX_WATCHED = 1_000;

const IMPORTABLE: ReadonlySet<string> = new Set(IMPORTABLE_EXTENSIONS.map((e) => `.${e}`));

export class ReadWatchers {
  private watched = new Set<string>();
  private registration: Promise<Disposable> | undefined;

  /**
   * @param relativePatterns whether the client takes a folder and a pattern (LSP 3.17); otherwise each
   * file is given as an absolute glob
   */
  constructor(private readonly connection: Connection, private readonly relativePatterns: boolean) {}

  /**
   * The files the pipelines read now: those outside the client's own watch are watched, and only they
   * (`inWorkspace`: whether a path is in one of the workspace's folders, where the client watches what
   * may be imported). Called when typing pauses, so a path being typed in a `readFileSync` does not
   * register a watcher per keystroke.
   */
  update(reads: Iterable<string>, inWorkspace: (path: string) => boolean): void {
    const wanted = new Set<string>();
    for (const path of reads) {
      if (wanted.size >= MAX_WATCHED) break;
      if (listedFolder(path) !== undefined || !IMPORTABLE.has(extname(path)) || outsideAndWatched(path, inWorkspace)) wanted.add(path);
    }
    if (wanted.size === this.watched.size && [...wanted].every((p) => this.watched.has(p))) return;
    this.watched = wanted;
    const previous = this.registration;
    // The new watchers first, then the old ones go: no moment without a watcher on a file still read.
    this.registration = wanted.size === 0 ? undefined : this.connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [...wanted].map((p) => this.watcher(p)) });
    this.registration?.catch(() => {});
    void previous?.then((d) => d.dispose()).catch(() => {});
  }

  private watcher(path: string): FileSystemWatcher {
    const folder = listedFolder(path);
    if (folder !== undefined) return this.relativePatterns ? { globPattern: { baseUri: URI.file(folder).toString(), pattern: '*' } } : { globPattern: `${globOf(folder)}/*` };
    const name = globOf(basename(path));
    return this.relativePatterns
      ? { globPattern: { baseUri: URI.file(dirname(path)).toString(), pattern: name } }
      : { globPattern: `${globOf(dirname(path))}/${name}` };
  }
}

/** Configuration the analysis looks for in every folder up to the root. */
const CONFIG_NAMES: ReadonlySet<string> = new Set(['tsconfig.json', 'jsconfig.json', 'package.json']);

/**
 * Whether a module or JSON file read (or looked for) outside the workspace's folders is watched here:
 * a helper in `../shared`, and the paths an import there looked for (a helper removed, then restored by
 * a branch switch, or a `.tsx` made beside the `.ts`), but not, unless they exist, the configuration
 * looked for in every folder up to the root nor what a package's resolution looked for in each
 * `node_modules` on the way (or every analysis would watch `/`).
 */
function outsideAndWatched(path: string, inWorkspace: (path: string) => boolean): boolean {
  if (inWorkspace(path)) return false;
  if (!CONFIG_NAMES.has(basename(path)) && !path.split(sep).includes('node_modules')) return true;
  return existsSync(path);
}

/**
 * A glob matching `text`. A glob has no escape for its own characters: each one matches any character
 * there instead (a file watched too broadly is analysed again for nothing; never one missed).
 */
function globOf(text: string): string {
  return text.replace(/[*?[\]{}]/g, '?');
}
