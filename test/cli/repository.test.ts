/**
 * `alamode diff` with no sides and `alamode check` with no modules: every pipeline module of a
 * repository, through the real binary. The repository is a copy of examples/ (shared helpers re-exported
 * through an index, a JSON list of tables, a helper that adds tasks to a Dag it is given), committed,
 * then edited the way users edit it. What each pipeline's section must say is checked against the
 * single-module diff (`alamode diff HEAD:<module> <module>`) and against the specs themselves.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { alamode } from '../support/cli';
import { initRepo, type TestRepo } from '../support/git';
import { repoRoot } from '../support/paths';

const scratch = mkdtempSync(join(tmpdir(), 'alamode-repo-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

const NIGHTLY = 'pipelines/warehouse/nightly.alamode.ts';
const CHURN = 'pipelines/ml/churn.alamode.ts';
const COLLAGE = 'pipelines/collage.alamode.ts';
const IMAGES = 'pipelines/shared/images.ts';

interface TaskDiffJson { name: string; status: string; oldOutput?: string; newOutput?: string }
interface ModuleJson { module: string; status: string; error?: string; diff?: { tasks: TaskDiffJson[]; counts: Record<string, number> } }

function examplesRepo(): TestRepo {
  const repo = initRepo(scratch);
  cpSync(join(repoRoot, 'examples'), repo.dir, { recursive: true });
  repo.git('add', '.');
  repo.git('commit', '-qm', 'pipelines');
  return repo;
}

function edit(repo: TestRepo, file: string, from: string, to: string): void {
  const path = join(repo.dir, file);
  const text = readFileSync(path, 'utf8');
  assert.ok(text.includes(from), `${file} contains ${from}`);
  writeFileSync(path, text.replace(from, to));
}

function diffJson(dir: string, ...args: string[]): { base: string; modules: ModuleJson[] } {
  const r = alamode(['diff', '--json', ...args], dir);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

describe('alamode diff with no sides: the whole repository', () => {
  test('an image bump in a shared helper: both pipelines that use it, each as its own diff says, and not the one that does not', () => {
    const repo = examplesRepo();
    edit(repo, IMAGES, 'python:3.12-2026.11', 'python:3.12-2026.12');
    const json = diffJson(repo.dir);
    assert.equal(json.base, 'HEAD');
    assert.deepEqual(json.modules.map((m) => [m.module, m.status]), [[COLLAGE, 'unchanged'], [CHURN, 'changed'], [NIGHTLY, 'changed']]);

    for (const module of [CHURN, NIGHTLY, COLLAGE]) {
      // The single-module diff reads the module and its helpers at HEAD: the repository's section must agree.
      const single = alamode(['diff', '--json', `HEAD:${module}`, module], repo.dir);
      assert.equal(single.status, 0, single.stderr);
      assert.deepEqual(json.modules.find((m) => m.module === module)!.diff, JSON.parse(single.stdout), module);
    }
    // From the specs themselves: every task on the python image changed, the rest did not (their inputs aside).
    const encoded = JSON.parse(alamode(['encode', '--json', NIGHTLY], repo.dir).stdout);
    const nightly = json.modules.find((m) => m.module === NIGHTLY)!.diff!;
    for (const t of nightly.tasks) {
      const onPython = String(encoded.tasks[t.name].image).includes('python:3.12-2026.12');
      assert.equal(t.status, onPython ? 'changed' : 'invalidated', `${t.name}: ${t.status}`);
    }
    const churn = json.modules.find((m) => m.module === CHURN)!.diff!;
    assert.equal(churn.tasks.find((t) => t.name === 'features')!.status, 'unchanged', 'features runs on the spark image');
  });

  test('the text report has a section per affected pipeline and a summary; --exit-code says something differs', () => {
    const repo = examplesRepo();
    edit(repo, IMAGES, 'python:3.12-2026.11', 'python:3.12-2026.12');
    const r = alamode(['diff', '--exit-code'], repo.dir);
    assert.equal(r.status, 1, r.stderr);
    const sections = r.stdout.trimEnd().split('\n\n');
    assert.deepEqual(sections.map((s) => s.split('\n')[0]), [CHURN, NIGHTLY, sections.at(-1)!.split('\n')[0]]);
    assert.match(sections.at(-1)!, /^2 of 3 pipelines affected, compared with HEAD: 18 changed, 1 invalidated, 0 added, 0 removed, 0 renamed$/);
    // The difference itself stays visible in long values.
    assert.match(r.stdout, /image: …[^\n]*2026\.11" → …[^\n]*2026\.12"/);
    assert.equal(alamode(['diff', '--exit-code'], examplesRepo().dir).status, 0, 'nothing differs in a clean checkout');
  });

  test('--markdown: a table of counts per pipeline, then each pipeline\'s tasks, matching --json', () => {
    const repo = examplesRepo();
    edit(repo, IMAGES, 'python:3.12-2026.11', 'python:3.12-2026.12');
    const json = diffJson(repo.dir);
    const r = alamode(['diff', '--markdown'], repo.dir);
    assert.equal(r.status, 0, r.stderr);
    const md = r.stdout;
    assert.match(md, /^### A La Mode: what this change invalidates$/m);
    for (const m of json.modules.filter((x) => x.status !== 'unchanged')) {
      const c = m.diff!.counts;
      const row = `| \`${m.module}\` | ${c.changed} | ${c.invalidated} | ${c.added} | ${c.removed} | ${c.renamed} | ${c.unchanged} |`;
      assert.ok(md.includes(row), `missing row ${row}`);
      for (const t of m.diff!.tasks.filter((x) => x.status !== 'unchanged')) {
        assert.ok(md.includes(`| \`${t.name}\` | ${t.status} | \`${t.oldOutput!.slice(0, 12)}\` → \`${t.newOutput!.slice(0, 12)}\``), `${m.module}: ${t.name}`);
      }
    }
    assert.ok(!md.includes(COLLAGE), 'an unaffected pipeline is not listed');
  });

  test('--base REV: pipelines added and removed since, helpers read at that revision', () => {
    const repo = examplesRepo();
    repo.git('rm', '-q', COLLAGE);
    writeFileSync(join(repo.dir, 'pipelines', 'new.alamode.ts'), `import { Dag } from 'a-la-mode';
import { python } from './shared';
const dag = new Dag();
dag.task('only', python('only'));
export default dag;
`);
    repo.git('add', '.');
    repo.git('commit', '-qm', 'second');
    edit(repo, 'pipelines/shared/steps.ts', "JOBS_SHA = '4be2c71'", "JOBS_SHA = '9f00d1e'");
    const json = diffJson(repo.dir, '--base', 'HEAD~1');
    assert.deepEqual(json.modules.map((m) => [m.module, m.status]), [[COLLAGE, 'removed'], [CHURN, 'changed'], ['pipelines/new.alamode.ts', 'added'], [NIGHTLY, 'changed']]);
    assert.deepEqual(json.modules[0]!.diff!.tasks.map((t) => t.status), ['removed', 'removed', 'removed', 'removed']);
    assert.deepEqual(json.modules[2]!.diff!.tasks.map((t) => [t.name, t.status]), [['only', 'added']]);
  });

  test('a pipeline that fails on one side is reported in its section, the others still are, and the exit is 1', () => {
    const repo = examplesRepo();
    edit(repo, CHURN, "addDep(train, features)", "addDep(train, 'featurez')");
    edit(repo, IMAGES, 'python:3.12-2026.11', 'python:3.12-2026.12');
    const r = alamode(['diff', '--json'], repo.dir);
    assert.equal(r.status, 1);
    const modules: ModuleJson[] = JSON.parse(r.stdout).modules;
    const churn = modules.find((m) => m.module === CHURN)!;
    assert.equal(churn.status, 'error');
    assert.match(churn.error!, /featurez/);
    assert.equal(modules.find((m) => m.module === NIGHTLY)!.status, 'changed');
  });

  test('bad uses: one line and a usage exit', () => {
    const repo = examplesRepo();
    const both = alamode(['diff', '--json', '--markdown'], repo.dir);
    assert.equal(both.status, 2);
    assert.match(both.stderr, /^alamode: --json and --markdown .*\n$/);
    const sides = alamode(['diff', '--markdown', 'a.dag', 'b.dag'], repo.dir);
    assert.equal(sides.status, 2);
    const outside = mkdtempSync(join(scratch, 'plain-'));
    const notGit = alamode(['diff'], outside);
    assert.equal(notGit.status, 1);
    assert.match(notGit.stderr, /^alamode: .* is not in a git repository: give the two sides .*\n$/);
    const badRev = alamode(['diff', '--base', 'no-such-rev'], repo.dir);
    assert.equal(badRev.status, 1);
    assert.match(badRev.stderr, /^alamode: no-such-rev: git could not list it .*\n$/);
  });
});

describe('alamode check with no modules: every pipeline of the repository', () => {
  test('checks all three, and names the broken one', () => {
    const repo = examplesRepo();
    const ok = alamode(['check'], repo.dir);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stderr, /^checking 3 pipeline modules$/m);
    edit(repo, NIGHTLY, "python('load', '--table', table, '--mode', 'merge')", "python('load', '--table', table, '--mode', 'merge'), ratio: 0.5");
    const bad = alamode(['check'], join(repo.dir, 'pipelines'));
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /warehouse\/nightly\.alamode\.ts:\d+:\d+: error: .*/);
    assert.doesNotMatch(bad.stdout, /churn|collage/);
  });

  test('outside git it checks the modules below the folder, and says so when there are none', () => {
    const dir = mkdtempSync(join(scratch, 'plain-'));
    cpSync(join(repoRoot, 'examples'), dir, { recursive: true });
    const r = alamode(['check', '--stale'], dir);
    assert.equal(r.status, 1, 'no .dag files are there yet');
    assert.equal(r.stdout.trimEnd().split('\n').filter((l) => /: error: missing; run `alamode encode/.test(l)).length, 3, r.stdout);
    const empty = alamode(['check'], mkdtempSync(join(scratch, 'empty-')));
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /^alamode: no pipeline modules \(\*\.alamode\.ts\) in .*\n$/);
  });
});
