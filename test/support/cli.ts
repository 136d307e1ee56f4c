/** Runs the built `alamode` binary (the `bin` in package.json) the way a user or CI does. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './paths';

export const cliPath = join(repoRoot, 'server', 'out', 'cli.cjs');

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes: Buffer;
}

export function alamode(args: readonly string[], cwd = repoRoot): CliRun {
  // A large module's JSON is several MB (spawnSync's default buffer is 1 MB).
  const r = spawnSync(process.execPath, [cliPath, ...args], { cwd, encoding: 'buffer', timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), stdoutBytes: r.stdout };
}

/** `alamode encode`'s output IDs by task name for the module at `path`, as the files are on disk now. */
export function encodedIds(path: string): Record<string, string> {
  const r = alamode(['encode', path, '--json']);
  assert.equal(r.status, 0, r.stderr);
  const tasks = (JSON.parse(r.stdout) as { tasks: Record<string, { output: string }> }).tasks;
  return Object.fromEntries(Object.entries(tasks).map(([name, t]) => [name, t.output]));
}
