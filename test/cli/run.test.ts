/**
 * `alamode run`, `run-task` and `status` through the real binary, on the seed's pipeline (its commands
 * run by a stand-in `python`, see test/support/engine.ts): runs, re-runs, failures, kills, a crash
 * between the move and the record, concurrent runs, the seed's edit and its revert. Expected IDs are the
 * seed's (../shared/conformance/collage.json).
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { initRepo } from '../support/git';
import { alamodeAsync, alamodeSync, alive, sandbox, waitFor, type Sandbox } from '../support/engine';
import { conformanceDir, fixturesDir } from '../support/paths';

const vectors = JSON.parse(readFileSync(join(conformanceDir, 'collage.json'), 'utf8'));
const before: Record<string, string> = Object.fromEntries(Object.entries(vectors.before.tasks).map(([n, t]) => [n, (t as { output: string }).output]));
const afterEdit: Record<string, string> = Object.fromEntries(Object.entries(vectors.after.tasks).map(([n, t]) => [n, (t as { output: string }).output]));
const collageModule = join(fixturesDir, 'pipelines', 'collage.alamode.ts');

const scratch = mkdtempSync(join(tmpdir(), 'alamode-run-test-'));
after(() => {
  // A test that failed half way may have left a hanging stand-in (its PID in a *.pid file): stop it.
  for (const dir of readdirSync(scratch)) {
    for (const f of readdirSync(join(scratch, dir)).filter((n) => n.endsWith('.pid'))) {
      try {
        process.kill(Number(readFileSync(join(scratch, dir, f), 'utf8')), 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

/** A fresh folder with the seed's module, the stand-in, and a store path. */
function setup(name: string): Sandbox & { module: string; store: string } {
  const dir = mkdtempSync(join(scratch, `${name}-`));
  copyFileSync(collageModule, join(dir, 'collage.alamode.ts'));
  return { ...sandbox(dir), module: join(dir, 'collage.alamode.ts'), store: join(dir, 'store') };
}

const record = (store: string, id: string) => JSON.parse(readFileSync(join(store, 'records', `${id}.json`), 'utf8'));
const hasRecord = (store: string, id: string) => existsSync(join(store, 'records', `${id}.json`));
const tasksRan = (s: Sandbox) => s.ran().map((l) => l.split(' ')[0]);
const statusLine = (stdout: string, task: string) => stdout.split('\n').find((l) => l.startsWith(`${task} `)) ?? '';

describe('alamode run', () => {
  test('runs the seed\'s pipeline in dependency order, records each output under the seed\'s ID, and a re-run reuses all', () => {
    const s = setup('run');
    const r = alamodeSync(['run', s.module, '--store', s.store, '--jobs', '2'], s.dir, s.env());
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /4 ran, 0 reused in .* · store store\n$/);
    const order = tasksRan(s);
    assert.deepEqual([...order].sort(), ['blur', 'collage', 'download_images', 'edge_enhance']);
    assert.equal(order[0], 'download_images');
    assert.equal(order[3], 'collage');
    for (const [name, id] of Object.entries(before)) {
      const rec = record(s.store, id);
      assert.equal(rec.format, 'alamode-record/1');
      assert.equal(rec.status, 'success');
      assert.equal(rec.output, id);
      assert.equal(rec.task, name);
      assert.equal(rec.exitCode, 0);
      assert.equal(rec.path, `out/${id}`);
      assert.deepEqual(rec.inputs, vectors.before.tasks[name].inputs);
      assert.equal(rec.spec.sha, vectors.before.tasks[name].sha);
      assert.equal(rec.runner, 'run');
      assert.equal(rec.executor, 'local');
      assert.match(rec.digest, /^sha256:[0-9a-f]{64}$/);
      assert.equal(rec.files, 1);
      assert.ok(rec.durationMs >= 0 && Date.parse(rec.end) >= Date.parse(rec.start));
      assert.match(readFileSync(join(s.store, rec.log), 'utf8'), new RegExp(`stand-in ran ${name}`));
    }
    // The collage read both of its inputs' outputs through ALAMODE_INPUT_<NAME>.
    const collage = readFileSync(join(s.store, 'out', before.collage!, 'result.txt'), 'utf8');
    assert.match(collage, /^collage: collage\.py\ninputs: \{"blur":".*\/out\/82695e58[0-9a-f]+","edge_enhance":".*\/out\/7a764d98[0-9a-f]+"\}\n/);
    assert.match(collage, /  blur: transform_images\.py blur/);
    assert.match(collage, /  edge_enhance: transform_images\.py edge_enhance/);
    assert.deepEqual(readdirSync(join(s.store, 'tmp')), []);
    assert.deepEqual(readdirSync(join(s.store, 'locks')), []);

    const again = alamodeSync(['run', s.module, '--store', s.store], s.dir, s.env());
    assert.equal(again.status, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /0 ran, 4 reused/);
    assert.equal(s.ran().length, 4, 'nothing ran again');

    const status = alamodeSync(['status', s.module, '--store', s.store], s.dir, s.env());
    assert.equal(status.status, 0, status.stderr);
    for (const [name, id] of Object.entries(before)) assert.match(statusLine(status.stdout, name), new RegExp(`^${name}\\s+${id.slice(0, 12)}  built      just now \\(.+\\), 1 file, \\d+ B$`));
    assert.match(status.stdout, /4 built, 0 failed, 0 running, 0 never built · store store\n$/);
  });

  test('the seed\'s edit runs only blur and collage, under the seed\'s new IDs; reverting it runs nothing', () => {
    const s = setup('edit');
    assert.equal(alamodeSync(['run', s.module, '--store', s.store], s.dir, s.env()).status, 0);
    const original = readFileSync(s.module, 'utf8');
    writeFileSync(s.module, original.replace("sha: '6f09d'", "sha: 'qwetr3'"));
    const edited = alamodeSync(['run', s.module, '--store', s.store], s.dir, s.env());
    assert.equal(edited.status, 0, edited.stdout + edited.stderr);
    assert.deepEqual(tasksRan(s).slice(4), ['blur', 'collage']);
    assert.match(edited.stdout, /2 ran, 2 reused/);
    for (const name of ['blur', 'collage']) assert.ok(hasRecord(s.store, afterEdit[name]!), `${name} recorded under the seed's new ID`);
    // The old outputs stay (provenance): both versions of blur are in the store.
    assert.ok(existsSync(join(s.store, 'out', before.blur!)) && existsSync(join(s.store, 'out', afterEdit.blur!)));

    writeFileSync(s.module, original);
    const reverted = alamodeSync(['run', s.module, '--store', s.store], s.dir, s.env());
    assert.equal(reverted.status, 0, reverted.stdout + reverted.stderr);
    assert.match(reverted.stdout, /0 ran, 4 reused/);
    assert.equal(s.ran().length, 6, 'reverting the edit ran nothing');
  });

  test('a failing task: no success record, its log kept beside a failure record, downstream not run, exit 1', () => {
    const s = setup('fail');
    const r = alamodeSync(['run', s.module, '--store', s.store, '--jobs', '1'], s.dir, s.env({ ALAMODE_TEST_FAIL: 'blur' }));
    assert.equal(r.status, 1);
    assert.match(r.stdout, /FAILED\s+blur\s+82695e5805a9  exit 3  \(log: store\/logs\/82695e58[0-9a-f]+\.[^)]+\.log\)/);
    assert.match(r.stdout, /stand-in: blur fails on purpose/, 'the log\'s tail is shown');
    assert.ok(!hasRecord(s.store, before.blur!));
    assert.ok(!hasRecord(s.store, before.collage!));
    assert.ok(!tasksRan(s).includes('collage'), 'collage never started');
    assert.ok(!existsSync(join(s.store, 'out', before.blur!)));
    const failure = JSON.parse(readFileSync(join(s.store, 'failures', `${before.blur}.json`), 'utf8'));
    assert.equal(failure.status, 'failed');
    assert.equal(failure.reason, 'exit 3');
    assert.equal(failure.exitCode, 3);
    assert.match(readFileSync(join(s.store, failure.log), 'utf8'), /fails on purpose/);
    assert.deepEqual(readdirSync(join(s.store, 'tmp')), []);
    const status = alamodeSync(['status', s.module, '--store', s.store], s.dir, s.env());
    assert.match(statusLine(status.stdout, 'blur'), /failed     just now: exit 3 \(log: store\/logs\//);
    assert.match(statusLine(status.stdout, 'collage'), /never built$/);

    // Fixed, it runs again and the failure record goes.
    const fixed = alamodeSync(['run', s.module, '--store', s.store], s.dir, s.env());
    assert.equal(fixed.status, 0, fixed.stdout);
    assert.ok(hasRecord(s.store, before.blur!) && hasRecord(s.store, before.collage!));
    assert.ok(!existsSync(join(s.store, 'failures', `${before.blur}.json`)));
  });

  test('--keep-going still runs what does not depend on the failure', () => {
    const s = setup('keep-going');
    const r = alamodeSync(['run', s.module, '--store', s.store, '--jobs', '1', '--keep-going'], s.dir, s.env({ ALAMODE_TEST_FAIL: 'blur' }));
    assert.equal(r.status, 1);
    assert.ok(hasRecord(s.store, before.edge_enhance!));
    assert.match(r.stdout, /skip\s+collage\s+566a13d45eee  input 'blur' failed/);
    assert.match(r.stdout, /2 ran, 0 reused, 1 failed, 1 skipped/);
  });

  test('a task killed mid-run (alamode itself killed with SIGKILL) records nothing; the next run takes the stale lock over, stops the orphan, cleans up and redoes it', async () => {
    const s = setup('kill');
    const run = alamodeAsync(['run', s.module, '--store', s.store], s.dir, s.env({ ALAMODE_TEST_HANG: 'blur' }));
    const pidFile = `${s.counter}.blur.pid`;
    const orphan = Number(await waitFor('blur to start', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()));
    run.child.kill('SIGKILL');
    const killed = await run.done;
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(!hasRecord(s.store, before.blur!), 'no success record');
    assert.ok(existsSync(join(s.store, 'locks', before.blur!)), 'its lock is left behind');
    assert.ok(readdirSync(join(s.store, 'tmp')).some((n) => n.startsWith(`${before.blur}.`)), 'its attempt is left behind');
    assert.ok(alive(orphan), 'its command outlived alamode');
    const status = alamodeSync(['status', s.module, '--store', s.store], s.dir, s.env());
    assert.match(statusLine(status.stdout, 'blur'), /never built$/, 'a dead holder is not "running"');

    const next = alamodeSync(['run', s.module, '--store', s.store], s.dir, s.env());
    assert.equal(next.status, 0, next.stdout + next.stderr);
    assert.match(next.stdout, /note\s+blur\s+82695e5805a9  took over the stale lock of pid \d+/);
    assert.deepEqual(tasksRan(s).filter((t) => t === 'blur').length, 2, 'blur ran again');
    assert.ok(hasRecord(s.store, before.blur!));
    assert.ok(!existsSync(join(s.store, 'out', before.blur!, 'partial.txt')), 'nothing of the killed attempt is in the output');
    assert.deepEqual(readdirSync(join(s.store, 'tmp')), []);
    await waitFor('the orphan to be stopped', () => !alive(orphan));
  });

  test('Ctrl-C stops the running task (its whole process group), records nothing as success, and exits 130', async () => {
    const s = setup('interrupt');
    const run = alamodeAsync(['run', s.module, '--store', s.store], s.dir, s.env({ ALAMODE_TEST_HANG: 'blur' }));
    const pidFile = `${s.counter}.blur.pid`;
    const sleeper = Number(await waitFor('blur to start', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()));
    run.child.kill('SIGINT');
    const r = await run.done;
    assert.equal(r.status, 130, r.stdout + r.stderr);
    assert.match(r.stdout, /stopping: the running tasks are being stopped/);
    assert.match(r.stdout, /stopped\s+blur\s+82695e5805a9  interrupted, nothing recorded/);
    assert.ok(!alive(sleeper), 'the task\'s process is gone');
    assert.ok(!hasRecord(s.store, before.blur!));
    assert.equal(JSON.parse(readFileSync(join(s.store, 'failures', `${before.blur}.json`), 'utf8')).reason, 'interrupted');
    assert.deepEqual(readdirSync(join(s.store, 'tmp')), []);
    assert.deepEqual(readdirSync(join(s.store, 'locks')), []);
  });

  test('a crash between moving the output into place and writing its record: not built; the next run redoes it', () => {
    const s = setup('crash');
    const crashed = alamodeSync(['run', s.module, '--store', s.store], s.dir, s.env({ ALAMODE_TEST_FAULT: 'after-move' }));
    assert.equal(crashed.signal, 'SIGKILL');
    const id = before.download_images!;
    assert.ok(existsSync(join(s.store, 'out', id)), 'the output was moved into place');
    assert.ok(!hasRecord(s.store, id), 'but never recorded');
    const status = alamodeSync(['status', s.module, '--store', s.store], s.dir, s.env());
    assert.match(statusLine(status.stdout, 'download_images'), /never built$/);
    const next = alamodeSync(['run', s.module, '--store', s.store], s.dir, s.env());
    assert.equal(next.status, 0, next.stdout + next.stderr);
    assert.deepEqual(tasksRan(s).filter((t) => t === 'download_images').length, 2, 'download_images ran again');
    assert.ok(hasRecord(s.store, id));
    assert.match(next.stdout, /4 ran, 0 reused/);
  });

  test('a runner killed between starting a task and recording it in the lock: the command never runs (it waits at a gate), the next run builds it once', async () => {
    const s = setup('gate');
    const pidFile = join(s.dir, 'gate.pid');
    const crashed = alamodeSync(['run', s.module, '--store', s.store, '--jobs', '1'], s.dir, s.env({ ALAMODE_TEST_FAULT: 'after-start', ALAMODE_TEST_FAULT_PIDFILE: pidFile }));
    assert.equal(crashed.signal, 'SIGKILL');
    const gate = Number(readFileSync(pidFile, 'utf8'));
    // Its runner gone, the gate reads end of file and leaves without running the command.
    await waitFor('the gated process to end', () => !alive(gate));
    assert.deepEqual(tasksRan(s), [], 'no command ran');
    const next = alamodeSync(['run', s.module, '--store', s.store], s.dir, s.env());
    assert.equal(next.status, 0, next.stdout + next.stderr);
    assert.match(next.stdout, /4 ran, 0 reused/);
    assert.deepEqual(tasksRan(s).filter((t) => t === 'download_images').length, 1, 'download_images ran once, by the second run');
  });

  test('two concurrent runs of one pipeline build each ID once: the second waits on the lock, then reuses', async () => {
    const s = setup('concurrent');
    const env = s.env({ ALAMODE_TEST_GATE: 'download_images' });
    const first = alamodeAsync(['run', s.module, '--store', s.store], s.dir, env);
    await waitFor('the first run to start download_images', () => existsSync(`${s.counter}.download_images.waiting`));
    const second = alamodeAsync(['run', s.module, '--store', s.store], s.dir, env);
    try {
      await waitFor('the second run to wait for the lock', () => /wait\s+download_images\s+6075b3951568  being built by pid \d+/.test(second.stdout()));
    } finally {
      // Opens the gate whatever happened, so no stand-in is left waiting.
      writeFileSync(`${s.counter}.go`, '');
    }
    const [a, b] = await Promise.all([first.done, second.done]);
    assert.equal(a.status, 0, a.stdout + a.stderr);
    assert.equal(b.status, 0, b.stdout + b.stderr);
    assert.deepEqual([...tasksRan(s)].sort(), ['blur', 'collage', 'download_images', 'edge_enhance'], 'each task ran once in all');
    assert.match(b.stdout, /reuse\s+download_images\s+6075b3951568  \(built by another run meanwhile\)/);
    for (const id of Object.values(before)) assert.ok(hasRecord(s.store, id));
  });

  test('tasks with equal specs and inputs share an output ID and run once', () => {
    const s = setup('same-id');
    writeFileSync(join(s.dir, 'twins.alamode.ts'), `import { Dag } from 'a-la-mode';
const dag = new Dag();
dag.task('one', { command: 'python twin.py' });
dag.task('two', { command: 'python twin.py' });
export default dag;
`);
    const r = alamodeSync(['run', 'twins.alamode.ts', '--store', s.store], s.dir, s.env());
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(s.ran().length, 1);
    assert.match(r.stdout, /reuse\s+two\s+[0-9a-f]{12}  \(same output as 'one'\)/);
  });

  test('inputs become ALAMODE_INPUT_<NAME> (other characters → _, upper case); clashing names are left out and said so', () => {
    const s = setup('names');
    writeFileSync(join(s.dir, 'names.alamode.ts'), `import { Dag } from 'a-la-mode';
const dag = new Dag();
const a = dag.task('download-images.v2', { command: 'echo a > $ALAMODE_OUTPUT/x' });
const b = dag.task('Blur', { command: 'echo b > $ALAMODE_OUTPUT/x' });
const c = dag.task('blur', { command: 'echo c > $ALAMODE_OUTPUT/x' });
dag.task('read', { command: 'env | grep ^ALAMODE_ | sort > $ALAMODE_OUTPUT/env' }).addDep(a, b, c);
export default dag;
`);
    const r = alamodeSync(['run', 'names.alamode.ts', '--store', s.store], s.dir, s.env());
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /note\s+read\s+ inputs 'Blur' and 'blur' would all be ALAMODE_INPUT_BLUR: none of them is set; read ALAMODE_INPUTS instead/);
    const outDir = join(s.store, 'out');
    const readOut = readdirSync(outDir).map((id) => join(outDir, id, 'env')).find((p) => existsSync(p))!;
    const env = readFileSync(readOut, 'utf8');
    assert.match(env, /^ALAMODE_INPUT_DOWNLOAD_IMAGES_V2=.*\/out\/[0-9a-f]{64}$/m);
    assert.doesNotMatch(env, /^ALAMODE_INPUT_BLUR=/m);
    const inputs = JSON.parse(/^ALAMODE_INPUTS=(.*)$/m.exec(env)![1]!);
    assert.deepEqual(Object.keys(inputs).sort(), ['Blur', 'blur', 'download-images.v2']);
    assert.match(env, /^ALAMODE_OUTPUT=.*\/tmp\/[0-9a-f]{64}\.[^/]+\/out$/m);
    assert.match(env, /^ALAMODE_OUTPUT_ID=[0-9a-f]{64}$/m);
    assert.match(env, /^ALAMODE_TASK=read$/m);
  });

  test('a corrupt success record is ignored (and said so): the task is not built and runs again', () => {
    const s = setup('corrupt');
    assert.equal(alamodeSync(['run', s.module, '--store', s.store], s.dir, s.env()).status, 0);
    const path = join(s.store, 'records', `${before.blur}.json`);
    const rec = record(s.store, before.blur!);
    writeFileSync(path, JSON.stringify({ ...rec, hashed: Buffer.from('something else').toString('base64') }));
    const status = alamodeSync(['status', s.module, '--store', s.store], s.dir, s.env());
    assert.match(statusLine(status.stdout, 'blur'), /never built  \[a corrupt success record is ignored: its hashed spec does not hash to its ID\]$/);
    const r = alamodeSync(['run', s.module, '--store', s.store], s.dir, s.env());
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, /note\s+blur\s+82695e5805a9  its success record is corrupt and ignored \(its hashed spec does not hash to its ID\); running it again/);
    assert.deepEqual(tasksRan(s).slice(4), ['blur']);
    assert.equal(record(s.store, before.blur!).hashed, rec.hashed);

    writeFileSync(path, '{ not json');
    assert.match(statusLine(alamodeSync(['status', s.module, '--store', s.store], s.dir, s.env()).stdout, 'blur'), /never built  \[a corrupt success record is ignored: not valid JSON\]$/);
    rmSync(path);
    // A record whose output folder is gone is not believed either.
    assert.equal(alamodeSync(['run', s.module, '--store', s.store], s.dir, s.env()).status, 0);
    rmSync(join(s.store, 'out', before.blur!), { recursive: true });
    assert.match(statusLine(alamodeSync(['status', s.module, '--store', s.store], s.dir, s.env()).stdout, 'blur'), /never built  \[a corrupt success record is ignored: its output out\/[0-9a-f]{64} is missing\]$/);
  });

  test('--dry-run says what would run and changes nothing; --only runs a task and what it needs', () => {
    const s = setup('dry');
    const dry = alamodeSync(['run', s.module, '--store', s.store, '--dry-run'], s.dir, s.env());
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /4 would run, 0 reused/);
    assert.ok(!existsSync(s.store), 'no store was made');
    const only = alamodeSync(['run', s.module, '--store', s.store, '--only', 'blur'], s.dir, s.env());
    assert.equal(only.status, 0, only.stdout);
    assert.deepEqual(tasksRan(s), ['download_images', 'blur']);
    const dry2 = alamodeSync(['run', s.module, '--store', s.store, '-n'], s.dir, s.env());
    assert.match(dry2.stdout, /2 would run, 2 reused/);
  });

  test('the store defaults to .alamode/store at the repository root (and keeps out of git status), or $ALAMODE_STORE', () => {
    const { dir, git } = initRepo(scratch);
    const s = sandbox(dir);
    mkdirSync(join(dir, 'pipelines'));
    copyFileSync(collageModule, join(dir, 'pipelines', 'collage.alamode.ts'));
    const r = alamodeSync(['run', 'collage.alamode.ts', '--only', 'download_images'], join(dir, 'pipelines'), s.env());
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.ok(hasRecord(join(dir, '.alamode', 'store'), before.download_images!));
    assert.doesNotMatch(git('status', '--porcelain', '--untracked-files=all').toString(), /^\?\? \.alamode\//m);
    const elsewhere = join(dir, 'elsewhere');
    const r2 = alamodeSync(['run', 'pipelines/collage.alamode.ts', '--only', 'download_images'], dir, s.env({ ALAMODE_STORE: elsewhere }));
    assert.equal(r2.status, 0, r2.stdout + r2.stderr);
    assert.ok(hasRecord(elsewhere, before.download_images!));
  });
});

describe('alamode run-task', () => {
  test('runs one task of a .dag into the store, reuses it after, and refuses while its inputs are not built', () => {
    const s = setup('run-task');
    const dag = join(conformanceDir, 'collage.before.dag');
    const early = alamodeSync(['run-task', dag, 'blur', '--store', s.store], s.dir, s.env());
    assert.equal(early.status, 1);
    assert.match(early.stderr, /^alamode: 'blur' failed: input 'download_images' \(6075b3951568\) is not built\n$/);
    const r = alamodeSync(['run-task', dag, 'download_images', '--store', s.store], s.dir, s.env());
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /'download_images' done in/);
    assert.equal(record(s.store, before.download_images!).runner, 'run-task');
    const again = alamodeSync(['run-task', dag, 'download_images', '--store', s.store], s.dir, s.env());
    assert.equal(again.status, 0);
    assert.match(again.stderr, /'download_images' reused: 6075b3951568 was built just now by run-task on /);
    assert.equal(s.ran().length, 1);
  });
});

describe('engine commands: bad input gets one clear line and a non-zero exit', () => {
  const s = setup('bad');
  const dagPath = join(s.dir, 'collage.dag');
  copyFileSync(join(conformanceDir, 'collage.before.dag'), dagPath);
  const edited = join(s.dir, 'edited.dag');
  writeFileSync(edited, readFileSync(dagPath).toString('latin1').replace('6f09d', '6f09e'), 'latin1');
  const wrongStore = join(s.dir, 'wrong-store');
  mkdirSync(wrongStore);
  writeFileSync(join(wrongStore, 'store.json'), '{"format": 99}');
  const cases: [string, string[], number, RegExp][] = [
    ['run without a pipeline', ['run'], 2, /run takes exactly one module or \.dag/],
    ['run of a missing file', ['run', 'nope.alamode.ts'], 1, /nope\.alamode\.ts: no such file/],
    ['--jobs 0', ['run', dagPath, '--jobs', '0'], 2, /--jobs must be a whole number of at least 1, got '0'/],
    ['an unknown executor', ['run', dagPath, '--executor', 'docker'], 2, /--executor must be one of local, podman, got 'docker'/],
    ['--only an unknown task', ['run', dagPath, '--only', 'blurr'], 1, /--only names no task 'blurr'/],
    ['a .dag whose IDs do not match its specs', ['run', edited], 1, /edited\.dag: not a consistent \.dag file: the stored output ID of task 'blur' does not match its spec and inputs \(edited by hand\?\); encode it again/],
    ['a store of another format', ['run', dagPath, '--store', wrongStore], 1, /wrong-store: not a store this alamode can use \(store\.json says format 99, expected 1\)/],
    ['run-task of an unknown task', ['run-task', dagPath, 'nope'], 1, /collage\.dag: no task named 'nope'/],
    ['export without --to', ['export', dagPath], 2, /export needs --to \(one of: snakemake\)/],
    ['export to an unknown engine', ['export', dagPath, '--to', 'airflow'], 2, /--to must be one of snakemake, got 'airflow'/],
    ['status of a corrupt .dag', ['status', join(fixturesDir, 'bad', 'corrupt.dag')], 1, /corrupt\.dag: not a valid \.dag file: /],
  ];
  for (const [what, args, code, message] of cases) {
    test(what, () => {
      const r = alamodeSync(args, s.dir, s.env());
      assert.equal(r.status, code, r.stderr);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
      assert.match(lines[0]!, /^alamode: /);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }
});
