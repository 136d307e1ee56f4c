/**
 * Opening a store for writing (its folders and format marker), and what the store says about an ID
 * (read-only: used by `alamode status` and the language server).
 */
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listDir, writeFileAtomic } from './fsUtil';
import { STORE_FORMAT, StoreLayout } from './layout';
import { DEFAULT_TIMING, readOwner, processGone, type LockOwner } from './lock';
import { readFailureRecord, readSuccessRecord, type FailureRecord, type SuccessRecord } from './records';

export class StoreError extends Error {
  override name = 'StoreError';
}

/** Creates the store's folders and `store.json` if needed; refuses a store of another format. */
export function openStore(root: string): StoreLayout {
  const layout = new StoreLayout(root);
  try {
    mkdirSync(layout.root, { recursive: true });
  } catch (e) {
    throw new StoreError(`${layout.root}: cannot create the store (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let marker: string | undefined;
  try {
    marker = readFileSync(layout.markerPath, 'utf8');
  } catch {
    marker = undefined;
  }
  if (marker === undefined) {
    // Like pytest's cache: a store inside a repository (the default) stays out of `git status`.
    writeFileAtomic(`${layout.root}/.gitignore`, '# A La Mode store (outputs and run records): not for git\n*\n');
    writeFileAtomic(layout.markerPath, `${JSON.stringify({ format: STORE_FORMAT })}\n`);
  } else {
    let format: unknown;
    try {
      format = (JSON.parse(marker) as { format?: unknown }).format;
    } catch {
      format = undefined;
    }
    if (format !== STORE_FORMAT) throw new StoreError(`${layout.root}: not a store this alamode can use (store.json says format ${JSON.stringify(format)}, expected ${STORE_FORMAT})`);
  }
  for (const dir of [layout.outRoot, layout.recordsRoot, layout.failuresRoot, layout.logsRoot, layout.locksRoot, layout.tmpRoot]) mkdirSync(dir, { recursive: true });
  // What a crash left half deleted (everything in trash/ was renamed there to be deleted).
  for (const name of listDir(layout.trashRoot)) {
    try {
      rmSync(join(layout.trashRoot, name), { recursive: true, force: true });
    } catch {
      // Still being written by an orphan, or deleted by another run meanwhile: next time.
    }
  }
  // Lock folders being made (`locks/.new-<token>`) that a crash left: renamed into place within
  // microseconds when all goes well, so any older than a minute is garbage.
  for (const name of listDir(layout.locksRoot)) {
    if (!name.startsWith('.new-')) continue;
    try {
      if (Date.now() - statSync(join(layout.locksRoot, name)).mtimeMs > 60_000) rmSync(join(layout.locksRoot, name), { recursive: true, force: true });
    } catch {
      // Gone meanwhile.
    }
  }
  return layout;
}

export type StoredStatus =
  | { readonly kind: 'built'; readonly record: SuccessRecord }
  /** Being built now by a live process. */
  | { readonly kind: 'running'; readonly owner: LockOwner; readonly corrupt?: string; readonly failure?: FailureRecord }
  /** No success record; the last attempt failed. */
  | { readonly kind: 'failed'; readonly failure: FailureRecord; readonly corrupt?: string }
  | { readonly kind: 'never'; readonly corrupt?: string };

/** What the store says about `id`: built only with a valid success record for exactly that ID. */
export function storedStatus(layout: StoreLayout, id: string): StoredStatus {
  const success = readSuccessRecord(layout, id);
  if (success.kind === 'ok') return { kind: 'built', record: success.record };
  const corrupt = success.kind === 'corrupt' ? { corrupt: success.reason } : {};
  const failure = readFailureRecord(layout, id);
  const owner = readOwner(layout.lock(id));
  if (owner && isLive(layout.lock(id), owner)) return { kind: 'running', owner, ...corrupt, ...(failure.kind === 'ok' ? { failure: failure.record } : {}) };
  if (failure.kind === 'ok') return { kind: 'failed', failure: failure.record, ...corrupt };
  return { kind: 'never', ...corrupt };
}

/**
 * Whether a lock's holder looks alive, for display only: gone when it ran here and its process is gone;
 * from another machine, alive while its heartbeat is recent by this machine's clock (the engine itself
 * never trusts clocks across machines: see lock.ts).
 */
function isLive(lockDir: string, owner: LockOwner): boolean {
  const gone = processGone(owner);
  if (gone !== undefined) return !gone;
  try {
    return Date.now() - statSync(lockDir).mtimeMs < 2 * DEFAULT_TIMING.staleMs;
  } catch {
    return false;
  }
}
