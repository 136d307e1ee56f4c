/** Runs the built `alamode` binary (the `bin` in package.json) the way a user or CI does. */
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
