/**
 * Remembered lenses (`server/src/lsp/lensMemory.ts`), through the built server process as VS Code
 * starts it: a server opening a pipeline another server analysed shows that analysis' lenses at once,
 * titled, then analyses it and asks for the lenses again; whatever the analysis read that changed in
 * between (a helper, a JSON config, a folder's listing, a symbolic link retargeted, the module itself)
 * means nothing is recalled. Expected IDs are `alamode encode`'s, run on the files as they are.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { CodeLensRequest, CodeLensResolveRequest, DidChangeWatchedFilesNotification, DidOpenTextDocumentNotification, FileChangeType, PublishDiagnosticsNotification, type CodeLens, type PublishDiagnosticsParams } from 'vscode-languageserver-protocol/node';
import { generateLargeModule } from '../analysis/generate';
import { encodedIds } from '../support/cli';
import { waitFor } from '../support/engine';
import { scratchFolder } from '../support/paths';
import { startServerProcess, type ServerProcess } from '../support/serverProcess';

const scratch = scratchFolder('alamode-lens-memory-');
after(() => scratch.remove());

const RECALLED = /^lenses of .* recalled from an earlier analysis/;

/** IDs by task name of a lens list, resolving what is listed untitled (as VS Code does on screen). */
async function idsOf(server: ServerProcess, lenses: CodeLens[]): Promise<Record<string, string>> {
  const titled = await Promise.all(lenses.map((l) => (l.command ? l : server.connection.sendRequest(CodeLensResolveRequest.type, l))));
  return Object.fromEntries(titled.filter((l) => l.command?.arguments).map((l) => [l.command!.arguments![1] as string, l.command!.arguments![0] as string]));
}

interface Session {
  /** The first lens list's IDs, and whether it came titled (recalled lists do). */
  readonly first: Record<string, string>;
  readonly firstTitled: boolean;
  /** The IDs once the server has analysed the module itself. */
  readonly analysed: Record<string, string>;
  readonly log: string[];
  /** The diagnostics published first. */
  readonly firstDiagnostics: PublishDiagnosticsParams;
}

/**
 * A fresh server (memory in `cache`) opens the module as it is on disk, as VS Code starts it and asks;
 * with `folder`, started in that workspace folder, which it analyses at start, as VS Code starts it.
 */
async function session(cache: string, path: string, env: Record<string, string> = {}, folder?: string): Promise<Session> {
  const server = await startServerProcess({
    env: { ALAMODE_CODE_CACHE: cache, ...env },
    initializationOptions: { resolveLenses: true, analyseWorkspaceOnStart: folder !== undefined },
    refreshesLenses: true,
    ...(folder ? { workspaceFolders: [folder], watchesFiles: true } : {}),
  });
  try {
    const published: PublishDiagnosticsParams[] = [];
    server.connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
      published.push(p);
    });
    const uri = pathToFileURL(path).href;
    await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'typescript', version: 1, text: readFileSync(path, 'utf8') } });
    const listed = (await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }))!;
    const first = await idsOf(server, listed);
    const firstTitled = listed.length > 0 && listed.every((l) => l.command !== undefined);
    // Recalled: the server analyses the module right after, then asks the editor for its lenses again.
    if (server.log.some((m) => RECALLED.test(m))) await waitFor('the server to ask for lenses again', () => server.lensRefreshes() > 0, 20_000);
    const analysed = await idsOf(server, (await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }))!);
    const firstDiagnostics = await waitFor('diagnostics', () => published[0], 20_000);
    const log = [...server.log];
    assert.equal(await server.stop(), 0);
    return { first, firstTitled, analysed, log, firstDiagnostics };
  } finally {
    server.process.kill();
  }
}

/** A repository whose pipeline reads a helper, a symlinked helper folder, a JSON config and a folder's listing. */
function repository(name: string): { dir: string; pipeline: string } {
  const dir = join(scratch.dir, name);
  const write = (file: string, text: string) => {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), text);
  };
  write('lib/images.ts', "export const PY = 'python:3.12';\n");
  write('config/tables.json', '["orders", "payments"]\n');
  write('queries/orders.sql', 'select 1\n');
  // The same helper in two releases; only the file beside it, read from its own folder, differs.
  const steps = "import { readFileSync } from 'node:fs';\nimport { join } from 'node:path';\nexport const RELEASE = readFileSync(join(__dirname, 'release.txt'), 'utf8').trim();\n";
  write('releases/v1/steps.ts', steps);
  write('releases/v1/release.txt', 'v1\n');
  write('releases/v2/steps.ts', steps);
  write('releases/v2/release.txt', 'v2\n');
  symlinkSync(join(dir, 'releases', 'v1'), join(dir, 'current'));
  write('nightly.alamode.ts', [
    "import { Dag } from 'a-la-mode';",
    "import { readdirSync, readFileSync } from 'node:fs';",
    "import { join } from 'node:path';",
    "import { PY } from './lib/images';",
    "import { RELEASE } from './current/steps';",
    "const tables: string[] = JSON.parse(readFileSync(join(__dirname, 'config', 'tables.json'), 'utf8'));",
    "const queries = readdirSync(join(__dirname, 'queries')).sort();",
    'const dag = new Dag({ name: \'nightly\' });',
    "const load = dag.task('load', { image: PY, command: ['load'], release: RELEASE });",
    "for (const t of tables) dag.task(`extract_${t}`, { image: PY, command: ['extract', t], queries }).addDep(load);",
    // Not encoded: its problem is a warning, and the CLI encodes the default export alone.
    "const drafts = new Dag({ name: 'drafts' });",
    "drafts.task('report', { image: PY, command: ['report'] }).addDep('missing_task');",
    'export default dag;',
    '',
  ].join('\n'));
  return { dir, pipeline: join(dir, 'nightly.alamode.ts') };
}

test('a fresh server reopening a pipeline shows the lenses and diagnostics remembered by the last one at once, the CLI\'s IDs; then analyses it and asks for the lenses again', async () => {
  const cache = join(scratch.dir, 'cache-recall');
  const { pipeline } = repository('recall');
  const expected = encodedIds(pipeline);
  assert.deepEqual(Object.keys(expected).sort(), ['extract_orders', 'extract_payments', 'load']);

  const firstServer = await session(cache, pipeline);
  assert.ok(!firstServer.log.some((m) => RECALLED.test(m)), firstServer.log.join('\n'));
  assert.deepEqual(firstServer.first, expected);
  assert.equal(firstServer.firstTitled, false, 'VS Code\'s list is untitled, resolved on screen');
  assert.equal(readdirSync(join(cache, 'lenses')).filter((f) => f.endsWith('.json')).length, 1, 'remembered at shutdown');

  const secondServer = await session(cache, pipeline);
  assert.ok(secondServer.log.some((m) => RECALLED.test(m)), secondServer.log.join('\n'));
  assert.equal(secondServer.firstTitled, true, 'recalled lenses come titled');
  assert.deepEqual(secondServer.first, expected);
  assert.deepEqual(secondServer.analysed, expected);
  // The unknown dependency's diagnostic, recalled with the lenses, as the analysis gives it.
  assert.deepEqual(secondServer.firstDiagnostics.diagnostics, firstServer.firstDiagnostics.diagnostics);
  assert.ok(secondServer.firstDiagnostics.diagnostics.some((d) => typeof d.message === 'string' && d.message.includes('missing_task')), JSON.stringify(secondServer.firstDiagnostics));
});

test('nothing is recalled once anything the analysis read has changed: a helper, a JSON config, a folder\'s listing, a symbolic link retargeted, the module itself', async () => {
  const cache = join(scratch.dir, 'cache-changes');
  const { dir, pipeline } = repository('changes');
  let before = (await session(cache, pipeline)).analysed;
  assert.deepEqual(before, encodedIds(pipeline));
  const changes: [string, () => void, RegExp][] = [
    ['a helper', () => writeFileSync(join(dir, 'lib/images.ts'), "export const PY = 'python:3.13';\n"), /a file it reads changed since/],
    ['a JSON config', () => writeFileSync(join(dir, 'config/tables.json'), '["orders", "refunds"]\n'), /a file it reads changed since/],
    ['a folder listed', () => writeFileSync(join(dir, 'queries/refunds.sql'), 'select 2\n'), /a file it reads changed since/],
    ['a symbolic link retargeted (the helper it reaches is the same text, in another folder)', () => {
      rmSync(join(dir, 'current'));
      symlinkSync(join(dir, 'releases', 'v2'), join(dir, 'current'));
    }, /a file it reads changed since/],
    ['the module', () => writeFileSync(pipeline, readFileSync(pipeline, 'utf8').replace("command: ['load']", "command: ['load', '--all']")), /remembered for another text/],
  ];
  for (const [what, change, why] of changes) {
    change();
    const expected = encodedIds(pipeline);
    assert.notDeepEqual(expected, before, `${what}: the change re-keys the pipeline`);
    const run = await session(cache, pipeline);
    assert.ok(!run.log.some((m) => RECALLED.test(m)), `${what}: ${run.log.join('\n')}`);
    assert.ok(run.log.some((m) => why.test(m)), `${what}: ${run.log.join('\n')}`);
    assert.deepEqual(run.first, expected, what);
    assert.deepEqual(run.analysed, expected, what);
    before = expected;
  }
});

test('a damaged memory, another build\'s, or one turned off (ALAMODE_LENS_MEMORY=off) only means the lenses wait for the analysis', async () => {
  const cache = join(scratch.dir, 'cache-damaged');
  const { pipeline } = repository('damaged');
  const expected = encodedIds(pipeline);
  await session(cache, pipeline);
  const [file] = readdirSync(join(cache, 'lenses')).filter((f) => f.endsWith('.json'));
  const remembered = readFileSync(join(cache, 'lenses', file!), 'utf8');
  const damaged: [string, string, RegExp][] = [
    ['cut short', remembered.slice(0, remembered.length / 2), /./],
    ['of another shape', remembered.replace('"lenses":[', '"lenses":[7,'), /another format/],
    ['of another build', remembered.replace(/"build":"[^"]*"/, '"build":"another"'), /another build/],
  ];
  for (const [what, text, why] of damaged) {
    writeFileSync(join(cache, 'lenses', file!), text);
    const run = await session(cache, pipeline);
    assert.ok(!run.log.some((m) => RECALLED.test(m)), `${what}: ${run.log.join('\n')}`);
    if (what !== 'cut short') assert.ok(run.log.some((m) => why.test(m)), `${what}: ${run.log.join('\n')}`);
    assert.deepEqual(run.first, expected, what);
  }

  const off = join(scratch.dir, 'cache-off');
  const offRun = await session(off, pipeline, { ALAMODE_LENS_MEMORY: 'off' });
  assert.deepEqual(offRun.first, expected);
  assert.ok(!existsSync(join(off, 'lenses')), 'nothing remembered');
});

test('in a workspace folder, a large module the editor restores right after the start shows its remembered lenses, not waiting behind the start\'s analysis of the folder', async () => {
  const cache = join(scratch.dir, 'cache-folder');
  const folder = join(scratch.dir, 'folder');
  mkdirSync(folder);
  const pipeline = join(folder, 'ladder.alamode.ts');
  writeFileSync(pipeline, generateLargeModule(3001));
  const expected = encodedIds(pipeline);
  assert.equal(Object.keys(expected).length, 3001);
  const first = await session(cache, pipeline, {}, folder);
  assert.deepEqual(first.analysed, expected);
  const restored = await session(cache, pipeline, {}, folder);
  assert.ok(restored.log.some((m) => RECALLED.test(m)), restored.log.join('\n'));
  assert.deepEqual(restored.first, expected);
  assert.deepEqual(restored.analysed, expected);
});

/** A small repository: a pipeline whose one task's image comes from a helper. */
function smallRepository(name: string): { helper: string; pipeline: string } {
  const dir = join(scratch.dir, name);
  mkdirSync(join(dir, 'lib'), { recursive: true });
  const helper = join(dir, 'lib', 'images.ts');
  writeFileSync(helper, "export const PY = 'python:3.12';\n");
  const pipeline = join(dir, 'p.alamode.ts');
  writeFileSync(pipeline, "import { Dag } from 'a-la-mode';\nimport { PY } from './lib/images';\nconst dag = new Dag({ name: 'p' });\ndag.task('t', { image: PY, command: ['run'] });\nexport default dag;\n");
  return { helper, pipeline };
}

/** A server as VS Code starts it, with the memory in `cache`; the test drives it. */
async function recallingServer(cache: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  return startServerProcess({ env: { ALAMODE_CODE_CACHE: cache, ...env }, initializationOptions: { resolveLenses: true }, refreshesLenses: true, watchesFiles: true });
}

async function openText(server: ServerProcess, path: string, text: string): Promise<string> {
  const uri = pathToFileURL(path).href;
  await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'typescript', version: 1, text } });
  return uri;
}

const listIds = async (server: ServerProcess, uri: string) => idsOf(server, (await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }))!);

test('what was recalled is checked again when shown: a helper changed on disk (and reported) or opened with other text after the recall, or the module opened again with another text, is not shown from memory', async () => {
  const cache = join(scratch.dir, 'cache-after-recall');
  const { helper, pipeline } = smallRepository('after-recall');
  const disk = readFileSync(pipeline, 'utf8');
  /**
   * Remembered by one server, recalled by the next; then `change` (after the recall, before the lens
   * request) and the lens list, which must be the CLI's for the files as `change` leaves them; then
   * the helper and the module as they were.
   */
  const afterRecall = async (what: string, change: (server: ServerProcess) => Promise<void>) => {
    await session(cache, pipeline);
    const server = await recallingServer(cache);
    try {
      const uri = await openText(server, pipeline, disk);
      await server.logged(RECALLED);
      await change(server);
      assert.deepEqual(await listIds(server, uri), encodedIds(pipeline), what);
    } finally {
      await server.stop();
      writeFileSync(helper, "export const PY = 'python:3.12';\n");
      writeFileSync(pipeline, disk);
    }
  };
  await afterRecall('the helper as the disk has it now', async (server) => {
    writeFileSync(helper, "export const PY = 'python:3.13';\n");
    await server.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: pathToFileURL(helper).href, type: FileChangeType.Changed }] });
  });
  await afterRecall('the helper as the editor has it', async (server) => {
    await openText(server, helper, "export const PY = 'python:3.14';\n");
    writeFileSync(helper, "export const PY = 'python:3.14';\n");
  });
  await afterRecall('the text opened last', async (server) => {
    // Opened again, same version, without a close: a client may.
    const other = disk.replace("command: ['run']", "command: ['run', '--all']");
    await openText(server, pipeline, other);
    writeFileSync(pipeline, other);
  });
});

test('the key tells apart what the analysis tells apart: a lone surrogate in unsaved text from U+FFFD on disk, and another temporary folder (whose listing is unknown)', async () => {
  const cache = join(scratch.dir, 'cache-key');
  const dir = join(scratch.dir, 'key');
  mkdirSync(dir);
  const pipeline = join(dir, 'p.alamode.ts');
  const withChar = (c: string) => `import { Dag } from 'a-la-mode';\nconst dag = new Dag({ name: 'p' });\ndag.task('t', { image: 'x', command: ['run', String('${c}'.charCodeAt(0))] });\nexport default dag;\n`;
  writeFileSync(pipeline, withChar('\uFFFD'));
  const unsaved = await recallingServer(cache);
  await openText(unsaved, pipeline, withChar('\uD800'));
  await unsaved.stop(); // remembers the unsaved text's lenses
  const onDisk = await session(cache, pipeline);
  assert.ok(!onDisk.log.some((m) => RECALLED.test(m)), onDisk.log.join('\n'));
  assert.deepEqual(onDisk.first, encodedIds(pipeline));

  const listing = join(dir, 'listing.alamode.ts');
  const temporary = mkdtempSync(join(scratch.dir, 'tmp-'));
  writeFileSync(listing, `import { Dag } from 'a-la-mode';\nimport { readdirSync } from 'node:fs';\nconst dag = new Dag({ name: 'l' });\ndag.task('t', { image: 'x', files: readdirSync(${JSON.stringify(temporary)}) });\nexport default dag;\n`);
  const elsewhere = await session(cache, listing, { TMPDIR: mkdtempSync(join(scratch.dir, 'other-tmp-')) });
  assert.ok(Object.keys(elsewhere.analysed).length === 1, 'a folder listed like any other');
  const there = await session(cache, listing, { TMPDIR: temporary });
  assert.ok(!there.log.some((m) => RECALLED.test(m)), there.log.join('\n'));
  assert.deepEqual(there.first, {}, 'the temporary folder\'s listing is unknown');
});

test('a FIFO where the memory file would be never blocks the server', async () => {
  const cache = join(scratch.dir, 'cache-fifo');
  const { pipeline } = smallRepository('fifo');
  mkdirSync(join(cache, 'lenses'), { recursive: true });
  execFileSync('mkfifo', [join(cache, 'lenses', `${createHash('sha256').update(pipeline, 'utf16le').digest('hex').slice(0, 32)}.json`)]);
  const run = await session(cache, pipeline);
  assert.deepEqual(run.first, encodedIds(pipeline));
});
