/**
 * `alamode run`: the tasks of an encoded DAG in dependency order, up to `jobs` commands at once, each
 * through {@link attemptTask}. A task whose output ID is locked by another process waits without
 * holding a slot and comes back (usually to find it built). Tasks sharing an output ID (equal specs
 * and inputs) are built once. A failure stops new starts (or, with `keepGoing`, only what is downstream
 * of it); an abort stops everything and records nothing as success.
 */
import type { EncodedDag, EncodedTask } from '../core/outputIds';
import type { LockOwner } from './lock';
import { readSuccessRecord, type SuccessRecord } from './records';
import { attemptTask, type Attempt, type EngineContext, type TaskEvent } from './runTask';

export type TaskStatus =
  | 'ran' | 'reused' | 'failed' | 'interrupted'
  /** An input failed, so it could not run. */
  | 'skipped'
  /** Not started because the run stopped (a failure without keepGoing, or an interrupt). */
  | 'not-run'
  /** Dry run: no success record, so it would run. */
  | 'would-run';

export interface TaskResult {
  readonly name: string;
  readonly id: string;
  readonly status: TaskStatus;
  readonly reason?: string;
  readonly record?: SuccessRecord;
  readonly log?: string;
  /** Another task of this DAG with the same output ID, which did the work. */
  readonly sameAs?: string;
  /** Another process held the lock for a while (then it was usually reused). */
  readonly waited?: boolean;
}

export type RunEvent =
  | TaskEvent
  | { readonly kind: 'waiting'; readonly name: string; readonly id: string; readonly owner?: LockOwner }
  | { readonly kind: 'finished'; readonly result: TaskResult };

export interface RunOptions {
  readonly jobs: number;
  /** Only these tasks and what they need. */
  readonly only?: readonly string[];
  readonly keepGoing?: boolean;
  readonly dryRun?: boolean;
  readonly events?: (event: RunEvent) => void;
  /** First and last wait between looks at a lock held elsewhere. */
  readonly pollMs?: readonly [number, number];
}

export interface RunSummary {
  readonly results: readonly TaskResult[];
  readonly counts: Readonly<Record<TaskStatus, number>>;
  readonly ok: boolean;
  readonly ms: number;
}

/** The named tasks and everything upstream of them; every task when `only` is empty. */
export function selectTasks(dag: EncodedDag, only: readonly string[] | undefined): string[] {
  const names = Object.keys(dag.tasks);
  if (!only || only.length === 0) return names;
  const keep = new Set<string>();
  const stack = [...only];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (keep.has(n) || !Object.prototype.hasOwnProperty.call(dag.tasks, n)) continue;
    keep.add(n);
    stack.push(...Object.keys(dag.tasks[n]!.inputs));
  }
  return names.filter((n) => keep.has(n));
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(done, ms);
  function done() {
    clearTimeout(t);
    signal.removeEventListener('abort', done);
    resolve();
  }
  signal.addEventListener('abort', done, { once: true });
});

export async function runDag(ctx: EngineContext, dag: EncodedDag, options: RunOptions): Promise<RunSummary> {
  const t0 = performance.now();
  const selected = selectTasks(dag, options.only);
  const tasks = new Map<string, EncodedTask>(selected.map((n) => [n, dag.tasks[n]!]));
  const results = new Map<string, TaskResult>();
  const emit = options.events ?? (() => {});
  const finish = (result: TaskResult) => {
    results.set(result.name, result);
    emit({ kind: 'finished', result });
  };

  if (options.dryRun) {
    for (const [name, task] of tasks) {
      const r = readSuccessRecord(ctx.layout, task.output);
      finish(r.kind === 'ok' ? { name, id: task.output, status: 'reused', record: r.record } : { name, id: task.output, status: 'would-run', ...(r.kind === 'corrupt' ? { reason: `its record is corrupt (ignored): ${r.reason}` } : {}) });
    }
    return summarise(selected, results, t0);
  }

  // Readers of each task, and how many inputs each still waits for.
  const readers = new Map<string, string[]>();
  const pending = new Map<string, number>();
  for (const [name, task] of tasks) {
    const inputs = Object.keys(task.inputs).filter((i) => tasks.has(i));
    pending.set(name, inputs.length);
    for (const i of inputs) readers.set(i, [...(readers.get(i) ?? []), name]);
  }
  const ready = selected.filter((n) => pending.get(n) === 0);
  /** The first task of each output ID does the work; the others wait for it. */
  const byId = new Map<string, Promise<TaskResult>>();
  let running = 0;
  let slotsFree = Math.max(1, options.jobs);
  const slotWaiters: (() => void)[] = [];
  let stopping = false;
  const [pollFirst, pollMax] = options.pollMs ?? [50, 1000];

  const takeSlot = async () => {
    while (slotsFree === 0) await new Promise<void>((r) => slotWaiters.push(r));
    slotsFree -= 1;
  };
  const giveSlot = () => {
    slotsFree += 1;
    slotWaiters.shift()?.();
  };

  const work = async (name: string, task: EncodedTask): Promise<TaskResult> => {
    let poll = pollFirst;
    let waited = false;
    for (;;) {
      if (ctx.signal.aborted) return { name, id: task.output, status: 'not-run', ...(waited ? { waited } : {}) };
      await takeSlot();
      let attempt: Attempt;
      try {
        attempt = await attemptTask(ctx, { name, task });
      } catch (e) {
        attempt = { kind: 'failed', reason: `the engine failed: ${(e as Error).message}` };
      } finally {
        giveSlot();
      }
      const w = waited ? { waited } : {};
      switch (attempt.kind) {
        case 'reused': return { name, id: task.output, status: 'reused', record: attempt.record, ...w };
        case 'ran': return { name, id: task.output, status: 'ran', record: attempt.record, ...w };
        case 'failed': return { name, id: task.output, status: 'failed', reason: attempt.reason, ...(attempt.log ? { log: attempt.log } : {}), ...w };
        case 'interrupted': return { name, id: task.output, status: 'interrupted', ...(attempt.log ? { log: attempt.log } : {}), ...w };
        case 'busy':
          if (!waited) emit({ kind: 'waiting', name, id: task.output, ...(attempt.owner ? { owner: attempt.owner } : {}) });
          waited = true;
          await sleep(poll, ctx.signal);
          poll = Math.min(pollMax, poll * 2);
      }
    }
  };

  const skipDownstream = (name: string, cause: string) => {
    const stack = [...(readers.get(name) ?? [])];
    while (stack.length > 0) {
      const r = stack.pop()!;
      if (results.has(r)) continue;
      finish({ name: r, id: tasks.get(r)!.output, status: 'skipped', reason: `input '${cause}' failed` });
      stack.push(...(readers.get(r) ?? []));
    }
  };

  await new Promise<void>((resolveAll) => {
    const pump = () => {
      while (!stopping && !ctx.signal.aborted && ready.length > 0) {
        const name = ready.shift()!;
        if (results.has(name)) continue;
        const task = tasks.get(name)!;
        running += 1;
        const shared = byId.get(task.output);
        const promise = shared
          ? shared.then((r): TaskResult => ({ name, id: task.output, status: r.status === 'ran' ? 'reused' : r.status, sameAs: r.name, ...(r.record ? { record: r.record } : {}), ...(r.reason ? { reason: r.reason } : {}) }))
          : work(name, task);
        if (!shared) byId.set(task.output, promise);
        void promise.then((result) => {
          running -= 1;
          finish(result);
          if (result.status === 'ran' || result.status === 'reused') {
            for (const r of readers.get(name) ?? []) {
              const left = pending.get(r)! - 1;
              pending.set(r, left);
              if (left === 0) ready.push(r);
            }
          } else if (result.status !== 'interrupted') {
            skipDownstream(name, name);
            if (!options.keepGoing) stopping = true;
          }
          pump();
        });
      }
      if (running === 0) resolveAll();
    };
    ctx.signal.addEventListener('abort', () => pump(), { once: true });
    pump();
  });

  for (const name of selected) {
    if (!results.has(name)) finish({ name, id: tasks.get(name)!.output, status: 'not-run' });
  }
  return summarise(selected, results, t0);
}

function summarise(order: readonly string[], results: ReadonlyMap<string, TaskResult>, t0: number): RunSummary {
  const counts: Record<TaskStatus, number> = { ran: 0, reused: 0, failed: 0, interrupted: 0, skipped: 0, 'not-run': 0, 'would-run': 0 };
  const list = order.map((n) => results.get(n)!);
  for (const r of list) counts[r.status] += 1;
  const ok = counts.failed === 0 && counts.interrupted === 0 && counts.skipped === 0 && counts['not-run'] === 0;
  return { results: list, counts, ok, ms: performance.now() - t0 };
}
