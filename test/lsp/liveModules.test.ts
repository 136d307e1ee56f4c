/**
 * Live across files (issue 8 §2), through the LSP: a pipeline's lenses follow its helpers as the editor
 * has them. An unsaved edit of a shared helper re-keys the pipelines that import it (and the server
 * asks for fresh lenses); closing it unsaved goes back to the disk; a change on disk reaches the server
 * as workspace/didChangeWatchedFiles. The expected IDs are `alamode encode`'s, run on a copy of the
 * repository with the same edit saved: the CLI executes the modules, the server never does.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { CodeLensRefreshRequest, CodeLensRequest, DefinitionRequest, DidChangeWatchedFilesNotification, DidCloseTextDocumentNotification, DidOpenTextDocumentNotification, FileChangeType, HoverRequest, LogMessageNotification, ReferencesRequest, RegistrationRequest, RenameRequest, UnregistrationRequest, type ClientCapabilities, type DidChangeWatchedFilesRegistrationOptions, type FileSystemWatcher, type LocationLink, type RelativePattern, type TextEdit } from 'vscode-languageserver-protocol';
import { URI } from 'vscode-uri';
import { AffectedPipelinesRequest } from '../../server/src/protocol';
import { alamode, encodedIds } from '../support/cli';
import { initRepo } from '../support/git';
import { repoRoot } from '../support/paths';
import { startTestClient, type TestClient } from './lspClient';

const NIGHTLY = 'pipelines/warehouse/nightly.alamode.ts';
const CHURN = 'pipelines/ml/churn.alamode.ts';
const IMAGES = 'pipelines/shared/images.ts';
const TABLES = 'pipelines/config/tables.json';
const OLD_TAG = 'python:3.12-2026.11';
const NEW_TAG = 'python:3.12-2026.12';

let client: TestClient;
let scratch: string;
let repo: string;
const refreshes = { count: 0 };

before(async () => {
  client = await startTestClient({ capabilities: { workspace: { codeLens: { refreshSupport: true }, didChangeWatchedFiles: { dynamicRegistration: false } } } });
  client.connection.onRequest(CodeLensRefreshRequest.method, () => {
    refreshes.count += 1;
    return null;
  });
  scratch = mkdtempSync(join(tmpdir(), 'alamode-lsp-live-'));
  repo = join(scratch, 'repo');
  cpSync(join(repoRoot, 'examples'), repo, { recursive: true });
});
after(() => {
  client.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** `alamode encode`'s IDs for a module of a copy of the examples with `edits` saved. */
function cliIds(module: string, edits: Record<string, [string, string]> = {}): Record<string, string> {
  const copy = mkdtempSync(join(scratch, 'cli-'));
  cpSync(join(repoRoot, 'examples'), copy, { recursive: true });
  for (const [file, [from, to]] of Object.entries(edits)) {
    const text = readFileSync(join(copy, file), 'utf8');
    assert.ok(text.includes(from), `${file} holds ${from}`);
    writeFileSync(join(copy, file), text.replaceAll(from, to));
  }
  return encodedIds(join(copy, module));
}

async function lensIds(uri: string, on = client): Promise<Record<string, string>> {
  const lenses = (await on.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }))!;
  return Object.fromEntries(lenses.filter((l) => l.command?.arguments).map((l) => [l.command!.arguments![1] as string, l.command!.arguments![0] as string]));
}

/** Polls the lenses until they equal `expected` (the server re-analyses after a pause in typing). */
async function lensesBecome(uri: string, expected: Record<string, string>, what: string, on = client): Promise<void> {
  const deadline = Date.now() + 20_000;
  let last: Record<string, string> = {};
  while (Date.now() < deadline) {
    last = await lensIds(uri, on);
    if (JSON.stringify(Object.entries(last).sort()) === JSON.stringify(Object.entries(expected).sort())) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.deepEqual(last, expected, what);
}

/**
 * A folder of `files` beside `config/pipeline.json` (stages load and clean), with its pipeline `module`
 * open: the lenses are the CLI's, and a stage added to the config on disk (reported by a watcher) adds
 * its task and re-keys `rekeyed`, as the CLI does.
 */
async function followsConfigOnDisk(prefix: string, files: Record<string, string>, module: string, tasks: string[], rekeyed: string, what: string): Promise<void> {
  const dir = mkdtempSync(join(scratch, prefix));
  const configPath = join(dir, 'config', 'pipeline.json');
  mkdirSync(dirname(configPath));
  writeFileSync(configPath, '{ "image": "py:3.12", "stages": ["load", "clean"] }');
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  const path = join(dir, module);
  const uri = await client.open(path);
  const before = encodedIds(path);
  assert.deepEqual(Object.keys(before).sort(), tasks);
  assert.deepEqual(await lensIds(uri), before);
  writeFileSync(configPath, '{ "image": "py:3.13", "stages": ["load", "clean", "dedupe"] }');
  await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(configPath).href, type: FileChangeType.Changed }] });
  const after = encodedIds(path);
  assert.ok('dedupe' in after && after[rekeyed] !== before[rekeyed]);
  await lensesBecome(uri, after, what);
}

async function waitFor(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A client that lets the server register file watchers, as VS Code does. */
const WATCHING = { workspace: { didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true } } } satisfies ClientCapabilities;

/**
 * Answers the server's registrations of `workspace/didChangeWatchedFiles` on `on`, and keeps those
 * standing: their patterns as [folder, pattern], and as the paths they name.
 */
function recordWatchers(on: TestClient): { patterns: () => (readonly [string, string])[]; paths: () => string[]; registrations: () => number } {
  const registered = new Map<string, FileSystemWatcher[]>();
  on.connection.onRequest(RegistrationRequest.type, (p) => {
    for (const r of p.registrations) if (r.method === DidChangeWatchedFilesNotification.method) registered.set(r.id, (r.registerOptions as DidChangeWatchedFilesRegistrationOptions).watchers);
  });
  on.connection.onRequest(UnregistrationRequest.type, (p) => {
    for (const u of p.unregisterations) registered.delete(u.id);
  });
  const patterns = () => [...registered.values()].flat().map((w) => w.globPattern as RelativePattern).map((g) => [URI.parse(typeof g.baseUri === 'string' ? g.baseUri : g.baseUri.uri).fsPath, g.pattern] as const);
  return { patterns, paths: () => patterns().map(([folder, pattern]) => join(folder, pattern)).sort(), registrations: () => registered.size };
}

/**
 * A client started in `folder` as VS Code starts one there: it watches files and asks for the
 * workspace's analysis at start. `analysed` waits for that and gives its line in the log.
 */
async function startPrimedClient(folder: string): Promise<{ client: TestClient; analysed: () => Promise<string>; watchers: ReturnType<typeof recordWatchers> }> {
  const client = await startTestClient({ workspaceFolders: [folder], capabilities: WATCHING, initializationOptions: { analyseWorkspaceOnStart: true } });
  const log: string[] = [];
  client.connection.onNotification(LogMessageNotification.type, (p) => { log.push(p.message); });
  const watchers = recordWatchers(client);
  const line = () => log.find((m) => m.startsWith('analysed '));
  const analysed = async () => {
    await waitFor('the workspace analysed', () => line() !== undefined);
    return line()!;
  };
  return { client, analysed, watchers };
}

describe('a shared helper edited, closed, and changed on disk', () => {
  test('both pipelines that import it re-key as it is typed, the editor is asked for lenses, and closing it unsaved goes back', async () => {
    const before = { nightly: cliIds(NIGHTLY), churn: cliIds(CHURN) };
    const edited = { nightly: cliIds(NIGHTLY, { [IMAGES]: [OLD_TAG, NEW_TAG] }), churn: cliIds(CHURN, { [IMAGES]: [OLD_TAG, NEW_TAG] }) };
    assert.notDeepEqual(before.nightly, edited.nightly, 'the edit re-keys tasks (else this test shows nothing)');

    const nightly = await client.open(join(repo, NIGHTLY));
    const churn = await client.open(join(repo, CHURN));
    assert.deepEqual(await client.diagnostics(nightly), [], 'a valid pipeline has no diagnostics');
    assert.deepEqual(await lensIds(nightly), before.nightly);
    assert.deepEqual(await lensIds(churn), before.churn);

    const imagesPath = join(repo, IMAGES);
    const saved = readFileSync(imagesPath, 'utf8');
    const images = await client.open(imagesPath);
    const refreshesBefore = refreshes.count;
    await client.change(images, saved.replace(OLD_TAG, NEW_TAG)); // unsaved: the disk still has the old tag
    await lensesBecome(nightly, edited.nightly, 'nightly follows the unsaved helper');
    await lensesBecome(churn, edited.churn, 'churn follows the unsaved helper');
    await waitFor('the server to ask the editor for fresh lenses', () => refreshes.count > refreshesBefore);
    assert.equal(readFileSync(imagesPath, 'utf8'), saved, 'nothing was written');

    await client.closeDocument(images);
    await lensesBecome(nightly, before.nightly, 'closed unsaved: back to the disk');
    await lensesBecome(churn, before.churn, 'closed unsaved: back to the disk');
  });

  test('a change on disk (a checkout) reaches the pipelines through didChangeWatchedFiles; JSON config too', async () => {
    const nightly = await client.open(join(repo, NIGHTLY));
    const tablesPath = join(repo, TABLES);
    const original = readFileSync(tablesPath, 'utf8');
    try {
      writeFileSync(tablesPath, original.replace('"payments"', '"payments",\n  "refunds"'));
      await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(tablesPath).href, type: FileChangeType.Changed }] });
      const expected = cliIds(NIGHTLY, { [TABLES]: ['"payments"', '"payments",\n  "refunds"'] });
      assert.ok('extract_refunds' in expected);
      await lensesBecome(nightly, expected, 'a table added in the JSON list adds its tasks');
    } finally {
      writeFileSync(tablesPath, original);
      await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(tablesPath).href, type: FileChangeType.Changed }] });
    }
    await lensesBecome(nightly, cliIds(NIGHTLY), 'and back');
  });

  test('config read with readFileSync (beside __dirname, import.meta.dirname, fileURLToPath(import.meta.url), or the pipeline\'s folder) shows the CLI\'s IDs, and follows the file on disk', async () => {
    await followsConfigOnDisk('fs-config-', {
      'stages.txt': 'report\n',
      'lib.ts': "import { readFileSync } from 'node:fs';\nimport { join } from 'node:path';\nexport const config = JSON.parse(readFileSync(join(__dirname, 'config', 'pipeline.json'), 'utf8'));\n",
      'fs.alamode.ts': `import { Dag } from 'a-la-mode';\nimport * as fs from 'node:fs';\nimport { basename, dirname, join } from 'node:path';\nimport { fileURLToPath } from 'node:url';\nimport { config } from './lib';\nconst dag = new Dag();\nconst again = JSON.parse(fs.readFileSync(import.meta.dirname + '/config/pipeline.json', { encoding: 'utf-8' }));\nconst here = dirname(fileURLToPath(import.meta.url));\nfor (const stage of config.stages) dag.task(stage, { image: again.image, from: fs.readFileSync(join(here, 'stages.txt'), 'utf8').length });\nfor (const stage of fs.readFileSync('stages.txt', 'utf8').split('\\n').filter(Boolean)) dag.task(stage, { image: config.image }).addDep(...config.stages);\nexport default dag;\n`,
    }, 'fs.alamode.ts', ['clean', 'load', 'report'], 'report', 'a stage added to the config read with readFileSync adds its task');
  });

  test('config read the ES module way (new URL(…, import.meta.url), await readFile of fs/promises in an async helper awaited where it is called) shows the CLI\'s IDs, and follows the file on disk', async () => {
    await followsConfigOnDisk('esm-config-', {
      'lib.ts': "import { readFile } from 'node:fs/promises';\nexport async function loadConfig(name: string) {\n  return JSON.parse(await readFile(new URL(`./config/${name}`, import.meta.url), 'utf8'));\n}\n",
      'esm.alamode.ts': "import { Dag } from 'a-la-mode';\nimport { readFileSync } from 'node:fs';\nimport { loadConfig } from './lib';\nconst dag = new Dag();\nconst config = await loadConfig('pipeline.json');\nconst again = JSON.parse(readFileSync(new URL('./config/pipeline.json', import.meta.url), 'utf8'));\nfor (const stage of config.stages) dag.task(stage, { image: again.image, n: config.stages.length });\nexport default dag;\n",
    }, 'esm.alamode.ts', ['clean', 'load'], 'load', 'a stage added to the config an async helper reads adds its task');
  });

  test('readFileSync of a file that is not there throws as it does when the CLI runs; a Buffer read, and a read after code not followed (which may have written the file), are unknown', async () => {
    const dir = mkdtempSync(join(scratch, 'fs-missing-'));
    writeFileSync(join(dir, 'c.json'), '{ "n": 1 }');
    const path = join(dir, 'missing.alamode.ts');
    writeFileSync(join(dir, 'gen.txt'), 'old');
    writeFileSync(path, "import { Dag } from 'a-la-mode';\nimport { readFileSync, writeFileSync } from 'node:fs';\nconst dag = new Dag();\nlet cfg: { image: string };\ntry { cfg = JSON.parse(readFileSync('missing.json', 'utf8')); } catch { cfg = { image: 'fallback' }; }\ndag.task('a', { image: cfg.image });\ndag.task('b', { n: readFileSync('c.json')[0] });\ndag.task('d', { n: JSON.parse(readFileSync('c.json') as unknown as string).n });\nwriteFileSync('gen.txt', 'new');\ndag.task('c', { v: readFileSync('gen.txt', 'utf8') });\nexport default dag;\n");
    const uri = await client.open(path);
    const r = alamode(['encode', path, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const cli = (JSON.parse(r.stdout) as { tasks: Record<string, { output: string }> }).tasks;
    const lenses = (await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }))!;
    // JSON.parse converts the Buffer to its text; reading a byte is not followed.
    assert.deepEqual(await lensIds(uri), { a: cli.a!.output, d: cli.d!.output });
    assert.ok(lenses.some((l) => /^output unknown: not static: readFileSync\('c\.json'\) is a Buffer/.test(l.command!.title)));
    // What code the analysis does not follow (here writeFileSync) may have written is not read from disk.
    assert.ok(lenses.some((l) => /^output unknown: not static: readFileSync\('gen\.txt', 'utf8'\) reads a file after code the analysis does not follow ran/.test(l.command!.title)));
  });

  test('an import that appears where the analysis looked (a new file) is picked up', async () => {
    const text = "import { Dag } from 'a-la-mode';\nimport { SHA } from './later';\nconst dag = new Dag();\ndag.task('t', { image: 'x', sha: SHA, command: 'c' });\nexport default dag;\n";
    const path = join(repo, 'pipelines', 'later.alamode.ts');
    writeFileSync(path, text);
    const uri = await client.open(path);
    const [warning] = await client.diagnostics(uri);
    assert.equal(warning?.code, 'not-static', 'a missing import is a warning on it');
    const helper = join(repo, 'pipelines', 'later.ts');
    writeFileSync(helper, "export const SHA = 'abc123';\n");
    await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(helper).href, type: FileChangeType.Created }] });
    const r = alamode(['encode', path, '--json']);
    assert.equal(r.status, 0, r.stderr);
    await lensesBecome(uri, { t: JSON.parse(r.stdout).tasks.t.output }, 'the new file is read');
    assert.deepEqual(await client.diagnosticsWhen(uri, (d) => d.length === 0), [], 'and the warning goes');
  });

  test('hover on a task a helper makes says where it is made', async () => {
    const path = join(repo, NIGHTLY);
    const text = readFileSync(path, 'utf8');
    const uri = await client.open(path, text);
    const at = text.indexOf('addQualityChecks(dag, tables)');
    const lines = text.slice(0, at).split('\n');
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: lines.length - 1, character: lines.at(-1)!.length + 2 } });
    const value = (hover?.contents as { value: string } | undefined)?.value ?? '';
    assert.match(value, /quality\.ts:\d+/, value);
    assert.match(value, /check_customers/, value);
  });
});

describe('navigation reaches task names in helpers', () => {
  const helperText = `import type { Dag } from 'a-la-mode';

export function addChecks(dag: Dag) {
  dag.task('report', { image: 'x', sha: '1', command: 'r' }).addDep('extract');
}
`;
  const pipelineText = `import { Dag } from 'a-la-mode';
import { addChecks } from './helper';

const dag = new Dag();
dag.task('extract', { image: 'x', sha: '1', command: 'e' });
addChecks(dag);
dag.task('publish', { image: 'x', sha: '1', command: 'p' }).addDep('report');
export default dag;
`;
  let dir: string;
  let uri: string;
  let helperUri: string;
  before(async () => {
    dir = mkdtempSync(join(scratch, 'nav-'));
    writeFileSync(join(dir, 'helper.ts'), helperText);
    writeFileSync(join(dir, 'main.alamode.ts'), pipelineText);
    helperUri = pathToFileURL(join(dir, 'helper.ts')).href;
    uri = await client.open(join(dir, 'main.alamode.ts'));
  });
  const at = (needle: string, into = 2) => {
    const offset = pipelineText.indexOf(needle) + into;
    const lines = pipelineText.slice(0, offset).split('\n');
    return { line: lines.length - 1, character: lines.at(-1)!.length };
  };
  const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length - 1;

  test('go to definition of a task a helper makes lands on its name in the helper', async () => {
    const links = (await client.connection.sendRequest(DefinitionRequest.type, { textDocument: { uri }, position: at("addDep('report')", "addDep('".length + 1) })) as LocationLink[];
    assert.equal(links.length, 1);
    assert.equal(links[0]!.targetUri, helperUri);
    assert.equal(links[0]!.targetSelectionRange.start.line, lineOf(helperText, "dag.task('report'"));
  });

  test('find references of a task includes the helper\'s addDep(\'extract\')', async () => {
    const refs = (await client.connection.sendRequest(ReferencesRequest.type, { textDocument: { uri }, position: at("'extract'"), context: { includeDeclaration: true } }))!;
    assert.deepEqual(refs.map((r) => [r.uri === helperUri ? 'helper' : r.uri === uri ? 'main' : r.uri, r.range.start.line]).sort(), [
      ['helper', lineOf(helperText, "addDep('extract')")],
      ['main', lineOf(pipelineText, "dag.task('extract'")],
    ]);
  });

  test('rename edits the helper too, and the renamed repository encodes with the new name wired through', async () => {
    const edit = (await client.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position: at("'extract'"), newName: 'extract_v2' }))!;
    const apply = (text: string, edits: TextEdit[] | undefined) => {
      const offsets = (p: { line: number; character: number }) => text.split('\n').slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
      return [...(edits ?? [])].sort((a, b) => offsets(b.range.start) - offsets(a.range.start))
        .reduce((t, e) => t.slice(0, offsets(e.range.start)) + e.newText + t.slice(offsets(e.range.end)), text);
    };
    assert.equal(edit.changes?.[helperUri]?.length, 1, 'one edit in the helper');
    const renamed = mkdtempSync(join(scratch, 'renamed-'));
    writeFileSync(join(renamed, 'helper.ts'), apply(helperText, edit.changes?.[helperUri]));
    writeFileSync(join(renamed, 'main.alamode.ts'), apply(pipelineText, edit.changes?.[uri]));
    const r = alamode(['encode', join(renamed, 'main.alamode.ts'), '--json']);
    assert.equal(r.status, 0, r.stderr);
    const tasks = JSON.parse(r.stdout).tasks;
    assert.deepEqual(Object.keys(tasks).sort(), ['extract_v2', 'publish', 'report']);
    assert.deepEqual(Object.keys(tasks.report.inputs), ['extract_v2']);
  });

  test('hover on the helper\'s call says where its task is made', async () => {
    const hover = await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: at('addChecks(dag)') });
    const value = (hover?.contents as { value: string } | undefined)?.value ?? '';
    assert.match(value, new RegExp(`\\[helper\\.ts:${lineOf(helperText, "dag.task('report'") + 1}\\]\\(${helperUri.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}#L\\d+\\)`), value);
  });
});

describe('what a helper edit does to every pipeline (alamode/affectedPipelines)', () => {
  test('an unsaved image bump: the two pipelines that read it, each diffed against HEAD with its helpers as committed, as the CLI diffs the saved edit', async () => {
    const git = initRepo(scratch);
    cpSync(join(repoRoot, 'examples'), git.dir, { recursive: true });
    git.git('add', '.');
    git.git('commit', '-qm', 'pipelines');
    const candidates = [NIGHTLY, CHURN, 'pipelines/collage.alamode.ts'].map((m) => pathToFileURL(join(git.dir, m)).href);
    const imagesPath = join(git.dir, IMAGES);
    const saved = readFileSync(imagesPath, 'utf8');
    const images = await client.open(imagesPath, saved.replace(OLD_TAG, NEW_TAG));

    const answer = await client.connection.sendRequest(AffectedPipelinesRequest.type, { uri: images, candidates });
    assert.deepEqual(answer.skipped, []);
    assert.deepEqual(answer.pipelines.map((p) => p.uri), [candidates[1], candidates[0]], 'churn and nightly (sorted), not collage');

    // The CLI, on the same edit saved (the server never wrote it): the whole repository's diff.
    writeFileSync(imagesPath, saved.replace(OLD_TAG, NEW_TAG));
    const cli = alamode(['diff', '--json'], git.dir);
    writeFileSync(imagesPath, saved);
    assert.equal(cli.status, 0, cli.stderr);
    const byModule = new Map((JSON.parse(cli.stdout).modules as { module: string; diff: { tasks: { name: string; status: string; oldOutput?: string; newOutput?: string }[] } }[]).map((m) => [m.module, m.diff]));
    for (const [module, p] of [[CHURN, answer.pipelines[0]!], [NIGHTLY, answer.pipelines[1]!]] as const) {
      assert.equal(p.result.kind, 'diff', JSON.stringify(p.result));
      if (p.result.kind !== 'diff') continue;
      assert.deepEqual(p.result.unknown, [], `${module}: every task known on both sides (the base read its helpers at HEAD)`);
      const shown = p.result.diff.tasks.map((t) => [t.name, t.status, t.oldOutput, t.newOutput]);
      const expected = byModule.get(module)!.tasks.map((t) => [t.name, t.status, t.oldOutput, t.newOutput]);
      assert.deepEqual(shown, expected, module);
    }
    await client.closeDocument(images);
  });
});

describe('files a pipeline reads that the client does not watch itself', () => {
  test('the server asks the client to watch them (a .sql file hashed for a code tag, a helper outside the workspace folder), and a save reaches the lenses', async () => {
    const dir = mkdtempSync(join(scratch, 'watch-'));
    const outside = mkdtempSync(join(scratch, 'outside-'));
    // The client watches what may be imported in the workspace's folder only.
    const watching = await startTestClient({ workspaceFolders: [dir], capabilities: WATCHING });
    const watched = recordWatchers(watching).paths;
    try {
      writeFileSync(join(outside, 'image.ts'), "export const image = 'py';\n");
      writeFileSync(join(dir, 'transform.sql'), 'SELECT 1;\n');
      writeFileSync(join(dir, 'other.sql'), 'SELECT 2;\n');
      writeFileSync(join(dir, 'config.json'), '{ "image": "py" }');
      writeFileSync(join(dir, 'lib.ts'), "import { createHash } from 'node:crypto';\nimport { readFileSync } from 'node:fs';\nimport { join } from 'node:path';\nexport const codeOf = (file: string) => createHash('sha256').update(readFileSync(join(__dirname, file), 'utf8')).digest('hex');\n");
      const pipeline = (sql: string) => `import { Dag } from 'a-la-mode';\nimport config from './config.json';\nimport { codeOf } from './lib';\nimport { image } from '../${basename(outside)}/image';\nconst dag = new Dag();\ndag.task('transform', { image: config.image + image, code: codeOf('${sql}') });\nexport default dag;\n`;
      const path = join(dir, 'watch.alamode.ts');
      writeFileSync(path, pipeline('transform.sql'));
      const uri = await watching.open(path);
      await watching.diagnostics(uri);
      await waitFor('a watcher on transform.sql', () => watched().includes(join(dir, 'transform.sql')));
      // Only what the client does not watch itself: no module, no JSON in the workspace's folder; outside
      // it the helper, and what its import looked for first (a .tsx made beside it would be read instead),
      // but not the configuration looked for up to the root.
      const modules = watched().filter((p) => /\.(tsx?|json)$/.test(p));
      assert.ok(modules.length > 0 && modules.every((p) => p.startsWith(outside + '/') && !/(ts|js)config\.json$|package\.json$/.test(p)), modules.join(', '));
      assert.ok(modules.includes(join(outside, 'image.ts')) && modules.includes(join(outside, 'image.tsx')), modules.join(', '));
      const cli = () => encodedIds(path).transform!;
      const before = cli();
      assert.deepEqual(await lensIds(uri, watching), { transform: before });
      writeFileSync(join(dir, 'transform.sql'), 'SELECT 1 AS changed;\n');
      await watching.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(join(dir, 'transform.sql')).href, type: FileChangeType.Changed }] });
      const after = cli();
      assert.notEqual(after, before);
      await lensesBecome(uri, { transform: after }, 'the saved query changes the lens', watching);
      // Reading another file instead: that one is watched, the first no longer.
      await watching.change(uri, pipeline('other.sql'));
      await watching.diagnostics(uri);
      await waitFor('the watchers follow what is read', () => watched().includes(join(dir, 'other.sql')) && !watched().includes(join(dir, 'transform.sql')));
    } finally {
      watching.close();
    }
  });

  test('a folder a pipeline lists (readdirSync) is watched, and a query added there adds its task; a config made where existsSync looked is read', async () => {
    const watching = await startTestClient({ capabilities: { workspace: { ...WATCHING.workspace, codeLens: { refreshSupport: true } } } });
    const recorded = recordWatchers(watching);
    const watchers = recorded.patterns;
    watching.connection.onRequest(CodeLensRefreshRequest.method, () => null);
    try {
      const dir = mkdtempSync(join(scratch, 'listing-'));
      mkdirSync(join(dir, 'queries'));
      writeFileSync(join(dir, 'queries', 'orders.sql'), 'SELECT * FROM orders;\n');
      writeFileSync(join(dir, 'queries', 'users.sql'), 'SELECT * FROM users;\n');
      writeFileSync(join(dir, 'queries', 'README.md'), 'not a query\n');
      writeFileSync(join(dir, 'defaults.json'), '{ "image": "warehouse:1" }');
      const path = join(dir, 'listing.alamode.ts');
      writeFileSync(path, "import { Dag } from 'a-la-mode';\nimport { existsSync, readdirSync, readFileSync } from 'node:fs';\nimport { join } from 'node:path';\nconst configFile = existsSync(join(__dirname, 'local.json')) ? 'local.json' : 'defaults.json';\nconst { image } = JSON.parse(readFileSync(join(__dirname, configFile), 'utf8'));\nconst dag = new Dag();\nconst load = dag.task('load', { image, command: 'load' });\nfor (const file of readdirSync(join(__dirname, 'queries')).filter((f) => f.endsWith('.sql'))) {\n  dag.task(file.replace(/\\.sql$/, ''), { image, sql: readFileSync(join(__dirname, 'queries', file), 'utf8') }).addDep(load);\n}\nexport default dag;\n");
      const cli = () => encodedIds(path);
      const uri = await watching.open(path);
      const ids = () => lensIds(uri, watching);
      const become = (expected: Record<string, string>, what: string) => lensesBecome(uri, expected, what, watching);
      const before = cli();
      assert.deepEqual(Object.keys(before).sort(), ['load', 'orders', 'users']);
      assert.deepEqual(await ids(), before, 'a task per query, with the CLI\'s IDs');
      await watching.diagnostics(uri);
      await waitFor('a watcher on the listed folder', () => watchers().some(([base, pattern]) => base === join(dir, 'queries') && pattern === '*'));

      writeFileSync(join(dir, 'queries', 'events.sql'), 'SELECT * FROM events;\n');
      await watching.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(join(dir, 'queries', 'events.sql')).href, type: FileChangeType.Created }] });
      const added = cli();
      assert.deepEqual(Object.keys(added).sort(), ['events', 'load', 'orders', 'users']);
      await become(added, 'the new query adds its task');

      writeFileSync(join(dir, 'local.json'), '{ "image": "warehouse:2" }');
      await watching.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(join(dir, 'local.json')).href, type: FileChangeType.Created }] });
      const local = cli();
      assert.notEqual(local.load, added.load);
      await become(local, 'the config made where existsSync looked is the one read');
      // The config now read is watched too, and the watchers it replaced are gone.
      await waitFor('the watchers to follow the config read', () => watchers().some(([folder, pattern]) => folder === dir && pattern === 'local.json') && recorded.registrations() === 1);
    } finally {
      watching.close();
    }
  });
});

describe('the workspace analysed when the server starts (analyseWorkspaceOnStart)', () => {
  test('modules opened later show the IDs of what is on disk and in the editor then, not of what was analysed at start', async () => {
    const copy = mkdtempSync(join(scratch, 'primed-'));
    cpSync(join(repoRoot, 'examples'), copy, { recursive: true });
    const pipelines = readdirSync(copy, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.alamode.ts') && !f.includes('node_modules'));
    const { client: primed, analysed } = await startPrimedClient(copy);
    const cli = (module: string) => encodedIds(join(copy, module));
    try {
      assert.match(await analysed(), new RegExp(`^analysed ${pipelines.length} pipeline modules of the workspace in \\d+ ms$`));

      // Opened as it is on disk.
      const nightlyPath = join(copy, NIGHTLY);
      assert.deepEqual(await lensIds(await primed.open(nightlyPath), primed), cli(NIGHTLY));

      // A helper saved by another tool after the start (the client's watcher reports it), then a module opened.
      const imagesPath = join(copy, IMAGES);
      const churnBefore = cli(CHURN);
      writeFileSync(imagesPath, readFileSync(imagesPath, 'utf8').replaceAll(OLD_TAG, NEW_TAG));
      await primed.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(imagesPath).href, type: FileChangeType.Changed }] });
      const churnAfter = cli(CHURN);
      assert.notDeepEqual(churnAfter, churnBefore, 'the saved helper re-keys churn (else this shows nothing)');
      assert.deepEqual(await lensIds(await primed.open(join(copy, CHURN)), primed), churnAfter);

      // A helper opened with unsaved edits (the editor restoring them): the modules reading it follow the editor.
      const collage = pipelines.find((p) => p.endsWith('collage.alamode.ts'))!;
      const tablesPath = join(copy, TABLES);
      const tables = readFileSync(tablesPath, 'utf8');
      const unsaved = tables.replace(/"([a-z_]+)"/, '"$1_v2"');
      assert.notEqual(unsaved, tables);
      const nightlyBefore = cli(NIGHTLY);
      writeFileSync(tablesPath, unsaved);
      const nightlyUnsaved = cli(NIGHTLY);
      writeFileSync(tablesPath, tables);
      assert.notDeepEqual(nightlyUnsaved, nightlyBefore, 'the tables edit re-keys nightly (else this shows nothing)');
      await primed.open(tablesPath, unsaved, 'json');
      await lensesBecome(pathToFileURL(nightlyPath).href, nightlyUnsaved, 'nightly follows the unsaved tables', primed);
      // A module nobody changed, opened as on disk, keeps what the start analysed.
      assert.deepEqual(await lensIds(await primed.open(join(copy, collage)), primed), cli(collage));
    } finally {
      primed.close();
    }
  });

  test('changes no watcher reported (a file outside the watch, a checkout before the watchers): what was analysed at start is checked before it is shown', async () => {
    const copy = mkdtempSync(join(scratch, 'unwatched-'));
    cpSync(join(repoRoot, 'examples'), copy, { recursive: true });
    // The client reports no change: every change below is one no watcher saw.
    const { client: primed, analysed } = await startPrimedClient(copy);
    const cli = (module: string) => encodedIds(join(copy, module));
    try {
      await analysed();
      const nightlyBefore = cli(NIGHTLY);

      // The tables changed on disk: nightly, opened as it is on disk, shows what it reads now.
      const tablesPath = join(copy, TABLES);
      writeFileSync(tablesPath, readFileSync(tablesPath, 'utf8').replace(/"([a-z_]+)"/, '"$1_v2"'));
      const nightlyNow = cli(NIGHTLY);
      assert.notDeepEqual(nightlyNow, nightlyBefore, 'the tables edit re-keys nightly (else this shows nothing)');
      assert.deepEqual(await lensIds(await primed.open(join(copy, NIGHTLY)), primed), nightlyNow);

      // The images helper changed on disk, then opened as it now is (a checkout, then a click): churn,
      // which read the old helper at start, shows the new one when opened.
      const imagesPath = join(copy, IMAGES);
      const images = readFileSync(imagesPath, 'utf8');
      const churnOld = cli(CHURN);
      writeFileSync(imagesPath, images.replaceAll(OLD_TAG, NEW_TAG));
      const churnNow = cli(CHURN);
      assert.notDeepEqual(churnNow, churnOld, 'the helper edit re-keys churn (else this shows nothing)');
      const imagesUri = await primed.open(imagesPath);
      const churnUri = await primed.open(join(copy, CHURN));
      assert.deepEqual(await lensIds(churnUri, primed), churnNow);

      // The helper opened again without a close (a client re-sending it), with the old text: churn follows.
      await primed.open(imagesPath, images);
      await lensesBecome(churnUri, churnOld, 'churn follows the helper as opened the second time', primed);
      // Closed unsaved: back to the disk's.
      await primed.closeDocument(imagesUri);
      await lensesBecome(churnUri, churnNow, 'churn goes back to the helper on disk', primed);
    } finally {
      primed.close();
    }
  });

  test('a symbolic link retargeted after the start, to a folder whose helper reads the same (no watcher reports it): a module reading through it shows what it reaches now', async () => {
    const dir = mkdtempSync(join(scratch, 'relinked-'));
    // Two releases of one helper, the same text; what it reads beside itself (from its real folder) differs.
    for (const release of ['v1', 'v2']) {
      mkdirSync(join(dir, 'releases', release), { recursive: true });
      writeFileSync(join(dir, 'releases', release, 'steps.ts'), "import { readFileSync } from 'node:fs';\nimport { join } from 'node:path';\nexport const RELEASE = readFileSync(join(__dirname, 'release.txt'), 'utf8').trim();\n");
      writeFileSync(join(dir, 'releases', release, 'release.txt'), `${release}\n`);
    }
    symlinkSync(join(dir, 'releases', 'v1'), join(dir, 'current'));
    const path = join(dir, 'relinked.alamode.ts');
    writeFileSync(path, "import { Dag } from 'a-la-mode';\nimport { RELEASE } from './current/steps';\nconst dag = new Dag();\ndag.task('load', { image: 'x', release: RELEASE });\nexport default dag;\n");
    const before = encodedIds(path);
    const { client: primed, analysed } = await startPrimedClient(dir);
    try {
      await analysed();
      rmSync(join(dir, 'current'));
      symlinkSync(join(dir, 'releases', 'v2'), join(dir, 'current'));
      const now = encodedIds(path);
      assert.notDeepEqual(now, before, 'the release re-keys the task (else this shows nothing)');
      assert.deepEqual(await lensIds(await primed.open(path), primed), now);
    } finally {
      primed.close();
    }
  });

  test('the watchers on what open pipelines read come before those on what the start analysed, beyond the bound of 1,000', async () => {
    const dir = mkdtempSync(join(scratch, 'bound-'));
    mkdirSync(join(dir, 'rows'));
    for (let i = 0; i < 1_005; i++) writeFileSync(join(dir, 'rows', `r${String(i).padStart(4, '0')}.txt`), `${i}\n`);
    // A pipeline nobody opens, reading 1,005 files (each one a watcher), and one that is opened.
    writeFileSync(join(dir, 'many.alamode.ts'), "import { Dag } from 'a-la-mode';\nimport { readdirSync, readFileSync } from 'node:fs';\nimport { join } from 'node:path';\nconst dag = new Dag();\nconst rows = readdirSync(join(__dirname, 'rows')).map((f) => readFileSync(join(__dirname, 'rows', f), 'utf8'));\ndag.task('rows', { image: 'x', rows: rows.join('') });\nexport default dag;\n");
    writeFileSync(join(dir, 'query.sql'), 'SELECT 1;\n');
    const openedPath = join(dir, 'opened.alamode.ts');
    writeFileSync(openedPath, "import { Dag } from 'a-la-mode';\nimport { readFileSync } from 'node:fs';\nimport { join } from 'node:path';\nconst dag = new Dag();\ndag.task('query', { image: 'x', sql: readFileSync(join(__dirname, 'query.sql'), 'utf8') });\nexport default dag;\n");
    // The start takes the most recently changed first: the pipeline reading 1,005 files, then the other.
    const past = new Date(Date.now() - 60_000);
    utimesSync(openedPath, past, past);
    const { client: primed, analysed, watchers } = await startPrimedClient(dir);
    try {
      assert.match(await analysed(), /^analysed 2 /);
      await waitFor('the start\'s watchers', () => watchers.paths().length === 1_000);
      const uri = await primed.open(openedPath);
      await primed.diagnostics(uri);
      // The replaced watchers unregistered too (they would count beyond the 1,000).
      await waitFor('a watcher on the open pipeline\'s query among the 1,000', () => watchers.paths().length === 1_000 && watchers.paths().includes(join(dir, 'query.sql')));
    } finally {
      primed.close();
    }
  });

  test('a client that spells a file\'s URI otherwise (@ for %40) has it once among the pipelines a rename edits', async () => {
    const root = mkdtempSync(join(scratch, 'alias-'));
    const folder = join(root, '@scope');
    mkdirSync(folder);
    writeFileSync(join(folder, 'p.alamode.ts'), "import { Dag } from 'a-la-mode';\nexport const dag = new Dag({ name: 'p' });\ndag.task('fetch', { image: 'py' });\nexport default dag;\n");
    writeFileSync(join(folder, 'q.alamode.ts'), "import { dag } from './p.alamode';\ndag.task('more', { image: 'py' }).addDep('fetch');\nexport default dag;\n");
    const { client: primed, analysed } = await startPrimedClient(folder);
    try {
      await analysed();
      // The test client names documents as pathToFileURL does: '@scope', where URI.file writes '%40scope'.
      const pUri = await primed.open(join(folder, 'p.alamode.ts'));
      const qUri = await primed.open(join(folder, 'q.alamode.ts'));
      assert.ok(pUri.includes('/@scope/'));
      await primed.diagnostics(qUri);
      const edit = await primed.connection.sendRequest(RenameRequest.type, { textDocument: { uri: pUri }, position: { line: 2, character: 11 }, newName: 'fetch2' });
      const files = Object.keys(edit?.changes ?? {}).map((u) => URI.parse(u).fsPath).sort();
      assert.deepEqual(files, [join(folder, 'p.alamode.ts'), join(folder, 'q.alamode.ts')]);
    } finally {
      primed.close();
    }
  });

  test('a workspace of more pipelines than the start analyses (200): the start stops there', async () => {
    const many = mkdtempSync(join(scratch, 'many-'));
    for (let i = 0; i < 203; i++) writeFileSync(join(many, `p${i}.alamode.ts`), `import { Dag } from 'a-la-mode';\nconst dag = new Dag();\ndag.task('t${i}', { image: 'x' });\nexport default dag;\n`);
    const { client: primed, analysed } = await startPrimedClient(many);
    try {
      assert.match(await analysed(), /^analysed 200 pipeline modules of the workspace in \d+ ms$/);
    } finally {
      primed.close();
    }
  });
});

describe('what pipelines read of a file is its own document, and the disk for what lists or looks for it', () => {
  test('a git: view of a helper (the left side of a diff) changes nothing pipelines read, opened or closed', async () => {
    const dir = mkdtempSync(join(scratch, 'views-'));
    const helper = (tag: string) => `export const tag = '${tag}';\n`;
    writeFileSync(join(dir, 'tag.ts'), helper('on disk'));
    const path = join(dir, 'q.alamode.ts');
    writeFileSync(path, "import { Dag } from 'a-la-mode';\nimport { tag } from './tag';\nconst dag = new Dag();\ndag.task('q', { image: 'x', tag });\nexport default dag;\n");
    const cli = () => encodedIds(path).q!;
    const onDisk = cli();
    writeFileSync(join(dir, 'tag.ts'), helper('unsaved'));
    const unsaved = cli();
    writeFileSync(join(dir, 'tag.ts'), helper('on disk'));
    assert.notEqual(unsaved, onDisk);
    const views = await startTestClient({ workspaceFolders: [dir] });
    const gitUri = `git:${join(dir, 'tag.ts')}?${encodeURIComponent(JSON.stringify({ path: join(dir, 'tag.ts'), ref: 'HEAD' }))}`;
    const openView = () => views.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: gitUri, languageId: 'typescript', version: 1, text: helper('at HEAD') } });
    const closeView = () => views.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: gitUri } });
    try {
      const uri = await views.open(path);
      assert.deepEqual(await lensIds(uri, views), { q: onDisk });
      await openView();
      await views.diagnostics(uri);
      assert.deepEqual(await lensIds(uri, views), { q: onDisk }, 'a git: view is not the helper');
      await closeView();
      // The helper itself open with unsaved edits; a view opened and closed beside it takes nothing away.
      await views.open(join(dir, 'tag.ts'), helper('unsaved'));
      await lensesBecome(uri, { q: unsaved }, 'the open helper is what q reads', views);
      await openView();
      await closeView();
      await views.diagnostics(uri);
      assert.deepEqual(await lensIds(uri, views), { q: unsaved }, 'closing the view leaves the open helper');
    } finally {
      views.close();
    }
  });

  test('a file removed on disk while it is open: existsSync answers from the disk, and the lenses follow', async () => {
    const dir = mkdtempSync(join(scratch, 'present-'));
    writeFileSync(join(dir, 'local.json'), '{ "image": "local" }');
    const path = join(dir, 'p.alamode.ts');
    writeFileSync(path, "import { Dag } from 'a-la-mode';\nimport { existsSync, readdirSync } from 'node:fs';\nimport { join } from 'node:path';\nconst dag = new Dag();\ndag.task('t', { image: existsSync(join(__dirname, 'local.json')) ? 'local' : 'default', files: readdirSync(__dirname).length });\nexport default dag;\n");
    const cli = () => encodedIds(path).t!;
    const before = cli();
    const present = await startTestClient({ workspaceFolders: [dir], capabilities: WATCHING });
    recordWatchers(present);
    try {
      const uri = await present.open(path);
      await present.open(join(dir, 'local.json'), '{ "image": "local" }', 'json');
      assert.deepEqual(await lensIds(uri, present), { t: before });
      rmSync(join(dir, 'local.json'));
      const after = cli();
      assert.notEqual(after, before, 'removing local.json re-keys t (else this shows nothing)');
      await present.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(join(dir, 'local.json')).href, type: FileChangeType.Deleted }] });
      await lensesBecome(uri, { t: after }, 'the file removed under its open document', present);
    } finally {
      present.close();
    }
  });
});

describe('a client that watches no files (Neovim 0.7)', () => {
  test('an open pipeline follows a helper changed on disk with no event at all (a checkout): its model is checked when used', async () => {
    const neovim = await startTestClient();
    try {
      const dir = mkdtempSync(join(scratch, 'no-watchers-'));
      const helper = join(dir, 'images.ts');
      writeFileSync(helper, "export const PY = 'python:3.12';\n");
      const path = join(dir, 'unwatched.alamode.ts');
      writeFileSync(path, "import { Dag } from 'a-la-mode';\nimport { PY } from './images';\nconst dag = new Dag();\ndag.task('load', { image: PY, command: ['load'] });\nexport default dag;\n");
      const uri = await neovim.open(path);
      const before = encodedIds(path);
      assert.deepEqual(await lensIds(uri, neovim), before);
      writeFileSync(helper, "export const PY = 'python:3.13';\n");
      const after = encodedIds(path);
      assert.notDeepEqual(after, before);
      await lensesBecome(uri, after, 'the helper as the disk has it now', neovim);
    } finally {
      neovim.close();
    }
  });
});
