/** Throwaway git repositories for tests that read committed files. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';

export interface TestRepo {
  readonly dir: string;
  /** Runs git in the repository (throws on failure, output captured). */
  git(...args: string[]): Buffer;
}

/** A new, empty repository in a fresh folder under `parent`, with an author set. */
export function initRepo(parent: string): TestRepo {
  const dir = mkdtempSync(join(parent, 'repo-'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  git('init', '-q');
  git('config', 'user.email', 't@example.com');
  git('config', 'user.name', 't');
  return { dir, git };
}
