/**
 * The invalidation panel's webview script in Chromium, fed what the language server answers to
 * `alamode/diff` for a real module against the `.dag` the CLI writes for it: what it lists and draws,
 * and that a DAG too deep for the layout library is refused with a note instead of breaking the panel
 * (dagre's recursion overflowed the stack on a 2,000-level ladder, leaving the panel half drawn).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { forPanel, type DiffResult, type PanelView } from '../../client/src/panelProtocol';
import { DiffRequest } from '../../server/src/protocol';
import { diamondLadderModule } from '../bench/shapes';
import { startTestClient, type TestClient } from '../lsp/lspClient';
import { alamode } from '../support/cli';
import { openPanelPage, type PanelPage } from '../support/panelPage';
import { alamodeSync, sandbox } from '../support/engine';
import { initRepo } from '../support/git';
import { fixturesDir } from '../support/paths';

let client: TestClient;
let panel: PanelPage;
const scratch = mkdtempSync(join(tmpdir(), 'alamode-webview-'));
before(async () => {
  client = await startTestClient();
  panel = await openPanelPage();
});
after(async () => {
  client.close();
  await panel.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** The panel's view of a diamond ladder of `levels` levels with `top{edited}`'s sha changed, against the CLI's .dag of the unedited module. */
async function ladderView(levels: number, edited: number, graphLimit: number): Promise<PanelView> {
  const module = join(scratch, `ladder${levels}-${edited}.alamode.ts`);
  const text = diamondLadderModule(levels);
  writeFileSync(module, text);
  const dag = join(scratch, `ladder${levels}-${edited}.dag`);
  const encoded = alamode(['encode', module, '--out', dag]);
  assert.equal(encoded.status, 0, encoded.stderr);
  const uri = await client.open(module, text);
  // The module makes top1…topL in a loop; the edit changes the sha of one of them through a condition.
  await client.change(uri, text.replace("sha: 'top' + i,", `sha: i === ${edited} ? 'edited' : 'top' + i,`));
  const base = { kind: 'dag' as const, bencoded: readFileSync(dag).toString('base64') };
  const result = await client.connection.sendRequest(DiffRequest.type, { uri, base });
  assert.equal(result.kind, 'diff');
  return { kind: 'diff', uri, fileName: `ladder${levels}-${edited}.alamode.ts`, result: forPanel(result as DiffResult), graphLimit };
}

describe('the invalidation panel (webview script in Chromium)', () => {
  test('a ladder drawn whole: every task a node, the edited one changed, everything below it invalidated', async () => {
    const levels = 60;
    const edited = 20;
    const { info } = await panel.render(await ladderView(levels, edited, 10_000));
    // Below top(k) in an L-level ladder: left, right and top of each of the L − k levels under it.
    const below = 3 * (levels - edited);
    assert.deepEqual([info.counts!.changed, info.counts!.invalidated], [1, below]);
    assert.deepEqual([info.graph!.mode, info.graph!.nodes, info.graph!.total], ['full', 3 * levels + 1, 3 * levels + 1]);
    const statuses = await panel.page.$$eval('#graph .node', (nodes) => nodes.map((n) => (n as HTMLElement).dataset.status));
    assert.equal(statuses.length, 3 * levels + 1);
    assert.deepEqual([statuses.filter((s) => s === 'changed').length, statuses.filter((s) => s === 'invalidated').length], [1, below]);
    assert.equal(await panel.page.$eval(`#graph .node[data-task="top${edited}"]`, (n) => (n as HTMLElement).dataset.status), 'changed');
  });

  test('a DAG too deep for the layout is not drawn: a note says so, and the list still shows the tasks', async () => {
    const levels = 700; // 2,101 tasks, 1,401 levels deep: over the 1,000 levels the panel draws
    const { info } = await panel.render(await ladderView(levels, 1, 10_000));
    assert.equal(info.graph!.mode, 'too-deep');
    assert.equal(info.counts!.invalidated, 3 * (levels - 1));
    const note = await panel.page.$eval('#graph-note', (n) => n.textContent);
    assert.match(note!, /would be 1,401 tasks deep: too deep to draw \(at most 1,000 levels\)/);
    assert.equal(await panel.page.$$eval('#graph svg', (s) => s.length), 0);
    assert.ok(info.listed > 0 && (await panel.page.$$eval('#task-list .task', (t) => t.length)) === info.listed);
  });

  test('the depth bound counts tasks below a cycle (which never come out of a topological order)', async () => {
    const module = join(scratch, 'cycle.alamode.ts');
    const chain = 1100;
    const text = [
      "import { Dag } from 'a-la-mode';",
      'const dag = new Dag();',
      "const c1 = dag.task('c1', { image: 'x' });",
      "const c2 = dag.task('c2', { image: 'x' }).addDep(c1);",
      'c1.addDep(c2);',
      'let previous = c2;',
      `for (let i = 0; i < ${chain}; i++) previous = dag.task('step' + i, { image: 'x' }).addDep(previous);`,
      'export default dag;',
    ].join('\n');
    writeFileSync(module, text);
    const uri = await client.open(module, text);
    // Against an empty base, so that every task is in the drawing.
    const emptyDag = Buffer.from('d4:metade5:tasksdee').toString('base64');
    const result = await client.connection.sendRequest(DiffRequest.type, { uri, base: { kind: 'dag', bencoded: emptyDag } });
    assert.equal(result.kind, 'diff');
    const view: PanelView = { kind: 'diff', uri, fileName: 'cycle.alamode.ts', result: forPanel(result as DiffResult), graphLimit: 10_000 };
    const { info } = await panel.render(view);
    assert.equal((result as DiffResult).unknown.length, chain + 2);
    assert.equal(info.graph!.mode, 'too-deep');
    assert.match((await panel.page.$eval('#graph-note', (n) => n.textContent))!, new RegExp(`would be ${(chain + 2).toLocaleString('en-US')} tasks deep`));
  });

  test('drawn as the affected part when the DAG is over the graph limit, but that part is small', async () => {
    const levels = 700;
    const { info } = await panel.render(await ladderView(levels, levels - 2, 400));
    // top(L−2) changed; left, right, top of the two levels below invalidated; plus the direct inputs
    // of those seven, of which only left(L−2) and right(L−2), the inputs of top(L−2), are not affected.
    assert.deepEqual([info.counts!.changed, info.counts!.invalidated], [1, 6]);
    assert.equal(info.graph!.mode, 'affected');
    const drawn = await panel.page.$$eval('#graph .node', (nodes) => nodes.map((n) => (n as HTMLElement).dataset.task).sort());
    const level = (i: number) => [`left${i}`, `right${i}`, `top${i}`];
    assert.deepEqual(drawn, [...level(levels - 2), ...level(levels - 1), ...level(levels)].sort());
  });

  test('with a store, the panel says what running the edit costs and tags each task built or will run', async () => {
    // The seed's module committed, run once; then the seed's edit: blur and collage will run.
    const { dir, git } = initRepo(scratch);
    const module = join(dir, 'collage.alamode.ts');
    const text = readFileSync(join(fixturesDir, 'pipelines', 'collage.alamode.ts'), 'utf8');
    writeFileSync(module, text);
    git('add', '.');
    git('commit', '-qm', 'seed');
    const s = sandbox(mkdtempSync(join(scratch, 'bin-')));
    assert.equal(alamodeSync(['run', module], dir, s.env()).status, 0);
    const uri = await client.open(module, text);
    await client.change(uri, text.replace("sha: '6f09d'", "sha: 'qwetr3'"));
    const result = await client.connection.sendRequest(DiffRequest.type, { uri, base: { kind: 'git' } });
    assert.equal(result.kind, 'diff');
    const { info } = await panel.render({ kind: 'diff', uri, fileName: 'collage.alamode.ts', result: forPanel(result as DiffResult), graphLimit: 400 });
    const estimate = (result as DiffResult).cost!.estimateMs;
    assert.deepEqual(info.cost, { willRun: 2, reuse: 2, estimateMs: estimate });
    const cost = await panel.page.$eval('#cost p', (n) => n.textContent!.replace(/\s+/g, ' ').trim());
    assert.match(cost, /^2 tasks will run \(about ([\d.]+ s|\d+ ms) by their last runs\) · 2 reuse a stored output\.$/);
    const tag = (task: string) => panel.page.$eval(`.task[data-task="${task}"] .store-tag`, (n) => `${(n as HTMLElement).dataset.store}:${n.textContent}`);
    assert.equal(await tag('blur'), 'will-run:will run');
    assert.equal(await tag('collage'), 'will-run:will run');
    // The list is filled on the details' `toggle` event, which the browser dispatches after the click.
    await panel.page.click('#unchanged summary');
    await panel.page.waitForSelector('.task[data-task="download_images"] .store-tag', { timeout: 10_000 });
    assert.equal(await tag('download_images'), 'reuse:built');
  });
});
