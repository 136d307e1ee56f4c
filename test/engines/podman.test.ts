/**
 * `--executor podman`: tasks run in their `image`, with their output, working folder and inputs (read
 * only) mounted. Needs podman and runc (test/tools/ensure-engine-tools.sh; this test fails, never skips,
 * without them). The image is made offline from Debian's busybox-static (`podman import`), and podman
 * gets this machine's settings through ALAMODE_PODMAN_ARGS (`--runtime runc`: crun fails on this cgroup
 * setup; ulimits: the defaults cannot be raised here).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { cliPath } from '../support/cli';
import { alamodeAsync, alamodeSync, sandbox, waitFor } from '../support/engine';

const IMAGE = 'localhost/alamode-test-busybox:latest';
const PODMAN_ARGS = '--runtime runc --ulimit nofile=20000:20000 --ulimit nproc=4096:4096';
const scratch = mkdtempSync(join(tmpdir(), 'alamode-podman-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function podman(...args: string[]) {
  return spawnSync('podman', args, { encoding: 'utf8', timeout: 120_000 });
}

/** The test image: busybox-static and its applets, imported (no registry needed). */
function ensureImage(): void {
  const version = podman('--version');
  if (version.error || version.status !== 0) throw new Error('podman is not installed: run `bash test/tools/ensure-engine-tools.sh` (as root: it apt-installs podman, runc and busybox-static)');
  if (podman('image', 'exists', IMAGE).status === 0) return;
  if (!existsSync('/bin/busybox')) throw new Error('/bin/busybox is missing: run `bash test/tools/ensure-engine-tools.sh` (busybox-static)');
  const root = mkdtempSync(join(scratch, 'rootfs-'));
  mkdirSync(join(root, 'bin'));
  copyFileSync('/bin/busybox', join(root, 'bin', 'busybox'));
  for (const applet of ['sh', 'cat', 'echo', 'ls', 'env', 'sleep', 'mkdir', 'sed', 'sort', 'grep', 'touch', 'id']) symlinkSync('busybox', join(root, 'bin', applet));
  const tar = spawnSync('sh', ['-c', `tar -C '${root}' -c . | podman import - ${IMAGE}`], { encoding: 'utf8' });
  assert.equal(tar.status, 0, `podman import failed: ${tar.stderr}`);
}

const PIPELINE = `import { Dag } from 'a-la-mode';
const dag = new Dag();
const image = '${IMAGE}';
const fetch = dag.task('fetch', { image, command: 'echo hello > $ALAMODE_OUTPUT/data.txt; pwd > $ALAMODE_OUTPUT/pwd.txt' });
const shout = dag.task('shout', { image, command: 'sed s/hello/HELLO/ $ALAMODE_INPUT_FETCH/data.txt > $ALAMODE_OUTPUT/data.txt; (echo x > $ALAMODE_INPUT_FETCH/evil) 2>/dev/null && echo writable > $ALAMODE_OUTPUT/inputs.txt || echo read-only > $ALAMODE_OUTPUT/inputs.txt' }).addDep(fetch);
dag.task('join', { image, command: 'cat $ALAMODE_INPUT_FETCH/data.txt $ALAMODE_INPUT_SHOUT/data.txt > $ALAMODE_OUTPUT/data.txt; if [ -n "$SLOW" ]; then touch $ALAMODE_OUTPUT/started; sleep 1000; fi' }).addDep(fetch, shout);
export default dag;
`;

describe('the podman executor', () => {
  before(ensureImage);

  test('runs each task in its image with the folders mounted (inputs read-only); records the image; a re-run reuses all', () => {
    const s = sandbox(mkdtempSync(join(scratch, 'run-')));
    writeFileSync(join(s.dir, 'p.alamode.ts'), PIPELINE);
    const env = s.env({ ALAMODE_PODMAN_ARGS: PODMAN_ARGS });
    const r = alamodeSync(['run', 'p.alamode.ts', '--store', 'store', '--executor', 'podman'], s.dir, env);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /3 ran, 0 reused/);
    const records = readdirSync(join(s.dir, 'store', 'records')).map((f) => JSON.parse(readFileSync(join(s.dir, 'store', 'records', f), 'utf8')));
    const byTask = Object.fromEntries(records.map((rec) => [rec.task, rec]));
    for (const rec of records) {
      assert.equal(rec.executor, 'podman');
      assert.equal(rec.image, IMAGE);
    }
    const out = (task: string, file: string) => readFileSync(join(s.dir, 'store', byTask[task].path, file), 'utf8');
    assert.equal(out('fetch', 'pwd.txt'), '/alamode/work\n');
    assert.equal(out('shout', 'inputs.txt'), 'read-only\n');
    assert.equal(out('join', 'data.txt'), 'hello\nHELLO\n');
    const again = alamodeSync(['run', 'p.alamode.ts', '--store', 'store', '--executor', 'podman'], s.dir, env);
    assert.match(again.stdout, /0 ran, 3 reused/);
  });

  test('Ctrl-C stops and removes the container and records nothing as success', async () => {
    const s = sandbox(mkdtempSync(join(scratch, 'interrupt-')));
    writeFileSync(join(s.dir, 'p.alamode.ts'), PIPELINE);
    const run = alamodeAsync(['run', 'p.alamode.ts', '--store', 'store', '--executor', 'podman'], s.dir, s.env({ ALAMODE_PODMAN_ARGS: `${PODMAN_ARGS} -e SLOW=1` }));
    const tmp = join(s.dir, 'store', 'tmp');
    await waitFor('join to start in its container', () => existsSync(tmp) && readdirSync(tmp).some((a) => existsSync(join(tmp, a, 'out', 'started'))));
    const joinId = /run\s+join\s+([0-9a-f]{12})/.exec(run.stdout())![1]!;
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.status, 130, r.stdout + r.stderr);
    const left = podman('ps', '-a', '--format', '{{.Names}}', '--filter', `name=alamode-${joinId}`);
    assert.equal(left.stdout.trim(), '', 'no container is left');
    assert.ok(!readdirSync(join(s.dir, 'store', 'records')).some((f) => f.startsWith(joinId)));
    assert.deepEqual(readdirSync(tmp), []);
  });

  test('the Snakemake export runs the image through alamode run-task --executor podman', () => {
    const s = sandbox(mkdtempSync(join(scratch, 'snakemake-')));
    writeFileSync(join(s.dir, 'p.alamode.ts'), PIPELINE);
    assert.equal(alamodeSync(['export', 'p.alamode.ts', '--to', 'snakemake', '--store', join(s.dir, 'store'), '--executor', 'podman'], s.dir, s.env()).status, 0);
    const r = spawnSync('snakemake', ['--snakefile', join(s.dir, 'p.snakemake', 'Snakefile'), '--cores', '2', '--config', `alamode=${process.execPath} ${cliPath}`], { cwd: s.dir, env: s.env({ ALAMODE_PODMAN_ARGS: PODMAN_ARGS }), encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `snakemake failed (is it installed? test/tools/ensure-engine-tools.sh):\n${r.stdout}\n${r.stderr}`);
    const records = readdirSync(join(s.dir, 'store', 'records')).map((f) => JSON.parse(readFileSync(join(s.dir, 'store', 'records', f), 'utf8')));
    assert.equal(records.length, 3);
    for (const rec of records) {
      assert.equal(rec.runner, 'run-task');
      assert.equal(rec.executor, 'podman');
    }
  });
});
