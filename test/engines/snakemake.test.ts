/**
 * `alamode export --to snakemake`, run for real by Snakemake (installed by
 * test/tools/ensure-engine-tools.sh; this test fails, never skips, without it): the seed's pipeline
 * exported, run (every job an `alamode run-task`), run again (nothing to do), run again from a fresh
 * working folder (every job reuses the store's records), then the seed's edit (only blur and collage run).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliPath } from '../support/cli';
import { alamodeSync, sandbox } from '../support/engine';
import { conformanceDir, fixturesDir } from '../support/paths';

const vectors = JSON.parse(readFileSync(join(conformanceDir, 'collage.json'), 'utf8'));
const ids = (side: 'before' | 'after'): Record<string, string> => Object.fromEntries(Object.entries(vectors[side].tasks).map(([n, t]) => [n, (t as { output: string }).output]));

const scratch = mkdtempSync(join(tmpdir(), 'alamode-snakemake-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function snakemakeVersion(): string {
  const r = spawnSync('snakemake', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error('snakemake is not installed: run `bash test/tools/ensure-engine-tools.sh` (as root: it apt-installs it)');
  }
  return r.stdout.trim();
}

describe('the Snakemake export, run by Snakemake', () => {
  let version = '';
  before(() => { version = snakemakeVersion(); });

  test('runs the seed\'s pipeline through alamode run-task; again: nothing to do; from a fresh folder: every task reused; the seed\'s edit runs blur and collage only', () => {
    assert.match(version, /^\d+\.\d+/);
    const s = sandbox(mkdtempSync(join(scratch, 'export-')));
    const module = join(s.dir, 'collage.alamode.ts');
    copyFileSync(join(fixturesDir, 'pipelines', 'collage.alamode.ts'), module);
    const store = join(s.dir, 'store');
    const exported = alamodeSync(['export', 'collage.alamode.ts', '--to', 'snakemake', '--store', store], s.dir, s.env());
    assert.equal(exported.status, 0, exported.stderr);
    const workflow = join(s.dir, 'collage.snakemake');
    assert.deepEqual(readFileSync(join(workflow, 'collage.dag')), readFileSync(join(conformanceDir, 'collage.before.dag')));
    const snakefile = readFileSync(join(workflow, 'Snakefile'), 'utf8');
    assert.match(snakefile, /params: task="blur", image="collage"/);

    const snakemake = (cwd: string, ...extra: string[]) => {
      const r = spawnSync('snakemake', ['--snakefile', join(workflow, 'Snakefile'), '--cores', '2', '--config', `alamode=${process.execPath} ${cliPath}`, ...extra], { cwd, env: s.env(), encoding: 'utf8', timeout: 300_000 });
      assert.equal(r.status, 0, `snakemake failed:\n${r.stdout}\n${r.stderr}`);
      return r.stdout + r.stderr;
    };

    const work = join(s.dir, 'run1');
    mkdirSync(work);
    const first = snakemake(work);
    assert.deepEqual(s.ran().map((l) => l.split(' ')[0]).sort(), ['blur', 'collage', 'download_images', 'edge_enhance']);
    for (const [name, id] of Object.entries(ids('before'))) {
      const record = JSON.parse(readFileSync(join(store, 'records', `${id}.json`), 'utf8'));
      assert.equal(record.task, name);
      assert.equal(record.runner, 'run-task');
      assert.match(first, new RegExp(`alamode: '${name}' done in`));
    }
    // alamode status reads the records Snakemake's jobs wrote.
    const status = alamodeSync(['status', 'collage.alamode.ts', '--store', store], s.dir, s.env());
    assert.match(status.stdout, /^4 built, 0 failed, 0 running, 0 never built/m);

    // Again, same folder: Snakemake itself sees its markers.
    assert.match(snakemake(work), /Nothing to be done/);
    // Again from a fresh folder (another checkout, another machine): every job runs alamode run-task,
    // which finds each ID recorded and reuses it.
    const work2 = join(s.dir, 'run2');
    mkdirSync(work2);
    const second = snakemake(work2);
    for (const name of Object.keys(ids('before'))) assert.match(second, new RegExp(`alamode: '${name}' reused: [0-9a-f]{12} was built `));
    assert.equal(s.ran().length, 4, 'no command ran again');

    // The seed's edit, exported again: only blur and collage have new IDs, so only they run.
    writeFileSync(module, readFileSync(module, 'utf8').replace("sha: '6f09d'", "sha: 'qwetr3'"));
    assert.equal(alamodeSync(['export', 'collage.alamode.ts', '--to', 'snakemake', '--store', store], s.dir, s.env()).status, 0);
    snakemake(work);
    assert.deepEqual(s.ran().slice(4).map((l) => l.split(' ')[0]), ['blur', 'collage']);
    for (const name of ['blur', 'collage']) assert.ok(existsSync(join(store, 'records', `${ids('after')[name]}.json`)));
  });

  test('a failing task fails the Snakemake run, with no success record and nothing downstream run', () => {
    const s = sandbox(mkdtempSync(join(scratch, 'fail-')));
    copyFileSync(join(conformanceDir, 'collage.before.dag'), join(s.dir, 'collage.dag'));
    const store = join(s.dir, 'store');
    assert.equal(alamodeSync(['export', 'collage.dag', '--to', 'snakemake', '--store', store], s.dir, s.env()).status, 0);
    const r = spawnSync('snakemake', ['--snakefile', join(s.dir, 'collage.snakemake', 'Snakefile'), '--cores', '1', '--config', `alamode=${process.execPath} ${cliPath}`], { cwd: s.dir, env: s.env({ ALAMODE_TEST_FAIL: 'blur' }), encoding: 'utf8', timeout: 300_000 });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr + r.stdout, /alamode: 'blur' failed: exit 3/);
    assert.ok(!existsSync(join(store, 'records', `${ids('before').blur}.json`)));
    assert.ok(!s.ran().some((l) => l.startsWith('collage ')));
  });
});
