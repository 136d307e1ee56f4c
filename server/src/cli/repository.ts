/**
 * The pipelines of a whole repository, for `alamode diff` with no sides and `alamode check` with no
 * modules: which `*.alamode.ts` modules there are (in the working tree, and at a revision), and what a
 * change does to each of them. Each module runs for real (bundled, with its helpers from the same
 * side), as a single-module diff does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { diffDags, type DagDiff } from '../core/diff';
import type { EncodedDag } from '../core/outputIds';
import { CliError, runModule } from './loadModule';
import { encodedOrThrow } from './report';

/** What a pipeline module's file name ends with. */
export const PIPELINE_SUFFIX = '.alamode.ts';

function git(cwd: string, args: readonly string[]): string {
  return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 }).toString('utf8');
}

function gitFailure(e: unknown): string {
  if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'git is not installed (or not on PATH)';
  return String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim().split('\n')[0]!.replace(/^fatal: /, '');
}

/** The top of the git work tree holding `cwd`, or undefined outside git. */
export function repositoryRoot(cwd: string): string | undefined {
  try {
    return git(cwd, ['rev-parse', '--show-toplevel']).trim() || undefined;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(gitFailure(e));
    return undefined;
  }
}

const isPipeline = (path: string) => path.endsWith(PIPELINE_SUFFIX);

/**
 * The pipeline modules under `cwd`, as absolute paths, sorted. In a git repository: the files git
 * knows or would add (tracked, and untracked but not ignored), so `node_modules` and build output stay
 * out as `.gitignore` says. Outside git: every `*.alamode.ts` below `cwd`, skipping `node_modules` and
 * dot-folders.
 */
export function workingTreePipelines(cwd: string): string[] {
  const root = repositoryRoot(cwd);
  if (root !== undefined) {
    const listed = git(cwd, ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--full-name', '--', `*${PIPELINE_SUFFIX}`]);
    return [...new Set(listed.split('\0').filter(isPipeline))]
      .map((p) => join(root, p))
      .filter((p) => existsSync(p)) // deleted in the working tree but still in the index
      .sort();
  }
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && isPipeline(entry.name)) found.push(path);
    }
  };
  walk(resolve(cwd));
  return found.sort();
}

/** The pipeline modules at `revision`, as paths relative to the repository root. */
function pipelinesAt(root: string, revision: string): string[] {
  try {
    return git(root, ['ls-tree', '-r', '-z', '--name-only', '--end-of-options', revision]).split('\0').filter(isPipeline).sort();
  } catch (e) {
    throw new CliError(`${revision}: git could not list it (${gitFailure(e)})`);
  }
}

/** One module's side of a repository diff: its encoded DAG, or why it has none. */
type Side = { readonly encoded: EncodedDag; readonly inputs: readonly string[] } | { readonly error: string };

export type ModuleDiffStatus = 'changed' | 'unchanged' | 'added' | 'removed' | 'error';

export interface ModuleDiff {
  /** The module's path relative to the repository root, with `/`. */
  readonly module: string;
  /** `changed`: some task differs; `added`/`removed`: the module is new / gone; `error`: a side could not run. */
  readonly status: ModuleDiffStatus;
  /** Absent for `error`. For `added` (`removed`), every task is added (removed). */
  readonly diff?: DagDiff;
  /** For `error`: the one line that says why. */
  readonly error?: string;
}

export interface RepositoryDiff {
  readonly base: string;
  readonly root: string;
  /** Every pipeline module on either side, sorted by path. */
  readonly modules: readonly ModuleDiff[];
}

const EMPTY_DAG: EncodedDag = { meta: {}, tasks: {} };

/** Runs `jobs` with at most `limit` at once (each module is a child process), keeping their order. */
async function pool<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results = new Array<T>(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}

async function runSide(run: () => ReturnType<typeof runModule>, label: string): Promise<Side> {
  try {
    const result = await run();
    return { encoded: encodedOrThrow(result, label), inputs: result.inputs ?? [] };
  } catch (e) {
    if (e instanceof CliError) return { error: e.message };
    throw e;
  }
}

/** Whether any of `files` (absolute, in the working tree) differs from `revision`, or is not tracked there. */
function differsFrom(root: string, revision: string, files: readonly string[]): boolean {
  const paths = files.map((f) => relative(root, f).split(sep).join('/'));
  if (paths.some((p) => p.startsWith('../'))) return true; // read from outside the repository: cannot tell
  try {
    // Exit 1 when something differs; untracked files are not in `diff`, so ask `ls-tree` about them.
    execFileSync('git', ['diff', '--quiet', '--end-of-options', revision, '--', ...paths], { cwd: root, stdio: 'ignore' });
    const tracked = git(root, ['ls-tree', '-r', '-z', '--name-only', '--end-of-options', revision, '--', ...paths]).split('\0').filter(Boolean);
    return tracked.length !== new Set(paths).size;
  } catch {
    return true;
  }
}

/**
 * Every pipeline module of the repository holding `cwd`, at `revision` and in the working tree. A
 * module none of whose bundled files (itself, its local imports, JSON it reads) differs from the
 * revision is not run twice: the same files give the same DAG.
 */
export async function diffRepository(cwd: string, revision: string, timeoutMs: number): Promise<RepositoryDiff> {
  const root = repositoryRoot(cwd);
  if (root === undefined) throw new CliError(`${resolve(cwd)} is not in a git repository: give the two sides (alamode diff <base> <target>)`);
  const before = new Set(pipelinesAt(root, revision));
  const now = new Set(workingTreePipelines(root).map((p) => relative(root, p).split(sep).join('/')));
  const modules = [...new Set([...before, ...now])].sort();
  const jobs = modules.map((module) => async (): Promise<ModuleDiff> => {
    const path = join(root, module);
    const label = `${revision}:${module}`;
    const target: Side | undefined = now.has(module) ? await runSide(() => runModule({ path }, { timeoutMs }), module) : undefined;
    let base: Side | undefined;
    if (before.has(module)) {
      base = target && 'encoded' in target && target.inputs.length > 0 && !differsFrom(root, revision, target.inputs)
        ? target
        : await runSide(async () => {
          const contents = git(root, ['show', '--end-of-options', `${revision}:${module}`]);
          return runModule({ path, contents, label, revision }, { timeoutMs });
        }, label);
    }
    const failed = [base, target].find((s): s is { error: string } => s !== undefined && 'error' in s);
    if (failed) return { module, status: 'error', error: failed.error };
    const diff = diffDags(base && 'encoded' in base ? base.encoded : EMPTY_DAG, target && 'encoded' in target ? target.encoded : EMPTY_DAG);
    const status: ModuleDiffStatus = !base ? 'added' : !target ? 'removed' : differs(diff) ? 'changed' : 'unchanged';
    return { module, status, diff };
  });
  return { base: revision, root, modules: await pool(jobs, Math.max(1, availableParallelism())) };
}

/** Whether a diff has anything but unchanged tasks. */
export function differs(diff: DagDiff): boolean {
  return diff.counts.unchanged !== diff.tasks.length || diff.meta.length > 0;
}
