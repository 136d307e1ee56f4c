/**
 * The server never crashes or hangs on any text: every prefix of real modules (what a user has while
 * typing), random edits and random bytes, each answered for lenses, hovers, symbols and diagnostics.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { CodeLensRequest, DocumentSymbolRequest, HoverRequest } from 'vscode-languageserver-protocol';
import { EncodedDagRequest } from '../../server/src/protocol';
import { fixturesDir } from '../support/paths';
import { startTestClient, type TestClient } from './lspClient';
import { positionAt } from './textUtil';

let client: TestClient;
before(async () => { client = await startTestClient(); });
after(() => client.close());

const sources = ['pipelines/collage.alamode.ts', 'lsp/problems.alamode.ts', 'lsp/loops.alamode.ts'].map((f) => readFileSync(join(fixturesDir, f), 'utf8'));

async function exercise(uri: string, text: string) {
  await client.change(uri, text);
  const diagnostics = await client.diagnostics(uri);
  assert.ok(Array.isArray(diagnostics));
  const lenses = await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
  assert.ok(Array.isArray(lenses));
  await client.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: positionAt(text, Math.floor(text.length / 2)) });
  await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } });
  const encoded = await client.connection.sendRequest(EncodedDagRequest.type, { uri });
  assert.ok(Array.isArray(encoded.dags));
}

test('every prefix of the fixtures (typing them from scratch)', async () => {
  const uri = await client.open(join(fixturesDir, 'typing.alamode.ts'), '');
  for (const source of sources) {
    for (let end = 0; end <= source.length; end += 7) await exercise(uri, source.slice(0, end));
  }
});

test('random edits of the fixtures and random text', async () => {
  const uri = await client.open(join(fixturesDir, 'random.alamode.ts'), '');
  const edit = fc.record({ source: fc.nat(sources.length - 1), at: fc.nat(), drop: fc.nat(20), insert: fc.string({ maxLength: 12 }) });
  await fc.assert(
    fc.asyncProperty(edit, async ({ source, at, drop, insert }) => {
      const text = sources[source]!;
      const i = at % (text.length + 1);
      await exercise(uri, text.slice(0, i) + insert + text.slice(i + drop));
    }),
    { numRuns: 150 },
  );
  await fc.assert(fc.asyncProperty(fc.string({ maxLength: 400 }), (text) => exercise(uri, text)), { numRuns: 100 });
});

test('pathological texts: deep nesting, huge loops, self-recursion', async () => {
  const uri = await client.open(join(fixturesDir, 'pathological.alamode.ts'), '');
  const head = "import { Dag } from 'a-la-mode';\nconst dag = new Dag();\n";
  await exercise(uri, `${head}dag.task('deep', ${'{a:'.repeat(2000)}1${'}'.repeat(2000)});`);
  await exercise(uri, `${head}for (let i = 0; i < 1e12; i++) dag.task('t' + i, {});`);
  await exercise(uri, `${head}function f(n: number): number { return f(n + 1); }\ndag.task('r', { n: f(0) });`);
  await exercise(uri, `${head}${'('.repeat(5000)}`);
  await exercise(uri, `${head}while (true) {}\ndag.task('after', {});`);
});
