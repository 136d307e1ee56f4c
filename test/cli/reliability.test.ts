/**
 * The CLI under hostile and large input (issue 11), through the real binary: atomic `.dag` writes,
 * `--out` never replacing a source, I/O errors as one line with their own exit codes, verified `.dag`
 * files, no process or temporary folder left behind on any exit path, and the smaller fixes.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { bencodeDag, decodeVerifiedDag, encodeDag } from '../../server/src/core/index';
import { alamode, cliPath } from '../support/cli';
import { initRepo } from '../support/git';
import { conformanceDir, fixturesDir } from '../support/paths';

const collageModule = join(fixturesDir, 'pipelines', 'collage.alamode.ts');
const collageText = readFileSync(collageModule, 'utf8');
const seedDag = readFileSync(join(conformanceDir, 'collage.before.dag'));

const scratch = mkdtempSync(join(tmpdir(), 'alamode-cli-reliability-'));
/** Processes a test saw started: killed at the end whatever happened, so a failing test leaves none. */
const seenPids = new Set<number>();
after(() => {
  for (const pid of seenPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

function assertOneLine(stderr: string) {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at /m);
  assert.match(lines[0]!, /^alamode: /);
}

const folder = (name: string) => mkdtempSync(join(scratch, `${name}-`));

/** True while `pid` is a live process (a zombie waiting to be reaped counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Waits for a condition, polling; fails after a generous bound (this is a hang guard, not a timing). */
async function waitFor(what: string, condition: () => boolean, boundMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > boundMs) assert.fail(`still waiting for ${what} after ${boundMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('encode writes the .dag atomically', () => {
  test('a write that fails midway (a file size limit: ulimit -f) leaves the previous .dag intact, and no temporary file', () => {
    const dir = folder('atomic');
    // A small module whose .dag is large (about 1 MB), above the limit set below.
    writeFileSync(join(dir, 'big.alamode.ts'), `import { Dag } from 'a-la-mode';
const dag = new Dag();
for (let i = 0; i < 3000; i++) dag.task('task_' + i, { image: 'x'.repeat(300), i });
export default dag;
`);
    const previous = Buffer.from(bencodeDag(encodeDag({ tasks: [{ name: 'previous', spec: { v: 1 }, inputs: [] }] }).encoded!));
    writeFileSync(join(dir, 'big.dag'), previous);
    // bash's `ulimit -f 100` (100 KiB): a write past it fails with EFBIG after a partial write, as a
    // full disk does. Node ignores SIGXFSZ, so the CLI sees the error.
    const r = spawnSync('bash', ['-c', 'ulimit -f 100 && exec "$0" "$@"', process.execPath, cliPath, 'encode', 'big.alamode.ts'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 74, r.stderr);
    assertOneLine(r.stderr);
    assert.match(r.stderr, /^alamode: cannot write big\.dag: file too large; the previous file, if any, is left as it was$/m);
    assert.deepEqual(readFileSync(join(dir, 'big.dag')), previous);
    assert.deepEqual(readdirSync(dir).sort(), ['big.alamode.ts', 'big.dag']);
    // Without the limit it is written, whole.
    const ok = alamode(['encode', 'big.alamode.ts'], dir);
    assert.equal(ok.status, 0, ok.stderr);
    const written = readFileSync(join(dir, 'big.dag'));
    assert.ok(written.length > 100 * 1024);
    assert.equal(Object.keys(decodeVerifiedDag(written).tasks).length, 3000);
  });

  test('--out through a symlink replaces the file it points to; the link stays a link', () => {
    const dir = folder('out-link');
    writeFileSync(join(dir, 'real.dag'), 'old');
    symlinkSync(join(dir, 'real.dag'), join(dir, 'link.dag'));
    const r = alamode(['encode', collageModule, '--out', join(dir, 'link.dag')]);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(lstatSync(join(dir, 'link.dag')).isSymbolicLink());
    assert.deepEqual(readFileSync(join(dir, 'real.dag')), seedDag);
  });

  test('--out naming the module itself, through a symlink, or one of its imports is refused; nothing is written', () => {
    const dir = folder('out-self');
    writeFileSync(join(dir, 'images.ts'), "export const image = 'collage';\n");
    writeFileSync(join(dir, 'p.alamode.ts'), "import { Dag } from 'a-la-mode';\nimport { image } from './images';\nconst dag = new Dag();\ndag.task('a', { image });\nexport default dag;\n");
    symlinkSync(join(dir, 'p.alamode.ts'), join(dir, 'link.ts'));
    const sources = { 'images.ts': readFileSync(join(dir, 'images.ts')), 'p.alamode.ts': readFileSync(join(dir, 'p.alamode.ts')) };
    for (const [out, what] of [['p.alamode.ts', /is the module itself/], ['link.ts', /is the module itself/], ['./images.ts', /is one of the module's own files \(.*images\.ts\)/]] as const) {
      const r = alamode(['encode', 'p.alamode.ts', '--out', out], dir);
      assert.equal(r.status, 2, `${out}: ${r.stderr}`);
      assertOneLine(r.stderr);
      assert.match(r.stderr, what);
      assert.match(r.stderr, /refusing to overwrite it/);
    }
    for (const [name, bytes] of Object.entries(sources)) assert.deepEqual(readFileSync(join(dir, name)), bytes, name);
  });
});

describe('I/O errors: one line and an exit code of their own, not "internal error"', () => {
  const dir = folder('io');
  copyFileSync(collageModule, join(dir, 'collage.alamode.ts'));
  const cases: [string, string[], number, RegExp][] = [
    ['--out into a folder that does not exist', ['encode', 'collage.alamode.ts', '--out', 'missing/x.dag'], 73, /^alamode: cannot write missing\/x\.dag: the folder missing does not exist; nothing was written$/],
    ['--out under a file', ['encode', 'collage.alamode.ts', '--out', 'collage.alamode.ts/x.dag'], 73, /^alamode: cannot write collage\.alamode\.ts\/x\.dag: collage\.alamode\.ts is not a folder; nothing was written$/],
    ['--out naming a folder', ['encode', 'collage.alamode.ts', '--out', '.'], 73, /^alamode: cannot write \.: it is a folder; nothing was written$/],
    ['diff on a folder', ['diff', '.', 'collage.alamode.ts'], 66, /^alamode: \.: is a folder \(give a \.dag file, a pipeline module, or REV:path\)$/],
    ['encode a folder', ['encode', '.'], 66, /^alamode: \.: is a folder, not a pipeline module$/],
    ['encode a file that does not exist', ['encode', 'nope.alamode.ts'], 66, /^alamode: nope\.alamode\.ts: no such file$/],
  ];
  for (const [what, args, code, message] of cases) {
    test(what, () => {
      const r = alamode(args, dir);
      assert.equal(r.status, code, r.stderr);
      assertOneLine(r.stderr);
      assert.match(r.stderr.trimEnd(), message);
      assert.doesNotMatch(r.stderr, /internal error/);
    });
  }
});

describe('diff and check read .dag files carefully', () => {
  // blur's sha edited by hand, its stored output left as it was (same length: still valid bencode).
  const lying = Buffer.from(seedDag.toString('latin1').replace('5:6f09d', '5:6f09e'), 'latin1');

  test('diff verifies a .dag and names the task whose stored ID lies', () => {
    const dir = folder('lying');
    writeFileSync(join(dir, 'lying.dag'), lying);
    copyFileSync(collageModule, join(dir, 'collage.alamode.ts'));
    const r = alamode(['diff', 'lying.dag', 'collage.alamode.ts'], dir);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assertOneLine(r.stderr);
    assert.match(r.stderr, /^alamode: lying\.dag: not a consistent \.dag file: the stored output ID of task 'blur' does not match its spec and inputs/);
    assert.equal(r.stdout, '');
  });

  test('check --stale reports a corrupt or lying .dag and goes on to the next module', () => {
    const dirs = ['a', 'b', 'c'].map((n) => { const d = join(folder('stale'), n); mkdirSync(d); copyFileSync(collageModule, join(d, 'collage.alamode.ts')); return d; });
    writeFileSync(join(dirs[0]!, 'collage.dag'), 'd5:tasks');
    writeFileSync(join(dirs[1]!, 'collage.dag'), lying);
    writeFileSync(join(dirs[2]!, 'collage.alamode.ts'), collageText.replace("sha: '6f09d'", "sha: 'qwetr3'"));
    copyFileSync(join(conformanceDir, 'collage.before.dag'), join(dirs[2]!, 'collage.dag'));
    const r = alamode(['check', '--stale', ...dirs.map((d) => join(d, 'collage.alamode.ts'))], dirname(dirs[0]!));
    assert.equal(r.status, 1, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 3, r.stdout + r.stderr);
    assert.match(lines[0]!, /^.*a\/collage\.dag: error: not a valid \.dag file: .*\[stale\]$/);
    assert.match(lines[1]!, /^.*b\/collage\.dag: error: not a consistent \.dag file: the stored output ID of task 'blur' .*\[stale\]$/);
    assert.match(lines[2]!, /^.*c\/collage\.dag: error: stale: the module now gives 1 changed, 1 invalidated/);
  });

  test('the text table of a 200,000-task diff', () => {
    const dir = folder('table');
    const many = encodeDag({ tasks: Array.from({ length: 200_000 }, (_, i) => ({ name: `t${i}`, spec: { i }, inputs: [] })) }).encoded!;
    writeFileSync(join(dir, 'empty.dag'), bencodeDag({ meta: {}, tasks: {} }));
    writeFileSync(join(dir, 'many.dag'), bencodeDag(many));
    const r = spawnSync(process.execPath, [cliPath, 'diff', 'empty.dag', 'many.dag'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 30, timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 200_001);
    assert.match(lines[0]!, /^added\s+t0\s+/);
    assert.equal(lines.at(-1), '0 changed, 0 invalidated, 200000 added, 0 removed, 0 renamed, 0 unchanged');
  });
});

describe('running modules', () => {
  test('a --timeout beyond what setTimeout holds (≥ 2,147,484 s) does not stop the module at once', () => {
    const r = alamode(['encode', collageModule, '--json', '--timeout', '3000000']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(Object.keys(JSON.parse(r.stdout).tasks).length, 4);
  });

  test('a module\'s console.warn and console.error reach stderr when it succeeds, and stdout stays clean', () => {
    const dir = folder('warn');
    writeFileSync(join(dir, 'w.alamode.ts'), `import { Dag } from 'a-la-mode';
console.warn('warned by the module');
console.error('errored by the module');
const dag = new Dag();
dag.task('a', { image: 'x' });
export default dag;
`);
    const r = alamode(['encode', 'w.alamode.ts', '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).tasks.a.image, 'x');
    assert.match(r.stderr, /warned by the module/);
    assert.match(r.stderr, /errored by the module/);
  });

  test('on --timeout, the processes the module started are stopped with it', async () => {
    const dir = folder('spawned');
    const pidFile = join(dir, 'spawned.pid');
    writeFileSync(join(dir, 's.alamode.ts'), `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
writeFileSync(${JSON.stringify(pidFile)}, String(child.pid));
export default new Promise(() => {}); // never settles
`);
    const r = alamode(['encode', 's.alamode.ts', '--timeout', '2'], dir);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /did not finish within 2 s/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    seenPids.add(pid);
    await waitFor(`the module's child ${pid} to be stopped`, () => !alive(pid));
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} to the CLI stops the module runner (an endless loop) and removes the temporary folder`, async () => {
      const dir = folder(signal.toLowerCase());
      const infoFile = join(dir, 'runner.json');
      writeFileSync(join(dir, 'loop.alamode.ts'), `import { writeFileSync } from 'node:fs';
// The bundle, run from its temporary folder (\`__filename\` is this module's own path, as unbundled).
writeFileSync(${JSON.stringify(infoFile)}, JSON.stringify({ pid: process.pid, bundle: module.filename }));
for (;;) {}
`);
      const cli = spawn(process.execPath, [cliPath, 'encode', 'loop.alamode.ts'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      cli.stderr!.on('data', (d) => { stderr += d; });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => cli.on('exit', (code, sig) => resolve({ code, signal: sig })));
      await waitFor('the module to start', () => existsSync(infoFile) && readFileSync(infoFile, 'utf8').endsWith('}'), 60_000);
      const runner = JSON.parse(readFileSync(infoFile, 'utf8')) as { pid: number; bundle: string };
      seenPids.add(runner.pid);
      assert.ok(alive(runner.pid));
      assert.ok(existsSync(runner.bundle));
      cli.kill(signal);
      const end = await exited;
      // The CLI ends by the signal, as it would have without cleaning up.
      assert.equal(end.signal, signal, `exit ${end.code}: ${stderr}`);
      await waitFor(`the runner ${runner.pid} to be stopped`, () => !alive(runner.pid));
      assert.equal(existsSync(dirname(runner.bundle)), false, `${dirname(runner.bundle)} is left`);
    });
  }
});

describe('git revisions are never options', () => {
  test('a revision such as --output=FILE is read as a revision (git does not write FILE)', () => {
    const { dir: repo, git } = initRepo(scratch);
    copyFileSync(collageModule, join(repo, 'collage.alamode.ts'));
    writeFileSync(join(repo, 'collage.dag'), seedDag);
    git('add', '.');
    git('commit', '-qm', 'collage');
    // git would write its output to `<target>:./collage.dag`, i.e. into the folder `<target>:.`.
    const target = join(scratch, 'smuggled');
    mkdirSync(`${target}:.`);
    const r = alamode(['diff', '--', `--output=${target}:collage.dag`, 'collage.alamode.ts'], repo);
    assert.equal(existsSync(join(`${target}:.`, 'collage.dag')), false, 'git wrote the file named by the revision');
    assert.notEqual(r.status, 0);
    assertOneLine(r.stderr);
    assert.match(r.stderr, /git could not read it/);
  });
});
