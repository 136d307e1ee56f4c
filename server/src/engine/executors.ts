/**
 * How a task's command is started: `local` (`sh -c` on this machine, in its own process group) or
 * `podman` (`sh -c` inside the task's image, with its output, working folder and inputs mounted).
 * Either way the process leads its own group, so stopping it stops everything it started.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { TaskPaths } from './taskEnv';
import { taskEnvironment } from './taskEnv';

export type ExecutorName = 'local' | 'podman';
export const EXECUTORS: readonly ExecutorName[] = ['local', 'podman'];

export interface StartRequest extends TaskPaths {
  readonly command: string;
  /** The working folder (the task's own). */
  readonly work: string;
  readonly image?: string;
  /** Where stdout and stderr go. */
  readonly logFd: number;
  /** Unique per attempt; container executors name the container after it. */
  readonly attemptName: string;
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The command could not be started at all. */
  readonly error?: string;
}

export interface Started {
  readonly pid: number | undefined;
  readonly container?: string;
  readonly warnings: readonly string[];
  readonly exited: Promise<Exit>;
  /** Asks the task to stop (SIGTERM to its group; the container is stopped too). */
  stop(): void;
  /** Stops it now (SIGKILL to its group; the container is removed). */
  kill(): void;
  /**
   * Lets the command run. Until then the process waits at a gate, so the runner can first record its
   * pid in the lock: a runner killed right after starting a task must leave the lock naming the
   * process, or the next run could not stop it. If the runner dies before `begin`, the gate's pipe
   * closes and the command never runs.
   */
  begin(): void;
}

/**
 * `sh` that waits for one line on stdin, then runs `command` (stdin then at end of file, as a task
 * started with nothing to read); at end of file without that line it exits without running it.
 */
function gated(command: readonly string[]): string[] {
  return ['-c', 'read -r _ && exec "$@"', 'alamode-gate', ...command];
}

function opener(child: ChildProcess): () => void {
  return () => {
    child.stdin?.end('\n');
  };
}

export interface Executor {
  readonly name: ExecutorName;
  start(request: StartRequest): Started;
  /** Removes what a dead runner left running (a container), named as {@link Started.container}. */
  removeOrphan(container: string): void;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function watch(child: ChildProcess): Promise<Exit> {
  return new Promise((resolve) => {
    let error: string | undefined;
    child.once('error', (e) => { error = e.message; });
    child.once('close', (code, signal) => resolve({ code, signal, ...(error ? { error } : {}) }));
  });
}

export const localExecutor: Executor = {
  name: 'local',
  start(r) {
    const { env, warnings } = taskEnvironment(r);
    const child = spawn('sh', gated(['sh', '-c', r.command]), {
      cwd: r.work,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['pipe', r.logFd, r.logFd],
    });
    child.stdin!.on('error', () => {}); // the gate gone already (killed): nothing to tell it
    return {
      pid: child.pid,
      warnings,
      exited: watch(child),
      stop: () => signalGroup(child, 'SIGTERM'),
      kill: () => signalGroup(child, 'SIGKILL'),
      begin: opener(child),
    };
  },
  removeOrphan() {},
};

/** Where the container sees its folders. */
export const CONTAINER_PATHS = { output: '/alamode/output', work: '/alamode/work', inputs: '/alamode/inputs' } as const;

/**
 * `podman run --rm --init --pull never` with the folders mounted at {@link CONTAINER_PATHS} (inputs
 * read-only, one per input ID), named `alamode-<id>-<attempt>` so a takeover can remove an orphan. `ALAMODE_PODMAN_ARGS` adds arguments before the image (split on spaces), for what a machine
 * needs, e.g. `--runtime runc --ulimit nofile=20000:20000`.
 */
export function podmanExecutor(binary = process.env.ALAMODE_PODMAN ?? 'podman'): Executor {
  const extra = (process.env.ALAMODE_PODMAN_ARGS ?? '').split(/\s+/).filter(Boolean);
  const removeContainer = (name: string) => {
    spawnSync(binary, ['rm', '-f', '-t', '0', name], { stdio: 'ignore', timeout: 60_000 });
  };
  return {
    name: 'podman',
    start(r) {
      if (!r.image) throw new Error('the task has no image (spec.image), which the podman executor runs it in');
      const inputs: Record<string, string> = {};
      const mounts: string[] = [];
      for (const [name, path] of Object.entries(r.inputs)) {
        const id = path.slice(path.lastIndexOf('/') + 1);
        inputs[name] = `${CONTAINER_PATHS.inputs}/${id}`;
        mounts.push('-v', `${path}:${inputs[name]}:ro`);
      }
      const { env, warnings } = taskEnvironment({ ...r, output: CONTAINER_PATHS.output, inputs });
      const container = `alamode-${r.outputId.slice(0, 16)}-${r.attemptName}`;
      const args = [
        // --init: a small init as PID 1 forwards SIGTERM (a shell as PID 1 would ignore it) and reaps.
        'run', '--rm', '--init', '--name', container, '--pull', 'never', ...extra,
        '-v', `${r.output}:${CONTAINER_PATHS.output}`, '-v', `${r.work}:${CONTAINER_PATHS.work}`, ...mounts,
        '-w', CONTAINER_PATHS.work,
        ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
        r.image, 'sh', '-c', r.command,
      ];
      const child = spawn('sh', gated([binary, ...args]), { detached: true, stdio: ['pipe', r.logFd, r.logFd] });
      child.stdin!.on('error', () => {});
      return {
        pid: child.pid,
        container,
        begin: opener(child),
        warnings,
        exited: watch(child),
        stop: () => {
          spawn(binary, ['stop', '-t', '5', container], { stdio: 'ignore' }).on('error', () => {});
          signalGroup(child, 'SIGTERM');
        },
        kill: () => {
          removeContainer(container);
          signalGroup(child, 'SIGKILL');
        },
      };
    },
    removeOrphan: removeContainer,
  };
}

export function executorNamed(name: ExecutorName): Executor {
  return name === 'podman' ? podmanExecutor() : localExecutor;
}
