/**
 * One task, through the commit protocol (after Nix's: lock, re-check, build aside, move in, record last):
 *
 *   1. a valid success record for the output ID → reused (whoever produced it);
 *   2. take the ID's lock (busy → the caller waits and comes back); a stale holder's orphan is stopped;
 *   3. re-check the record under the lock;
 *   4. clear leftovers: an `out/<id>` without a valid record, earlier attempts' `tmp/<id>.*`, a corrupt record;
 *   5. run the command into `tmp/<id>.<attempt>/out`, in `tmp/<id>.<attempt>/work`, logging to `logs/`;
 *   6. exit 0: hash and fsync the output, rename it to `out/<id>`, fsync `out/`;
 *   7. write `records/<id>.json` by temp + fsync + rename (the commit point); drop an old failure record;
 *   otherwise write `failures/<id>.json` (the log stays), remove the attempt, and record no success.
 *
 * A crash anywhere before 7 leaves no success record, so the ID is not built; step 4 of the next run
 * removes what was left. Nothing here prints: progress goes to `events`.
 */
import { closeSync, mkdirSync, openSync, renameSync, writeSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { encode } from '../core/bencode';
import type { EncodedTask } from '../core/outputIds';
import type { BencodeDict, BencodeValue } from '../core/values';
import type { Executor } from './executors';
import { fsyncDir, listDir, randomSuffix, removeTree, summariseTree, writeFileAtomic } from './fsUtil';
import type { StoreLayout } from './layout';
import { processGone, processStart, safeUser, type HeldLock, type LockOwner, type StoreLocks } from './lock';
import { readFailureRecord, readSuccessRecord, RECORD_FORMAT, toJsonValue, type FailureRecord, type SuccessRecord } from './records';

export interface TaskJob {
  readonly name: string;
  readonly task: EncodedTask;
}

export type TaskEvent =
  | { readonly kind: 'corrupt-record'; readonly name: string; readonly id: string; readonly reason: string }
  | { readonly kind: 'started'; readonly name: string; readonly id: string; readonly log: string }
  | { readonly kind: 'took-over'; readonly name: string; readonly id: string; readonly from: LockOwner }
  | { readonly kind: 'warning'; readonly name: string; readonly message: string };

export interface EngineContext {
  readonly layout: StoreLayout;
  readonly locks: StoreLocks;
  readonly executor: Executor;
  readonly runner: 'run' | 'run-task';
  /** `alamode <version>`. */
  readonly engine: string;
  /** Aborted on Ctrl-C / SIGTERM: running commands are stopped and nothing is recorded as success. */
  readonly signal: AbortSignal;
  readonly events?: (event: TaskEvent) => void;
  /** How long a stopped task gets between SIGTERM and SIGKILL. */
  readonly graceMs?: number;
}

export type Attempt =
  | { readonly kind: 'reused'; readonly record: SuccessRecord }
  | { readonly kind: 'ran'; readonly record: SuccessRecord }
  | { readonly kind: 'failed'; readonly reason: string; readonly record?: FailureRecord; readonly log?: string }
  | { readonly kind: 'interrupted'; readonly log?: string }
  /** Another process holds the ID's lock: wait and try again. */
  | { readonly kind: 'busy'; readonly owner?: LockOwner };

/**
 * A test-only hook: the process kills itself with SIGKILL at a step a crash test cannot reach from
 * outside: `after-move`, between moving an output into place and writing its record; `after-start`,
 * between starting a task's process and recording it in the lock (its pid is written to
 * `$ALAMODE_TEST_FAULT_PIDFILE` first, so the test can watch it). Nothing else reads it.
 */
const FAULT = process.env.ALAMODE_TEST_FAULT;

/** Commands running now, so a second Ctrl-C can kill them at once. */
const live = new Set<{ kill(): void }>();

/** Kills every running command now (SIGKILL to their groups; containers removed). */
export function killRunning(): void {
  for (const s of live) s.kill();
}

function hashedBytes(task: EncodedTask): Uint8Array {
  const { output: _output, ...hashed } = task;
  return encode(hashed as BencodeDict);
}

function specOf(task: EncodedTask): BencodeDict {
  const { output: _output, inputs: _inputs, ...spec } = task;
  return spec as BencodeDict;
}

/** The order fields are written in: what people look for first, the bulky spec last. */
const FIELD_ORDER = ['format', 'status', 'output', 'task', 'reason', 'exitCode', 'signal', 'start', 'end', 'durationMs', 'path', 'size', 'files', 'digest', 'log', 'host', 'user', 'pid', 'engine', 'runner', 'executor', 'image', 'inputs', 'spec', 'hashed'];

function ordered<R>(record: R): R {
  const out: Record<string, unknown> = {};
  for (const k of FIELD_ORDER) if ((record as Record<string, unknown>)[k] !== undefined) out[k] = (record as Record<string, unknown>)[k];
  return out as R;
}

function textField(value: BencodeValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return undefined;
}

/** Stops an orphan the stale holder of a lock left running on this machine (its process group, its container). */
function stopOrphan(owner: LockOwner, executor: Executor): void {
  const child = owner.child;
  if (child && processGone({ ...owner, pid: child.pid, pidStart: child.start }) === false) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  if (owner.container) executor.removeOrphan(owner.container);
}

function clearLeftovers(layout: StoreLayout, id: string, corrupt: boolean): void {
  if (corrupt) removeTree(layout.record(id), layout.trashRoot);
  removeTree(layout.out(id), layout.trashRoot);
  for (const name of listDir(layout.tmpRoot)) if (name.startsWith(`${id}.`)) removeTree(`${layout.tmpRoot}/${name}`, layout.trashRoot);
}

export async function attemptTask(ctx: EngineContext, job: TaskJob): Promise<Attempt> {
  const { layout, locks } = ctx;
  const id = job.task.output;
  const first = readSuccessRecord(layout, id);
  if (first.kind === 'ok') return { kind: 'reused', record: first.record };
  if (ctx.signal.aborted) return { kind: 'interrupted' };

  const taken = locks.tryAcquire(id, job.name);
  if (taken.kind === 'busy') return taken;
  const lock = taken.lock;
  try {
    if (taken.reclaimed) {
      ctx.events?.({ kind: 'took-over', name: job.name, id, from: taken.reclaimed });
      stopOrphan(taken.reclaimed, ctx.executor);
    }
    const again = readSuccessRecord(layout, id);
    if (again.kind === 'ok') return { kind: 'reused', record: again.record };
    if (again.kind === 'corrupt') ctx.events?.({ kind: 'corrupt-record', name: job.name, id, reason: again.reason });
    clearLeftovers(layout, id, again.kind === 'corrupt');
    return await execute(ctx, job, lock);
  } finally {
    lock.release();
  }
}

async function execute(ctx: EngineContext, job: TaskJob, lock: HeldLock): Promise<Attempt> {
  const { layout } = ctx;
  const id = job.task.output;
  const spec = specOf(job.task);
  const startedAt = new Date();
  const t0 = performance.now();
  const attempt = `${startedAt.getTime().toString(36)}-${randomSuffix()}`;
  const logPath = layout.log(id, attempt);
  const base = {
    format: RECORD_FORMAT,
    output: id,
    task: job.name,
    spec: toJsonValue(spec) as SuccessRecord['spec'],
    inputs: { ...job.task.inputs },
    hashed: Buffer.from(hashedBytes(job.task)).toString('base64'),
    start: startedAt.toISOString(),
    host: hostname(),
    user: safeUser(),
    pid: process.pid,
    engine: ctx.engine,
    runner: ctx.runner,
    executor: ctx.executor.name,
    ...(ctx.executor.name !== 'local' && textField(spec.image) !== undefined ? { image: textField(spec.image)! } : {}),
    log: layout.relative(logPath),
  } as const;
  const finish = () => {
    const end = new Date();
    return { end: end.toISOString(), durationMs: Math.round(performance.now() - t0) };
  };
  const fail = (reason: string, extra: { exitCode?: number; signal?: string } = {}): Attempt => {
    const record = ordered<FailureRecord>({ ...base, ...finish(), status: 'failed', reason, ...extra });
    writeFileAtomic(layout.failure(id), `${JSON.stringify(record, null, 2)}\n`);
    return { kind: 'failed', reason, record, log: record.log };
  };

  // Inputs must be built: under `alamode run` they always are; under another scheduler, maybe not.
  const inputs: Record<string, string> = {};
  for (const [name, inputId] of Object.entries(job.task.inputs)) {
    const r = readSuccessRecord(layout, inputId);
    if (r.kind !== 'ok') return { kind: 'failed', reason: `input '${name}' (${inputId.slice(0, 12)}) is not built${r.kind === 'corrupt' ? ` (its record is corrupt: ${r.reason})` : ''}` };
    inputs[name] = layout.out(inputId);
  }
  const command = textField(spec.command);
  if (command === undefined) return { kind: 'failed', reason: 'it has no command (spec.command must be a string)' };

  const dir = layout.attempt(id, attempt);
  const outDir = `${dir}/out`;
  const work = `${dir}/work`;
  mkdirSync(outDir, { recursive: true });
  mkdirSync(work, { recursive: true });
  mkdirSync(layout.logsRoot, { recursive: true });
  const logFd = openSync(logPath, 'a', 0o644);
  const note = (line: string) => writeSync(logFd, `alamode: ${line}\n`);
  let started;
  try {
    note(`task '${job.name}', output ${id}, attempt ${attempt}, ${ctx.executor.name} executor, on ${base.host} as ${base.user}`);
    note(`command: ${command}`);
    try {
      started = ctx.executor.start({ task: job.name, outputId: id, output: outDir, inputs, command, work, logFd, attemptName: attempt, ...(textField(spec.image) !== undefined ? { image: textField(spec.image)! } : {}) });
    } catch (e) {
      note(`could not start: ${(e as Error).message}`);
      removeTree(dir, layout.trashRoot);
      return fail(`could not start: ${(e as Error).message}`);
    }
    for (const w of started.warnings) {
      note(w);
      ctx.events?.({ kind: 'warning', name: job.name, message: w });
    }
  } finally {
    closeSync(logFd);
  }
  if (FAULT === 'after-start') {
    if (process.env.ALAMODE_TEST_FAULT_PIDFILE && started.pid !== undefined) writeFileSync(process.env.ALAMODE_TEST_FAULT_PIDFILE, String(started.pid));
    process.kill(process.pid, 'SIGKILL');
  }
  if (started.pid !== undefined) {
    const start = processStart(started.pid);
    lock.update({ child: { pid: started.pid, ...(start ? { start } : {}) }, ...(started.container ? { container: started.container } : {}) });
  }
  // Only now, with the lock naming its process, does the command run.
  started.begin();
  ctx.events?.({ kind: 'started', name: job.name, id, log: base.log });

  let interrupted = false;
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    interrupted = true;
    started.stop();
    killTimer = setTimeout(() => started.kill(), ctx.graceMs ?? 5000);
  };
  if (ctx.signal.aborted) onAbort();
  else ctx.signal.addEventListener('abort', onAbort, { once: true });
  live.add(started);
  const exit = await started.exited;
  live.delete(started);
  ctx.signal.removeEventListener('abort', onAbort);
  clearTimeout(killTimer);
  // Anything the command left running in its group goes with it.
  if (started.pid !== undefined) {
    try {
      process.kill(-started.pid, 'SIGKILL');
    } catch {
      // The group is empty.
    }
  }

  const appendLog = (line: string) => {
    const fd = openSync(logPath, 'a');
    try {
      writeSync(fd, `alamode: ${line}\n`);
    } finally {
      closeSync(fd);
    }
  };
  if (interrupted) {
    appendLog('interrupted: stopped, nothing recorded');
    removeTree(dir, layout.trashRoot);
    fail('interrupted');
    return { kind: 'interrupted', log: base.log };
  }
  if (exit.error || exit.code !== 0) {
    const reason = exit.error ? `could not start: ${exit.error}` : exit.signal ? `killed by ${exit.signal}` : `exit ${exit.code}`;
    appendLog(`failed: ${reason}`);
    removeTree(dir, layout.trashRoot);
    return fail(reason, { ...(exit.code !== null ? { exitCode: exit.code } : {}), ...(exit.signal ? { signal: exit.signal } : {}) });
  }

  // Success: make the output durable, move it into place, then record it (the commit point).
  let summary;
  try {
    summary = await summariseTree(outDir);
  } catch (e) {
    appendLog(`failed: the output could not be read: ${(e as Error).message}`);
    removeTree(dir, layout.trashRoot);
    return fail(`the output could not be read: ${(e as Error).message}`);
  }
  const lost = lock.lost();
  if (lost) {
    appendLog(`failed: the lock was lost (${lost}); not committed`);
    removeTree(dir, layout.trashRoot);
    return fail(`the lock was lost (${lost}); not committed`);
  }
  mkdirSync(layout.outRoot, { recursive: true });
  try {
    renameSync(outDir, layout.out(id));
  } catch (e) {
    appendLog(`failed: could not move the output into place: ${(e as Error).message}`);
    removeTree(dir, layout.trashRoot);
    return fail(`could not move the output into place: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  fsyncDir(layout.outRoot);
  if (FAULT === 'after-move') process.kill(process.pid, 'SIGKILL');
  const record = ordered<SuccessRecord>({ ...base, ...finish(), status: 'success', exitCode: 0, path: `out/${id}`, size: summary.size, files: summary.files, digest: summary.digest });
  appendLog(`done in ${record.durationMs} ms: ${summary.files} files, ${summary.size} bytes, ${summary.digest}`);
  writeFileAtomic(layout.record(id), `${JSON.stringify(record, null, 2)}\n`);
  // After the commit: tidying only.
  if (readFailureRecord(layout, id).kind !== 'absent') removeTree(layout.failure(id), layout.trashRoot);
  removeTree(dir, layout.trashRoot);
  return { kind: 'ran', record };
}
