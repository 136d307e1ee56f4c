/**
 * The server never crashes or hangs on any text: every prefix of real modules (what a user has while
 * typing), random edits and random bytes, each answered for lenses, hovers, symbols and diagnostics.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { CodeLensRequest, DocumentSymbolRequest, HoverRequest } from 'vscode-languageserver-protocol';
import { EncodedDagRequest } from '../../server/src/protocol';
import { alamode } from '../support/cli';
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

test('code nested 800 to 5,000 levels deep: any limit is on it, and the other tasks keep their lenses and IDs (issue 11)', async () => {
  const module = (deep: string) => `import { Dag } from 'a-la-mode';
const dag = new Dag();
function f(x: unknown) { return x; }
const a = dag.task('a', { image: 'app:1', sha: '1', command: 'a' });
const deep = ${deep};
dag.task('b', { image: 'app:1', sha: '2', command: 'b' }).addDep(a);
export default dag;
`;
  // The IDs the CLI computes for the module without the deep expression (the tasks do not depend on it).
  const dir = mkdtempSync(join(tmpdir(), 'alamode-deep-'));
  let expected: Record<string, { output: string }>;
  try {
    writeFileSync(join(dir, 'flat.alamode.ts'), module('0'));
    expected = JSON.parse(alamode(['encode', join(dir, 'flat.alamode.ts'), '--json']).stdout).tasks;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const uri = await client.open(join(fixturesDir, 'deep.alamode.ts'), '');
  for (const levels of [800, 1500, 5000]) {
    for (const deep of [`${'['.repeat(levels)}${']'.repeat(levels)}`, `${'f('.repeat(levels)}1${')'.repeat(levels)}`, `${'(() => '.repeat(levels)}1${')'.repeat(levels)}`]) {
      const text = module(deep);
      await client.change(uri, text);
      const diagnostics = await client.diagnostics(uri);
      const deepLine = text.split('\n').findIndex((l) => l.startsWith('const deep'));
      const limits = diagnostics.filter((d) => d.code === 'analysis-limit');
      // Whether the parser copes depends on the stack left where it runs; beyond a few thousand levels it never does.
      if (levels > 1500) assert.ok(limits.length > 0, 'a limit');
      assert.ok(limits.every((d) => d.range.start.line === deepLine), 'any limit is on the deep expression');
      const lenses = (await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } }))!;
      const ids = Object.fromEntries(lenses.map((l) => [l.command!.arguments?.[1], l.command!.arguments?.[0]]));
      assert.deepEqual(ids, { a: expected.a!.output, b: expected.b!.output });
    }
  }
});
