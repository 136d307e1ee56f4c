/**
 * The `a-la-mode` package as a pipelines project gets it: packed into a tarball, installed with npm
 * into a fresh project, importable from CommonJS and ESM, and type-checking a pipeline module.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { conformanceDir, repoRoot } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'alamode-package-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const vectors = JSON.parse(readFileSync(join(conformanceDir, 'collage.json'), 'utf8'));

test('npm pack → npm install → import (CJS and ESM) → type-check a pipeline module', () => {
  const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const packed = npm(['pack', '--json', '--pack-destination', scratch], join(repoRoot, 'server', 'a-la-mode'));
  const [{ filename, files }] = JSON.parse(packed) as [{ filename: string; files: { path: string }[] }];
  const paths = files.map((f) => f.path);
  for (const p of ['dist/index.cjs', 'dist/index.mjs', 'dist/types/runtime/index.d.ts', 'package.json']) assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);

  const project = join(scratch, 'pipelines');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pipelines', private: true }));
  npm(['install', '--no-audit', '--no-fund', '--offline', join(scratch, filename)], project);

  const script = `const { Dag } = require('a-la-mode');
const dag = new Dag({ schedule: '@daily' });
dag.task('download_images', { image: 'collage', sha: '1qe34', command: 'python dl_images.py' });
console.log(dag.encode().tasks.download_images.output);`;
  assert.equal(execFileSync(process.execPath, ['-e', script], { cwd: project, encoding: 'utf8' }).trim(), vectors.before.tasks.download_images.output);
  const esm = `import { Dag, CycleError } from 'a-la-mode'; console.log(typeof Dag, typeof CycleError);`;
  assert.equal(execFileSync(process.execPath, ['--input-type=module', '-e', esm], { cwd: project, encoding: 'utf8' }).trim(), 'function function');

  // The editor's view: a pipeline module type-checks against the installed declarations, and a
  // mistake in it is a type error.
  writeFileSync(join(project, 'collage.alamode.ts'), readFileSync(join(repoRoot, 'test', 'fixtures', 'pipelines', 'collage.alamode.ts'), 'utf8'));
  writeFileSync(join(project, 'wrong.alamode.ts'), `import { Dag } from 'a-la-mode';\nconst dag = new Dag();\ndag.task('a', { image: 'x' }).addDep(42);\n`);
  const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const flags = ['--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022'];
  execFileSync(process.execPath, [tsc, ...flags, 'collage.alamode.ts'], { cwd: project, encoding: 'utf8' });
  assert.throws(
    () => execFileSync(process.execPath, [tsc, ...flags, 'wrong.alamode.ts'], { cwd: project, encoding: 'utf8', stdio: 'pipe' }),
    (e: { stdout?: string }) => /wrong\.alamode\.ts\(3,\d+\): error TS2345/.test(e.stdout ?? ''),
  );
});
