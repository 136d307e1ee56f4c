/**
 * The language server's read-only view of the stores: what each output ID's record says, the last
 * known duration of each task name, and a signal when records land. It reads JSON files and folder
 * listings only (no user code runs, nothing is written), so it stays on in Restricted Mode.
 *
 * Which store: the `alamode.store.path` setting of the document's workspace folder (or the server's
 * `initializationOptions.storePath`), else `ALAMODE_STORE`, else `.alamode/store` at the repository
 * root of the document, as `alamode run` chooses.
 *
 * Records are cached per ID and dropped when the store changes: `fs.watch` on `records/`, `failures/`
 * and `locks/` for changes made here, and a look at those folders' modification times every few
 * seconds for changes made by other machines (inotify does not see those on a network file system).
 */
import { existsSync, readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { resolveStore, StoreLayout, isOutputId } from '../engine/layout';
import type { SuccessRecord } from '../engine/records';
import { storedStatus, type StoredStatus } from '../engine/store';

const POLL_MS = 3_000;
/** Records land in bursts (a run of thousands of tasks): views are asked to look again at most this often. */
const DEBOUNCE_MS = 300;

export interface LastRun {
  readonly durationMs: number;
  readonly end: string;
}

/** One store: cached statuses by ID and last durations by task name. */
class WatchedStore {
  readonly layout: StoreLayout;
  private readonly statuses = new Map<string, StoredStatus>();
  private lastRuns: Map<string, LastRun> | undefined;
  private watchers: FSWatcher[] = [];
  private readonly poll: ReturnType<typeof setInterval>;
  private fingerprint = '';
  private debounce: ReturnType<typeof setTimeout> | undefined;

  constructor(root: string, private readonly onChange: () => void) {
    this.layout = new StoreLayout(root);
    this.fingerprint = this.look();
    this.arm();
    this.poll = setInterval(() => {
      const now = this.look();
      if (now !== this.fingerprint) {
        this.fingerprint = now;
        if (this.watchers.length === 0) this.arm();
        this.changed();
      }
    }, POLL_MS);
    this.poll.unref();
  }

  get exists(): boolean {
    return existsSync(this.layout.root);
  }

  /** The modification times of the folders records and locks land in ('' parts when absent). */
  private look(): string {
    return [this.layout.root, this.layout.recordsRoot, this.layout.failuresRoot, this.layout.locksRoot].map((d) => {
      try {
        return String(statSync(d).mtimeMs);
      } catch {
        return '';
      }
    }).join('|');
  }

  private arm(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    for (const dir of [this.layout.recordsRoot, this.layout.failuresRoot, this.layout.locksRoot]) {
      try {
        const w = watch(dir, { persistent: false }, () => this.changed());
        w.on('error', () => w.close());
        this.watchers.push(w);
      } catch {
        // Not there yet: the poll notices when it appears.
      }
    }
  }

  private changed(): void {
    // Forget at once (the next request reads the files again); tell the views once the burst settles.
    this.statuses.clear();
    this.lastRuns = undefined;
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.statuses.clear();
      this.lastRuns = undefined;
      this.onChange();
    }, DEBOUNCE_MS);
    this.debounce.unref?.();
  }

  status(id: string): StoredStatus {
    let s = this.statuses.get(id);
    if (!s) {
      s = isOutputId(id) ? storedStatus(this.layout, id) : { kind: 'never' };
      this.statuses.set(id, s);
    }
    return s;
  }

  /** The latest successful run of each task name (any output ID), read once per store change. */
  lastRun(task: string): LastRun | undefined {
    if (!this.lastRuns) {
      this.lastRuns = new Map();
      let names: string[] = [];
      try {
        names = readdirSync(this.layout.recordsRoot);
      } catch {
        names = [];
      }
      for (const file of names) {
        const id = file.endsWith('.json') ? file.slice(0, -5) : '';
        if (!isOutputId(id)) continue;
        // A quick read of the fields needed; the full check (hash, output folder) is for statuses.
        let r: Partial<SuccessRecord>;
        try {
          r = JSON.parse(readFileSync(`${this.layout.recordsRoot}/${file}`, 'utf8')) as Partial<SuccessRecord>;
        } catch {
          continue;
        }
        if (r.status !== 'success' || typeof r.task !== 'string' || typeof r.durationMs !== 'number' || typeof r.end !== 'string') continue;
        const known = this.lastRuns.get(r.task);
        if (!known || known.end < r.end) this.lastRuns.set(r.task, { durationMs: r.durationMs, end: r.end });
      }
    }
    return this.lastRuns.get(task);
  }

  dispose(): void {
    clearInterval(this.poll);
    clearTimeout(this.debounce);
    for (const w of this.watchers) w.close();
  }
}

export interface StoreSettings {
  /** Workspace folder path → its `alamode.store.path` (absolute, or relative to the folder). */
  readonly folders: ReadonlyMap<string, string>;
  /** For clients without workspace folders or configuration: `initializationOptions.storePath`. */
  readonly fallback?: string;
}

export class StoreView {
  private readonly stores = new Map<string, WatchedStore>();
  private settings: StoreSettings = { folders: new Map() };

  constructor(private readonly onChange: (root: string) => void) {}

  configure(settings: StoreSettings): void {
    this.settings = settings;
  }

  /** The store a pipeline file uses (see the module comment). */
  rootFor(file: string): string {
    let best: string | undefined;
    for (const folder of this.settings.folders.keys()) {
      if ((file === folder || file.startsWith(`${folder}/`)) && (!best || folder.length > best.length)) best = folder;
    }
    const configured = best !== undefined ? this.settings.folders.get(best) : undefined;
    if (configured) return isAbsolute(configured) ? configured : resolve(best!, configured);
    if (this.settings.fallback) return resolve(this.settings.fallback);
    return resolveStore(file, undefined);
  }

  private store(file: string): WatchedStore {
    const root = this.rootFor(file);
    let s = this.stores.get(root);
    if (!s) {
      s = new WatchedStore(root, () => this.onChange(root));
      this.stores.set(root, s);
    }
    return s;
  }

  /** The store of a file, or undefined when it does not exist (then nothing about records is shown). */
  forFile(file: string): { root: string; status(id: string): StoredStatus; lastRun(task: string): LastRun | undefined } | undefined {
    const s = this.store(file);
    if (!s.exists) return undefined;
    return { root: s.layout.root, status: (id) => s.status(id), lastRun: (task) => s.lastRun(task) };
  }

  /** A record's file path for links. */
  pathIn(file: string, relative: string): string {
    return `${this.rootFor(file)}/${relative}`;
  }

  dispose(): void {
    for (const s of this.stores.values()) s.dispose();
    this.stores.clear();
  }
}

