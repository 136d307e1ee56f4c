/**
 * Reading the last committed state of a pipeline through git, for the invalidation diff. The server
 * runs `git` itself (read-only: `rev-parse`, `show`), so every editor gets the same answer.
 */
import { execFile, execFileSync } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, sep } from 'node:path';
import type { ModuleHost } from '../analysis/analyse';

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

/**
 * The files of a commit, as the analysis reads a pipeline's imports: the base of a diff is the
 * pipeline *and its helpers* as committed, not the committed module over today's helpers. The
 * analysis reads synchronously, so git is run synchronously here; the commit's file list is read once
 * (an import is looked for under a dozen names) and each file at most once.
 */
export function revisionHost(root: string, commit: string): ModuleHost {
  const cached = revisionHosts.get(`${root}\0${commit}`);
  if (cached) return cached;
  const run = (args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'buffer', timeout: GIT_TIMEOUT_MS, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  let listed: ReadonlySet<string> | undefined;
  const texts = new Map<string, string>();
  const host: ModuleHost = {
    readFile(absPath) {
      const inRepo = relative(root, absPath).split(sep).join('/');
      if (inRepo.startsWith('../') || isAbsolute(inRepo)) return undefined; // outside the repository: not at the commit
      listed ??= new Set(run(['ls-tree', '-r', '-z', '--name-only', '--end-of-options', commit]).toString('utf8').split('\0'));
      if (!listed.has(inRepo)) return undefined;
      let text = texts.get(inRepo);
      if (text === undefined) {
        text = run(['show', '--end-of-options', `${commit}:${inRepo}`]).toString('utf8');
        texts.set(inRepo, text);
      }
      return text;
    },
  };
  revisionHosts.set(`${root}\0${commit}`, host);
  // A commit's files never change; only the last few commits asked about are kept.
  while (revisionHosts.size > 4) revisionHosts.delete(revisionHosts.keys().next().value!);
  return host;
}

const revisionHosts = new Map<string, ModuleHost>();
