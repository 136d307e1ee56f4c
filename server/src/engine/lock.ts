/**
 * A lock per output ID, across processes and machines sharing the store's file system.
 *
 * Why lock folders and not `flock`: Node has no `flock` without a native module; `flock` on network
 * file systems is emulated (NFS), optional (Lustre's `-o flock`) or absent, and it says nothing about
 * who holds a lock. A lock here is the folder `locks/<id>/`, made whole under another name (with its
 * `owner.json`) and renamed into place: renaming a folder onto one that has entries fails, atomically,
 * on every file system we know of, NFS included, and no one ever sees a lock without its owner.
 * `owner.json` says who holds it (host, boot ID, PID namespace, PID and the process's start time, the
 * running child), and the holder touches the folder every few seconds (a heartbeat). A lock is stale when
 *   - its owner ran on this machine, in this PID namespace, and that process is gone (or its PID now
 *     names another process): decided at once; or
 *   - its heartbeat has not moved for `staleMs`, as seen by the waiter's own monotonic clock (so clocks
 *     that disagree between machines do not matter).
 * Taking over a stale lock is serialised by a second folder, `locks/<id>.reclaim`, and re-checks that
 * the owner is still the one judged stale, so two waiters never both take it over.
 *
 * `proper-lockfile` does the mkdir-and-mtime part, but judges staleness by comparing mtimes with the
 * local clock, has no same-machine fast path (a killed run's locks would block the next run for the
 * whole stale period) and takes over stale locks without serialising the takeover; hence this file.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readlinkSync, renameSync, rmdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { removeTree, writeFileAtomic } from './fsUtil';
import type { StoreLayout } from './layout';

export interface ProcessIdentity {
  readonly host: string;
  /** Linux: `/proc/sys/kernel/random/boot_id`. */
  readonly bootId?: string;
  /** Linux: the `/proc/self/ns/pid` link, e.g. `pid:[4026531836]` (PIDs mean something only within one). */
  readonly pidNs?: string;
  readonly pid: number;
  /** Linux: the process's start time in clock ticks since boot (field 22 of `/proc/<pid>/stat`). */
  readonly pidStart?: string;
}

export interface LockOwner extends ProcessIdentity {
  readonly token: string;
  readonly since: string;
  readonly user: string;
  readonly task?: string;
  /** The task's process (group leader) once started, so a takeover can stop an orphan. */
  readonly child?: { readonly pid: number; readonly start?: string };
  /** The container's name, for container executors. */
  readonly container?: string;
}

export interface LockTiming {
  /** A lock whose heartbeat has not moved for this long is stale. */
  readonly staleMs: number;
  readonly heartbeatMs: number;
  /** The waiter's monotonic clock in ms (tests give their own). */
  readonly now?: () => number;
}

export const DEFAULT_TIMING: LockTiming = {
  staleMs: Number(process.env.ALAMODE_LOCK_STALE_MS) || 60_000,
  heartbeatMs: Number(process.env.ALAMODE_LOCK_HEARTBEAT_MS) || 5_000,
};

const OWNER = 'owner.json';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Field 22 of `/proc/<pid>/stat` (after the command name, which may hold spaces and parentheses). */
export function processStart(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

let self: ProcessIdentity | undefined;
export function selfIdentity(): ProcessIdentity {
  if (self) return self;
  let pidNs: string | undefined;
  try {
    pidNs = readlinkSync('/proc/self/ns/pid');
  } catch {
    pidNs = undefined;
  }
  const bootId = readText('/proc/sys/kernel/random/boot_id');
  const pidStart = processStart(process.pid);
  self = { host: hostname(), pid: process.pid, ...(bootId ? { bootId } : {}), ...(pidNs ? { pidNs } : {}), ...(pidStart ? { pidStart } : {}) };
  return self;
}

/**
 * Whether a process named by an identity is certainly gone: only decidable on this machine, in this
 * PID namespace, since this boot. Undefined when it cannot be told from here.
 */
export function processGone(who: { host?: unknown; bootId?: unknown; pidNs?: unknown; pid?: unknown; pidStart?: unknown }): boolean | undefined {
  const me = selfIdentity();
  if (typeof who.pid !== 'number' || who.host !== me.host) return undefined;
  if (me.bootId && me.pidNs) {
    // Same name, another boot or namespace: a rebooted machine, or a container named alike. Unknown.
    if (who.bootId !== me.bootId || who.pidNs !== me.pidNs) return undefined;
    const start = processStart(who.pid);
    return start === undefined || (typeof who.pidStart === 'string' && start !== who.pidStart);
  }
  try {
    process.kill(who.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export function readOwner(lockDir: string): LockOwner | undefined {
  const text = readText(join(lockDir, OWNER));
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as LockOwner;
    return typeof v === 'object' && v !== null && typeof v.token === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** What a waiter saw of a lock, and since when (its monotonic clock) it has looked the same. */
interface Observation {
  readonly signature: string;
  readonly since: number;
}

export class HeldLock {
  private timer: ReturnType<typeof setInterval> | undefined;
  private lostReason: string | undefined;
  private owner: LockOwner;

  constructor(private readonly dir: string, owner: LockOwner, private readonly trash: string, timing: LockTiming) {
    this.owner = owner;
    this.timer = setInterval(() => this.beat(), timing.heartbeatMs);
    this.timer.unref();
  }

  get token(): string {
    return this.owner.token;
  }

  /** Why the lock is no longer ours (taken over after a stall, removed by hand), or undefined while it is. */
  lost(): string | undefined {
    if (this.lostReason) return this.lostReason;
    const now = readOwner(this.dir);
    if (now?.token !== this.owner.token) this.lostReason = now ? `another process (pid ${now.pid} on ${now.host}) took the lock over` : 'the lock was removed';
    return this.lostReason;
  }

  private beat(): void {
    try {
      const now = new Date();
      utimesSync(this.dir, now, now);
    } catch {
      // Gone: noticed by lost().
    }
    this.lost();
  }

  /** Adds what a takeover would need to clean up after this holder (its child, its container). */
  update(patch: Pick<LockOwner, 'child' | 'container'>): void {
    if (this.lost()) return;
    this.owner = { ...this.owner, ...patch };
    writeFileAtomic(join(this.dir, OWNER), JSON.stringify(this.owner));
  }

  release(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.lostReason === undefined && readOwner(this.dir)?.token === this.owner.token) removeTree(this.dir, this.trash);
  }
}

export type LockAttempt =
  | { readonly kind: 'acquired'; readonly lock: HeldLock; /** The stale owner taken over, if any. */ readonly reclaimed?: LockOwner }
  | { readonly kind: 'busy'; readonly owner?: LockOwner };

/** Locks of one store, with what this process has seen of other holders (for staleness). */
export class StoreLocks {
  private readonly seen = new Map<string, Observation>();

  constructor(private readonly layout: StoreLayout, private readonly timing: LockTiming = DEFAULT_TIMING) {}

  private newOwner(task: string | undefined): LockOwner {
    return {
      ...selfIdentity(),
      token: randomBytes(12).toString('hex'),
      since: new Date().toISOString(),
      user: safeUser(),
      ...(task !== undefined ? { task } : {}),
    };
  }

  /**
   * Makes the lock folder whole elsewhere (with its owner.json) and renames it into place, so a lock is
   * never seen without its owner: renaming a folder onto a folder that has entries fails, atomically.
   */
  private create(dir: string, task: string | undefined): HeldLock | undefined {
    const owner = this.newOwner(task);
    const staging = join(this.layout.locksRoot, `.new-${owner.token}`);
    mkdirSync(staging);
    try {
      writeFileAtomic(join(staging, OWNER), JSON.stringify(owner));
      renameSync(staging, dir);
    } catch (e) {
      rmSync(staging, { recursive: true, force: true });
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return undefined;
      throw e;
    }
    return new HeldLock(dir, owner, this.layout.trashRoot, this.timing);
  }

  /** Whether the thing at `dir` has looked the same (signature) for the stale period, as seen from here. */
  private unchangedForStalePeriod(dir: string, signature: string): boolean {
    const now = (this.timing.now ?? (() => performance.now()))();
    const seen = this.seen.get(dir);
    if (!seen || seen.signature !== signature) {
      this.seen.set(dir, { signature, since: now });
      return false;
    }
    return now - seen.since >= this.timing.staleMs;
  }

  /** Takes the lock of `id` if it is free or stale; never waits. */
  tryAcquire(id: string, task?: string): LockAttempt {
    const dir = this.layout.lock(id);
    mkdirSync(this.layout.locksRoot, { recursive: true });
    const fresh = this.create(dir, task);
    if (fresh) {
      this.seen.delete(dir);
      return { kind: 'acquired', lock: fresh };
    }
    let mtime: number;
    try {
      mtime = statSync(dir).mtimeMs;
    } catch {
      return { kind: 'busy' }; // Released meanwhile: the next attempt takes it.
    }
    const owner = readOwner(dir);
    const signature = `${mtime}:${owner?.token ?? '-'}`;
    const gone = owner ? processGone(owner) : undefined;
    const stale = gone === true || (gone === undefined && this.unchangedForStalePeriod(dir, signature));
    if (!stale) return { kind: 'busy', ...(owner ? { owner } : {}) };
    return this.reclaim(dir, owner, task);
  }

  private reclaim(dir: string, judged: LockOwner | undefined, task: string | undefined): LockAttempt {
    const guard = `${dir}.reclaim`;
    try {
      mkdirSync(guard);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // Another waiter is taking over; a guard left by one that died is itself stale after a while.
      try {
        if (this.unchangedForStalePeriod(guard, String(statSync(guard).mtimeMs))) rmdirSync(guard);
      } catch {
        // Gone meanwhile.
      }
      return { kind: 'busy', ...(judged ? { owner: judged } : {}) };
    }
    try {
      const owner = readOwner(dir);
      if (owner?.token !== judged?.token) return { kind: 'busy', ...(owner ? { owner } : {}) };
      removeTree(dir, this.layout.trashRoot);
      const lock = this.create(dir, task);
      if (!lock) return { kind: 'busy' };
      this.seen.delete(dir);
      return { kind: 'acquired', lock, ...(judged ? { reclaimed: judged } : {}) };
    } finally {
      try {
        rmdirSync(guard);
      } catch {
        // Removed as stale by another waiter: harmless, the takeover above was re-checked.
      }
    }
  }

  /** The owner of `id`'s lock, when it is held by a live process (for "running" in status and the editor). */
  holder(id: string): LockOwner | undefined {
    const dir = this.layout.lock(id);
    const owner = readOwner(dir);
    if (!owner) return undefined;
    return processGone(owner) === true ? undefined : owner;
  }
}

export function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? String(process.getuid?.() ?? 'unknown');
  }
}
