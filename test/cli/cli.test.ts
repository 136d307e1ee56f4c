/**
 * The `alamode` CLI through its real binary: encode, diff (files, modules, git revisions) and check,
 * and every kind of bad input rejected with one clear line and a non-zero exit.
 * Expected IDs come from the seed's printed hashes (../shared/conformance/collage.json).
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { initRepo } from '../support/git';
import { alamode } from '../support/cli';
import { conformanceDir, fixturesDir } from '../support/paths';

const vectors = JSON.parse(readFileSync(join(conformanceDir, 'collage.json'), 'utf8'));
const collageModule = join(fixturesDir, 'pipelines', 'collage.alamode.ts');

const scratch = mkdtempSync(join(tmpdir(), 'alamode-cli-test-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A one-line error: no stack frames, no blank lines. */
function assertOneLine(stderr: string) {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${stderr}`);
  assert.doesNotMatch(stderr, /^\s+at /m);
  assert.match(lines[0]!, /^alamode: /);
}

describe('alamode encode', () => {
  test('--json prints the seed\'s encoded DAG, every ID equal to the seed\'s', () => {
    const r = alamode(['encode', collageModule, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), vectors.before);
  });

  test('without options it writes <name>.dag beside the module, byte-identical to the seed\'s file', () => {
    const dir = mkdtempSync(join(scratch, 'encode-'));
    const module = join(dir, 'collage.alamode.ts');
    copyFileSync(collageModule, module);
    const r = alamode(['encode', 'collage.alamode.ts'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /wrote collage\.dag \(4 tasks\)/);
    assert.deepEqual(readFileSync(join(dir, 'collage.dag')), readFileSync(join(conformanceDir, 'collage.before.dag')));
  });

  test('--out writes the bencoded file where asked', () => {
    const out = join(scratch, 'elsewhere.dag');
    const r = alamode(['encode', collageModule, '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readFileSync(out), readFileSync(join(conformanceDir, 'collage.before.dag')));
  });

  test('--json prints integers exactly: a bigint keeps all its digits', () => {
    const module = join(scratch, 'big.alamode.ts');
    writeFileSync(module, `import { Dag } from 'a-la-mode';
const dag = new Dag();
dag.task('count', { rows: 123456789012345678901234567890n, small: -7, flag: true });
export default dag;
`);
    const r = alamode(['encode', module, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /"rows": 123456789012345678901234567890,/);
    assert.match(r.stdout, /"small": -7/);
    assert.match(r.stdout, /"flag": 1/);
  });

  test('the module\'s own console output goes to stderr, keeping --json clean', () => {
    const module = join(scratch, 'noisy.alamode.ts');
    writeFileSync(module, `import { Dag } from 'a-la-mode';
console.log('hello from the module');
const dag = new Dag();
dag.task('a', { image: 'x' });
export default dag;
`);
    const r = alamode(['encode', module, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).tasks.a.image, 'x');
    assert.match(r.stderr, /hello from the module/);
  });

  test('a module importing a local helper module works without node_modules', () => {
    const dir = mkdtempSync(join(scratch, 'imports-'));
    writeFileSync(join(dir, 'images.ts'), `export const image = 'collage';\n`);
    writeFileSync(join(dir, 'p.alamode.ts'), `import { Dag } from 'a-la-mode';
import { image } from './images';
const dag = new Dag();
dag.task('a', { image });
export default dag;
`);
    const r = alamode(['encode', 'p.alamode.ts', '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).tasks.a.image, 'collage');
  });

  test('each module knows where it is, as it would unbundled: import.meta.url, .dirname, .filename, __dirname, __filename', () => {
    const dir = mkdtempSync(join(scratch, 'located-'));
    mkdirSync(join(dir, 'lib', 'conf'), { recursive: true });
    writeFileSync(join(dir, 'lib', 'conf', 'version.txt'), 'v7\n');
    // A helper one folder down reads a file beside it in each way people write it, one of them with its own `__dirname`.
    writeFileSync(join(dir, 'lib', 'paths.ts'), `import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
const read = (path: string | URL) => readFileSync(path, 'utf8').trim();
export const fromUrl = read(join(dirname(fileURLToPath(import.meta.url)), 'conf', 'version.txt'));
export const fromNewUrl = read(new URL('./conf/version.txt', import.meta.url));
export const fromDirname = read(join(import.meta.dirname, 'conf/version.txt'));
export const fromCommonJs = read(join(__dirname, 'conf/version.txt'));
export const files = [import.meta.filename, __filename];
`);
    writeFileSync(join(dir, 'lib', 'own.ts'), "import { dirname } from 'node:path';\nimport { fileURLToPath } from 'node:url';\nconst __dirname = dirname(dirname(fileURLToPath(import.meta.url)));\nexport const own = __dirname;\n");
    writeFileSync(join(dir, 'p.alamode.ts'), `#!/usr/bin/env alamode
import { Dag } from 'a-la-mode';
import { fromUrl, fromNewUrl, fromDirname, fromCommonJs, files } from './lib/paths';
import { own } from './lib/own';
const dag = new Dag();
dag.task('a', { fromUrl, fromNewUrl, fromDirname, fromCommonJs, files, own, main: [import.meta.filename, __dirname] });
export default dag;
`);
    const r = alamode(['encode', 'p.alamode.ts', '--json'], dir);
    assert.equal(r.status, 0, r.stderr);
    const real = realpathSync(dir);
    const a = JSON.parse(r.stdout).tasks.a;
    assert.deepEqual([a.fromUrl, a.fromNewUrl, a.fromDirname, a.fromCommonJs], ['v7', 'v7', 'v7', 'v7']);
    assert.deepEqual(a.files, [join(real, 'lib', 'paths.ts'), join(real, 'lib', 'paths.ts')]);
    assert.equal(a.own, real);
    assert.deepEqual(a.main, [join(real, 'p.alamode.ts'), real]);
  });
});

describe('bad input: one clear line, non-zero exit', () => {
  const bad = (name: string) => join(fixturesDir, 'bad', name);
  const cases: [string, string[], RegExp][] = [
    ['a cycle', ['encode', bad('cycle.alamode.ts')], /cycle\.alamode\.ts:7:\d+: cycle: a → b → c → a/],
    ['a missing input', ['encode', bad('missing-input.alamode.ts')], /missing-input\.alamode\.ts:5:\d+: task 'collage': input 'blurr' names no task \(did you mean 'blur'\?\)/],
    ['a float', ['encode', bad('float.alamode.ts')], /float\.alamode\.ts:4:\d+: task 'sample': spec\.ratio is 0\.25, but bencode has no floats \(use an integer or a string\)/],
    ['a module that throws', ['encode', bad('throws.alamode.ts')], /throws\.alamode\.ts:5:\d+: the module threw Error: the config file is missing/],
    ['a module that never finishes', ['encode', bad('never-finishes.alamode.ts'), '--timeout', '1'], /did not finish within 1 s/],
    ['a module without a default export', ['encode', bad('no-default-export.alamode.ts')], /the default export is missing, not a Dag/],
    ['a syntax error', ['encode', bad('syntax-error.alamode.ts')], /syntax-error\.alamode\.ts:4:29: Expected identifier but found "\)"/],
    ['a file that does not exist', ['encode', 'nope.alamode.ts'], /nope\.alamode\.ts: no such file/],
    ['a corrupt .dag', ['diff', bad('../pipelines/collage.alamode.ts'), join(fixturesDir, 'bad', 'corrupt.dag')], /corrupt\.dag: not a valid \.dag file: /],
    ['an unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
    ['an unknown option', ['encode', '--frob'], /Unknown option '--frob'/],
  ];
  for (const [what, args, message] of cases) {
    test(what, () => {
      const r = alamode(args);
      assert.notEqual(r.status, 0);
      assertOneLine(r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, '');
    });
  }

  test('an error the runtime throws names the line of the module that called it, not the runtime', () => {
    const dir = mkdtempSync(join(scratch, 'runtime-throws-'));
    const head = "import { Dag } from 'a-la-mode';\nconst dag = new Dag();\nconst load = dag.task('load', {});\n";
    const cases: [string, string, RegExp][] = [
      ['other-dag', "const stray = new Dag().task('stray', {});\nload.addDep(stray);\n", /^alamode: other-dag\.alamode\.ts:5:\d+: the module threw TypeError: task 'load': addDep\(stray\) names a task of another Dag$/],
      ['get', "load.addDep(dag.get('missing'));\n", /^alamode: get\.alamode\.ts:4:\d+: the module threw Error: dag\.get: no task named 'missing'$/],
      ['name', "dag.task(42 as unknown as string, {});\n", /^alamode: name\.alamode\.ts:4:\d+: the module threw TypeError: dag\.task: the task name must be a string, got number$/],
    ];
    for (const [name, body, message] of cases) {
      writeFileSync(join(dir, `${name}.alamode.ts`), `${head}${body}export default dag;\n`);
      const r = alamode(['encode', `${name}.alamode.ts`], dir);
      assert.equal(r.status, 1, name);
      assertOneLine(r.stderr);
      assert.match(r.stderr.trim(), message);
    }
  });

  test('a package that throws while it loads: the error, never a place inside the CLI or its temporary bundle', () => {
    const dir = mkdtempSync(join(scratch, 'package-throws-'));
    mkdirSync(join(dir, 'node_modules', 'loadthrow'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'loadthrow', 'package.json'), '{ "name": "loadthrow", "main": "index.js" }');
    writeFileSync(join(dir, 'node_modules', 'loadthrow', 'index.js'), "throw new Error('cannot load');\n");
    for (const [name, body] of [['plain', ''], ['awaiting', 'await 0;\n']] as const) {
      writeFileSync(join(dir, `${name}.alamode.ts`), `import { Dag } from 'a-la-mode';\nimport 'loadthrow';\nconst dag = new Dag();\n${body}export default dag;\n`);
      const r = alamode(['encode', `${name}.alamode.ts`], dir);
      assert.equal(r.status, 1, name);
      assertOneLine(r.stderr);
      assert.equal(r.stderr.trim(), `alamode: ${name}.alamode.ts: the module threw Error: cannot load`);
    }
  });

  test('a sloppy package under top-level await: the error says the module runs in strict mode', () => {
    const dir = mkdtempSync(join(scratch, 'strict-'));
    mkdirSync(join(dir, 'node_modules', 'sloppy'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'sloppy', 'package.json'), '{ "name": "sloppy", "main": "index.js" }');
    writeFileSync(join(dir, 'node_modules', 'sloppy', 'index.js'), 'undeclared = 5;\nmodule.exports = () => undeclared;\n');
    const module = (body: string) => `import { Dag } from 'a-la-mode';\nimport sloppy from 'sloppy';\nconst dag = new Dag();\n${body}dag.task('a', { v: sloppy() });\nexport default dag;\n`;
    writeFileSync(join(dir, 'plain.alamode.ts'), module(''));
    assert.equal(alamode(['encode', 'plain.alamode.ts', '--json'], dir).status, 0, 'runs as CommonJS without await');
    writeFileSync(join(dir, 'awaiting.alamode.ts'), module('await 0;\n'));
    const r = alamode(['encode', 'awaiting.alamode.ts'], dir);
    assert.equal(r.status, 1);
    assertOneLine(r.stderr);
    assert.match(r.stderr, /the module threw ReferenceError: undeclared is not defined \(the module uses top-level await, so it runs as an ES module, in strict mode throughout, its packages included\)$/m);
  });

  test('a module that never finishes is stopped at the time limit', () => {
    const started = Date.now();
    const r = alamode(['encode', bad('never-finishes.alamode.ts'), '--timeout', '1']);
    assert.equal(r.status, 1);
    // Generous bound: the point is that it ends, not how fast.
    assert.ok(Date.now() - started < 30_000);
  });
});

describe('alamode diff', () => {
  const beforeDag = join(conformanceDir, 'collage.before.dag');

  test('the seed\'s edit: blur changed (sha), collage invalidated via blur', () => {
    const edited = join(scratch, 'edited.alamode.ts');
    writeFileSync(edited, readFileSync(collageModule, 'utf8').replace("sha: '6f09d'", "sha: 'qwetr3'"));
    const r = alamode(['diff', beforeDag, edited]);
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n');
    assert.match(rows[0]!, new RegExp(`^changed\\s+blur\\s+${vectors.before.tasks.blur.output.slice(0, 12)} → ${vectors.after.tasks.blur.output.slice(0, 12)}\\s+sha: "6f09d" → "qwetr3"$`));
    assert.match(rows[1]!, new RegExp(`^invalidated\\s+collage\\s+${vectors.before.tasks.collage.output.slice(0, 12)} → ${vectors.after.tasks.collage.output.slice(0, 12)}\\s+via blur$`));
    assert.equal(rows[2], '1 changed, 1 invalidated, 0 added, 0 removed, 0 renamed, 2 unchanged');
  });

  test('--json gives the per-task statuses, and --exit-code fails when anything differs', () => {
    const edited = join(scratch, 'edited2.alamode.ts');
    writeFileSync(edited, readFileSync(collageModule, 'utf8').replace("sha: '6f09d'", "sha: 'qwetr3'"));
    const r = alamode(['diff', beforeDag, edited, '--json', '--exit-code']);
    assert.equal(r.status, 1);
    const diff = JSON.parse(r.stdout);
    const status = Object.fromEntries(diff.tasks.map((t: { name: string; status: string }) => [t.name, t.status]));
    assert.deepEqual(status, { blur: 'changed', collage: 'invalidated', download_images: 'unchanged', edge_enhance: 'unchanged' });
    assert.equal(alamode(['diff', beforeDag, collageModule, '--exit-code']).status, 0);
  });

  test('REV:path reads either side through git, .dag or module', () => {
    const { dir: repo, git } = initRepo(scratch);
    copyFileSync(collageModule, join(repo, 'collage.alamode.ts'));
    copyFileSync(beforeDag, join(repo, 'collage.dag'));
    git('add', '.');
    git('commit', '-qm', 'collage');
    writeFileSync(join(repo, 'collage.alamode.ts'), readFileSync(collageModule, 'utf8').replace("sha: '6f09d'", "sha: 'qwetr3'"));

    for (const base of ['HEAD:collage.dag', 'HEAD:collage.alamode.ts']) {
      const r = alamode(['diff', base, 'collage.alamode.ts', '--json'], repo);
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout).counts, { changed: 1, invalidated: 1, added: 0, removed: 0, renamed: 0, unchanged: 2 });
    }
    const missing = alamode(['diff', 'HEAD:nothing.dag', 'collage.alamode.ts'], repo);
    assert.equal(missing.status, 1);
    assertOneLine(missing.stderr);
    assert.match(missing.stderr, /HEAD:nothing\.dag: git could not read it/);
  });

  test('REV:module reads the module\'s local imports from the same revision, not the working tree', () => {
    const { dir: repo, git } = initRepo(scratch);
    mkdirSync(join(repo, 'lib'));
    // A package (not committed, as node_modules never is) whose own relative import stays its own.
    mkdirSync(join(repo, 'node_modules', 'images', 'lib'), { recursive: true });
    writeFileSync(join(repo, 'node_modules', 'images', 'index.js'), "module.exports = require('./lib/name.js');\n");
    writeFileSync(join(repo, 'node_modules', 'images', 'lib', 'name.js'), "module.exports = { image: 'i' };\n");
    writeFileSync(join(repo, '.gitignore'), 'node_modules/\n');
    const module = (helper: string) => `import { Dag } from 'a-la-mode';\nimport { sha } from '${helper}';\nimport { image } from 'images';\nconst dag = new Dag();\ndag.task('t', { image, sha });\nexport default dag;\n`;
    // \`./values.js\` names values.ts, as TypeScript's NodeNext style writes it.
    writeFileSync(join(repo, 'lib', 'shas.ts'), "export { sha } from './values.js';\n");
    writeFileSync(join(repo, 'lib', 'values.ts'), "export const sha = 'committed';\n");
    writeFileSync(join(repo, 'p.alamode.ts'), module('./lib/shas'));
    git('add', '.');
    git('commit', '-qm', 'pipeline');
    // Only the helper (two imports down) changes in the working tree.
    writeFileSync(join(repo, 'lib', 'values.ts'), "export const sha = 'edited';\n");
    const r = alamode(['diff', 'HEAD:p.alamode.ts', 'p.alamode.ts', '--json'], repo);
    assert.equal(r.status, 0, r.stderr);
    const diff = JSON.parse(r.stdout);
    assert.deepEqual(diff.counts, { changed: 1, invalidated: 0, added: 0, removed: 0, renamed: 0, unchanged: 0 });
    assert.deepEqual(diff.tasks[0].changes, [{ path: 'sha', kind: 'modified', old: 'committed', new: 'edited' }]);
    // An import that exists only in the working tree: one clear line naming the revision.
    writeFileSync(join(repo, 'new.ts'), "export const sha = 'new';\n");
    writeFileSync(join(repo, 'p.alamode.ts'), module('./new'));
    git('commit', '-qam', 'import ./new, left uncommitted');
    const missing = alamode(['diff', 'HEAD:p.alamode.ts', 'p.alamode.ts'], repo);
    assert.equal(missing.status, 1);
    assertOneLine(missing.stderr);
    assert.match(missing.stderr, /^alamode: HEAD:p\.alamode\.ts:2:\d+: '\.\/new' does not exist at HEAD$/m);
  });
});

describe('alamode diff REV:module module: imports through aliases', () => {
  test('files an alias names (tsconfig paths and baseUrl, package.json imports) are read at the revision, as relative ones are', () => {
    const { dir: repo, git } = initRepo(scratch);
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@conf/*': ['conf/*'] }, resolveJsonModule: true } }),
      'package.json': JSON.stringify({ name: 'p', imports: { '#shared/*': './shared/*' } }),
      'conf/images.json': JSON.stringify({ image: 'python:1' }),
      'conf/shas.ts': "export const sha = 'committed';\n",
      'shared/cmd.ts': "import { sha } from '@conf/shas';\nexport const cmd = `run ${sha}`;\n",
      'lib/limits.ts': 'export const cpus = 1;\n',
      'p.alamode.ts': [
        "import { Dag } from 'a-la-mode';",
        "import images from '@conf/images.json';",
        "import { cmd } from '#shared/cmd.ts';",
        "import { cpus } from 'lib/limits';",
        'const dag = new Dag();',
        "dag.task('image', { image: images.image });",
        "dag.task('cmd', { cmd });",
        "dag.task('cpus', { cpus });",
        "dag.task('same', { same: 1 });",
        'export default dag;',
        '',
      ].join('\n'),
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(repo, file)), { recursive: true });
      writeFileSync(join(repo, file), text);
    }
    git('add', '.');
    git('commit', '-qm', 'pipeline');
    writeFileSync(join(repo, 'conf/images.json'), JSON.stringify({ image: 'python:2' }));
    writeFileSync(join(repo, 'conf/shas.ts'), "export const sha = 'edited';\n");
    writeFileSync(join(repo, 'lib/limits.ts'), 'export const cpus = 2;\n');
    const r = alamode(['diff', 'HEAD:p.alamode.ts', 'p.alamode.ts', '--json'], repo);
    assert.equal(r.status, 0, r.stderr);
    const diff = JSON.parse(r.stdout);
    assert.deepEqual(Object.fromEntries(diff.tasks.map((t: { name: string; status: string }) => [t.name, t.status])), { image: 'changed', cmd: 'changed', cpus: 'changed', same: 'unchanged' });
    assert.deepEqual(diff.tasks.find((t: { name: string }) => t.name === 'cmd').changes, [{ path: 'cmd', kind: 'modified', old: 'run committed', new: 'run edited' }]);
    // An alias to a file the revision does not have: one line naming the alias, the file and the revision.
    writeFileSync(join(repo, 'conf/new.ts'), "export const sha = 'new';\n");
    writeFileSync(join(repo, 'p.alamode.ts'), "import { Dag } from 'a-la-mode';\nimport { sha } from '@conf/new';\nconst dag = new Dag();\ndag.task('t', { sha });\nexport default dag;\n");
    git('add', 'p.alamode.ts');
    git('commit', '-qm', 'import @conf/new, left uncommitted');
    const missing = alamode(['diff', 'HEAD:p.alamode.ts', 'p.alamode.ts'], repo);
    assert.equal(missing.status, 1);
    assertOneLine(missing.stderr);
    assert.match(missing.stderr, /^alamode: HEAD:p\.alamode\.ts:2:\d+: '@conf\/new' names conf\/new\.ts, which does not exist at HEAD$/m);
  });
});

describe('alamode check', () => {
  test('reports every problem of every module as file:line:col lines and fails', () => {
    const r = alamode(['check', 'test/fixtures/bad/cycle.alamode.ts', 'test/fixtures/bad/float.alamode.ts', 'test/fixtures/pipelines/collage.alamode.ts']);
    assert.equal(r.status, 1);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length, 2, r.stdout);
    assert.match(lines[0]!, /^test\/fixtures\/bad\/cycle\.alamode\.ts:7:\d+: error: cycle: a → b → c → a .*\[cycle\]$/);
    assert.match(lines[1]!, /^test\/fixtures\/bad\/float\.alamode\.ts:4:\d+: error: task 'sample': spec\.ratio is 0\.25, .*\[invalid-value\]$/);
  });

  test('a task name with a lone UTF-16 surrogate (half an emoji left by an edit) is a problem on the task, not a crash of the encoder', () => {
    const dir = mkdtempSync(join(scratch, 'surrogate-'));
    writeFileSync(join(dir, 'half.alamode.ts'), "import { Dag } from 'a-la-mode';\nconst dag = new Dag();\nconst a = dag.task('do\\ude00x', { image: 'i' });\ndag.task('b', { image: 'j' }).addDep(a);\nexport default dag;\n");
    const check = alamode(['check', 'half.alamode.ts'], dir);
    assert.equal(check.status, 1);
    assert.equal(check.stdout, 'half.alamode.ts:3:15: error: task "do\\ude00x": the name holds a lone UTF-16 surrogate, which has no UTF-8 encoding (fix the name) [invalid-value]\n');
    const encode = alamode(['encode', 'half.alamode.ts'], dir);
    assert.notEqual(encode.status, 0);
    assertOneLine(encode.stderr);
    assert.match(encode.stderr, /the name holds a lone UTF-16 surrogate/);
  });

  test('passes silently on a good module', () => {
    const r = alamode(['check', 'test/fixtures/pipelines/collage.alamode.ts']);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout, '');
  });

  test('--stale fails when the .dag beside the module no longer matches it, and passes when it does', () => {
    const dir = mkdtempSync(join(scratch, 'stale-'));
    copyFileSync(collageModule, join(dir, 'collage.alamode.ts'));
    const missing = alamode(['check', '--stale', 'collage.alamode.ts'], dir);
    assert.equal(missing.status, 1);
    assert.match(missing.stdout, /^collage\.dag: error: missing; run `alamode encode collage\.alamode\.ts`/);

    copyFileSync(join(conformanceDir, 'collage.before.dag'), join(dir, 'collage.dag'));
    const fresh = alamode(['check', '--stale', 'collage.alamode.ts'], dir);
    assert.equal(fresh.status, 0, fresh.stdout);

    writeFileSync(join(dir, 'collage.alamode.ts'), readFileSync(collageModule, 'utf8').replace("sha: '6f09d'", "sha: 'qwetr3'"));
    const stale = alamode(['check', '--stale', 'collage.alamode.ts'], dir);
    assert.equal(stale.status, 1);
    assert.match(stale.stdout, /^collage\.dag: error: stale: the module now gives 1 changed, 1 invalidated, 0 added, 0 removed, 0 renamed task\(s\)/);
    assert.ok(existsSync(join(dir, 'collage.dag')));
  });
});

describe('a large pipeline', () => {
  test('a 9,001-task diamond ladder encodes (timing lives in npm run bench)', () => {
    const module = join(scratch, 'ladder.alamode.ts');
    writeFileSync(module, `import { Dag } from 'a-la-mode';
const dag = new Dag();
let top = dag.task('top0', { image: 'x', level: 0 });
for (let i = 1; i <= 3000; i++) {
  const left = dag.task('left' + i, { image: 'x', level: i }).addDep(top);
  const right = dag.task('right' + i, { image: 'y', level: i }).addDep(top);
  top = dag.task('top' + i, { image: 'z', level: i }).addDep(left, right);
}
export default dag;
`);
    const r = alamode(['encode', module, '--out', join(scratch, 'ladder.dag')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /\(9001 tasks\)/);
  });
});

describe('modules with top-level await', () => {
  /**
   * The seed's pipeline, its blur sha read by a helper that awaits a file read (found through
   * `import.meta.url` and `__dirname`) and its image name from a bundled CommonJS package that
   * `require`s a builtin; the pipeline itself awaits too.
   */
  function awaitingCollage(dir: string) {
    mkdirSync(join(dir, 'lib'));
    mkdirSync(join(dir, 'node_modules', 'images'), { recursive: true });
    writeFileSync(join(dir, 'shas.json'), JSON.stringify({ blur: '6f09d' }));
    writeFileSync(join(dir, 'lib', 'shas.ts'), `import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
export const shas = JSON.parse(await readFile(new URL('../shas.json', import.meta.url), 'utf8'));
export const again = JSON.parse(await readFile(join(__dirname, '..', 'shas.json'), 'utf8'));
`);
    writeFileSync(join(dir, 'node_modules', 'images', 'index.js'), "const { posix } = require('node:path');\nmodule.exports = { image: posix.basename('/images/collage') };\n");
    writeFileSync(join(dir, 'collage.alamode.ts'), readFileSync(collageModule, 'utf8')
      .replace("import { Dag } from 'a-la-mode';", "import { Dag } from 'a-la-mode';\nimport { image } from 'images';\nimport { shas, again } from './lib/shas';\nconst blurSha: string = await Promise.resolve(shas.blur);\nif (again.blur !== blurSha) throw new Error('__dirname and import.meta.url disagree');")
      .replace("sha: '6f09d'", 'sha: blurSha')
      .replaceAll("image: 'collage'", 'image'));
  }

  test('encode gives the IDs and the .dag byte for byte of the same pipeline without await', () => {
    const dir = mkdtempSync(join(scratch, 'await-'));
    awaitingCollage(dir);
    const json = alamode(['encode', 'collage.alamode.ts', '--json'], dir);
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), vectors.before);
    const r = alamode(['encode', 'collage.alamode.ts'], dir);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readFileSync(join(dir, 'collage.dag')), readFileSync(join(conformanceDir, 'collage.before.dag')));
    assert.equal(alamode(['check', '--stale', 'collage.alamode.ts'], dir).status, 0);
  });

  test('what it throws, before or after an await, and the problems of its DAG point at its own lines', () => {
    const dir = mkdtempSync(join(scratch, 'await-bad-'));
    const cases: [string, string, RegExp][] = [
      ['throws.alamode.ts', "import { Dag } from 'a-la-mode';\nawait 0;\nconst dag = new Dag();\nfunction configure(): never {\n  throw new Error('the config file is missing');\n}\nconfigure();\nexport default dag;\n", /^alamode: throws\.alamode\.ts:5:\d+: the module threw Error: the config file is missing$/],
      ['rejects.alamode.ts', "import { Dag } from 'a-la-mode';\nconst dag = new Dag();\nawait Promise.reject(new RangeError('no config'));\nexport default dag;\n", /^alamode: rejects\.alamode\.ts:3:\d+: the module threw RangeError: no config$/],
      ['cycle.alamode.ts', "import { Dag } from 'a-la-mode';\nconst dag = new Dag();\nconst a = await Promise.resolve(dag.task('a', { image: 'x' }));\nconst b = dag.task('b', { image: 'x' }).addDep(a);\na.addDep(b);\nexport default dag;\n", /^alamode: cycle\.alamode\.ts:[45]:\d+: cycle: a → b → a/],
      ['syntax.alamode.ts', "import { Dag } from 'a-la-mode';\nawait 0;\nconst x = (;\n", /^alamode: syntax\.alamode\.ts:3:12: Unexpected ";"$/],
    ];
    for (const [file, text, message] of cases) {
      writeFileSync(join(dir, file), text);
      const r = alamode(['encode', file], dir);
      assert.equal(r.status, 1, file);
      assertOneLine(r.stderr);
      assert.match(r.stderr.trimEnd(), message);
    }
  });

  test('diff REV:module reads the awaiting module and its awaiting helpers at the revision', () => {
    const { dir: repo, git } = initRepo(scratch);
    awaitingCollage(repo);
    writeFileSync(join(repo, '.gitignore'), 'node_modules/\n');
    git('add', '.');
    git('commit', '-qm', 'collage');
    writeFileSync(join(repo, 'lib', 'shas.ts'), readFileSync(join(repo, 'lib', 'shas.ts'), 'utf8').replace('export const shas = ', "export const shas = await Promise.resolve({ blur: 'qwetr3' }) ?? "));
    writeFileSync(join(repo, 'collage.alamode.ts'), readFileSync(join(repo, 'collage.alamode.ts'), 'utf8').replace('if (again.blur !== blurSha)', 'if (again.blur === blurSha)'));
    const r = alamode(['diff', 'HEAD:collage.alamode.ts', 'collage.alamode.ts', '--json'], repo);
    assert.equal(r.status, 0, r.stderr);
    const diff = JSON.parse(r.stdout);
    assert.deepEqual(diff.counts, { changed: 1, invalidated: 1, added: 0, removed: 0, renamed: 0, unchanged: 2 });
    assert.deepEqual(diff.tasks.find((t: { name: string }) => t.name === 'blur').changes, [{ path: 'sha', kind: 'modified', old: '6f09d', new: 'qwetr3' }]);
    // Every pipeline of the repository, the revision's read through git.
    const all = alamode(['diff', '--json'], repo);
    assert.equal(all.status, 0, all.stderr);
    assert.match(all.stdout, /qwetr3/);
  });
});
