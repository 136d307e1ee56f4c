/**
 * The `alamode/encodedDag` and `alamode/diff` requests, including the diff against the last commit
 * that the VS Code side panel shows.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CodeLensRequest, LSPErrorCodes, ResponseError } from 'vscode-languageserver-protocol';
import { bencodeDag, encodeDag } from '../../server/src/core/index';
import { DiffRequest, EncodedDagRequest } from '../../server/src/protocol';
import { initRepo } from '../support/git';
import { conformanceDir, fixturesDir } from '../support/paths';
import { startTestClient, type TestClient } from './lspClient';

const collagePath = join(fixturesDir, 'pipelines', 'collage.alamode.ts');
const collageText = readFileSync(collagePath, 'utf8');
const seedDag = readFileSync(join(conformanceDir, 'collage.before.dag'));
const edited = collageText.replace("sha: '6f09d'", "sha: 'qwetr3'");

let client: TestClient;
const scratch = mkdtempSync(join(tmpdir(), 'alamode-lsp-requests-'));
before(async () => { client = await startTestClient(); });
after(() => { client.close(); rmSync(scratch, { recursive: true, force: true }); });

function gitRepo(files: Record<string, string | Buffer>, parent = scratch): string {
  const { dir: repo, git } = initRepo(parent);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(repo, name, '..'), { recursive: true });
    writeFileSync(join(repo, name), content);
  }
  git('add', '.');
  git('commit', '-qm', 'pipelines');
  return repo;
}

describe('alamode/encodedDag', () => {
  test('the document\'s encoded DAG: bytes identical to the seed\'s .dag', async () => {
    const uri = await client.open(collagePath);
    const result = await client.connection.sendRequest(EncodedDagRequest.type, { uri });
    assert.equal(result.dags.length, 1);
    const [dag] = result.dags;
    assert.equal(dag!.complete, true);
    assert.equal(dag!.isDefaultExport, true);
    assert.deepEqual(Buffer.from(dag!.bencoded!, 'base64'), seedDag);
    assert.deepEqual(dag!.tasks.map((t) => t.name), ['download_images', 'blur', 'edge_enhance', 'collage']);
  });

  test('says what is unknown instead of guessing', async () => {
    const uri = await client.open(join(fixturesDir, 'lsp', 'problems.alamode.ts'));
    const [dag] = (await client.connection.sendRequest(EncodedDagRequest.type, { uri })).dags;
    assert.equal(dag!.complete, false);
    assert.equal(dag!.bencoded, undefined);
    const stamped = dag!.tasks.find((t) => t.name === 'stamped')!;
    assert.equal(stamped.output, undefined);
    assert.match(stamped.noOutput!, /^not static: /);
    assert.equal(stamped.spec, undefined);
    assert.match(dag!.tasks.find((t) => t.name === 'clean')!.noOutput ?? '', /upstream 'fetch'/);
  });
});

test('a meta that is not static makes the DAG incomplete: no bytes with a placeholder in them', async () => {
  const text = collageText.replace("new Dag({ schedule: '@daily' })", 'new Dag({ schedule: process.env.SCHEDULE! })');
  const uri = await client.open(join(scratch, 'meta.alamode.ts'), text);
  const [dag] = (await client.connection.sendRequest(EncodedDagRequest.type, { uri })).dags;
  assert.equal(dag!.complete, false);
  assert.equal(dag!.bencoded, undefined);
  // The tasks' own IDs do not depend on meta, so they are still shown.
  assert.equal(dag!.tasks.find((t) => t.name === 'blur')!.output, JSON.parse(readFileSync(join(conformanceDir, 'collage.json'), 'utf8')).before.tasks.blur.output);
});

describe('alamode/diff', () => {
  test('against a given .dag: the seed\'s edit changes blur (sha) and invalidates collage through blur', async () => {
    const uri = await client.open(join(scratch, 'edited.alamode.ts'), edited);
    const result = await client.connection.sendRequest(DiffRequest.type, { uri, base: { kind: 'dag', bencoded: seedDag.toString('base64') } });
    assert.equal(result.kind, 'diff');
    if (result.kind !== 'diff') return;
    const byName = Object.fromEntries(result.diff.tasks.map((t) => [t.name, t]));
    assert.equal(byName.blur!.status, 'changed');
    assert.deepEqual(byName.blur!.changes, [{ path: 'sha', kind: 'modified', old: '6f09d', new: 'qwetr3' }]);
    assert.equal(byName.collage!.status, 'invalidated');
    assert.deepEqual(byName.collage!.via, ['blur']);
    assert.deepEqual(result.diff.counts, { changed: 1, invalidated: 1, added: 0, removed: 0, renamed: 0, unchanged: 2 });
    assert.deepEqual(result.edges.filter((e) => e.task === 'collage').map((e) => e.input), ['blur', 'edge_enhance']);
    assert.ok(result.ranges.blur);
  });

  test('by default against the .dag committed beside the module at HEAD (unsaved edits included)', async () => {
    const repo = gitRepo({ 'pipelines/collage.alamode.ts': collageText, 'pipelines/collage.dag': seedDag });
    const uri = await client.open(join(repo, 'pipelines', 'collage.alamode.ts'), edited);
    const result = await client.connection.sendRequest(DiffRequest.type, { uri });
    assert.equal(result.kind, 'diff');
    if (result.kind !== 'diff') return;
    assert.equal(result.baseLabel, 'HEAD:pipelines/collage.dag');
    assert.equal(result.diff.counts.changed, 1);
    assert.equal(result.diff.counts.invalidated, 1);
  });

  test('with no .dag committed: against the module as it stood at HEAD, analysed the same way', async () => {
    const repo = gitRepo({ 'collage.alamode.ts': collageText });
    const uri = await client.open(join(repo, 'collage.alamode.ts'), edited);
    const result = await client.connection.sendRequest(DiffRequest.type, { uri });
    assert.equal(result.kind, 'diff');
    if (result.kind !== 'diff') return;
    assert.match(result.baseLabel, /^HEAD:collage\.alamode\.ts \(analysed; no collage\.dag committed\)$/);
    assert.deepEqual(result.diff.counts, { changed: 1, invalidated: 1, added: 0, removed: 0, renamed: 0, unchanged: 2 });
  });

  test('each module against its own repository (multi-root workspaces, and a repository inside another)', async () => {
    // Outer: the seed's .dag committed. Inner (its own repository, inside the outer's folder): the
    // edited module committed, no .dag. Both documents hold the edited text.
    const outer = gitRepo({ 'pipelines/collage.alamode.ts': collageText, 'pipelines/collage.dag': seedDag });
    const inner = gitRepo({ 'collage.alamode.ts': edited }, outer);
    const outerUri = await client.open(join(outer, 'pipelines', 'collage.alamode.ts'), edited);
    const innerUri = await client.open(join(inner, 'collage.alamode.ts'), edited);
    const [outerDiff, innerDiff] = await Promise.all([outerUri, innerUri].map((uri) => client.connection.sendRequest(DiffRequest.type, { uri })));
    assert.ok(outerDiff?.kind === 'diff' && innerDiff?.kind === 'diff');
    assert.equal(outerDiff.baseLabel, 'HEAD:pipelines/collage.dag');
    assert.deepEqual(outerDiff.diff.counts, { changed: 1, invalidated: 1, added: 0, removed: 0, renamed: 0, unchanged: 2 });
    assert.equal(innerDiff.baseLabel, 'HEAD:collage.alamode.ts (analysed; no collage.dag committed)');
    assert.deepEqual(innerDiff.diff.counts, { changed: 0, invalidated: 0, added: 0, removed: 0, renamed: 0, unchanged: 4 });
  });

  test('outside git: says so plainly', async () => {
    const dir = mkdtempSync(join(scratch, 'plain-'));
    copyFileSync(collagePath, join(dir, 'collage.alamode.ts'));
    const uri = await client.open(join(dir, 'collage.alamode.ts'));
    const result = await client.connection.sendRequest(DiffRequest.type, { uri });
    assert.deepEqual(result, { kind: 'unavailable', uri, version: 1, reason: 'collage.alamode.ts is not in a git repository, so there is no committed DAG to compare with' });
  });

  test('tasks whose output is unknown are left out and listed, never diffed as changed', async () => {
    const repo = gitRepo({ 'collage.alamode.ts': collageText, 'collage.dag': seedDag });
    const text = collageText.replace("sha: '6f09d'", 'sha: process.env.BLUR_SHA!');
    const uri = await client.open(join(repo, 'collage.alamode.ts'), text);
    const result = await client.connection.sendRequest(DiffRequest.type, { uri });
    assert.equal(result.kind, 'diff');
    if (result.kind !== 'diff') return;
    assert.deepEqual(result.unknown.map((u) => u.name).sort(), ['blur', 'collage']);
    assert.deepEqual(result.diff.counts, { changed: 0, invalidated: 0, added: 0, removed: 0, renamed: 0, unchanged: 2 });
  });
});

describe('alamode/diff under load and edits (issue 11)', () => {
  test('a long diff does not hold up requests for other documents: they are answered in between', async () => {
    // A base of 20,000 tasks the document does not have: a diff of many slices (all removed).
    const big = encodeDag({ tasks: Array.from({ length: 20_000 }, (_, i) => ({ name: `old_${i}`, spec: { i }, inputs: i === 0 ? [] : [`old_${i - 1}`] })) }).encoded!;
    const diffUri = await client.open(join(scratch, 'long-diff.alamode.ts'), collageText);
    const otherUri = await client.open(join(scratch, 'other.alamode.ts'), edited);
    const order: string[] = [];
    const diff = client.connection.sendRequest(DiffRequest.type, { uri: diffUri, base: { kind: 'dag', bencoded: Buffer.from(bencodeDag(big)).toString('base64') } }).then((r) => { order.push('diff'); return r; });
    const lenses = client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: otherUri } }).then((r) => { order.push('codeLens'); return r; });
    const [d, l] = await Promise.all([diff, lenses]);
    assert.equal(l!.length, 4);
    assert.ok(d.kind === 'diff');
    assert.equal(d.diff.counts.removed, 20_000);
    assert.deepEqual(order, ['codeLens', 'diff']);
  });

  test('a reply carries the version it was computed for; a diff overtaken by an edit says so (ContentModified)', async () => {
    const repo = gitRepo({ 'collage.alamode.ts': collageText, 'collage.dag': seedDag });
    const path = join(repo, 'collage.alamode.ts');
    // Two texts with different diffs against the commit, each first asked for at rest.
    const texts = [edited, edited.replace("command: 'python dl_images.py'", "command: 'python dl_images.py --all'")];
    const probe = await client.open(join(repo, 'probe.alamode.ts'), texts[0]);
    const countsOf = async (text: string) => {
      await client.change(probe, text);
      const r = await client.connection.sendRequest(DiffRequest.type, { uri: probe, base: { kind: 'dag', bencoded: seedDag.toString('base64') } });
      assert.ok(r.kind === 'diff');
      return r.diff.counts;
    };
    const expected = [await countsOf(texts[0]!), await countsOf(texts[1]!)];
    assert.notDeepEqual(expected[0], expected[1]);

    const uri = await client.open(path, texts[0]);
    let version = 1;
    let superseded = 0;
    for (let k = 0; k < 20; k++) {
      // Ask, then edit at once: the diff is computed while (or before) the edit arrives.
      const asked = version;
      const reply = client.connection.sendRequest(DiffRequest.type, { uri }).then((r) => r, (e: unknown) => e);
      await client.change(uri, texts[(k + 1) % 2]!);
      version++;
      const r = await reply;
      if (r instanceof ResponseError) {
        assert.equal(r.code, LSPErrorCodes.ContentModified);
        superseded++;
        continue;
      }
      const result = r as DiffRequest.Result;
      assert.ok(result.kind === 'diff');
      // Whatever version it claims, its diff is that version's text.
      assert.ok(result.version === asked || result.version === version, `version ${result.version}`);
      assert.deepEqual(result.diff.counts, expected[(result.version - 1) % 2]);
    }
    // At rest, the current version is answered.
    const last = await client.connection.sendRequest(DiffRequest.type, { uri });
    assert.ok(last.kind === 'diff');
    assert.equal(last.version, version);
    assert.deepEqual(last.diff.counts, expected[(version - 1) % 2]);
    assert.ok(superseded <= 20);
  });

  test('a .dag whose stored output ID lies (a spec edited by hand) is refused, naming the task', async () => {
    // Edit blur's sha in the bytes without touching its stored output (same length, so still valid bencode).
    const lying = Buffer.from(seedDag.toString('latin1').replace('5:6f09d', '5:6f09e'), 'latin1');
    assert.notDeepEqual(lying, seedDag);
    const uri = await client.open(join(scratch, 'lying.alamode.ts'), collageText);
    const given = await client.connection.sendRequest(DiffRequest.type, { uri, base: { kind: 'dag', bencoded: lying.toString('base64') } });
    assert.equal(given.kind, 'unavailable');
    assert.match((given as { reason: string }).reason, /stored output ID of task 'blur' does not match its spec and inputs/);
    const repo = gitRepo({ 'collage.alamode.ts': collageText, 'collage.dag': lying });
    const committed = await client.connection.sendRequest(DiffRequest.type, { uri: await client.open(join(repo, 'collage.alamode.ts'), collageText) });
    assert.equal(committed.kind, 'unavailable');
    assert.match((committed as { reason: string }).reason, /^HEAD:collage\.dag is not a consistent \.dag file: the stored output ID of task 'blur' does not match/);
  });
});

describe('alamode/diff: what git is asked, and what is said when it cannot answer (issue 11)', () => {
  test('a document whose folder does not exist: says so, not "git is not installed"', async () => {
    const uri = await client.open(join(scratch, 'gone', 'deeper', 'collage.alamode.ts'), collageText);
    const result = await client.connection.sendRequest(DiffRequest.type, { uri });
    assert.equal(result.kind, 'unavailable');
    const { reason } = result as { reason: string };
    assert.doesNotMatch(reason, /not installed/);
    assert.match(reason, /^the folder of collage\.alamode\.ts \(.*deeper\) does not exist/);
  });

  test('a base revision that starts with "-" is refused as an option, not passed to git', async () => {
    const repo = gitRepo({ 'collage.alamode.ts': collageText, 'collage.dag': seedDag });
    const uri = await client.open(join(repo, 'collage.alamode.ts'), edited);
    const result = await client.connection.sendRequest(DiffRequest.type, { uri, base: { kind: 'git', rev: '--output=/tmp/x' } });
    assert.deepEqual(result, { kind: 'unavailable', uri, version: 1, reason: "'--output=/tmp/x' is not a revision (it starts with '-'); check alamode.invalidation.base" });
  });
});
