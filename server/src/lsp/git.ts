/**
 * Reading the last committed state of a pipeline through git, for the invalidation diff. The server
 * runs `git` itself (read-only: `rev-parse`, `show`), so every editor gets the same answer.
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

const GIT_TIMEOUT_MS = 10_000;

function git(cwd: string, args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, encoding: 'buffer', timeout: GIT_TIMEOUT_MS, maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(error, { stderr: stderr.toString() }));
      else resolve(stdout);
    });
  });
}

export type CommittedFile =
  | { readonly kind: 'found'; readonly bytes: Buffer; readonly label: string }
  | { readonly kind: 'absent'; readonly label: string }
  | { readonly kind: 'no-repository'; readonly reason: string };

/** Finds the git repository of `filePath` and the commit `rev` names there. */
export async function resolveCommit(filePath: string, rev: string): Promise<{ root: string; commit: string } | { reason: string }> {
  const cwd = dirname(filePath);
  // git is started in the document's folder; if that is gone, spawning fails with ENOENT, the same
  // error as a missing git, so look first and say what is really wrong.
  const folder = await stat(cwd).catch((e: NodeJS.ErrnoException) => e);
  if (folder instanceof Error || !folder.isDirectory()) {
    return { reason: `the folder of ${basename(filePath)} (${cwd}) does not exist (moved or deleted?), so there is no committed state to compare with` };
  }
  // A revision is never an option of git's (`--output=…`): refused plainly, and `--end-of-options` below.
  if (rev.startsWith('-')) return { reason: `'${rev}' is not a revision (it starts with '-'); check alamode.invalidation.base` };
  let root: string;
  try {
    root = (await git(cwd, ['rev-parse', '--show-toplevel'])).toString().trim();
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? '');
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { reason: 'git is not installed, so there is no committed state to compare with' };
    return { reason: /not a git repository/i.test(stderr) ? `${basename(filePath)} is not in a git repository, so there is no committed DAG to compare with` : `git failed: ${stderr.trim().split('\n')[0] ?? 'unknown error'}` };
  }
  try {
    const commit = (await git(cwd, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`])).toString().trim();
    return { root, commit };
  } catch {
    return { reason: rev === 'HEAD' ? 'the repository has no commits yet, so there is no committed DAG to compare with' : `'${rev}' names no commit` };
  }
}

/** The bytes of `./name` (beside `filePath`) at a commit, or that it is absent there. */
export async function readAtCommit(filePath: string, commit: string, name: string, revLabel: string): Promise<CommittedFile> {
  const cwd = dirname(filePath);
  const label = `${revLabel}:${name}`;
  try {
    return { kind: 'found', bytes: await git(cwd, ['show', '--end-of-options', `${commit}:./${name}`]), label };
  } catch {
    return { kind: 'absent', label };
  }
}
