/**
 * Running pipelines for real in tests: a stand-in `python` for the seed's commands (`python dl_images.py`,
 * …) so the seed's exact pipeline and IDs run, the `alamode` binary started asynchronously, and waiting
 * on conditions (never on fixed sleeps).
 *
 * The stand-in appends `<task> <args>` to `$ALAMODE_TEST_COUNTER` (so tests count what actually ran),
 * writes its arguments and its inputs' files into `$ALAMODE_OUTPUT/result.txt`, and
 *   - exits 3 when `$ALAMODE_TEST_FAIL` names the task;
 *   - when `$ALAMODE_TEST_HANG` names the task, writes its PID to `$ALAMODE_TEST_COUNTER.<task>.pid` and
 *     sleeps until killed;
 *   - when `$ALAMODE_TEST_GATE` names the task, announces itself in `$ALAMODE_TEST_COUNTER.<task>.waiting`
 *     and waits until the file `$ALAMODE_TEST_COUNTER.go` exists.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath } from './cli';

export const PYTHON_STANDIN = `#!/bin/sh
set -e
echo "$ALAMODE_TASK $*" >> "$ALAMODE_TEST_COUNTER"
if [ "$ALAMODE_TEST_FAIL" = "$ALAMODE_TASK" ]; then echo "stand-in: $ALAMODE_TASK fails on purpose" >&2; exit 3; fi
if [ "$ALAMODE_TEST_HANG" = "$ALAMODE_TASK" ]; then
  echo "partial" > "$ALAMODE_OUTPUT/partial.txt"
  echo $$ > "$ALAMODE_TEST_COUNTER.$ALAMODE_TASK.pid"
  exec sleep 1000
fi
if [ "$ALAMODE_TEST_GATE" = "$ALAMODE_TASK" ]; then
  : > "$ALAMODE_TEST_COUNTER.$ALAMODE_TASK.waiting"
  while [ ! -e "$ALAMODE_TEST_COUNTER.go" ]; do sleep 0.05; done
fi
{
  echo "$ALAMODE_TASK: $*"
  echo "inputs: $ALAMODE_INPUTS"
  for f in $(env | sed -n 's/^ALAMODE_INPUT_[A-Z0-9_]*=//p' | sort); do cat "$f/result.txt" | sed 's/^/  /'; done
} > "$ALAMODE_OUTPUT/result.txt"
echo "stand-in ran $ALAMODE_TASK"
`;

export interface Sandbox {
  readonly dir: string;
  readonly bin: string;
  readonly counter: string;
  /** The environment to run `alamode` with: the stand-in first on PATH. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  /** The lines the stand-in appended: one per command that ran. */
  ran(): string[];
}

export function sandbox(dir: string): Sandbox {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'python'), PYTHON_STANDIN);
  chmodSync(join(bin, 'python'), 0o755);
  const counter = join(dir, 'ran.txt');
  return {
    dir,
    bin,
    counter,
    env: (extra = {}) => {
      const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH}`, ALAMODE_TEST_COUNTER: counter };
      delete env.ALAMODE_STORE;
      return { ...env, ...extra };
    },
    ran: () => (existsSync(counter) ? readFileSync(counter, 'utf8').trim().split('\n').filter(Boolean) : []),
  };
}

export interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `alamode ...` to completion. */
export function alamodeSync(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Run {
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export interface Running {
  readonly child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  readonly done: Promise<Run>;
}

/** `alamode ...` in the background. */
export function alamodeAsync(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
  const done = new Promise<Run>((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout: out, stderr: err })));
  return { child, stdout: () => out, stderr: () => err, done };
}

/** Polls `check` until it returns something truthy; fails after a generous deadline, naming what it waited for. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | null | Promise<T | undefined | false | null>, deadlineMs = 60_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Whether a process is alive (not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
