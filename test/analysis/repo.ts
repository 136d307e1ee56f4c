/**
 * Small pipeline repositories on disk, for the tests of modules that import others: the analysis
 * reads them through a host, the runtime runs them bundled (as `alamode encode` does).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { analyseModule, type AnalyseOptions } from '../../server/src/analysis/analyse';
import { nodeFileHost } from '../../server/src/analysis/modules/host';
import type { AnalysedDag, ModuleAnalysis } from '../../server/src/analysis/types';
import type { Dag } from '../../server/src/runtime/index';
import { assertNoWrongOutput, executeModule } from './execute';

export interface Repo {
  readonly dir: string;
  path(file: string): string;
  write(file: string, text: string): void;
  remove(): void;
}

/** Every repository made by this process, removed when it exits so test runs leave no folders behind. */
const made = new Set<string>();
process.once('exit', () => { for (const dir of made) rmSync(dir, { recursive: true, force: true }); });

/** A repository in a temporary folder with these files (paths relative to its root). */
export function makeRepo(files: Readonly<Record<string, string>>): Repo {
  const dir = mkdtempSync(join(tmpdir(), 'alamode-repo-'));
  made.add(dir);
  const repo: Repo = {
    dir,
    path: (file) => join(dir, file),
    write(file, text) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  for (const [file, text] of Object.entries(files)) repo.write(file, text);
  return repo;
}

/** Analyses `file` of the repository as the server would, failing on an internal error. */
export function analyseIn(repo: Repo, file: string, text: string, options: AnalyseOptions = {}): ModuleAnalysis {
  let internal: unknown;
  const analysis = analyseModule(text, repo.path(file), { host: nodeFileHost(), fresh: true, ...options, onInternalError: (e) => { internal = e; } });
  if (internal !== undefined) throw internal;
  return analysis;
}

/** The default-export Dag of the analysis. */
export function defaultDag(analysis: ModuleAnalysis): AnalysedDag {
  const dag = analysis.dags.find((d) => d.isDefaultExport);
  assert.ok(dag, 'the analysis finds the default export');
  return dag;
}

/**
 * Runs `file` of the repository; undefined when the bundle or the module fails (nothing to compare).
 * Each run gets the module's own copy of every module it imports.
 */
export async function runIn(repo: Repo, file: string): Promise<Dag | undefined> {
  try {
    const dag = (await executeModule(repo.path(file))).default as Dag | undefined;
    if (!dag || typeof dag !== 'object' || !('tasks' in dag)) return undefined;
    dag.analyse();
    return dag;
  } catch {
    return undefined;
  }
}

/** The cardinal rule across modules: every output the analysis shows is the runtime's. */
export async function assertNoWrongOutputIn(repo: Repo, file: string, text: string): Promise<{ shown: number; analysis: ModuleAnalysis; ran: boolean }> {
  const analysis = analyseIn(repo, file, text);
  const runtime = await runIn(repo, file);
  if (!runtime) return { shown: 0, analysis, ran: false };
  return { shown: assertNoWrongOutput(defaultDag(analysis), runtime), analysis, ran: true };
}
