// What both integration runners (code-server: run.mjs; @vscode/test-electron: runElectron.mjs) need:
// the suite bundled for the extension host, and a workspace that is a real git repository.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const conformance = process.env.ALAMODE_CONFORMANCE_DIR ?? join(root, '..', 'shared', 'conformance');
const fixtures = join(root, 'test', 'fixtures');

/** The suite, bundled for the extension host (vscode and mocha come from the host and node_modules). */
export async function buildSuite() {
  const outfile = join(root, 'test', 'vscode', 'out', 'suite.cjs');
  await esbuild.build({
    entryPoints: [join(root, 'test', 'vscode', 'suite', 'index.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return outfile;
}

/** A git repository: collage committed with its .dag, then edited (uncommitted), as a user would have it. */
export function makeWorkspace() {
  const ws = mkdtempSync(join(tmpdir(), 'alamode-vscode-ws-'));
  const git = (...args) => execFileSync('git', args, { cwd: ws, stdio: 'pipe' });
  mkdirSync(join(ws, 'pipelines'));
  cpSync(join(fixtures, 'pipelines', 'collage.alamode.ts'), join(ws, 'pipelines', 'collage.alamode.ts'));
  cpSync(join(conformance, 'collage.before.dag'), join(ws, 'pipelines', 'collage.dag'));
  cpSync(join(fixtures, 'lsp', 'problems.alamode.ts'), join(ws, 'pipelines', 'problems.alamode.ts'));
  cpSync(join(fixtures, 'bad', 'corrupt.dag'), join(ws, 'pipelines', 'corrupt.dag'));
  // Pipelines over several files: shared helpers, a JSON list of tables, a helper that adds tasks.
  for (const folder of ['shared', 'config', 'warehouse', 'ml']) cpSync(join(root, 'examples', 'pipelines', folder), join(ws, 'pipelines', folder), { recursive: true });
  git('init', '-q');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'A La Mode tests');
  git('add', '.');
  git('commit', '-qm', 'collage pipeline');
  const module = join(ws, 'pipelines', 'collage.alamode.ts');
  writeFileSync(module, readFileSync(module, 'utf8').replace("sha: '6f09d'", "sha: 'qwetr3'"));
  return ws;
}


/**
 * A folder with a stand-in for the seed's `python …` commands (it writes its arguments into
 * $ALAMODE_OUTPUT), for the Run Pipeline test; its path goes to the extension host as ALAMODE_TEST_BIN.
 */
export function makeTestBin() {
  const bin = mkdtempSync(join(tmpdir(), 'alamode-vscode-bin-'));
  writeFileSync(join(bin, 'python'), '#!/bin/sh\necho "$ALAMODE_TASK $*" > "$ALAMODE_OUTPUT/result.txt"\n');
  chmodSync(join(bin, 'python'), 0o755);
  return bin;
}
