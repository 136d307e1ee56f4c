/**
 * The analysis follows the modules a pipeline imports (issue 8), and what it says is what running the
 * bundle (as `alamode encode` does) builds: the same Dag where it follows everything, and never an
 * output the runtime does not compute where it cannot.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { analyseModule } from '../../server/src/analysis/analyse';
import { nodeFileHost, type ModuleHost } from '../../server/src/analysis/modules/host';
import { COMMITTED_SUFFIX } from '../../server/src/analysis/types';
import type { Dag } from '../../server/src/runtime/index';
import { alamode } from '../support/cli';
import { fixturesDir } from '../support/paths';
import { assertSameDag, executeModule, summariseAnalysis } from './execute';
import { analyseIn, assertNoWrongOutputIn, defaultDag, makeRepo, runIn, type Repo } from './repo';

const DSL = "import { Dag } from 'a-la-mode';\n";
const repoDir = join(fixturesDir, 'repo');
const pipelines = ['ingest', 'reports'].map((n) => join(repoDir, 'pipelines', 'daily', `${n}.alamode.ts`));

const repos: Repo[] = [];
after(() => { for (const r of repos) r.remove(); });
const repo = (files: Record<string, string>) => {
  const r = makeRepo(files);
  repos.push(r);
  return r;
};

/**
 * Each case's body as `main.alamode.ts` beside `files`: the analysis gives the IDs `alamode encode`
 * gives, or, where a case names why (`unknown`), no ID and only that reason.
 */
function sameAsTheCli(files: Record<string, string>, cases: Record<string, { body: string; unknown?: RegExp }>, prepare?: (r: Repo) => void): void {
  for (const [name, { body, unknown }] of Object.entries(cases)) {
    const text = `${DSL}const dag = new Dag();\n${body}\nexport default dag;\n`;
    const r = repo({ ...files, 'main.alamode.ts': text });
    prepare?.(r);
    const run = alamode(['encode', r.path('main.alamode.ts'), '--json']);
    assert.equal(run.status, 0, `${name}: ${run.stderr}`);
    const cli = (JSON.parse(run.stdout) as { tasks: Record<string, { output: string }> }).tasks;
    const summary = summariseAnalysis(defaultDag(analyseIn(r, 'main.alamode.ts', text)));
    assert.deepEqual(summary.tasks.map((t) => t.name).sort(), Object.keys(cli).sort(), name);
    for (const t of summary.tasks) {
      if (unknown) assert.equal(t.output, undefined, `${name}: ${t.name} is unknown`);
      else assert.equal(t.output, cli[t.name]!.output, `${name}: ${t.name}`);
    }
    if (unknown) assert.ok(summary.unknown.every((u) => u !== undefined && unknown.test(u)), `${name}: ${summary.unknown.join(' | ')}`);
  }
}

/** Analyses and runs `main.alamode.ts` of a repository; both must build the same default Dag. */
async function sameAsRunning(files: Record<string, string>): Promise<ReturnType<typeof analyseIn>> {
  const r = repo(files);
  const text = files['main.alamode.ts']!;
  const analysis = analyseIn(r, 'main.alamode.ts', text);
  const runtime = await runIn(r, 'main.alamode.ts');
  assert.ok(runtime, 'the module runs');
  assertSameDag(defaultDag(analysis), runtime);
  return analysis;
}

describe('a repository of the usual shape', () => {
  for (const path of pipelines) {
    test(`${path.slice(repoDir.length + 1)}: the analysis equals running the module`, async () => {
      const text = readFileSync(path, 'utf8');
      const analysis = analyseModule(text, path, { fresh: true, host: (await import('../../server/src/analysis/modules/host')).nodeFileHost() });
      assert.deepEqual(analysis.diagnostics, []);
      assertSameDag(defaultDag(analysis), (await executeModule(path)).default as Dag);
    });
  }

  test('modules lists the modules read, the configuration consulted and the candidates looked for', async () => {
    const { nodeFileHost } = await import('../../server/src/analysis/modules/host');
    const analysis = analyseModule(readFileSync(pipelines[0]!, 'utf8'), pipelines[0]!, { fresh: true, host: nodeFileHost() });
    const at = (p: string) => join(repoDir, p);
    for (const p of ['pipelines/shared/index.ts', 'pipelines/shared/images.ts', 'pipelines/shared/steps.ts', 'pipelines/config/tables.json', 'pipelines/config/settings.json', 'tsconfig.json']) {
      assert.ok(analysis.modules.includes(at(p)), `${p} is listed`);
    }
    // `./images.js` in steps.ts is `images.ts`: the `.js` file it first looked for is listed too.
    assert.ok(analysis.modules.includes(at('pipelines/shared/images.js')));
    assert.ok(!analysis.modules.includes(pipelines[0]!), 'not the module itself');
    assert.equal(analysis.moduleTexts.get(at('pipelines/shared/steps.ts')), readFileSync(at('pipelines/shared/steps.ts'), 'utf8'));
  });

  test('tasks made by a helper show at the call in the pipeline, with where the helper makes them', async () => {
    const { nodeFileHost } = await import('../../server/src/analysis/modules/host');
    const text = readFileSync(pipelines[1]!, 'utf8');
    const analysis = analyseModule(text, pipelines[1]!, { fresh: true, host: nodeFileHost() });
    const quality = join(repoDir, 'pipelines', 'shared', 'quality.ts');
    const qualityText = readFileSync(quality, 'utf8');
    const checks = defaultDag(analysis).tasks.filter((t) => t.name?.startsWith('check_'));
    assert.equal(checks.length, 3);
    for (const t of checks) {
      assert.equal(text.slice(t.calleeRange.start, t.calleeRange.end), 'addQualityChecks');
      assert.equal(text.slice(t.callRange.start, t.callRange.end), 'addQualityChecks(dag, tables)');
      assert.equal(t.nameLiteralRange, undefined);
      assert.equal(t.madeAt?.file, quality);
      assert.match(qualityText.slice(t.madeAt!.start, t.madeAt!.end), /^dag\s+\.task\(`check_\$\{table\}`/);
      assert.equal(t.deps[0]!.madeAt?.file, quality);
      assert.equal(text.slice(t.deps[0]!.callRange.start, t.deps[0]!.callRange.end), 'addQualityChecks(dag, tables)');
    }
    // The spec of a load task comes from python() in steps.ts: its values say so.
    const load = defaultDag(analysis).tasks.find((t) => t.name === 'load_orders')!;
    assert.equal(load.valueOrigins?.get('["image"]')?.file, join(repoDir, 'pipelines', 'shared', 'steps.ts'));
    // References lie in the pipeline's own text, or in a module it read (a name the helper computes
    // is placed there: rename must know of it), never in the pipeline's text with a helper's offsets.
    for (const r of analysis.references) {
      const own = r.range.file === undefined ? text : analysis.moduleTexts.get(r.range.file);
      assert.ok(own !== undefined && r.range.end <= own.length, JSON.stringify(r));
    }
    assert.ok(analysis.references.some((r) => r.kind === 'computed' && r.range.file === quality && /^`check_/.test(qualityText.slice(r.range.start, r.range.end))));
    for (const s of analysis.completionSites) assert.ok(s.range.end <= text.length && s.range.file === undefined);
  });

  test('without a host, imports are unknown and say where they come from', () => {
    const text = readFileSync(pipelines[0]!, 'utf8');
    const analysis = analyseModule(text, pipelines[0]!, { fresh: true });
    const unknown = summariseAnalysis(defaultDag(analysis)).unknown;
    assert.ok(unknown.every((u) => u !== undefined));
    assert.ok(analysis.diagnostics.some((d) => /comes from '\.\.\/shared\/index\.ts', which the analysis does not read/.test(d.message)));
    assert.deepEqual(analysis.modules, []);
  });
});

describe('what a helper module does', () => {
  test('named, default and namespace imports; export default forms; re-exports through export * and export-from', async () => {
    await sameAsRunning({
      'main.alamode.ts': `${DSL}import def, * as ns from './lib/index';
import makeSpec, { IMAGE as IMG, renamed, fromStar } from './lib';
import config from './lib/config.json';
import { owner } from './lib/config.json';
const dag = new Dag({ owner });
dag.task('a', makeSpec('a'));
dag.task('b', { image: IMG, x: renamed, y: fromStar, z: def('z'), w: ns.IMAGE, n: config.retries });
export default dag;
`,
      'lib/index.ts': "export { default, IMAGE, helper as renamed } from './spec';\nexport * from './star';\n",
      'lib/spec.ts': "export const IMAGE = 'img:1';\nexport const helper = 'helped';\nexport default function (name: string) { return { image: IMAGE, command: `run ${name}` }; }\n",
      'lib/star.ts': "export const fromStar = 'star';\n",
      // Saved with a byte order mark, as some Windows editors do: esbuild reads it like Node does.
      'lib/config.json': '\uFEFF{ "owner": "data-eng", "retries": 3 }',
    });
  });

  test('JSON config loaded with require or import = require: the file\'s one object, which its imports share', async () => {
    const config = '{ "image": "py:3.12", "retries": 2, "stages": ["load"], "owner": "data-eng" }';
    const analysis = await sameAsRunning({
      'main.alamode.ts': `${DSL}import cfg = require('./config/pipeline.json');
import defaults, { owner, stages } from './config/pipeline.json';
import { retriesOf } from './lib/retries';
const again = require('./config/pipeline.json');
again.image = 'py:3.13';
stages.push('report');
const load = () => require('./config/pipeline.json');
const dag = new Dag({ owner });
for (const stage of load().stages) dag.task(stage, { image: cfg.image, retries: retriesOf(stage), same: String(cfg === defaults && again === load()) });
export default dag;
`,
      'config/pipeline.json': config,
      'lib/retries.ts': "const { retries } = require('../config/pipeline.json');\nexport const retriesOf = (stage: string) => stage === 'load' ? retries + 1 : retries;\n",
    });
    assert.deepEqual(analysis.diagnostics, []);
  });

  test('the diff\'s committed version of a pipeline is the same file to itself: __filename and import.meta name the file on disk', () => {
    const text = `${DSL}const dag = new Dag();\ndag.task('t', { file: __filename, url: import.meta.url });\nexport default dag;\n`;
    const r = repo({ 'main.alamode.ts': text });
    const spec = (fileName: string) => summariseAnalysis(defaultDag(analyseModule(text, fileName, { fresh: true, host: nodeFileHost() }))).tasks[0]!.spec;
    const onDisk = spec(r.path('main.alamode.ts'));
    assert.deepEqual(onDisk, { file: realpathSync(r.path('main.alamode.ts')), url: pathToFileURL(realpathSync(r.path('main.alamode.ts'))).href });
    assert.deepEqual(spec(r.path('main.alamode.ts') + COMMITTED_SUFFIX), onDisk);
  });

  test('every key of a JSON file is an export, not only identifiers: "x-y", "1", "" and "é" through a namespace or a string name', async () => {
    await sameAsRunning({
      'main.alamode.ts': `${DSL}import * as regions from './regions.json';
import { 'eu-west' as eu } from './regions.json';
const dag = new Dag();
const r = regions as unknown as Record<string, string>;
dag.task('t', { eu, us: r['us-east'], one: r['1'], empty: r[''], accent: r['é'], whole: JSON.stringify(r.default) });
export default dag;
`,
      'regions.json': '{ "eu-west": "dub", "us-east": "iad", "1": "first", "": "blank", "é": "e", "default": "shadowed" }',
    });
  });

  test('a namespace import is the bundle\'s object: its keys are the exports in esbuild\'s order, read by Object.keys/entries/values, spread and for-in', async () => {
    await sameAsRunning({
      'main.alamode.ts': `${DSL}import * as stages from './stages';
import regions from './regions.json';
import * as mixed from './mixed';
const dag = new Dag();
for (const [name, make] of Object.entries(stages)) dag.task(name, make(Object.keys(regions)));
const seen: string[] = [];
for (const key in mixed) seen.push(key);
dag.task('mixed', { keys: Object.keys(mixed), seen, count: Object.values(mixed).length, copy: { ...regions } });
export default dag;
`,
      'stages/index.ts': "export * from './load';\nexport const clean = (regions: string[]) => ({ image: 'py', regions: regions.join() });\n",
      'stages/load.ts': "export const load = (regions: string[]) => ({ image: 'py', first: regions[0] });\nexport default 'not re-exported by export *';\n",
      'regions.json': '{ "us-east": "iad", "eu-west": "dub", "2": "second", "10": "tenth" }',
      'mixed.ts': "export const zeta = 1, Zeta = 2, _under = 3, $dollar = 4, é = 5;\nexport function alpha() {}\nexport { zeta as Beta, zeta as 'x-y', zeta as '1' };\nexport * as nested from './stages/load';\nexport default 6;\nexport type Hidden = string;\n",
    });
  });

  test('a namespace whose keys may differ from its export table is unknown, never wrong: given properties of its own, types exported by name, a file without import or export', async () => {
    for (const [main, files] of <[string, Record<string, string>][]>[
      ["import * as ns from './h';\nconst alias: any = ns;\nalias.extra = 1;\ndag.task('t', { k: Object.keys(ns).join('|'), e: String(alias.extra) });", { 'h.ts': 'export const b = 1;\n' }],
      ["import * as ns from './h';\nimport { tag } from './tagger';\ntag(ns);\ndag.task('t', { k: Object.keys(ns).join('|') });", { 'h.ts': 'export const b = 1;\n', 'tagger.ts': 'export function tag(o: any) { o.tagged = true; }\n' }],
      ["import * as ns from './h';\ndag.task('t', { k: Object.keys(ns).join('|') });", { 'h.ts': "import { T } from './types';\nexport { T };\nexport const a = 1;\ndeclare const d: number;\n", 'types.ts': 'export type T = 1;\n' }],
      ["import * as ns from './h';\ndag.task('t', { k: Object.keys(ns).join('|') });", { 'h.ts': 'declare const d: number;\nconst a = 1;\nexport { a, d };\n' }],
      ["import * as ns from './h';\ndag.task('t', { k: Object.keys(ns).join('|'), d: typeof (ns as any).default });", { 'h.ts': 'const a = 1;\n' }],
      ["import * as stages from './stages';\nfor (const [name, make] of Object.entries(stages)) if (typeof make === 'function') dag.task(name, (make as any)());", { 'stages.ts': "export { Maker } from './types';\nexport const load = () => ({ image: 'py' });\n", 'types.ts': 'export interface Maker { (): object }\n' }],
    ]) {
      const text = `${DSL}const dag = new Dag();\n${main}\nexport default dag;\n`;
      const { ran } = await assertNoWrongOutputIn(repo({ 'main.alamode.ts': text, ...files }), 'main.alamode.ts', text);
      assert.ok(ran, main);
    }
    // Object.assign onto an export fails in any mode, as the bundle's getter has no setter.
    const text = `${DSL}import * as ns from './h';\nconst dag = new Dag();\nlet r = 'assigned';\ntry { Object.assign(ns, { b: 2 }); } catch { r = 'threw'; }\ndag.task('t', { r });\nexport default dag;\n`;
    await sameAsRunning({ 'main.alamode.ts': text, 'h.ts': 'export const b = 1;\n' });
  });

  test('a write to an import, or to a member of a namespace import, is refused by esbuild: no IDs, and a warning says why', async () => {
    for (const write of ['retries = 3;', 'retries++;', '[retries] = [3];', '({ retries } = { retries: 3 });', 'function never() { ({ ...retries } = {} as any); }', '(config as any).retries = 3;', "delete (config as any)['retries'];", 'function never() { (config as any).image = "x"; }']) {
      const text = `${DSL}import * as config from './config';\nimport { retries } from './config';\nconst dag = new Dag();\ntry { ${write} } catch {}\ndag.task('t', { image: config.image, retries });\nexport default dag;\n`;
      const r = repo({ 'main.alamode.ts': text, 'config.ts': "export let retries = 2;\nexport const image = 'py';\n" });
      assert.equal(await runIn(r, 'main.alamode.ts'), undefined, `esbuild refuses ${write}`);
      const analysis = analyseIn(r, 'main.alamode.ts', text);
      assert.deepEqual(summariseAnalysis(defaultDag(analysis)).tasks.map((t) => t.output), [undefined], write);
      assert.match(analysis.diagnostics.map((d) => d.message).join('\n'), /esbuild refuses to bundle this write to the import '(retries|config)'/, write);
    }
    // Not writes to the import: a local of the same name, a property of an imported object, a member's member.
    const text = `${DSL}import * as config from './config';\nimport { retries, limits } from './config';\nconst dag = new Dag();\nfunction local(retries: number) { retries = 5; return retries; }\nclass Holder { static { var retries = 1; retries = 2; } }\nnamespace Scoped { var retries = 1; retries++; }\nlimits.max = 9;\nconfig.limits.min = 1;\ndag.task('t', { image: config.image, retries: local(retries), limits });\nexport default dag;\n`;
    await sameAsRunning({ 'main.alamode.ts': text, 'config.ts': "export let retries = 2;\nexport const image = 'py';\nexport const limits = { max: 1, min: 0 };\n" });
  });

  test('what depends on whether the bundle wraps a JSON file as CommonJS (any require of it, even in code that never runs) is unknown, never wrong', async () => {
    const config = '{ "image": "py", "default": "d", "retries": 2 }';
    for (const [main, files] of <[string, Record<string, string>][]>[
      // A key changed after the file loaded: a named import reads the change only if the file is wrapped.
      ["import c, { image } from './c.json';\nif (false) require('./c.json');\nc.image = 'changed';\ndag.task('t', { image });", { 'c.json': config }],
      ["import c, { image } from './c.json';\nconst r = require('./c.json');\nr.image = 'changed';\ndag.task('t', { image, c: c.image });", { 'c.json': config }],
      ["import { image } from './lib';\nrequire('./c.json').image = 'changed';\ndag.task('t', { image });", { 'c.json': config, 'lib.ts': "export * from './c.json';\n" }],
      ["import './h.cjs';\nimport c, { image } from './c.json';\nc.image = 'changed';\ndag.task('t', { image });", { 'c.json': config, 'h.cjs': "require('./c.json');\nexports.n = 1;\n" }],
      // The namespace's keys: sorted (an ES module) or in the object's order (wrapped).
      ["import * as ns from './c.json';\nconst r = require('./c.json');\ndag.task('t', { keys: Object.keys(ns), image: ns.image });", { 'c.json': config }],
      // An "__esModule" key, in the file or set before the import runs, changes the default of a wrapped file.
      ["import c, { a } from './c.json';\nconst r = require('./c.json');\ndag.task('t', { c: JSON.stringify(c), a, r: JSON.stringify(r) });", { 'c.json': '{ "__esModule": true, "default": "d", "a": "1" }' }],
      ["import './h';\nimport c from './c.json';\ndag.task('t', { c: JSON.stringify(c) });", { 'c.json': config, 'h.ts': "require('./c.json').__esModule = true;\n" }],
      // Not the bundle's require: a function of the module's own, an optional call, #imports with require's conditions.
      ["import { image } from './c.json';\nfunction require(path: string) { return { image: `local ${path}` }; }\nrequire('./c.json').image = 'changed';\ndag.task('t', { image, r: require('./c.json').image });", { 'c.json': config }],
      ["let r: any;\ntry { r = require?.('./c.json'); } catch { r = { image: 'fallback' }; }\ndag.task('t', { image: r.image });", { 'c.json': config }],
      ["const r = require('#c');\ndag.task('t', { image: r.image });", { 'c.json': config, 'r.json': '{ "image": "for require" }', 'package.json': '{ "imports": { "#c": { "require": "./r.json", "import": "./c.json" } } }' }],
      // A file holding null (not an object) has no keys to check.
      ["import c from './c.json';\nconst r = require('./c.json');\ndag.task('t', { c: String(c), r: String(r) });", { 'c.json': 'null' }],
    ]) {
      const text = `${DSL}const dag = new Dag();\n${main}\nexport default dag;\n`;
      const { ran } = await assertNoWrongOutputIn(repo({ 'main.alamode.ts': text, ...files }), 'main.alamode.ts', text);
      assert.ok(ran, main);
    }
  });

  test('node:crypto createHash of strings: the digest Node gives, through each import form, in a helper, of JSON config', async () => {
    const analysis = await sameAsRunning({
      'main.alamode.ts': `${DSL}import { createHash } from 'node:crypto';\nimport * as crypto from 'crypto';\nimport nodeCrypto from 'node:crypto';\nimport cfg from './cfg.json';\nimport { tag } from './lib/tag';\nconst dag = new Dag();\n`
        + "const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);\n"
        + "for (const t of ['a', 'b']) dag.task(t, { image: 'py', code: sha(JSON.stringify({ t, v: 1 })) });\n"
        // Updates in steps and encodings; a surrogate pair split across two updates (each hashed as UTF-8 alone).
        + "const h = crypto.createHash('md5'); h.update('a'); h.update('é', 'latin1'); h.update('ff00', 'hex');\n"
        + "dag.task('steps', { image: 'py', code: h.digest('base64'), split: nodeCrypto.createHash('SHA1').update('\\ud83d').update('\\ude00').digest('base64url') });\n"
        + "dag.task('file', { image: 'py', code: createHash('sha256').update(JSON.stringify(cfg)).digest('hex'), tag: tag({ a: 1 }) });\n"
        + "let twice = 'no'; const d = createHash('sha512'); d.digest('hex'); try { d.digest('hex'); } catch { twice = 'threw'; }\n"
        + "let alg = 'no'; try { createHash('nope'); } catch { alg = 'threw'; }\n"
        + "let inTry = 'no'; try { inTry = createHash('md5').update('a').digest('hex'); } catch { inTry = 'threw'; }\n"
        + "dag.task('errors', { image: 'py', twice, alg, inTry, members: typeof h.update + typeof (h as any).nothing + String(h.hasOwnProperty('update')) });\n"
        + 'export default dag;\n',
      'cfg.json': '{ "tables": ["a", "b"] }',
      'lib/tag.ts': "import { createHash } from 'crypto';\nexport const tag = (o: object) => createHash('sha256').update(JSON.stringify(o)).digest('hex');\n",
    });
    assert.equal(summariseAnalysis(defaultDag(analysis)).tasks.filter((t) => t.output === undefined).length, 0);
  });

  test('existsSync and readdirSync (a task per query in a folder, a local config if there is one): what `alamode encode` gives, in the pipeline\'s folder', () => {
    const files = {
      'conf.json': '{ "image": "py:1" }',
      // Names whose order differs by bytes, by case and by number: Node lists them sorted by their bytes.
      'queries/b.sql': 'select 2', 'queries/a.sql': 'select 1', 'queries/Z.sql': 'z', 'queries/é.sql': 'e', 'queries/10.sql': '10', 'queries/.hidden': 'h', 'queries/sub/x.sql': 'x',
      'empty/.keep': '',
      'node_modules/setup-queries/package.json': '{ "name": "setup-queries", "main": "index.js" }',
      'node_modules/setup-queries/index.js': "require('fs').writeFileSync('queries/made.sql', 'select 3');\n",
      'setup.cjs': "require('fs').writeFileSync('made.json', '{}');\n",
      'data/big.csv': 'x'.repeat(2_100_000),
    };
    const cases: Record<string, { body: string; unknown?: RegExp }> = {
      exists: { body: "import { existsSync } from 'node:fs';\nconst r = [existsSync('conf.json'), existsSync('missing.json'), existsSync('queries'), existsSync('queries/'), existsSync('conf.json/'), existsSync(''), existsSync('.'), existsSync('queries/sub/x.sql'), existsSync(__dirname + '/conf.json')];\ndag.task('a', { image: 'x', r: JSON.stringify(r) });" },
      listing: { body: "import * as fs from 'fs';\nimport { join } from 'node:path';\ndag.task('a', { image: 'x', names: fs.readdirSync('queries').join(',') });\ndag.task('b', { image: 'x', n: fs.readdirSync('./queries/', 'utf8').join(',') + fs.readdirSync(join(__dirname, 'queries'), { encoding: 'utf8', withFileTypes: false }).length });\ndag.task('c', { image: 'x', n: fs.readdirSync('empty').length });" },
      perQuery: { body: "import fs from 'node:fs';\nimport path from 'node:path';\nconst { image } = JSON.parse(fs.readFileSync(fs.existsSync('local.json') ? 'local.json' : 'conf.json', 'utf8'));\nfor (const f of fs.readdirSync(path.join(__dirname, 'queries')).filter((f) => f.endsWith('.sql'))) dag.task(f.replace(/\\.sql$/, ''), { image, sql: fs.readFileSync(path.join(__dirname, 'queries', f), 'utf8') });" },
      thrown: { body: "import { readdirSync } from 'node:fs';\nlet missing = 'listed'; try { readdirSync('nope'); } catch { missing = 'threw'; }\nlet file = 'listed'; try { readdirSync('conf.json'); } catch { file = 'threw'; }\ndag.task('a', { image: 'x', missing, file });" },
      entries: { body: "import { readdirSync } from 'node:fs';\ndag.task('a', { image: 'x', n: readdirSync('queries', { withFileTypes: true }).filter((e) => e.isFile()).length });", unknown: /asks for entries, other encodings or a recursive listing/ },
      recursive: { body: "import { readdirSync } from 'node:fs';\ndag.task('b', { image: 'x', n: readdirSync('queries', { recursive: true }).length });", unknown: /asks for entries, other encodings or a recursive listing/ },
      buffer: { body: "import { readdirSync } from 'node:fs';\ndag.task('c', { image: 'x', n: readdirSync(Buffer.from('queries')).length });", unknown: /Buffer/ },
      // `..` through real folders is what the text says; the system resolves it on disk, so `missing/..` fails.
      upThroughFolders: { body: "import { existsSync, readdirSync } from 'node:fs';\ndag.task('a', { image: 'x', n: readdirSync('queries/../empty').length, e: String(existsSync('queries/sub/../a.sql')) + existsSync(__dirname + '/queries/../conf.json') });" },
      upThroughMissing: { body: "import { existsSync } from 'node:fs';\ndag.task('a', { image: 'x', e: String(existsSync('missing/../conf.json')) + existsSync('conf.json/../conf.json') });", unknown: /goes up a folder \(\.\.\) from a path that is a link or not a folder/ },
      emptyPath: { body: "import { readdirSync } from 'node:fs';\nlet listed = 'listed'; try { readdirSync(''); } catch { listed = 'threw'; }\ndag.task('a', { image: 'x', listed });" },
      // Code the bundle runs and the analysis does not follow may write files: a side-effect import of a package, a CommonJS helper.
      afterSideEffects: { body: "import 'setup-queries';\nimport { readdirSync } from 'node:fs';\ndag.task('a', { image: 'x', names: readdirSync('queries').join() });", unknown: /after code the analysis does not follow ran/ },
      afterCommonJs: { body: "import { existsSync } from 'node:fs';\nimport './setup.cjs';\ndag.task('a', { image: 'x', e: String(existsSync('made.json')) });", unknown: /after code the analysis does not follow ran/ },
      // Asking whether a file is there does not read it (nor count it against what the analysis may read).
      bigFile: { body: "import { existsSync, readFileSync } from 'node:fs';\ndag.task('a', { image: JSON.parse(readFileSync('conf.json', 'utf8')).image, big: String(existsSync('data/big.csv')) });" },
      system: { body: "import { readdirSync } from 'node:fs';\ndag.task('a', { image: 'x', n: readdirSync('/proc/self/fd').length });", unknown: /system folder/ },
      // path.resolve and path.relative from the folder the CLI runs the pipeline in.
      resolved: { body: "import { readFileSync } from 'node:fs';\nimport { relative, resolve } from 'node:path';\nconst conf = resolve('conf.json');\ndag.task('a', { image: JSON.parse(readFileSync(conf, 'utf8')).image, at: conf, up: resolve('..', 'x'), rel: relative('queries/sub', 'conf.json'), back: relative(resolve('..'), 'queries'), from: relative('/', '.') });" },
      resolvedAfterSideEffects: { body: "import 'setup-queries';\nimport { resolve } from 'node:path';\ndag.task('a', { image: 'x', at: resolve('conf.json') });", unknown: /working directory/ },
      // relative reads two arguments: more, of any type, are ignored (reduce passes four).
      relativeExtra: { body: "import * as path from 'node:path';\ndag.task('a', { image: 'x', r: (path.relative as any)('..', 'q', 0), s: ['..', 'q'].reduce(path.relative as any) });" },
      // A getter may run whenever its object is read, copied or spread: it may change the working directory.
      resolvedAfterAGetter: { body: "import { resolve } from 'node:path';\nconst o = { get x() { return 1; } };\nconst copy = { ...o };\ndag.task('a', { image: 'x', at: resolve('conf.json') });", unknown: /working directory/ },
    };
    sameAsTheCli(files, cases);
  });

  test('a pipeline in a folder whose name holds a backslash (TypeScript reads it as a slash): what it reads from its folder is unknown, never another folder\'s', () => {
    const r = repo({ 'back\\slash/conf.json': '{ "image": "py:real" }', 'back/slash/conf.json': '{ "image": "py:decoy" }', 'back\\slash/main.alamode.ts': `${DSL}import { readFileSync } from 'node:fs';\nconst dag = new Dag();\ndag.task('a', { image: JSON.parse(readFileSync('conf.json', 'utf8')).image });\nexport default dag;\n` });
    const module = r.path('back\\slash/main.alamode.ts');
    assert.equal(alamode(['encode', module, '--json']).status, 0);
    const summary = summariseAnalysis(defaultDag(analyseIn(r, 'back\\slash/main.alamode.ts', readFileSync(module, 'utf8'))));
    assert.equal(summary.tasks[0]!.output, undefined);
  });

  test('path.resolve in a pipeline reached through a symbolic link to its folder: the working directory is the real folder, as process.cwd() gives it', () => {
    const r = repo({ 'real/conf.json': '{ "image": "py:1" }', 'real/main.alamode.ts': `${DSL}import { readFileSync } from 'node:fs';\nimport { resolve } from 'node:path';\nconst dag = new Dag();\ndag.task('a', { image: JSON.parse(readFileSync(resolve('conf.json'), 'utf8')).image, at: resolve('conf.json'), file: __filename });\nexport default dag;\n` });
    symlinkSync(r.path('real'), r.path('link'));
    const module = r.path('link/main.alamode.ts');
    const text = readFileSync(module, 'utf8');
    const run = alamode(['encode', module, '--json']);
    assert.equal(run.status, 0, run.stderr);
    const cli = JSON.parse(run.stdout) as { tasks: Record<string, { output: string; at: string }> };
    assert.equal(cli.tasks.a!.at, join(realpathSync(r.path('real')), 'conf.json'));
    const summary = summariseAnalysis(defaultDag(analyseIn(r, 'link/main.alamode.ts', text)));
    assert.equal(summary.tasks[0]!.output, cli.tasks.a!.output);
  });

  test('a file read as a Buffer (a code tag: createHash(…).update(readFileSync(script))): hashed, converted and measured as `alamode encode` does; what may change its bytes, and a file that is not UTF-8 text, are unknown', () => {
    const files = {
      'clean.py': 'print("nettoyé")\n',
      'bom.sql': '\uFEFFselect 1',
      'crlf.sh': 'set -e\r\necho ok\r\n',
      'wide.txt': 'ünïcødé ✓ 𝄞',
      'empty.txt': '',
      'n.txt': '42',
      // U+FFFD is what decoding gives for bytes that are not UTF-8: the text no longer gives the bytes back.
      'replacement.txt': 'a\uFFFDb',
    };
    const H = "import { createHash } from 'node:crypto';\nimport { readFileSync } from 'node:fs';\nimport { join } from 'node:path';\nconst sha = (b: any) => createHash('sha256').update(b).digest('hex');\nconst b = readFileSync(join(__dirname, 'clean.py'));\n";
    const cases: Record<string, { body: string; unknown?: RegExp }> = {
      hashed: { body: `${H}dag.task('a', { image: 'x', code: sha(b) });\nfor (const f of ['bom.sql', 'crlf.sh', 'wide.txt', 'empty.txt']) dag.task(f.replace('.', '_'), { image: 'x', code: sha(readFileSync(f)), n: readFileSync(f).length });` },
      options: { body: `${H}dag.task('a', { image: 'x', v: [sha(readFileSync('clean.py', null)), sha(readFileSync('clean.py', { encoding: null })), sha(readFileSync('clean.py', { flag: 'r' }))].join() });` },
      severalFiles: { body: `${H}const code = createHash('md5');\nfor (const f of ['clean.py', 'wide.txt']) code.update(readFileSync(join(__dirname, f)));\ncode.update(b);\ndag.task('a', { image: 'x', code: code.digest('hex').slice(0, 12) });` },
      converted: { body: `${H}dag.task('a', { image: 'x', v: [b.toString(), b.toString('utf8'), b.toString('hex'), b.toString('base64'), b.toString('latin1'), \`\${b}\`, String(b), [b].join(), b.length, b.byteLength].join('|') });\ndag.task('n', { image: 'x', n: Number(readFileSync('n.txt')) });` },
      readByAHelper: { body: `${H}function size(x: { length: number }) { return x.length; }\ndag.task('a', { image: 'x', n: size(b), code: sha(b) });` },
      unknownEncoding: { body: `${H}let v = 'known'; try { b.toString('klingon' as BufferEncoding); } catch { v = 'threw'; }\ndag.task('a', { image: 'x', v });` },
      notUtf8: { body: `${H}dag.task('a', { image: 'x', code: sha(readFileSync('binary.dat')) });`, unknown: /not UTF-8 text/ },
      replacementCharacter: { body: `${H}dag.task('a', { image: 'x', code: sha(readFileSync('replacement.txt')) });`, unknown: /not UTF-8 text/ },
      indexWritten: { body: `${H}b[0] = 65;\ndag.task('a', { image: 'x', code: sha(b) });`, unknown: /is a Buffer/ },
      filled: { body: `${H}b.fill(0);\ndag.task('a', { image: 'x', code: sha(b) });`, unknown: /is a Buffer/ },
      changedByAHelper: { body: `${H}function zap(x: Uint8Array) { x[0] = 66; }\nzap(b);\ndag.task('a', { image: 'x', code: sha(b) });`, unknown: /is a Buffer/ },
      changedThroughAView: { body: `${H}b.subarray(0, 2)[0] = 70;\ndag.task('a', { image: 'x', code: sha(b) });`, unknown: /is a Buffer/ },
      frozen: { body: `${H}let r = 'ok'; try { Object.freeze(b); } catch { r = 'threw'; }\ndag.task('a', { image: r });`, unknown: /may throw/ },
      listed: { body: `${H}dag.task('a', { image: 'x', n: Object.keys(b).length + [...b].length + JSON.stringify(b).length });`, unknown: /is a Buffer/ },
      inASpec: { body: `${H}dag.task('a', { image: 'x', code: b as unknown as string });`, unknown: /is a Buffer/ },
      range: { body: `${H}dag.task('a', { image: 'x', v: b.toString('utf8', 0, 3) });`, unknown: /only an encoding/ },
      // What may change the bytes out of the analysis' sight (a helper's review found each).
      changedThroughAMerge: { body: `${H}let x: any = [0];\nif (process.env.PATH) x = b;\nx.fill(65);\ndag.task('a', { image: 'x', code: sha(b) });`, unknown: /is a Buffer/ },
      changedByAnEscapedFunction: { body: `${H}new Promise<void>((resolve) => { b[0] = 65; resolve(); });\ndag.task('a', { image: 'x', code: sha(b) });`, unknown: /is a Buffer/ },
      prototypePatched: { body: `${H}Buffer.prototype.toString = function () { return 'P'; } as any;\ndag.task('a', { image: String(b) });`, unknown: /changes a built-in object/ },
      // A Buffer read after its prototype changed, however the prototype was reached.
      patchedThenRead: { body: `${H}Buffer.prototype.toString = function () { return 'P'; } as any;\ndag.task('a', { image: readFileSync('n.txt').toString() });`, unknown: /changes a built-in object/ },
      patchedThroughGlobalThis: { body: `${H}const g: any = globalThis;\ng.Buffer.prototype.toString = function () { return 'P'; };\ndag.task('a', { image: String(readFileSync('n.txt')) });`, unknown: /changes a built-in object/ },
      patchedThroughAnInstance: { body: `${H}(b as any).__proto__.toString = function () { return 'P'; };\ndag.task('a', { image: readFileSync('n.txt').toString() });`, unknown: /changes a built-in object/ },
      encodingObject: { body: `${H}b.toString({ toString() { b[0] = 65; return 'hex'; } } as any);\ndag.task('a', { image: 'x', code: sha(b) });`, unknown: /is a Buffer/ },
      // (Handed to code the analysis cannot see, a Buffer may also stand for its prototype: built-ins are not modelled after it.)
      sharedPool: { body: `${H}new Uint8Array(readFileSync('n.txt').buffer).fill(65);\ndag.task('a', { image: 'x', code: sha(b) });`, unknown: /is a Buffer|changes a built-in object/ },
    };
    sameAsTheCli(files, cases, (r) => writeFileSync(r.path('binary.dat'), Buffer.from([0x89, 0x50, 0xff, 0xfe, 0x00, 0x41])));
  });

  test('a URL of a file beside the module (`new URL(\'./x.json\', import.meta.url)`): read, listed, converted and measured as `alamode encode` does; what may change the URL is unknown', () => {
    const files = { 'conf.json': '{ "image": "py:1" }', 'queries/a.sql': 'select 1', 'queries/b.sql': 'select 2' };
    const H = "import { existsSync, readdirSync, readFileSync } from 'node:fs';\nimport { fileURLToPath, pathToFileURL, URL as NodeURL } from 'node:url';\nimport { join } from 'node:path';\nconst conf = new URL('./conf.json', import.meta.url);\n";
    const cases: Record<string, { body: string; unknown?: RegExp }> = {
      read: { body: `${H}dag.task('a', { image: JSON.parse(readFileSync(conf, 'utf8')).image });` },
      folder: { body: `${H}const here = fileURLToPath(new URL('.', import.meta.url));\ndag.task('a', { image: JSON.parse(readFileSync(join(here, 'conf.json'), 'utf8')).image, here: here.endsWith('/') ? 'slash' : 'none' });` },
      listed: { body: `${H}for (const f of readdirSync(new URL('./queries/', import.meta.url))) dag.task(f, { image: 'x', sql: readFileSync(new URL(\`./queries/\${f}\`, import.meta.url), 'utf8') });` },
      exists: { body: `${H}dag.task('a', { image: 'x', e: [existsSync(conf), existsSync(new URL('./missing.json', import.meta.url)), existsSync(new URL('https://example.com/conf.json'))].join() });` },
      converted: { body: "const u = new URL('https://user:pw@example.com:8080/a/b.csv?x=1#frag');\ndag.task('a', { image: 'x', v: [`${u}`, String(u), u + '', '' + u, u.toString(), u.toJSON(), [u].join(), JSON.stringify({ u }), u.href, u.origin, u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash].join('|') });" },
      bases: { body: `${H}const b = new URL('s3://bucket/runs/');\ndag.task('a', { image: 'x', v: [new URL('2024/', b).href, new NodeURL('../x', 'file:///a/b/c').pathname, pathToFileURL('/tmp/a b.txt').href, URL.canParse('x:'), URL.canParse('nope')].join() });` },
      thrown: { body: `${H}let bad = 'parsed'; try { new URL('not a url'); } catch { bad = 'threw'; }\nlet scheme = 'read'; try { readFileSync(new URL('https://example.com/x')); } catch { scheme = 'threw'; }\ndag.task('a', { image: 'x', bad, scheme });` },
      // What may change the URL (its href goes): a property set, a helper that sets one, searchParams, code the analysis cannot see.
      pathnameSet: { body: `${H}conf.pathname = conf.pathname.replace('conf', 'nope');\ndag.task('a', { image: 'x', u: conf.href });`, unknown: /is a URL/ },
      setByAHelper: { body: `${H}function retarget(u: URL) { u.hash = 'h'; }\nretarget(conf);\ndag.task('a', { image: 'x', u: conf.href });`, unknown: /is a URL/ },
      searchParams: { body: "const u = new URL('https://example.com/p?a=1');\nu.searchParams.set('b', '2');\ndag.task('a', { image: 'x', u: u.href });", unknown: /is a URL/ },
      onABranch: { body: "const u = new URL('https://example.com/a');\nif (process.env.ALAMODE_TEST_NOT_SET) u.pathname = '/z';\ndag.task('a', { image: 'x', u: u.href });", unknown: /is a URL/ },
      handedOver: { body: "const u = new URL('https://example.com/a');\nnew Promise<void>((resolve) => { u.hash = 'x'; resolve(); });\ndag.task('a', { image: 'x', u: u.href });", unknown: /is a URL/ },
      prototypePatched: { body: "(URL.prototype as any).toString = function () { return 'P'; };\ndag.task('a', { image: 'x', u: String(new URL('https://example.com/a')) });", unknown: /changes a built-in object/ },
    };
    sameAsTheCli(files, cases);
  });

  test('await of what a pipeline reads: fs/promises, an async helper awaited where it is called, Promise.all and Promise.resolve of such, as `alamode encode` gives; a promise the analysis does not see settle is unknown', () => {
    const files = {
      'conf.json': '{ "image": "py:1" }', 'b.json': '{ "x": "bx" }', 'run.py': 'print(1)\n', 'queries/a.sql': 'select 1',
      'lib/config.ts': "import { readFile } from 'node:fs/promises';\nimport { join } from 'node:path';\nexport async function loadConfig(name = 'conf.json') { return JSON.parse(await readFile(join(import.meta.dirname, '..', name), 'utf8')); }\nexport const eager = JSON.parse(await readFile(join(import.meta.dirname, '..', 'b.json'), 'utf8'));\n",
    };
    const H = "import { readFile, readdir } from 'node:fs/promises';\nimport fs from 'node:fs';\nimport { createHash } from 'node:crypto';\n";
    const cases: Record<string, { body: string; unknown?: RegExp }> = {
      readFile: { body: `${H}const { image } = JSON.parse(await readFile('conf.json', 'utf8'));\ndag.task('a', { image, sql: await readFile(new URL('./queries/a.sql', import.meta.url), { encoding: 'utf8' }), names: (await readdir('queries')).join() });` },
      hashed: { body: `${H}dag.task('a', { image: 'x', code: createHash('sha256').update(await readFile('run.py')).digest('hex'), other: JSON.parse(await fs.promises.readFile('b.json', 'utf8')).x });` },
      helper: { body: `${H}import { loadConfig, eager } from './lib/config';\nconst c = await loadConfig();\ndag.task('a', { image: c.image, x: eager.x, y: (await loadConfig('b.json')).x });` },
      functions: { body: `${H}const load = async (p: string) => JSON.parse(await readFile(p, 'utf8'));\nconst loader = { base: 'conf.json', async load() { return load(this.base); } };\nasync function depth(n: number): Promise<number> { return n === 0 ? 0 : 1 + (await depth(n - 1)); }\nclass Tags { async tag() { return 'cls'; } }\ndag.task('a', { image: (await loader.load()).image, n: await depth(4), t: await new Tags().tag(), p: await (async () => 'arrow')() });` },
      promises: { body: `${H}const [a, b] = await Promise.all([readFile('conf.json', 'utf8'), readFile('b.json', 'utf8'), 7]);\nconst o = { k: 'v' };\ndag.task('a', { image: JSON.parse(a).image, x: JSON.parse(b).x, same: String((await Promise.resolve(o)) === o), p: String(await null) + (await 5) + (await Promise.resolve('r')) });` },
      rejected: { body: `${H}let image = 'py:default';\ntry { image = JSON.parse(await readFile('missing.json', 'utf8')).image; } catch { image = 'py:fallback'; }\ndag.task('a', { image });` },
      // An async function not awaited where it is called runs its rest later, after code that follows the call.
      notAwaitedThere: { body: "const order: string[] = [];\nasync function step() { order.push('a1'); await null; order.push('a2'); }\nconst p = step(); order.push('main'); await p;\ndag.task('a', { image: 'x', order: order.join() });", unknown: /calls an async function or generator/ },
      // In a try, `return f()` leaves f's rest to run after the finally (and its rejection to the caller).
      returnedInATry: { body: "let x = 'early';\nasync function f() { await null; return x; }\nasync function g() { try { return f(); } finally { x = 'late'; } }\ndag.task('a', { image: await g() });", unknown: /calls an async function or generator|only known at run time/ },
      // A module with a top-level await is bundled as an ES module, which is strict: a write to a getter throws.
      strictBundle: { body: "await null;\nconst o: any = { get a() { return 1; } };\nlet r = 'ok'; try { o.a = 2; } catch { r = 'threw'; }\ndag.task('a', { image: r });", unknown: /may throw/ },
      thenable: { body: "const v = await { then(resolve: (x: string) => void) { resolve('t'); } };\ndag.task('a', { image: 'x', v });", unknown: /only known at run time/ },
      thenChain: { body: `${H}const c = await readFile('conf.json', 'utf8').then(JSON.parse);\ndag.task('a', { image: c.image });`, unknown: /only known at run time/ },
      newPromise: { body: "const v = await new Promise<string>((resolve) => resolve('np'));\ndag.task('a', { image: v });", unknown: /only known at run time|constructs an object/ },
      laterCallback: { body: `${H}const shared = { v: 'early' };\nsetTimeout(() => { shared.v = 'late'; }, 0);\nawait readFile('conf.json', 'utf8');\ndag.task('a', { image: shared.v });`, unknown: /runs code the analysis cannot see/ },
      eachAsync: { body: `${H}const all = await Promise.all(['conf.json', 'b.json'].map(async (f) => JSON.parse(await readFile(f, 'utf8'))));\ndag.task('a', { image: all[0].image });`, unknown: /only known at run time/ },
    };
    sameAsTheCli(files, cases);
  });

  test('a promise rejected with no handler while the module waits on a file may fail the CLI (it does here): the analysis claims no Dag and says why', () => {
    const bodies = [
      // The failed open comes back long before a 4 MB file is read (several trips to the thread pool).
      "import { readFile } from 'node:fs/promises';\nconst p = readFile('missing.json', 'utf8');\nawait readFile('big.txt', 'utf8');\nlet r = 'n'; try { await p; } catch { r = 'c'; }\ndag.task('a', { image: r });",
    ];
    for (const body of bodies) {
      const text = `${DSL}const dag = new Dag();\n${body}\nexport default dag;\n`;
      const r = repo({ 'big.txt': 'x'.repeat(4 << 20), 'main.alamode.ts': text });
      const run = alamode(['encode', r.path('main.alamode.ts'), '--json']);
      assert.notEqual(run.status, 0, 'the CLI fails');
      assert.match(run.stderr, /ENOENT/);
      const analysis = analyseIn(r, 'main.alamode.ts', text);
      assert.ok(defaultDag(analysis).tainted, body);
      assert.match(analysis.diagnostics.map((d) => d.message).join('\n'), /a promise rejected with no handler yet \(ENOENT.*\) may end the process while the module waits here/);
    }
  });

  test('a function a built-in would call and the analysis does not run escapes: a JSON reviver or replacer, a custom iterable spread, an object converted by a string method', () => {
    const T = "\ndag.task('a', { image: 'x', n });";
    sameAsTheCli({}, {
      reviver: { body: `let n = 0;\nJSON.parse('{"a":1}', () => { n++; return 1; });${T}`, unknown: /reviver|n\+\+/ },
      replacer: { body: `let n = 0;\nJSON.stringify({ a: 1 }, () => { n++; return 1; });${T}`, unknown: /replacer|n\+\+/ },
      spreadIterable: { body: `let n = 0;\nconst it = { *[Symbol.iterator]() { n++; } };\n[...it];${T}`, unknown: /Symbol\.iterator|n\+\+/ },
      arrayFromIterable: { body: `let n = 0;\nArray.from({ *[Symbol.iterator]() { n++; yield 1; } });${T}`, unknown: /Symbol\.iterator|n\+\+/ },
      stringMethodOnAnObject: { body: `let n = 0;\nString.prototype.trim.call({ toString() { n++; return 'x'; } });${T}`, unknown: /String\.prototype|n\+\+|runs code/ },
    });
  });

  test('what the analysis does not model of a Hash is unknown, never wrong: a Buffer, copy(), a hash handed to a package, data not known, its own keys, a patched prototype', async () => {
    for (const [main, unknown] of <[string, string[]][]>[
      ["dag.task('t', { n: String(createHash('sha256').update('a').digest().length) });", ['t']],
      ["const h = createHash('sha256').update('a'); h.copy();\ndag.task('t', { v: h.digest('hex') });", ['t']],
      ["const h = createHash('sha256'); touch(h);\ndag.task('t', { v: h.digest('hex') });", ['t']],
      ["dag.task('t', { v: createHash('sha256').update(process.env.HOME ?? '').digest('hex') });", ['t']],
      ["const h = createHash('sha256');\nif (process.env.X) h.update('a'); else h.update('b');\ndag.task('t', { v: h.digest('hex') });", ['t']],
      ["dag.task('t', { v: createHash('sha256').update(Buffer.from('a')).digest('hex') });", ['t']],
      // A real Hash has an own `_options` (listed as running lists it) and enumerable stream methods on its prototype.
      ["dag.task('t', { keys: Object.keys(createHash('sha256')), has: String('_options' in createHash('md5')) });", []],
      ["dag.task('t', { copy: { ...createHash('sha256') } as any });", ['t']],
      ["const ks: string[] = [];\nfor (const k in createHash('sha256')) ks.push(k);\ndag.task('t', { ks });", ['t']],
      // Patching Hash's prototype through the exported class patches a built-in: nothing after it is known.
      ["const orig = Hash.prototype.update;\nHash.prototype.update = function (this: any, d: any, e?: any) { return orig.call(this, d === 'x' ? 'y' : d, e); } as any;\ndag.task('t', { v: createHash('sha256').update('x').digest('hex') });", ['t', 'known']],
    ]) {
      const text = `${DSL}import { createHash, Hash } from 'node:crypto';\nimport { touch } from 'somepkg';\nconst dag = new Dag();\n${main}\ndag.task('known', { image: 'py' });\nexport default dag;\n`;
      const { ran, analysis } = await assertNoWrongOutputIn(repo({ 'main.alamode.ts': text, 'node_modules/somepkg/package.json': '{ "name": "somepkg", "main": "i.js" }', 'node_modules/somepkg/i.js': "exports.touch = (h) => h.update('zz');\n" }), 'main.alamode.ts', text);
      assert.ok(ran, main);
      const tasks = summariseAnalysis(defaultDag(analysis)).tasks;
      assert.deepEqual(tasks.filter((t) => t.output === undefined).map((t) => t.name), unknown, main);
    }
  });

  test('a function called as a member of a namespace import (ns.f(), ns.tag`x`) has no this: esbuild calls the export itself', async () => {
    const files = { 'lib/t.ts': "export const prefix = 'P';\nexport function pre(this: any, s: TemplateStringsArray) { return String(this?.prefix) + s[0]; }\nexport function plain(this: any) { return String(this?.prefix); }\n" };
    for (const call of ['lib.plain()', "lib['plain']()", '(lib).plain()', 'lib.pre`x`', "lib['pre']`x`", '(lib.pre)`x`', 'other.plain()']) {
      const text = `${DSL}import * as lib from './lib/t';\nconst other = lib;\nconst dag = new Dag();\ndag.task('t', { v: ${call} });\ndag.task('known', {});\nexport default dag;\n`;
      const { ran, analysis } = await assertNoWrongOutputIn(repo({ 'main.alamode.ts': text, ...files }), 'main.alamode.ts', text);
      assert.ok(ran, call);
      assert.ok(summariseAnalysis(defaultDag(analysis)).tasks.some((t) => t.name === 'known' && t.output !== undefined), call);
    }
  });

  test('a helper that adds tasks to the Dag it is given, and reads the tasks the pipeline made', async () => {
    await sameAsRunning({
      'main.alamode.ts': `${DSL}import { addChecks } from './checks';
const dag = new Dag();
const load = dag.task('load', { image: 'x', sha: '1' });
const checks = addChecks(dag, ['a', 'b'], load);
dag.task('done', { image: 'x' }).addDep(...checks);
export default dag;
`,
      'checks.ts': "import type { Dag, Task } from 'a-la-mode';\nexport function addChecks(dag: Dag, names: string[], after: Task): Task[] {\n  return names.map((n) => dag.task(`check_${n}`, { image: 'q', of: after.name }).addDep(after));\n}\n",
    });
  });

  test('state a helper module keeps is shared by everything that imports it, and changes as it runs', async () => {
    await sameAsRunning({
      'main.alamode.ts': `${DSL}import { register, registered } from './registry';
import './plugins';
import { count } from './counter';
register('main');
const dag = new Dag();
dag.task('t', { image: 'x', names: registered.join(','), count: count() });
export default dag;
`,
      'registry.ts': 'export const registered: string[] = [];\nexport function register(name: string) { registered.push(name); }\n',
      'plugins.ts': "import { register } from './registry';\nregister('plugin');\n",
      'counter.ts': "let n = 0;\nexport function count() { return ++n; }\nexport let current = n;\n",
    });
  });

  test('an import whose bindings are used only as types is removed: its module does not run', async () => {
    await sameAsRunning({
      'main.alamode.ts': `${DSL}import { registered } from './registry';
import { unused, type Shape } from './side-effect';
import type { Other } from './side-effect';
const dag = new Dag();
const shape: Shape = { n: 1 };
function local(unused: number) { return unused; }
dag.task('t', { image: 'x', names: registered.join(','), n: local(shape.n) });
export default dag;
`,
      'registry.ts': 'export const registered: string[] = [];\n',
      'side-effect.ts': "import { registered } from './registry';\nregistered.push('side effect');\nexport const unused = 1;\nexport interface Shape { n: number }\nexport type Other = string;\n",
    });
  });

  test('with verbatimModuleSyntax every import runs', async () => {
    await sameAsRunning({
      'tsconfig.json': '{ "compilerOptions": { "verbatimModuleSyntax": true } }',
      'main.alamode.ts': `${DSL}import { registered } from './registry';
import { type Shape } from './side-effect';
const dag = new Dag();
dag.task('t', { image: 'x', names: registered.join(',') });
export default dag;
`,
      'registry.ts': 'export const registered: string[] = [];\n',
      'side-effect.ts': "import { registered } from './registry';\nregistered.push('side effect');\nexport interface Shape { n: number }\n",
    });
  });

  test('modules run in the order of their imports, each once; a cycle sees a module that has not finished', async () => {
    await sameAsRunning({
      'main.alamode.ts': `${DSL}import { log } from './log';
import { a } from './a';
import { b } from './b';
const dag = new Dag();
dag.task('t', { image: 'x', order: log.join(' '), a, b });
export default dag;
`,
      'log.ts': 'export const log: string[] = [];\n',
      'a.ts': "import { log } from './log';\nimport { b, describeB } from './b';\nlog.push(`a sees b=${String(b)} ${describeB()}`);\nexport const a = 'A';\n",
      'b.ts': "import { log } from './log';\nimport { a } from './a';\nlog.push(`b sees a=${String(a)}`);\nexport const b = 'B';\nexport function describeB() { return 'b is hoisted'; }\n",
    });
  });

  test('the pipeline itself imported back by a helper (a cycle through the pipeline)', async () => {
    await sameAsRunning({
      'main.alamode.ts': `${DSL}import { extend } from './extend';
export const BASE = { image: 'base:1' };
const dag = new Dag();
dag.task('a', { ...BASE, step: 'a' });
extend(dag);
export default dag;
`,
      'extend.ts': "import type { Dag } from 'a-la-mode';\nimport { BASE } from './main.alamode';\nexport function extend(dag: Dag) { dag.task('b', { ...BASE, step: 'b' }).addDep('a'); }\n",
    });
  });

  test('resolution: .js naming .ts, folder index files, tsconfig paths and baseUrl (with extends), package.json imports', async () => {
    await sameAsRunning({
      'package.json': '{ "name": "r", "imports": { "#lib/*": { "types": "./types/*.d.ts", "node": "./lib/*.ts", "default": "./nowhere/*.ts" } } }',
      'tsconfig.base.json': '{ "compilerOptions": { "baseUrl": "src", "paths": { "@cfg/*": ["../config/*", "config/*"] } } }',
      'tsconfig.json': '{ "extends": "./tsconfig.base.json" }',
      'main.alamode.ts': `${DSL}import { a } from './lib/a.js';
import { b } from './lib/b';
import { c } from '#lib/c';
import { d } from 'deep/d';
import settings from '@cfg/settings.json';
const dag = new Dag();
dag.task('t', { image: 'x', a, b, c, d, owner: settings.owner });
export default dag;
`,
      'lib/a.ts': "export const a = 'a.ts';\n",
      'lib/b/index.ts': "export const b = 'b/index.ts';\n",
      'lib/c.ts': "export const c = 'c.ts';\n",
      'src/deep/d.ts': "export const d = 'src/deep/d.ts';\n",
      'config/settings.json': '{ "owner": "config/settings.json" }',
    });
  });
});

describe('what the analysis cannot follow is unknown, never wrong', () => {
  test('a missing module: a warning on its import, and what comes from it is unknown', async () => {
    const r = repo({ 'main.alamode.ts': `${DSL}import { IMAGE } from './missing';\nconst dag = new Dag();\ndag.task('t', { image: IMAGE });\ndag.task('u', { image: 'u' });\nexport default dag;\n` });
    const text = readFileSync(r.path('main.alamode.ts'), 'utf8');
    const analysis = analyseIn(r, 'main.alamode.ts', text);
    const warning = analysis.diagnostics.find((d) => d.code === 'not-static' && /'\.\/missing' cannot be read/.test(d.message));
    assert.ok(warning);
    assert.equal(text.slice(warning.range.start, warning.range.end), "import { IMAGE } from './missing';");
    assert.deepEqual(summariseAnalysis(defaultDag(analysis)).unknown.map((u) => u !== undefined), [true, false]);
  });

  test('a helper with a syntax error: a warning on the import, what comes from it unknown', async () => {
    const r = repo({
      'main.alamode.ts': `${DSL}import { spec } from './broken';\nconst dag = new Dag();\ndag.task('t', spec());\nexport default dag;\n`,
      'broken.ts': 'export function spec() { return { image: ; }\n',
    });
    const analysis = analyseIn(r, 'main.alamode.ts', readFileSync(r.path('main.alamode.ts'), 'utf8'));
    assert.ok(analysis.diagnostics.some((d) => d.code === 'not-static' && /has syntax errors/.test(d.message)));
    assert.notEqual(summariseAnalysis(defaultDag(analysis)).unknown[0], undefined);
  });

  test('a package: unknown, and the reason names it', () => {
    const r = repo({ 'main.alamode.ts': `${DSL}import { image } from '@acme/images/python';\nconst dag = new Dag();\ndag.task('t', { image });\nexport default dag;\n` });
    const analysis = analyseIn(r, 'main.alamode.ts', readFileSync(r.path('main.alamode.ts'), 'utf8'));
    assert.match(summariseAnalysis(defaultDag(analysis)).unknown[0]!, /'@acme\/images\/python'.*'@acme\/images' is a package/);
  });

  test('a name two re-exported modules both export, a module loaded with require, CommonJS', async () => {
    for (const files of <Record<string, string>[]>[
      { 'main.alamode.ts': `${DSL}import * as lib from './lib';\nconst dag = new Dag();\ndag.task('t', { image: 'x', v: String((lib as any).v) });\ndag.task('u', { image: 'u' });\nexport default dag;\n`, 'lib.ts': "export * from './one';\nexport * from './two';\n", 'one.ts': "export const v = 'one';\n", 'two.ts': "export const v = 'two';\n" },
      { 'main.alamode.ts': `${DSL}import { load } from './loader';\nconst dag = new Dag();\ndag.task('t', { image: 'x', v: load() });\nexport default dag;\n`, 'loader.ts': "export function load() { return require('./value').v; }\n", 'value.ts': "export const v = 'value';\n" },
      { 'main.alamode.ts': `${DSL}import cjs from './cjs.cjs';\nconst dag = new Dag();\ndag.task('t', { image: 'x', v: cjs.v });\nexport default dag;\n`, 'cjs.cjs': "module.exports = { v: 'cjs' };\n" },
    ]) {
      const r = repo(files);
      const { ran } = await assertNoWrongOutputIn(r, 'main.alamode.ts', files['main.alamode.ts']!);
      assert.ok(ran);
    }
  });

  test('a module loaded when it runs, by `require` or `import(…)`, also spelt with escapes: the order modules run in is unknown, and a warning says why', () => {
    for (const call of ["require('./value')", "requ\\u0069re('./value')", "import('./value')", "\\u0069mport('./value')"]) {
      const main = `${DSL}const dag = new Dag();\nconst late = () => ${call};\ndag.task('t', { image: 'x' });\nexport default dag;\n`;
      const analysis = analyseIn(repo({ 'main.alamode.ts': main, 'value.ts': "export const v = 'value';\n" }), 'main.alamode.ts', main);
      assert.deepEqual(analysis.diagnostics.map((d) => [d.code, d.message]), [['not-static', `${call} loads a module when it runs, which the analysis does not follow`]]);
    }
  });

  test('structuredClone of JSON config in a helper: copies, each object once, cycles kept, holes, key order, not frozen: what running gives', async () => {
    const helper = [
      "import config from './config.json';",
      'const base = structuredClone(config.defaults);',
      "base.args.push('--verbose');",
      "export const spec = (name: string) => ({ ...structuredClone(base), name, original: config.defaults.args.join(' ') });",
      'const shared = { v: 1 };',
      'const pair = structuredClone({ a: shared, b: shared });',
      'pair.a.v = 2;',
      'const loop: any = { n: 1 };',
      'loop.self = loop;',
      'const loopCopy = structuredClone(loop);',
      'loopCopy.self.n = 5;',
      "const holes = structuredClone([1, , 3] as any[]);",
      "const frozen = structuredClone(Object.freeze({ n: 1, list: Object.freeze(['a']) }));",
      'frozen.n = 2;',
      "frozen.list.push('b');",
      'export const facts = {',
      '  shared: [pair.a.v, pair.b.v, shared.v], loop: [loopCopy.n, loop.n, String(loopCopy.self === loopCopy)],',
      "  holes: [holes.length, String(1 in holes)], order: Object.keys(structuredClone({ b: 1, 2: 'x', a: 2, 1: 'y' })).join(','),",
      "  frozen: [frozen.n, frozen.list.join(','), String(Object.isFrozen(frozen))], negativeZero: String(1 / structuredClone(-0)),",
      "  big: String(structuredClone(2n ** 70n)), nothing: String(structuredClone(undefined)), nil: String(structuredClone(null)),",
      '};',
    ].join('\n');
    const analysis = await sameAsRunning({
      'main.alamode.ts': `${DSL}import { spec, facts } from './lib';\nconst dag = new Dag();\ndag.task('a', spec('a'));\ndag.task('facts', { image: 'i', ...facts });\nexport default dag;\n`,
      'lib.ts': `${helper}\n`,
      'config.json': JSON.stringify({ defaults: { image: 'etl:1', args: ['--fast'], env: { MODE: 'x' } } }),
    });
    assert.deepEqual(analysis.diagnostics, []);
  });

  test('structuredClone of what it cannot copy plainly (a function, a getter, a class instance, with options): unknown, never a wrong output', async () => {
    const main = [
      `${DSL}const dag = new Dag();`,
      'class Point { x = 1; #secret = 2; get secret() { return this.#secret; } }',
      'let fnClone: unknown;',
      "try { fnClone = structuredClone({ f: () => 1 }); } catch { fnClone = 'caught'; }",
      'let calls = 0;',
      'const getter = structuredClone({ get g() { calls++; return 1; } });',
      "dag.task('fn', { image: 'i', v: String(fnClone) });",
      "dag.task('getter', { image: 'i', v: getter.g, calls });",
      "dag.task('instance', { image: 'i', v: JSON.stringify(structuredClone(new Point())) });",
      "dag.task('options', { image: 'i', v: structuredClone({ n: 1 }, {}).n });",
      "dag.task('plain', { image: 'i', v: structuredClone({ n: 1 }).n });",
      'export default dag;',
    ].join('\n');
    const r = repo({ 'main.alamode.ts': `${main}\n` });
    const { ran, shown, analysis } = await assertNoWrongOutputIn(r, 'main.alamode.ts', `${main}\n`);
    assert.ok(ran);
    const unknown = summariseAnalysis(defaultDag(analysis)).unknown;
    // Only the plain clone is known (the getter's task also reads `calls`, which the getter changes).
    assert.deepEqual([shown, unknown.map((u) => u === undefined)], [1, [false, false, false, false, true]]);
  });

  test('`module` and `exports` as keys, properties, parameters and local names: an ES module, followed', async () => {
    const helper = [
      "export const spec = ({ image, module: m }: { image: string; module: string }) => ({ image, module: m });",
      "export function describe(job: { module: string; exports: string[] }) { return `${job.module}:${job.exports.join(',')}`; }",
      "export const byModule = (module: string) => module.toUpperCase();",
      "export function local() { const exports = ['a']; let module = 'm'; try { throw 1; } catch (exports) { module += String(exports); } return `${module}${exports.length}`; }",
      "export const config = { module: 'etl', exports: ['csv'] };",
      "for (const module of ['x']) void module;",
    ].join('\n');
    const analysis = await sameAsRunning({
      'main.alamode.ts': `${DSL}import { spec, describe, byModule, local, config } from './jobs';\nconst dag = new Dag();\ndag.task('t', { ...spec({ image: 'i', module: config.module }), d: describe(config), u: byModule('m'), l: local() });\nexport default dag;\n`,
      'jobs.ts': `${helper}\n`,
    });
    assert.deepEqual(analysis.diagnostics, []);
  });

  test('a write to a frozen object fails under tsconfig strict and not without it: no output where the module may fail', async () => {
    const main = `${DSL}const dag = new Dag();\nconst o: any = Object.freeze({ n: 1 });\no.n = 2;\ndelete o.n;\ndag.task('y', { image: 'i', n: o.n });\nexport default dag;\n`;
    for (const tsconfig of ['{ "compilerOptions": { "strict": true } }', '{ "compilerOptions": {} }']) {
      const r = repo({ 'main.alamode.ts': main, 'tsconfig.json': tsconfig });
      const analysis = analyseIn(r, 'main.alamode.ts', main);
      const runtime = await runIn(r, 'main.alamode.ts');
      const dag = defaultDag(analysis);
      assert.ok(dag.tainted, `${tsconfig}: the analysis does not claim the Dag (the module ${runtime ? 'runs' : 'fails'})`);
      assert.match(analysis.diagnostics[0]!.message, /writes to a frozen object: a TypeError in strict mode/);
    }
    // Inside a try the catch may run: the module goes on, and nothing shown is wrong.
    const caught = `${DSL}const dag = new Dag();\nconst o: any = Object.freeze({ n: 1 });\ntry { o.n = 2; } catch {}\ndag.task('y', { image: 'i', n: o.n });\nexport default dag;\n`;
    const { ran } = await assertNoWrongOutputIn(repo({ 'main.alamode.ts': caught, 'tsconfig.json': '{ "compilerOptions": { "strict": true } }' }), 'main.alamode.ts', caught);
    assert.ok(ran);
  });

  test('what fails only in strict code (a function\'s name or length, deleting an array\'s length, a string\'s character or a function\'s prototype, a getter-only property): a catch may run, and outside a try no Dag is claimed', async () => {
    const statements = ["(f as any).name = 'g';", '(f as any).length = 2;', 'delete (list as any).length;', 'delete (text as any)[0];', 'delete (f as any).prototype;', '(new Getter() as any).x = 2;'];
    const head = "function f() {}\nconst list = [1];\nconst text: string = 'abc';\nclass Getter { get x() { return 1; } }\n";
    for (const [tsconfig, strict] of [['{ "compilerOptions": { "strict": true } }', true], ['{ "compilerOptions": {} }', false]] as const) {
      for (const statement of statements) {
        const caught = `${DSL}const dag = new Dag();\n${head}let r = 'ran';\ntry { ${statement} } catch { r = 'caught'; }\ndag.task('y', { r });\nexport default dag;\n`;
        const { ran } = await assertNoWrongOutputIn(repo({ 'main.alamode.ts': caught, 'tsconfig.json': tsconfig }), 'main.alamode.ts', caught);
        assert.ok(ran, statement);
        const bare = `${DSL}const dag = new Dag();\n${head}${statement}\ndag.task('y', {});\nexport default dag;\n`;
        const { ran: bareRan, analysis } = await assertNoWrongOutputIn(repo({ 'main.alamode.ts': bare, 'tsconfig.json': tsconfig }), 'main.alamode.ts', bare);
        assert.equal(bareRan, !strict, `${statement} under ${tsconfig}`);
        if (strict) assert.ok(defaultDag(analysis).tainted, `${statement}: the module fails, and the analysis claims no Dag`);
      }
    }
  });

  test('a write that may run a setter or meet a read-only property may throw: a catch may run', async () => {
    // [made before the try, the write in it]
    const writes = [
      ["const o: any = { set x(v: unknown) { throw new Error('no'); } };", 'o.x = 2;'],
      ["const o: any = {}; Object.defineProperty(o, 'x', { set() { throw new Error('no'); } });", 'o.x = 2;'],
      // Only in strict code: the catch may run (the bundle is strict under some tsconfigs, or with a top-level await).
      ['const o: any = { get x() { return 1; } };', 'o.x = 2;'],
      ["const list = [1]; Object.defineProperty(list, 'length', { writable: false });", 'list.length = 0;'],
    ];
    for (const [made, statement] of writes) {
      const caught = `${DSL}const dag = new Dag();\n${made}\nlet r = 'ran';\ntry { ${statement} } catch { r = 'caught'; }\ndag.task('y', { r });\nexport default dag;\n`;
      const { ran, analysis } = await assertNoWrongOutputIn(repo({ 'main.alamode.ts': caught }), 'main.alamode.ts', caught);
      assert.ok(ran, made);
      assert.equal(summariseAnalysis(defaultDag(analysis)).tasks[0]!.output, undefined, made);
    }
  });

  test('what may change an error constructor, the runtime\'s built-ins, or a name that cannot be assigned leaves a catch possible; a DSL method on another object is not followed: unknown, never wrong', () => {
    const files = { 'node_modules/evil/package.json': '{ "name": "evil", "main": "index.js" }', 'node_modules/evil/index.js': "exports.doEvil = () => { globalThis.Error = function () { throw 1; }; };\n" };
    const later = "let r = 'ran'; try { new Error('x'); r = 'made'; } catch { r = 'threw'; }\nspec.command.push(r);";
    const head = "const spec = { image: 'x', command: ['run'] };\ndag.task('a', spec);\n";
    const WHY = /changes a built-in object|runs code|may throw|method of the DSL|function expression/;
    sameAsTheCli(files, {
      // The task is made first: the runtime itself calls Error.captureStackTrace.
      errorAssigned: { body: `${head}Object.assign(globalThis, { Error: function () { throw 1; } });\n${later}`, unknown: WHY },
      errorReplacedByAPackage: { body: `import { doEvil } from 'evil';\n${head}doEvil();\n${later}`, unknown: WHY },
      // Ignored in sloppy code (the bundle here), a TypeError in strict code.
      functionNameAssigned: { body: "const f = function g(): any { (g as any) = 1; return typeof g; };\nlet r = 'ran'; try { r = f(); } catch { r = 'caught'; }\ndag.task('a', { image: 'x', r });", unknown: WHY },
      // addDep of nothing on no task reads nothing: the module goes on (the analysis does not follow it, and claims no failure).
      addDepOnNothing: { body: "const t = dag.task('t', { image: 'x' });\nconst add = t.addDep;\n(add as any)();" },
    });
    // The runtime calls Error.captureStackTrace in dag.task: replaced, the task in the try is not made.
    for (const body of ["const orig = Error.captureStackTrace;\n(Error as any).captureStackTrace = () => { throw new Error('no'); };\nlet r = 'ran'; try { dag.task('u', { image: 'x' }); r = 'after'; } catch { r = 'caught'; }\nError.captureStackTrace = orig;\ndag.task('t', { image: 'x', r });",
      "const orig = Error.captureStackTrace;\nObject.defineProperty(Error, 'captureStackTrace', { value: () => { throw 1; }, writable: true });\nlet r = 'ran'; try { dag.task('u', { image: 'x' }); r = 'after'; } catch { r = 'caught'; }\nError.captureStackTrace = orig;\ndag.task('t', { image: 'x', r });"]) {
      const text = `${DSL}const dag = new Dag();\n${body}\nexport default dag;\n`;
      const r = repo({ 'main.alamode.ts': text });
      const run = alamode(['encode', r.path('main.alamode.ts'), '--json']);
      assert.equal(run.status, 0, run.stderr);
      const cli = (JSON.parse(run.stdout) as { tasks: Record<string, { r: string }> }).tasks;
      assert.deepEqual(Object.keys(cli), ['t']);
      assert.equal(cli.t!.r, 'caught');
      const summary = summariseAnalysis(defaultDag(analyseIn(r, 'main.alamode.ts', text)));
      assert.equal(summary.tasks.find((t) => t.name === 't')!.output, undefined, body);
    }
  });

  test('a helper building a spec with a float: the error is on the pipeline\'s call, with the helper\'s line beside it', () => {
    const r = repo({
      'main.alamode.ts': `${DSL}import { spec } from './spec';\nconst dag = new Dag();\ndag.task('t', spec('t'));\nexport default dag;\n`,
      'spec.ts': "export function spec(name: string) { return { image: 'x', name, ratio: 0.25 }; }\n",
    });
    const text = readFileSync(r.path('main.alamode.ts'), 'utf8');
    const t = defaultDag(analyseIn(r, 'main.alamode.ts', text)).tasks[0]!;
    assert.equal(text.slice(t.valueRanges.get('["ratio"]')!.start, t.valueRanges.get('["ratio"]')!.end), "spec('t')");
    const origin = t.valueOrigins!.get('["ratio"]')!;
    assert.equal(origin.file, r.path('spec.ts'));
    assert.equal(readFileSync(r.path('spec.ts'), 'utf8').slice(origin.start, origin.end), 'ratio: 0.25');
  });

  test('bounds on the graph: beyond them every Dag is unknown, with an analysis-limit', () => {
    const files: Record<string, string> = { 'main.alamode.ts': `${DSL}import { v0 } from './m0';\nconst dag = new Dag();\ndag.task('t', { image: v0 });\nexport default dag;\n` };
    for (let i = 0; i < 10; i++) files[`m${i}.ts`] = i < 9 ? `export { v${i + 1} as v${i} } from './m${i + 1}';\n` : 'export const v9 = "end";\n';
    const r = repo(files);
    const analysis = analyseIn(r, 'main.alamode.ts', files['main.alamode.ts']!, { limits: { maxModules: 5 } });
    assert.ok(analysis.diagnostics.some((d) => d.code === 'analysis-limit' && /more than 5 modules/.test(d.message)));
    assert.ok(defaultDag(analysis).tainted);
  });
});

describe('results follow the files', () => {
  test('an edit of a helper (the host gives the new text) changes the analysis of the same pipeline text', () => {
    const files: Record<string, string> = { '/r/lib.ts': "export const IMAGE = 'one';\n" };
    const host: ModuleHost = { readFile: (p) => files[p] };
    const text = `${DSL}import { IMAGE } from './lib';\nconst dag = new Dag();\ndag.task('t', { image: IMAGE });\nexport default dag;\n`;
    const spec = () => (analyseModule(text, '/r/main.alamode.ts', { host }).dags[0]!.tasks[0]!.spec as { image: string }).image;
    assert.equal(spec(), 'one');
    files['/r/lib.ts'] = "export const IMAGE = 'two';\n";
    assert.equal(spec(), 'two');
    delete files['/r/lib.ts'];
    files['/r/lib/index.ts'] = "export const IMAGE = 'three';\n";
    assert.equal(spec(), 'three');
  });
  test('a file made in a folder the pipeline lists, or where existsSync looked, changes the analysis of the same pipeline text', () => {
    const files: Record<string, string> = { '/r/q/a.sql': 'select 1' };
    const host: ModuleHost = {
      readFile: (p) => files[p],
      exists: (p) => p in files || Object.keys(files).some((f) => f.startsWith(`${p}/`)),
      readDirectory: (p) => {
        const names = Object.keys(files).filter((f) => f.startsWith(`${p}/`)).map((f) => f.slice(p.length + 1).split('/')[0]!);
        return names.length > 0 ? [...new Set(names)].sort() : undefined;
      },
    };
    const text = `${DSL}import { existsSync, readdirSync } from 'node:fs';\nconst dag = new Dag();\nfor (const f of readdirSync('q')) dag.task(f, { image: existsSync('local.json') ? 'local' : 'default' });\nexport default dag;\n`;
    const tasks = () => analyseModule(text, '/r/main.alamode.ts', { host }).dags[0]!.tasks.map((t) => `${t.name}:${(t.spec as { image: string }).image}`);
    assert.deepEqual(tasks(), ['a.sql:default']);
    files['/r/q/b.sql'] = 'select 2';
    assert.deepEqual(tasks(), ['a.sql:default', 'b.sql:default']);
    files['/r/local.json'] = '{}';
    assert.deepEqual(tasks(), ['a.sql:local', 'b.sql:local']);
    const analysis = analyseModule(text, '/r/main.alamode.ts', { host });
    assert.ok(analysis.modules.includes('/r/q/'), 'the listed folder is among what was read, as a folder');
  });
});

describe('resolution is the bundle\'s', () => {
  // Candidate files each export `v`, their own path: the ID says which file the import read.
  const candidates = [
    'a', 'a.ts', 'a.js', 'a.json', 'b.js', 'b.ts', 'c.ts', 'c2.js.ts', 'c2.ts', 'd.ts', 'd/index.ts', 'e/index.ts', 'e/index.js',
    'f/package.json', 'f/index.ts', 'f/main.ts', 'g.mts', 'h.cts', 'i.tsx', 'i.ts', 'j.json', 'l/index.ts', 'index.ts', 'm.mjs', 'n.cjs.ts', 'o.ts',
    'src/p.ts', 'src/q/index.ts', 'alias/r.ts', 'alias/r/index.ts', 'lib/s.ts', 'lib/special/s.ts', 'lib/t.js',
  ];
  const content = (file: string) => {
    if (file.endsWith('package.json')) return '{ "main": "./main.ts" }';
    if (file.endsWith('.json')) return JSON.stringify({ v: file });
    if (file === 'a') return `export const v = 'a (no extension)';\n`;
    return `export const v = ${JSON.stringify(file)};\n`;
  };
  const specifiers = ['./a', './a.ts', './b.js', './c.js', './c2.js', './d', './e', './e/', './f', './g.mjs', './h.cjs', './i', './j.json', './l', '.', './m.mjs', './n.cjs', './o.js', './nowhere',
    'p', 'q', '@alias/r', '@alias/r/index', '#lib/s', '#lib/special/s', '#lib/t', '#missing', '#cond'];

  test('for each import, the analysis reads the file the bundle runs (or says it cannot)', async () => {
    const files: Record<string, string> = {
      // esbuild's conditions on node include "module" (its default), before "default".
      'package.json': '{ "name": "r", "imports": { "#lib/*": "./lib/*.ts", "#lib/special/*": "./lib/special/*.ts", "#lib/t": "./lib/t.js", "#cond": { "types": "./o.ts", "module": "./lib/s.ts", "default": "./lib/t.js" } } }',
      'tsconfig.json': '{ "compilerOptions": { "baseUrl": "src", "paths": { "@alias/*": ["../alias/*"] } } }',
    };
    for (const c of candidates) files[c] = content(c);
    specifiers.forEach((s, i) => { files[`spec${i}.alamode.ts`] = `${DSL}import { v } from '${s}';\nconst dag = new Dag();\ndag.task('t', { v });\nexport default dag;\n`; });
    const r = repo(files);
    let known = 0;
    for (let i = 0; i < specifiers.length; i++) {
      const file = `spec${i}.alamode.ts`;
      const { shown, ran } = await assertNoWrongOutputIn(r, file, files[file]!);
      known += shown;
      // Where the bundle runs the module, the analysis follows it, but for what it does not read.
      if (ran && !['./i', './f'].includes(specifiers[i]!)) assert.equal(shown, 1, `'${specifiers[i]}' is followed`);
    }
    assert.ok(known > 15, `${known} imports followed`);
  });
});

describe('packages of the repository, linked into node_modules by workspaces (npm, yarn, pnpm)', () => {
  const helpers = {
    'packages/helpers/src/index.ts': "export const img = (n: string) => 'reg/' + n + ':1';\nexport { where } from './where';\n",
    'packages/helpers/src/where.ts': "export const where = 'src/where';\n",
    'packages/helpers/src/extra.ts': "export const extra = 'extra';\n",
    'packages/helpers/dist/index.js': "exports.img = (n) => 'dist/' + n; exports.where = 'dist';\n",
    'packages/helpers/module.ts': "export const img = (n: string) => 'module/' + n; export const where = 'module';\n",
    'packages/helpers/index.ts': "export const img = (n: string) => 'root-index/' + n; export const where = 'root';\n",
  };
  const pipeline = (specifier: string, names: string) => `${DSL}import { ${names} } from '${specifier}';\nconst dag = new Dag();\ndag.task('a', { image: String([${names}].map((x) => typeof x === 'function' ? x('py') : x)) });\nexport default dag;\n`;
  /** The repository with the package linked as npm links a workspace (`links`: path → target, relative to the link's folder). */
  const linked = (files: Record<string, string>, links: Record<string, string> = { 'node_modules/@acme/helpers': '../../packages/helpers' }) => {
    const r = repo(files);
    for (const [from, to] of Object.entries(links)) {
      mkdirSync(dirname(r.path(from)), { recursive: true });
      symlinkSync(to, r.path(from));
    }
    return r;
  };

  test('its main file, its exports (with esbuild\'s conditions on node), a subpath, from a pipeline in another folder, through pnpm\'s store: each ID the bundle\'s', async () => {
    const cases: [string, string, string, Record<string, string>?, string?][] = [
      ['{ "name": "@acme/helpers", "main": "src/index.ts" }', '@acme/helpers', 'img, where'],
      ['{ "name": "@acme/helpers", "main": "./src/index" }', '@acme/helpers', 'img, where'],
      ['{ "name": "@acme/helpers", "main": "src/index.ts", "module": "module.ts" }', '@acme/helpers', 'img, where'],
      ['{ "name": "@acme/helpers", "module": "module.ts" }', '@acme/helpers', 'img, where'],
      ['{ "name": "@acme/helpers" }', '@acme/helpers', 'img, where'],
      ['{ "name": "@acme/helpers", "exports": "./src/index.ts" }', '@acme/helpers', 'img, where'],
      ['{ "name": "@acme/helpers", "exports": { ".": { "types": "./src/index.ts", "module": "./module.ts", "import": "./src/index.ts", "default": "./dist/index.js" } } }', '@acme/helpers', 'img, where'],
      ['{ "name": "@acme/helpers", "exports": { "import": "./src/index.js", "require": "./dist/index.js" } }', '@acme/helpers', 'img, where'],
      ['{ "name": "@acme/helpers", "exports": { ".": "./src/index.ts", "./*": "./src/*.ts" } }', '@acme/helpers/extra', 'extra'],
      ['{ "name": "@acme/helpers", "main": "src/index.ts" }', '@acme/helpers/src/extra', 'extra'],
      ['{ "name": "@acme/helpers", "main": "src/index.ts" }', '@acme/helpers', 'img, where', undefined, 'apps/etl/main.alamode.ts'],
      ['{ "name": "@acme/helpers", "main": "src/index.ts" }', '@acme/helpers', 'img, where', { 'node_modules/.pnpm/@acme+helpers/node_modules/@acme/helpers': '../../../../../packages/helpers', 'node_modules/@acme/helpers': '../.pnpm/@acme+helpers/node_modules/@acme/helpers' }],
    ];
    for (const [pkg, specifier, names, links, main = 'main.alamode.ts'] of cases) {
      const text = pipeline(specifier, names);
      const r = linked({ ...helpers, 'packages/helpers/package.json': pkg, [main]: text }, links);
      const analysis = analyseIn(r, main, text);
      const runtime = await runIn(r, main);
      assert.ok(runtime, `${pkg} ${specifier}: the module runs`);
      assertSameDag(defaultDag(analysis), runtime);
    }
  });

  test('what esbuild reads otherwise, or the analysis does not work out, is unknown, never wrong: a condition that stops (null), required JSON, .. from the link, repeated keys, a file beside the folder, a package naming itself, maps nested 20,000 deep', async () => {
    const data = { 'packages/helpers/a.json': '{ "v": "a" }', 'packages/helpers/b.json': '{ "v": "b" }', 'packages/helpers/index.json': '{ "v": "index" }', 'packages/g/a.ts': "export const v = 'g/a';\n", 'packages/g/index.ts': "export const v = 'g/index';\n" };
    const deep = (n: number) => '{"import":'.repeat(n) + '"./src/index.ts"' + '}'.repeat(n);
    const cases: [string, string, Record<string, string>?, Record<string, string>?][] = [
      ['{ "name": "@acme/helpers", "exports": { ".": { "import": null, "default": "./src/index.ts" } } }', "import { img } from '@acme/helpers';\nconst v = img('x');"],
      ['{ "name": "@acme/helpers", "exports": { "./data.json": { "require": "./a.json", "default": "./b.json" } } }', "const d = require('@acme/helpers/data.json');\nconst v = d.v;"],
      ['{ "name": "@acme/helpers", "module": "./a.json" }', "const d = require('@acme/helpers');\nconst v = d.v;"],
      ['{ "name": "@acme/helpers", "main": "../g/a.ts" }', "import { v } from '@acme/helpers';"],
      ['{ "name": "@acme/helpers", "exports": { "import": "./src/index.ts", "default": "./dist/index.js", "import": "./module.ts" } }', "import { img } from '@acme/helpers';\nconst v = img('x');"],
      ['{ "name": "@acme/helpers", "exports": { ".": "./src/index.ts", "import": "./module.ts" } }', "import { img } from '@acme/helpers';\nconst v = img('x');"],
      ['{ "name": "@acme/helpers", "main": "src/index.ts" }', "import { img } from '@acme/helpers';\nconst v = img('x');", { 'node_modules/@acme/helpers.ts': "export const img = (n: string) => 'beside/' + n;\n" }],
      [`{ "name": "@acme/helpers", "exports": { ".": ${deep(20_000)} } }`, "import { img } from '@acme/helpers';\nconst v = img('x');"],
    ];
    for (const [pkg, code, extra] of cases) {
      const text = `${DSL}${code}\nconst dag = new Dag();\ndag.task('a', { v });\nexport default dag;\n`;
      const r = linked({ ...helpers, ...data, ...extra, 'packages/helpers/package.json': pkg, 'main.alamode.ts': text });
      const { analysis } = await assertNoWrongOutputIn(r, 'main.alamode.ts', text).catch((e: Error) => { throw new Error(`${pkg.slice(0, 80)}: ${e.message}`); });
      assert.equal(summariseAnalysis(defaultDag(analysis)).tasks[0]!.output, undefined, pkg.slice(0, 80));
    }
    // Inside the package, its own name: esbuild resolves it to the package itself (through its exports).
    const own = "import { v } from '@acme/helpers/sub';\nexport const w = v;\n";
    const text = `${DSL}import { w } from '@acme/helpers/self';\nconst dag = new Dag();\ndag.task('a', { v: w });\nexport default dag;\n`;
    const r = linked({ ...helpers, 'packages/helpers/package.json': '{ "name": "@acme/helpers", "exports": { "./*": "./src/*.ts" } }', 'packages/helpers/src/self.ts': own, 'packages/helpers/src/sub.ts': "export const v = 'self';\n", 'main.alamode.ts': text });
    const { analysis } = await assertNoWrongOutputIn(r, 'main.alamode.ts', text);
    assert.equal(summariseAnalysis(defaultDag(analysis)).tasks[0]!.output, undefined);
  });

  test('reads after loading code of the repository the analysis does not read (a .tsx main) are unknown: it may write the file', async () => {
    const text = `${DSL}import { readFileSync } from 'node:fs';\nimport { img } from '@acme/helpers';\nconst dag = new Dag();\ndag.task('a', { v: readFileSync('data.txt', 'utf8'), i: img('x') });\nexport default dag;\n`;
    const r = linked({ ...helpers, 'packages/helpers/package.json': '{ "name": "@acme/helpers", "main": "index.tsx" }', 'packages/helpers/index.tsx': "import { writeFileSync } from 'node:fs';\nwriteFileSync('data.txt', 'CHANGED');\nexport const img = (n: string) => n;\n", 'data.txt': 'DATA', 'main.alamode.ts': text });
    assert.match(summariseAnalysis(defaultDag(analyseIn(r, 'main.alamode.ts', text))).unknown[0] ?? '', /after code the analysis does not follow ran/);
  });

  test('an installed package (its real path in node_modules), and what its exports leave out, are not followed', async () => {
    const installed = repo({ 'node_modules/lib1/package.json': '{ "name": "lib1", "main": "index.js" }', 'node_modules/lib1/index.js': "exports.img = (n) => 'lib/' + n;\n", 'main.alamode.ts': pipeline('lib1', 'img') });
    assert.equal(summariseAnalysis(defaultDag(analyseIn(installed, 'main.alamode.ts', pipeline('lib1', 'img')))).tasks[0]!.output, undefined);
    const text = pipeline('@acme/helpers/src/extra', 'extra');
    const r = linked({ ...helpers, 'packages/helpers/package.json': '{ "name": "@acme/helpers", "exports": { ".": "./src/index.ts" } }', 'main.alamode.ts': text });
    const analysis = analyseIn(r, 'main.alamode.ts', text);
    assert.equal(await runIn(r, 'main.alamode.ts'), undefined, 'the bundle refuses it');
    assert.equal(summariseAnalysis(defaultDag(analysis)).tasks[0]!.output, undefined);
    assert.match(analysis.diagnostics.map((d) => d.message).join('\n'), /is not among the "exports"/);
  });
});

describe('a tsconfig extending shared configs from packages', () => {
  test('@tsconfig/… packages, named by package or by file, are read for paths and for how class fields behave', async () => {
    const module = `${DSL}import { image } from '@/images';
class Stage { copy = String(this.n); constructor(public n: number) {} }
const dag = new Dag();
dag.task('t', { image, copy: new Stage(2).copy });
export default dag;
`;
    const files = (extendsList: string[]) => ({
      // An older target without useDefineForClassFields: the bundle assigns fields after the parameter
      // properties (`copy` is '2'; with a newer target it is 'undefined').
      'node_modules/@tsconfig/node14/tsconfig.json': '{ "compilerOptions": { "target": "es2020", "module": "commonjs" } }',
      'node_modules/@tsconfig/node14/package.json': '{ "name": "@tsconfig/node14" }',
      'node_modules/@tsconfig/strictest/tsconfig.json': '{ "compilerOptions": { "strict": true } }',
      'tsconfig.json': JSON.stringify({ extends: extendsList, compilerOptions: { baseUrl: '.', paths: { '@/*': ['src/*'] } } }),
      'src/images.ts': "export const image = 'python:3.12';\n",
      'main.alamode.ts': module,
    });
    for (const extendsList of [['@tsconfig/strictest', '@tsconfig/node14/tsconfig.json'], ['@tsconfig/strictest/tsconfig', '@tsconfig/node14']]) {
      const analysis = await sameAsRunning(files(extendsList));
      const spec = summariseAnalysis(defaultDag(analysis)).tasks[0]!.spec;
      assert.deepEqual(spec, { image: 'python:3.12', copy: '2' }, JSON.stringify(extendsList));
    }
    // A shared config no package has: the imports it would resolve are unknown, and say why.
    const r = repo({ ...files(['@tsconfig/missing']), 'node_modules/@tsconfig/node14/tsconfig.json': '{}' });
    const analysis = analyseIn(r, 'main.alamode.ts', module);
    assert.match(analysis.diagnostics.map((d) => d.message).join('\n'), /extends '@tsconfig\/missing', which is in no node_modules folder above it/);
  });
});

describe('which imports the bundle keeps', () => {
  // Each snippet mentions the imports of ./side (which records that it ran) in another way: whether the
  // module runs is what TypeScript (and so the bundle) decides, and the analysis must say the same.
  const snippets = [
    'let x: typeof mark | undefined;',
    'function f(mark: number) { return mark; }\nf(1);',
    '{ const mark = 2; void mark; }',
    'function never() { return mark; }',
    'export { mark };',
    'const o = { a: 1 } as any; void o.mark;',
    'const o = { mark: 1 }; void o;',
    'const o = { mark }; void o;',
    'class A extends Mark {}\nvoid A;',
    'class B implements Shape { n = 1 }\nvoid B;',
    'void (typeof mark);',
    'enum E { A = mark.length }\nvoid E;',
    'namespace N { export const y = mark; }\nvoid N;',
    'declare const y: typeof mark;',
    'try { void 0; } catch (mark) { void mark; }',
    'for (const mark of [1]) void mark;',
    'mark: for (const i of [1]) { if (i) break mark; }',
    'const g = <T,>(v: T) => v; g<typeof mark>(1 as any);',
    'function h() { var mark = 1; return mark; }\nvoid h;',
    'function k() { { var mark = 1; } return mark; }\nvoid k;',
    'const mark2 = (mark: string) => mark;\nvoid mark2;',
  ];
  for (const snippet of snippets) {
    test(snippet.split('\n')[0]!, async () => {
      await sameAsRunning({
        'main.alamode.ts': `${DSL}import { registered } from './registry';\nimport { mark, Mark, type Shape } from './side';\n${snippet}\nconst dag = new Dag();\ndag.task('t', { image: 'x', ran: registered.join(',') });\nexport default dag;\n`,
        'registry.ts': 'export const registered: string[] = [];\n',
        'side.ts': "import { registered } from './registry';\nregistered.push('side');\nexport const mark = 'm';\nexport class Mark {}\nexport interface Shape { n: number }\n",
      });
    });
  }

  // Each tsconfig setting that keeps imports, with each form of import that keeps nothing or only types.
  const settings = ['"verbatimModuleSyntax": true', '"preserveValueImports": true, "isolatedModules": true', '"preserveValueImports": true, "importsNotUsedAsValues": "remove"', '"importsNotUsedAsValues": "preserve"'];
  const forms = ["import {} from './side';", "import { type Shape } from './side';", "import { mark } from './side';", "import type { Shape } from './side';"];
  for (const setting of settings) {
    for (const form of forms) {
      test(`${setting}: ${form}`, async () => {
        await sameAsRunning({
          'tsconfig.json': `{ "compilerOptions": { ${setting} } }`,
          'main.alamode.ts': `${DSL}import { registered } from './registry';\n${form}\nconst dag = new Dag();\ndag.task('t', { image: 'x', ran: registered.join(',') });\nexport default dag;\n`,
          'registry.ts': 'export const registered: string[] = [];\n',
          'side.ts': "import { registered } from './registry';\nregistered.push('side');\nexport const mark = 'm';\nexport interface Shape { n: number }\n",
        });
      });
    }
  }
});

describe('package.json sideEffects: modules the bundle may leave out', () => {
  const free = '{ "name": "p", "sideEffects": false }';

  test('a module marked free of side effects that does something, reached without a used binding: unknown, never the wrong ID', async () => {
    const cases: Record<string, string>[] = [
      {
        // A bare import: esbuild leaves it out (with a warning), so 'registered' never exists.
        'package.json': free,
        'lib/dag.ts': `${DSL}export const dag = new Dag();\n`,
        'lib/register.ts': "import { dag } from './dag';\ndag.task('registered', { v: 1 });\n",
        'main.alamode.ts': "import { dag } from './lib/dag';\nimport './lib/register';\ndag.task('main', { v: 2 });\nexport default dag;\n",
      },
      {
        // A barrel: only the modules whose exports are used are bundled, so setup.ts never runs.
        'package.json': free,
        'lib/index.ts': "export * from './config';\nexport * from './setup';\n",
        'lib/config.ts': 'export const defaults = { retries: 1, tags: [] as string[] };\n',
        'lib/setup.ts': "import { defaults } from './config';\ndefaults.retries = 5;\ndefaults.tags.push('setup');\nexport const unused = 1;\n",
        'main.alamode.ts': `${DSL}import { defaults } from './lib';\nconst dag = new Dag();\ndag.task('t', { retries: defaults.retries, tags: defaults.tags });\nexport default dag;\n`,
      },
      // A read esbuild removes with the code around it does not keep the module: in a function nothing
      // calls, in dead code, in a bare expression; a name only passed on through `export *`; a module
      // reached only through one that may go.
      ...[
        "import { y } from './lib/setup';\nfunction unused() { return y; }\n",
        "import { y } from './lib/setup';\nif (false) console.log(y);\n",
        "import five from './lib/setup';\nfive;\n",
        "import * as ns from './lib/setup';\nvoid ns;\n",
        "import { x } from './lib/barrel';\n",
        "import './lib/quiet';\n",
      ].map((imports) => ({
        'package.json': '{ "sideEffects": ["./lib/loud.ts"] }',
        'lib/config.ts': "export const config = { image: 'a' };\n",
        'lib/setup.ts': "import { config } from './config';\nconfig.image = 'b';\nexport const y = 1;\nexport default 5;\n",
        'lib/x.ts': 'export const x = 1;\n',
        'lib/barrel.ts': "import { config } from './config';\nconfig.image = 'b';\nexport * from './x';\n",
        'lib/quiet.ts': "import './loud';\nexport const z = 1;\n",
        'lib/loud.ts': "import { config } from './config';\nconfig.image = 'b';\n",
        'main.alamode.ts': `${DSL}import { config } from './lib/config';\n${imports}const dag = new Dag();\ndag.task('a', { image: config.image, x: ${imports.includes('{ x }') ? 'x' : '0'} });\nexport default dag;\n`,
      })),
      {
        // A list of the files that do have side effects, and a nested package.json that marks its folder.
        'package.json': '{ "sideEffects": ["./lib/keep.ts"] }',
        'lib/state.ts': 'export const state = { n: 0 };\n',
        'lib/drop.ts': "import { state } from './state';\nstate.n = 7;\n",
        'nested/package.json': free,
        'nested/bump.ts': "import { state } from '../lib/state';\nstate.n += 100;\n",
        'main.alamode.ts': `${DSL}import { state } from './lib/state';\nimport './lib/drop';\nimport './nested/bump';\nconst dag = new Dag();\ndag.task('t', { n: state.n });\nexport default dag;\n`,
      },
    ];
    for (const files of cases) {
      const r = repo(files);
      const { analysis, ran } = await assertNoWrongOutputIn(r, 'main.alamode.ts', files['main.alamode.ts']!);
      assert.ok(ran, 'the module runs');
      assert.ok(analysis.diagnostics.some((d) => d.code === 'not-static' && /free of side effects \("sideEffects"\)/.test(d.message)), JSON.stringify(analysis.diagnostics));
      assert.ok(defaultDag(analysis).tasks.every((t) => t.tainted !== undefined || defaultDag(analysis).tainted !== undefined));
    }
  });

  test('helpers marked free of side effects that only declare things, or whose used exports keep them: every ID known and the runtime\'s', async () => {
    await sameAsRunning({
      'package.json': free,
      'lib/index.ts': "export * from './steps';\nexport * from './config';\n",
      'lib/steps.ts': "import { IMAGE } from './config';\nexport function py(script: string) { return { image: IMAGE, command: `python ${script}` }; }\n",
      'lib/config.ts': "export const IMAGE = 'etl:3';\nexport const RETRIES = 2;\nexport enum Tier { Gold = 'gold' }\n",
      // It does something when it runs, and the pipeline reads what it exports: it is bundled.
      'lib/base.ts': `${DSL}export const dag = new Dag({ owner: 'data' });\ndag.task('base', { image: 'etl:3' });\n`,
      'main.alamode.ts': "import { py, RETRIES, Tier } from './lib';\nimport { dag } from './lib/base';\ndag.task('load', { ...py('load.py'), retries: RETRIES, tier: Tier.Gold }).addDep('base');\nexport default dag;\n",
    });
  });
});

describe('a class extending Dag', () => {
  const pyDag = `${DSL}import type { Task } from 'a-la-mode';
export class PyDag extends Dag {
  py(name: string, script: string, ...inputs: Task[]): Task {
    return this.task(name, { image: 'python:3.12', command: \`python \${script}\` }).addDep(...inputs);
  }
}
`;

  test('its methods, its constructor, super.task and a subclass of it: every ID the runtime\'s', async () => {
    await sameAsRunning({
      'lib/pyDag.ts': pyDag,
      'main.alamode.ts': `import { PyDag } from './lib/pyDag';
import type { Task } from 'a-la-mode';
class TeamDag extends PyDag {
  constructor(team: string) {
    super({ owner: team, schedule: '@daily' });
  }
  task(name: string, spec: Record<string, unknown>): Task {
    return super.task(\`\${this.meta.owner}_\${name}\`, { retries: 2, ...spec });
  }
  get owner(): unknown {
    return this.meta.owner;
  }
  static forTeam(team: string) {
    return new TeamDag(team);
  }
}
const dag = TeamDag.forTeam('data');
const raw = dag.py('extract', 'e.py');
dag.py('load', 'l.py', raw, dag.get('data_extract'));
dag.task('report', { owner: dag.owner as string }).addDep('data_load');
dag.task('kinds', { py: dag instanceof PyDag ? 1 : 0, team: dag instanceof TeamDag ? 1 : 0, same: dag.constructor === TeamDag ? 1 : 0 });
export default dag;
`,
    });
  });

  test('overrides, mixins, a constructor returning another Dag, toString, setters: never a wrong ID', async () => {
    const bodies = [
      "class D extends Dag { get(n: string) { return super.get(n.toLowerCase()); } }\nconst dag = new D();\ndag.task('a', {});\ndag.task('b', {}).addDep(dag.get('A'));\n",
      "const other = new Dag({ x: 1 });\nclass D extends Dag { constructor() { super(); return other; } }\nconst dag = new D();\ndag.task('a', {});\n",
      "const With = <T extends new (...a: any[]) => Dag>(B: T) => class extends B { add(n: string) { return this.task(n, { v: 1 }); } };\nconst dag = new (With(Dag))();\ndag.add('a');\n",
      "class D extends Dag { toString() { return 'D!'; } }\nconst dag = new D();\ndag.task('a', { s: `${dag}` });\n",
      "class D extends Dag { set owner(v: string) { (this.meta as any).owner = v; } }\nconst dag = new D({});\n(dag as any).owner = 'me';\ndag.task('a', {});\n",
      "class D extends Dag { add(n: string) { const f = () => super.task(n, { v: 1 }); return f(); } names() { return this.tasks.map((t) => t.name); } }\nconst dag = new D();\ndag.add('a');\ndag.task('b', { others: dag.names() });\n",
      // The runtime's Dag holds meta as its own property: it hides a getter of the class, and super.meta finds nothing.
      "class D extends Dag { get meta(): any { return { over: 1 }; } }\nconst dag = new D({ m: 1 });\ndag.task('a', { v: (dag.meta as any).m ?? 'none' });\n",
      "class D extends Dag { m() { return (super.meta as any)?.m ?? 'none'; } }\nconst dag = new D({ m: 7 });\ndag.task('a', { v: dag.m() });\n",
      "class D extends Dag {}\nconst dag = new D();\ndag.task('a', { is: D.isDag(dag) ? 1 : 0 });\ndag.task('b', {});\n",
    ];
    let shown = 0;
    for (const body of bodies) {
      const text = `${DSL}${body}export default dag;\n`;
      const r = repo({ 'main.alamode.ts': text });
      const result = await assertNoWrongOutputIn(r, 'main.alamode.ts', text);
      assert.ok(result.ran, body);
      shown += result.shown;
    }
    assert.ok(shown >= 5, `most of them are known (${shown} outputs shown)`);
  });

  test('state of its own on the Dag (a field, a property set in a method) is not modelled: unknown, never wrong', async () => {
    for (const body of [
      "class D extends Dag {\n  image = 'x';\n  add(n: string) { return this.task(n, { image: this.image }); }\n}\n",
      "class D extends Dag {\n  add(n: string) { (this as any).last = n; return this.task(n, { image: 'x' }); }\n}\n",
    ]) {
      const text = `${DSL}${body}const dag = new D();\ndag.add('a');\nexport default dag;\n`;
      const r = repo({ 'main.alamode.ts': text });
      assert.ok(await runIn(r, 'main.alamode.ts'), 'the module runs');
      const analysis = analyseIn(r, 'main.alamode.ts', text);
      const exported = analysis.dags.find((d) => d.isDefaultExport);
      assert.ok(!exported || exported.tainted || exported.tasks.every((t) => t.tainted), body);
      assert.ok(analysis.diagnostics.some((d) => d.code === 'not-static'), 'a warning says why');
    }
  });
});
