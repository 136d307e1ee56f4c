/**
 * `codeLens/resolve` for clients that resolve only the lenses on screen (the VS Code client says so in
 * its initialization options): the list carries no titles, each resolve gives the title the full list
 * would have had, and a lens of a text that is gone is never given a title (ContentModified).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CodeLensRequest, CodeLensResolveRequest, LSPErrorCodes, ResponseError, type CodeLens } from 'vscode-languageserver-protocol';
import { fixturesDir } from '../support/paths';
import { startTestClient, type TestClient } from './lspClient';

const collagePath = join(fixturesDir, 'pipelines', 'collage.alamode.ts');
const loopsPath = join(fixturesDir, 'lsp', 'loops.alamode.ts');
const collageText = readFileSync(collagePath, 'utf8');

let lazy: TestClient;
let full: TestClient;
before(async () => {
  lazy = await startTestClient({ initializationOptions: { resolveLenses: true } });
  full = await startTestClient();
});
after(() => {
  lazy.close();
  full.close();
});

const list = (c: TestClient, uri: string) => c.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }).then((l) => l ?? []);
const resolve = (c: TestClient, lens: CodeLens) => c.connection.sendRequest(CodeLensResolveRequest.type, lens);
const contentModified = (e: unknown) => e instanceof ResponseError && e.code === LSPErrorCodes.ContentModified;

describe('code lens resolve', () => {
  test('the list has no titles; each resolved lens is the one the full list has', async () => {
    for (const path of [collagePath, loopsPath]) {
      const lazyUri = await lazy.open(path);
      const fullUri = await full.open(path);
      assert.equal(lazyUri, fullUri);
      const unresolved = await list(lazy, lazyUri);
      const expected = await list(full, fullUri);
      assert.ok(expected.length > 0);
      assert.equal(unresolved.length, expected.length);
      assert.ok(unresolved.every((l) => l.command === undefined && l.data !== undefined));
      const resolved = await Promise.all(unresolved.map((l) => resolve(lazy, l)));
      assert.deepEqual(resolved.map((l) => ({ range: l.range, command: l.command })), expected);
    }
  });

  test('a lens listed for an older version is not resolved (ContentModified), the new list is', async () => {
    const path = join(fixturesDir, 'pipelines', 'resolveEdited.alamode.ts');
    const uri = await lazy.open(path, collageText);
    const old = await list(lazy, uri);
    await lazy.change(uri, collageText.replace("sha: '6f09d'", "sha: 'qwetr3'"));
    await assert.rejects(resolve(lazy, old[0]!), contentModified);
    const now = await list(lazy, uri);
    assert.ok((await resolve(lazy, now[0]!)).command?.title.startsWith('output '));
  });

  test('the same version number with another text (a reopen) does not resolve the old list', async () => {
    const path = join(fixturesDir, 'pipelines', 'resolveReopened.alamode.ts');
    const uri = await lazy.open(path, collageText);
    const old = await list(lazy, uri);
    await lazy.open(path, collageText.replace("sha: '6f09d'", "sha: 'qwetr3'"));
    await assert.rejects(resolve(lazy, old[0]!), contentModified);
  });

  test('a lens with no data, or for a document not open, is ContentModified', async () => {
    await assert.rejects(resolve(lazy, { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } } }), contentModified);
    await assert.rejects(resolve(lazy, { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, data: [123456, 0] }), contentModified);
    await assert.rejects(resolve(lazy, { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, data: { uri: 'file:///nowhere.alamode.ts', version: 1, model: 1, index: 0 } }), contentModified);
  });
});
