// Runs the Neovim LSP client test (lsp_client_test.lua) against the built server. Expectations come
// from the seed's hashes (../shared/conformance/collage.json), so they are independent of our code.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const conformance = process.env.ALAMODE_CONFORMANCE_DIR ?? join(root, '..', 'shared', 'conformance');
const vectors = JSON.parse(readFileSync(join(conformance, 'collage.json'), 'utf8'));
const collage = join(root, 'test', 'fixtures', 'pipelines', 'collage.alamode.ts');
const collageLines = readFileSync(collage, 'utf8').split('\n');
const lineOf = (snippet) => collageLines.findIndex((l) => l.includes(snippet));

const nvim = spawnSync('which', ['nvim'], { encoding: 'utf8' }).stdout.trim();
if (!nvim) {
  console.error('nvim test: Neovim is not installed; run test/tools/ensure-test-tools.sh (Debian package neovim)');
  process.exit(1);
}

const lensTitles = Object.entries(vectors.before.tasks).map(([name, task]) => {
  const n = Object.keys(task.inputs).length;
  return { title: `output ${task.output.slice(0, 12)} · ${n} input${n === 1 ? '' : 's'}`, line: lineOf(`dag.task('${name}'`) };
});
const hoverLine = lineOf('blur.addDep(download)');
const expect = {
  node: process.execPath,
  server: join(root, 'server', 'out', 'languageServer.cjs'),
  root,
  collage,
  problems: join(root, 'test', 'fixtures', 'lsp', 'problems.alamode.ts'),
  diagnosticCodes: ['cycle', 'missing-input', 'invalid-value', 'reserved-key', 'duplicate-task', 'not-static'],
  missingInputMessage: "task 'report': input 'claen' names no task (did you mean 'clean'?)",
  lensTitles,
  hover: { line: hoverLine, character: collageLines[hoverLine].indexOf('blur') + 1, contains: vectors.before.tasks.blur.output },
};

const dir = mkdtempSync(join(tmpdir(), 'alamode-nvim-'));
try {
  const expectPath = join(dir, 'expect.json');
  writeFileSync(expectPath, JSON.stringify(expect));
  const started = Date.now();
  const r = spawnSync(nvim, ['--headless', '--clean', '-u', 'NONE', '-c', `luafile ${join(root, 'test', 'nvim', 'lsp_client_test.lua')}`], {
    env: { ...process.env, ALAMODE_NVIM_EXPECT: expectPath, XDG_STATE_HOME: dir, XDG_DATA_HOME: dir, XDG_CACHE_HOME: dir },
    encoding: 'utf8',
    timeout: 120_000,
  });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  const passed = r.status === 0 && r.stdout.includes('all checks passed');
  console.log(`nvim: Neovim 0.7 LSP client ${passed ? 'passed' : 'FAILED'} in ${Date.now() - started} ms`);
  console.log(`${passed ? 1 : 0} passed, ${passed ? 0 : 1} failed`);
  process.exitCode = passed ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
