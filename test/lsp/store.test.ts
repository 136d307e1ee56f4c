/**
 * The store's records in the editor, through the LSP: lenses say built / will run / failed beside the
 * short ID (and nothing when there is no store), hovers show the record with links to the output and
 * the log, the panel's diff carries what running would cost, and the server asks the client to refresh
 * its lenses when records land. Records come from real `alamode run`s (the seed's pipeline, run by a
 * stand-in `python`; see test/support/engine.ts).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { CodeLensRefreshRequest, CodeLensRequest, HoverRequest, type MarkupContent } from 'vscode-languageserver-protocol';
import { DiffRequest, StoreChangedNotification } from '../../server/src/protocol';
import { alamodeAsync, alamodeSync, sandbox, waitFor } from '../support/engine';
import { initRepo } from '../support/git';
import { conformanceDir, fixturesDir } from '../support/paths';
import { startTestClient, type TestClient } from './lspClient';
import { positionOf } from './textUtil';

const vectors = JSON.parse(readFileSync(join(conformanceDir, 'collage.json'), 'utf8'));
const ids = (side: 'before' | 'after', name: string): string => vectors[side].tasks[name].output;
const collageText = readFileSync(join(fixturesDir, 'pipelines', 'collage.alamode.ts'), 'utf8');
const editedText = collageText.replace("sha: '6f09d'", "sha: 'qwetr3'");

const scratch = mkdtempSync(join(tmpdir(), 'alamode-lsp-store-'));
const clients: TestClient[] = [];
after(() => {
  for (const c of clients) c.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** A client that supports lens refreshes, and counts the server's refresh requests and store notices. */
async function client(initializationOptions?: unknown) {
  const c = await startTestClient({ capabilities: { workspace: { codeLens: { refreshSupport: true } } }, ...(initializationOptions ? { initializationOptions } : {}) });
  clients.push(c);
  const seen = { refreshes: 0, notices: [] as string[] };
  c.connection.onRequest(CodeLensRefreshRequest.method, () => {
    seen.refreshes += 1;
    return null;
  });
  c.connection.onNotification(StoreChangedNotification.type, (p) => { seen.notices.push(p.store); });
  const lensTitles = async (uri: string, text: string) => {
    const lenses = (await c.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }))!;
    const lines = text.split('\n');
    return Object.fromEntries(lenses.map((l) => [/dag\.task\('([^']+)'/.exec(lines[l.range.start.line]!)?.[1] ?? '?', l.command!.title]));
  };
  const hover = async (uri: string, text: string, snippet: string) => {
    const h = await c.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionOf(text, snippet, 5) });
    return h ? (h.contents as MarkupContent).value : '';
  };
  return { c, seen, lensTitles, hover };
}

/** A git repository with the seed's module committed, and the stand-in `python` to run it with. */
function project() {
  const { dir, git } = initRepo(scratch);
  mkdirSync(join(dir, 'pipelines'));
  const module = join(dir, 'pipelines', 'collage.alamode.ts');
  writeFileSync(module, collageText);
  git('add', '.');
  git('commit', '-qm', 'the seed');
  const s = sandbox(mkdtempSync(join(scratch, 'bin-')));
  const run = (extra: Record<string, string> = {}) => alamodeSync(['run', module, '--jobs', '1'], dir, s.env(extra));
  return { dir, module, store: join(dir, '.alamode', 'store'), run, s };
}

const BUILT = /^output [0-9a-f]{12} · ✓ built (just now|\d+ s ago) \((\d+(\.\d+)? s|\d+ ms)\) · \d inputs?$/;

describe('the store in the editor', () => {
  test('lenses: nothing about records without a store; then built, will run after the seed\'s edit, failed, built again; each landing asks for a refresh', async () => {
    const p = project();
    const { c, seen, lensTitles } = await client();
    const uri = await c.open(p.module);
    const before = await lensTitles(uri, collageText);
    assert.equal(before.blur, `output ${ids('before', 'blur').slice(0, 12)} · 1 input`, 'no store: the lens says nothing about records');

    assert.equal(p.run().status, 0);
    // Two messages, each awaited: the refresh request and the panel's notice are separate messages, and
    // a refresh can also come from the lens ages' timer before the store's watcher has fired.
    await waitFor('the server to ask for a lens refresh', () => seen.refreshes > 0);
    await waitFor('the server to tell the panel the store changed', () => seen.notices.includes(p.store));
    const built = await lensTitles(uri, collageText);
    for (const name of ['download_images', 'blur', 'edge_enhance', 'collage']) assert.match(built[name]!, BUILT, name);
    assert.ok(built.blur!.startsWith(`output ${ids('before', 'blur').slice(0, 12)} · ✓ built `));

    // The seed's edit, unsaved: blur and collage have new IDs, without records.
    await c.change(uri, editedText);
    const edited = await lensTitles(uri, editedText);
    assert.equal(edited.blur, `output ${ids('after', 'blur').slice(0, 12)} · will run · 1 input`);
    assert.equal(edited.collage, `output ${ids('after', 'collage').slice(0, 12)} · will run · 2 inputs`);
    assert.match(edited.download_images!, BUILT);
    assert.match(edited.edge_enhance!, BUILT);

    // Saved and run with collage failing: blur lands, collage fails.
    writeFileSync(p.module, editedText);
    const refreshes = seen.refreshes;
    assert.equal(p.run({ ALAMODE_TEST_FAIL: 'collage' }).status, 1);
    await waitFor('a refresh after the run', () => seen.refreshes > refreshes);
    const failed = await waitFor('the lenses to show the failure', async () => {
      const t = await lensTitles(uri, editedText);
      return /failed/.test(t.collage!) && BUILT.test(t.blur!) ? t : undefined;
    });
    assert.equal(failed.collage, `output ${ids('after', 'collage').slice(0, 12)} · ✗ failed just now · 2 inputs`);

    assert.equal(p.run().status, 0);
    await waitFor('collage built', async () => BUILT.test((await lensTitles(uri, editedText)).collage!));

    // Reverting the edit brings back IDs that are built: every lens says built.
    await c.change(uri, collageText);
    const reverted = await lensTitles(uri, collageText);
    for (const name of ['download_images', 'blur', 'edge_enhance', 'collage']) assert.match(reverted[name]!, BUILT, name);
  });

  test('while a task runs its lens says running (never built), and interrupted after Ctrl-C', async () => {
    const p = project();
    const { c, lensTitles } = await client();
    const uri = await c.open(p.module);
    const run = alamodeAsync(['run', p.module, '--jobs', '1'], p.dir, p.s.env({ ALAMODE_TEST_HANG: 'blur' }));
    try {
      const running = await waitFor('blur\'s lens to say running', async () => {
        const t = await lensTitles(uri, collageText);
        return /running/.test(t.blur ?? '') ? t : undefined;
      });
      assert.match(running.blur!, /^output 82695e5805a9 · ⟳ running \(started (just now|\d+ s ago)\) · 1 input$/);
      assert.match(running.download_images!, BUILT);
    } finally {
      run.child.kill('SIGINT');
    }
    assert.equal((await run.done).status, 130);
    await waitFor('blur\'s lens to say interrupted', async () => (await lensTitles(uri, collageText)).blur === 'output 82695e5805a9 · ✗ interrupted just now · 1 input');
  });

  test('hover shows the record: when, how long, who, links to the output and the log; or the failure and its log; or that it will run', async () => {
    const p = project();
    assert.equal(p.run({ ALAMODE_TEST_FAIL: 'edge_enhance' }).status, 1);
    const { c, hover } = await client();
    const uri = await c.open(p.module);
    const download = await hover(uri, collageText, "dag.task('download_images'");
    const record = JSON.parse(readFileSync(join(p.store, 'records', `${ids('before', 'download_images')}.json`), 'utf8'));
    assert.match(download, /✓ \*\*Built\*\* \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(just now\) in ([\d.]+ s|\d+ ms), by \S+@\S+ \(alamode [^,]+, `run`, local\)/);
    assert.ok(download.includes(`Output: [out/${ids('before', 'download_images').slice(0, 12)}…](${pathToFileURL(join(p.store, 'out', ids('before', 'download_images'))).href}) · 1 file, `), download);
    assert.ok(download.includes(`(${pathToFileURL(join(p.store, record.log)).href})`), 'a link to the log');
    const edge = await hover(uri, collageText, "dag.task('edge_enhance'");
    assert.match(edge, /✗ \*\*Failed\*\* .* after ([\d.]+ s|\d+ ms): exit 3\. No output is recorded; it will run\./);
    const failure = JSON.parse(readFileSync(join(p.store, 'failures', `${ids('before', 'edge_enhance')}.json`), 'utf8'));
    assert.ok(edge.includes(pathToFileURL(join(p.store, failure.log)).href));
    const collage = await hover(uri, collageText, "dag.task('collage'");
    assert.match(collage, /\*\*Will run\*\*: no success record for this ID in the store\./);
  });

  test('the panel\'s diff carries the cost: tasks that will run with their last durations by name, tasks that reuse a stored output', async () => {
    const p = project();
    assert.equal(p.run().status, 0);
    const { c } = await client();
    const uri = await c.open(p.module);
    const lastMs = (name: string) => JSON.parse(readFileSync(join(p.store, 'records', `${ids('before', name)}.json`), 'utf8')).durationMs as number;
    const diff = async () => {
      const r = await c.connection.sendRequest(DiffRequest.type, { uri, base: { kind: 'git' } });
      assert.equal(r.kind, 'diff');
      return r.kind === 'diff' ? r : undefined!;
    };
    const unchanged = await diff();
    assert.deepEqual(unchanged.cost, { store: p.store, willRun: [], reuse: ['download_images', 'blur', 'edge_enhance', 'collage'], estimateMs: 0, unknownDurations: 0 });

    // The seed's edit: blur and collage will run; their last runs (under the old IDs) give the estimate.
    await c.change(uri, editedText);
    const edited = await diff();
    assert.deepEqual(edited.cost?.willRun, [{ name: 'blur', lastMs: lastMs('blur') }, { name: 'collage', lastMs: lastMs('collage') }]);
    assert.deepEqual(edited.cost?.reuse, ['download_images', 'edge_enhance']);
    assert.equal(edited.cost?.estimateMs, lastMs('blur') + lastMs('collage'));

    // Run it, then revert: compared with HEAD nothing changed and nothing runs; and the edit, brought
    // back, is changed and invalidated compared with HEAD, yet all of it is already built.
    writeFileSync(p.module, editedText);
    assert.equal(p.run().status, 0);
    await c.change(uri, collageText);
    assert.deepEqual((await diff()).cost?.willRun, []);
    await c.change(uri, editedText);
    // The server learns of the new records from the file system (asynchronously), then says so.
    const again = await waitFor('the new records to be seen', async () => {
      const d = await diff();
      return d.cost?.willRun.length === 0 ? d : undefined;
    });
    assert.equal(again.diff.counts.changed, 1);
    assert.equal(again.diff.counts.invalidated, 1);
    assert.deepEqual(again.cost?.willRun, []);
    assert.equal(again.cost?.reuse.length, 4);

    // A new task nobody ran before: no duration to go by.
    const added = `${editedText.replace('export default dag;', "dag.task('report', { command: 'python report.py' }).addDep('collage');\nexport default dag;")}`;
    await c.change(uri, added);
    const withNew = await diff();
    assert.deepEqual(withNew.cost?.willRun, [{ name: 'report' }]);
    assert.equal(withNew.cost?.unknownDurations, 1);
  });

  test('a corrupt record is not shown as built; initializationOptions.storePath points the server at another store', async () => {
    const p = project();
    const elsewhere = join(p.dir, 'elsewhere');
    assert.equal(alamodeSync(['run', p.module, '--store', elsewhere, '--only', 'download_images'], p.dir, p.s.env()).status, 0);
    writeFileSync(join(elsewhere, 'records', `${ids('before', 'download_images')}.json`), '{"format": "alamode-record/1", "status": "success"}');
    const { c, lensTitles } = await client({ storePath: elsewhere });
    const uri = await c.open(p.module);
    const titles = await lensTitles(uri, collageText);
    assert.equal(titles.download_images, `output ${ids('before', 'download_images').slice(0, 12)} · will run (a corrupt record is ignored) · 0 inputs`);
    assert.equal(titles.blur, `output ${ids('before', 'blur').slice(0, 12)} · will run · 1 input`);
  });
});
