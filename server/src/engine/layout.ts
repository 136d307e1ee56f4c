/**
 * Where things live in a store, and which store a pipeline uses. A store is a folder:
 *
 *   out/<id>/              each output, under its output ID; moved in whole, never overwritten
 *   records/<id>.json      the success record of <id>: written last, by temp + rename (the commit point)
 *   failures/<id>.json     the last failed attempt at <id> (no success record exists beside it)
 *   logs/<id>.<attempt>.log  every attempt's stdout and stderr (records point at theirs)
 *   locks/<id>/            held while <id> is being built (owner.json inside; see lock.ts)
 *   tmp/<id>.<attempt>/    an attempt in progress: out/ (becomes out/<id>) and work/ (its working folder)
 *   trash/                 leftovers being deleted (renamed here first, so a half-deleted folder is never
 *                          mistaken for anything)
 *
 * Nothing here touches the file system except {@link defaultStoreFor}, which looks for a `.git`.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const STORE_FORMAT = 1;

const HEX64 = /^[0-9a-f]{64}$/;

export function isOutputId(id: string): boolean {
  return HEX64.test(id);
}

export class StoreLayout {
  readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }
  get outRoot(): string { return join(this.root, 'out'); }
  get recordsRoot(): string { return join(this.root, 'records'); }
  get failuresRoot(): string { return join(this.root, 'failures'); }
  get logsRoot(): string { return join(this.root, 'logs'); }
  get locksRoot(): string { return join(this.root, 'locks'); }
  get tmpRoot(): string { return join(this.root, 'tmp'); }
  get trashRoot(): string { return join(this.root, 'trash'); }
  /** `store.json`: `{ "format": 1 }`, so a later layout can tell an old store. */
  get markerPath(): string { return join(this.root, 'store.json'); }

  out(id: string): string { return join(this.outRoot, id); }
  record(id: string): string { return join(this.recordsRoot, `${id}.json`); }
  failure(id: string): string { return join(this.failuresRoot, `${id}.json`); }
  lock(id: string): string { return join(this.locksRoot, id); }
  log(id: string, attempt: string): string { return join(this.logsRoot, `${id}.${attempt}.log`); }
  attempt(id: string, attempt: string): string { return join(this.tmpRoot, `${id}.${attempt}`); }
  /** A path as records store it: relative to the store root, with `/`. */
  relative(path: string): string {
    const rel = path.startsWith(this.root + '/') ? path.slice(this.root.length + 1) : path;
    return rel.split('\\').join('/');
  }
}

/**
 * The root of the git repository holding `file` (a folder with `.git`, a folder or a worktree's file),
 * or undefined outside git. Found by walking up: no git process.
 */
export function repositoryRootOf(file: string): string | undefined {
  let dir = resolve(file);
  try {
    if (!statSync(dir).isDirectory()) dir = dirname(dir);
  } catch {
    dir = dirname(dir);
  }
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The default store of a pipeline file: `.alamode/store` at its repository's root, or beside it outside git. */
export function defaultStoreFor(pipelineFile: string): string {
  const root = repositoryRootOf(pipelineFile) ?? dirname(resolve(pipelineFile));
  return join(root, '.alamode', 'store');
}

/** `--store` (or the editor's setting), else `ALAMODE_STORE`, else the default for the pipeline file. */
export function resolveStore(pipelineFile: string, explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined && explicit !== '') return resolve(explicit);
  if (env.ALAMODE_STORE) return resolve(env.ALAMODE_STORE);
  return defaultStoreFor(pipelineFile);
}
