/**
 * The engine's commands: `run` (the reference local engine), `run-task` (one task, for another
 * scheduler), `status` (what the store says about each task) and `export` (a workflow for an existing
 * engine). Thin: the work is in `server/src/engine/`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { bencodeDag, type EncodedDag } from '../core/outputIds';
import { formatAgo, formatBytes, formatDuration } from '../engine/describe';
import { EXECUTORS, executorNamed, type ExecutorName } from '../engine/executors';
import { resolveStore, StoreLayout } from '../engine/layout';
import { StoreLocks } from '../engine/lock';
import { runDag, selectTasks } from '../engine/scheduler';
import { attemptTask, killRunning, type EngineContext } from '../engine/runTask';
import { snakefile } from '../engine/snakemake';
import { openStore, storedStatus, StoreError } from '../engine/store';
import { CliError, runModule } from './loadModule';
import { createProgress } from './progress';
import { encodedOrThrow } from './report';
import { dagPathFor, decodeDagFile, isModulePath } from './sides';

declare const ALAMODE_VERSION: string | undefined;
export const ENGINE = `alamode ${typeof ALAMODE_VERSION === 'string' ? ALAMODE_VERSION : 'dev'}`;

export interface EngineOptions {
  readonly timeoutMs: number;
  readonly store?: string;
  readonly jobs?: string;
  readonly only: readonly string[];
  readonly dryRun: boolean;
  readonly keepGoing: boolean;
  readonly executor?: string;
  readonly json: boolean;
  readonly to?: string;
  readonly out?: string;
  readonly usage: (message: string) => never;
}

/** A pipeline to run: a module (executed, as `alamode encode` does) or a `.dag` (checked: IDs must match specs). */
export async function loadPipeline(path: string, timeoutMs: number): Promise<EncodedDag> {
  if (!existsSync(path)) throw new CliError(`${path}: no such file`);
  if (isModulePath(path)) return encodedOrThrow(await runModule({ path }, { timeoutMs }), path);
  // Verified as it is decoded: a stored ID that does not match its spec is refused, naming the task.
  return decodeDagFile(readFileSync(path), path);
}

function executorOf(options: EngineOptions): ExecutorName {
  const name = options.executor ?? 'local';
  if (!(EXECUTORS as readonly string[]).includes(name)) options.usage(`--executor must be one of ${EXECUTORS.join(', ')}, got '${name}'`);
  return name as ExecutorName;
}

function jobsOf(options: EngineOptions): number {
  if (options.jobs === undefined) return availableParallelism();
  const n = Number(options.jobs);
  if (!Number.isInteger(n) || n < 1) options.usage(`--jobs must be a whole number of at least 1, got '${options.jobs}'`);
  return n;
}

function open(root: string): StoreLayout {
  try {
    return openStore(root);
  } catch (e) {
    if (e instanceof StoreError) throw new CliError(e.message);
    throw e;
  }
}

/** Ctrl-C (and SIGTERM, as schedulers send) stops running tasks; a second one kills them at once. */
function interruptible(onFirst: () => void): { controller: AbortController; dispose(): void; signalName(): NodeJS.Signals | undefined } {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (received) {
      killRunning();
      return;
    }
    received = signal;
    onFirst();
    controller.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGHUP', handler);
  return {
    controller,
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      process.off('SIGHUP', handler);
    },
    signalName: () => received,
  };
}

const exitForSignal = (s: NodeJS.Signals | undefined) => (s === 'SIGTERM' ? 143 : s === 'SIGHUP' ? 129 : 130);

export async function runCommand(positionals: string[], options: EngineOptions): Promise<number> {
  if (positionals.length !== 1) options.usage('run takes exactly one module or .dag');
  const path = positionals[0]!;
  const jobs = jobsOf(options);
  const executorName = executorOf(options);
  const dag = await loadPipeline(path, options.timeoutMs);
  for (const name of options.only) {
    if (!Object.prototype.hasOwnProperty.call(dag.tasks, name)) throw new CliError(`${path}: --only names no task '${name}'`);
  }
  const storeRoot = resolveStore(path, options.store);
  const layout = options.dryRun ? new StoreLayout(storeRoot) : open(storeRoot);
  const progress = createProgress(process.stdout, layout, selectTasks(dag, options.only));
  const interrupt = interruptible(() => progress.note('stopping: the running tasks are being stopped (Ctrl-C again to kill them now)'));
  try {
    const ctx: EngineContext = {
      layout,
      locks: new StoreLocks(layout),
      executor: executorNamed(executorName),
      runner: 'run',
      engine: ENGINE,
      signal: interrupt.controller.signal,
      events: (e) => progress.event(e),
    };
    const summary = await runDag(ctx, dag, { jobs, only: options.only, keepGoing: options.keepGoing, dryRun: options.dryRun, events: (e) => progress.event(e) });
    progress.done(summary);
    if (interrupt.signalName()) return exitForSignal(interrupt.signalName());
    return summary.ok ? 0 : 1;
  } finally {
    interrupt.dispose();
  }
}

export async function runTaskCommand(positionals: string[], options: EngineOptions): Promise<number> {
  if (positionals.length !== 2) options.usage('run-task takes a .dag (or module) and a task name');
  const [path, name] = positionals as [string, string];
  const executorName = executorOf(options);
  const dag = await loadPipeline(path, options.timeoutMs);
  const task = Object.prototype.hasOwnProperty.call(dag.tasks, name) ? dag.tasks[name] : undefined;
  if (!task) throw new CliError(`${path}: no task named '${name}'`);
  const layout = open(resolveStore(path, options.store));
  const interrupt = interruptible(() => process.stderr.write(`alamode: stopping '${name}'\n`));
  const say = (line: string) => process.stderr.write(`alamode: ${line}\n`);
  try {
    const ctx: EngineContext = {
      layout,
      locks: new StoreLocks(layout),
      executor: executorNamed(executorName),
      runner: 'run-task',
      engine: ENGINE,
      signal: interrupt.controller.signal,
      events: (e) => {
        if (e.kind === 'started') say(`running '${name}' (${task.output.slice(0, 12)}), log ${e.log}`);
        else if (e.kind === 'corrupt-record') say(`the success record of '${name}' is corrupt and ignored (${e.reason}); running it again`);
        else if (e.kind === 'took-over') say(`took over the stale lock of pid ${e.from.pid} on ${e.from.host}`);
        else if (e.kind === 'warning') say(e.message);
      },
    };
    let poll = 100;
    let waited = false;
    for (;;) {
      const attempt = await attemptTask(ctx, { name, task });
      switch (attempt.kind) {
        case 'reused':
          say(`'${name}' reused: ${task.output.slice(0, 12)} was built ${formatAgo(attempt.record.end)} by ${attempt.record.runner} on ${attempt.record.host}`);
          return 0;
        case 'ran':
          say(`'${name}' done in ${formatDuration(attempt.record.durationMs)}: ${task.output.slice(0, 12)}`);
          return 0;
        case 'failed': {
          say(`'${name}' failed: ${attempt.reason}${attempt.log ? ` (log: ${join(layout.root, attempt.log)})` : ''}`);
          if (attempt.log) {
            try {
              const lines = readFileSync(join(layout.root, attempt.log), 'utf8').trimEnd().split('\n').filter((l) => !l.startsWith('alamode: ')).slice(-10);
              for (const l of lines) process.stderr.write(`    │ ${l}\n`);
            } catch {
              // No log to show.
            }
          }
          return 1;
        }
        case 'interrupted':
          say(`'${name}' interrupted; nothing recorded`);
          return exitForSignal(interrupt.signalName());
        case 'busy':
          if (!waited) say(`'${name}' is being built by ${attempt.owner ? `pid ${attempt.owner.pid} on ${attempt.owner.host}` : 'another process'}; waiting`);
          waited = true;
          await new Promise((r) => setTimeout(r, poll));
          poll = Math.min(2000, poll * 2);
          if (interrupt.signalName()) return exitForSignal(interrupt.signalName());
      }
    }
  } finally {
    interrupt.dispose();
  }
}

export async function statusCommand(positionals: string[], options: EngineOptions): Promise<number> {
  if (positionals.length !== 1) options.usage('status takes exactly one module or .dag');
  const path = positionals[0]!;
  const dag = await loadPipeline(path, options.timeoutMs);
  const layout = new StoreLayout(resolveStore(path, options.store));
  const storeExists = existsSync(layout.root);
  const rows = Object.entries(dag.tasks).map(([name, task]) => ({ name, id: task.output, status: storeExists ? storedStatus(layout, task.output) : { kind: 'never' as const } }));
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ store: layout.root, tasks: rows.map((r) => ({ name: r.name, output: r.id, ...r.status })) }, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(4, ...rows.map((r) => r.name.length));
  for (const { name, id, status } of rows) {
    let text: string;
    switch (status.kind) {
      case 'built': {
        const r = status.record;
        text = `built      ${formatAgo(r.end)} (${formatDuration(r.durationMs)}), ${r.files} file${r.files === 1 ? '' : 's'}, ${formatBytes(r.size)}`;
        break;
      }
      case 'running': text = `running    pid ${status.owner.pid} on ${status.owner.host}, since ${formatAgo(status.owner.since)}`; break;
      case 'failed': text = `failed     ${formatAgo(status.failure.end)}: ${status.failure.reason} (log: ${relative(process.cwd(), join(layout.root, status.failure.log))})`; break;
      case 'never': text = 'never built'; break;
    }
    const corrupt = 'corrupt' in status && status.corrupt ? `  [a corrupt success record is ignored: ${status.corrupt}]` : '';
    process.stdout.write(`${name.padEnd(width)}  ${id.slice(0, 12)}  ${text}${corrupt}\n`);
  }
  const counts = { built: 0, running: 0, failed: 0, never: 0 };
  for (const r of rows) counts[r.status.kind] += 1;
  process.stdout.write(`${counts.built} built, ${counts.failed} failed, ${counts.running} running, ${counts.never} never built · store ${relative(process.cwd(), layout.root) || '.'}${storeExists ? '' : ' (does not exist yet)'}\n`);
  return 0;
}

export const EXPORT_TARGETS = ['snakemake'] as const;

export async function exportCommand(positionals: string[], options: EngineOptions): Promise<number> {
  if (positionals.length !== 1) options.usage('export takes exactly one module or .dag');
  if (options.to === undefined) options.usage(`export needs --to (one of: ${EXPORT_TARGETS.join(', ')})`);
  if (!(EXPORT_TARGETS as readonly string[]).includes(options.to)) options.usage(`--to must be one of ${EXPORT_TARGETS.join(', ')}, got '${options.to}'`);
  const path = positionals[0]!;
  const executor = executorOf(options);
  const dag = await loadPipeline(path, options.timeoutMs);
  const name = basename(isModulePath(path) ? dagPathFor(path) : path).replace(/\.dag$/, '');
  const outDir = resolve(options.out ?? join(dirname(resolve(path)), `${name}.snakemake`));
  mkdirSync(outDir, { recursive: true });
  const dagFileName = `${name}.dag`;
  writeFileSync(join(outDir, dagFileName), bencodeDag(dag));
  const store = resolveStore(path, options.store);
  writeFileSync(join(outDir, 'Snakefile'), snakefile(dag, { dagFileName, store, executor, engine: ENGINE, source: relative(outDir, resolve(path)) || path }));
  const shown = relative(process.cwd(), outDir) || '.';
  process.stderr.write(`wrote ${shown}/Snakefile (${Object.keys(dag.tasks).length} tasks) and ${shown}/${dagFileName}; store ${store}\n`);
  return 0;
}
