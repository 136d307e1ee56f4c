/**
 * Pipelines that import helper modules, through the LSP (issue 8): the lenses show the IDs the CLI
 * encodes, a problem a helper causes is on the pipeline's call with the helper's place as related
 * information, and an import that cannot be read is a warning on it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { CodeLensRequest, DiagnosticSeverity, DocumentSymbolRequest } from 'vscode-languageserver-protocol';
import { alamode, encodedIds } from '../support/cli';
import { fixturesDir, scratchFolder } from '../support/paths';
import { lensIdsByTask, startTestClient, type TestClient } from './lspClient';

let client: TestClient;
const scratch = scratchFolder('alamode-lsp-modules-');
const { dir, write } = scratch;
before(async () => {
  client = await startTestClient();
});
after(() => {
  client.close();
  scratch.remove();
});

const lensIds = (uri: string) => lensIdsByTask(client, uri);

describe('a repository of the usual shape', () => {
  for (const name of ['ingest', 'reports']) {
    test(`${name}.alamode.ts: every task's lens shows the ID alamode encode computes, and no diagnostic`, async () => {
      const path = join(fixturesDir, 'repo', 'pipelines', 'daily', `${name}.alamode.ts`);
      const cli = JSON.parse(alamode(['encode', path, '--json']).stdout) as { tasks: Record<string, { output: string }> };
      const uri = await client.open(path);
      assert.deepEqual(await client.diagnostics(uri), []);
      const ids = await lensIds(uri);
      assert.deepEqual(ids, Object.fromEntries(Object.entries(cli.tasks).map(([task, t]) => [task, t.output])));
    });
  }
});

describe('problems in helpers', () => {
  test('a float in a spec a helper builds: the error is on the call, the helper\'s line is related', async () => {
    const spec = write('float/spec.ts', "export function spec(name: string) {\n  return { image: 'x', name, ratio: 0.25 };\n}\n");
    const text = "import { Dag } from 'a-la-mode';\nimport { spec } from './spec';\nconst dag = new Dag();\ndag.task('t', spec('t'));\nexport default dag;\n";
    const uri = await client.open(write('float/main.alamode.ts', text), text);
    const [error, ...rest] = (await client.diagnostics(uri)).filter((d) => d.severity === DiagnosticSeverity.Error);
    assert.equal(rest.length, 0);
    assert.equal(error!.code, 'invalid-value');
    assert.deepEqual(error!.range, { start: { line: 3, character: 14 }, end: { line: 3, character: 23 } }); // spec('t')
    const related = error!.relatedInformation!;
    assert.equal(related.length, 1);
    assert.equal(related[0]!.location.uri, pathToFileURL(spec).href);
    assert.deepEqual(related[0]!.location.range, { start: { line: 1, character: 29 }, end: { line: 1, character: 40 } }); // ratio: 0.25
  });

  test('an input a helper names that no task has: the error is on the helper\'s call', async () => {
    write('missing/deps.ts', "import type { Task } from 'a-la-mode';\nexport function after(task: Task) {\n  return task.addDep('nowhere');\n}\n");
    const text = "import { Dag } from 'a-la-mode';\nimport { after } from './deps';\nconst dag = new Dag();\nafter(dag.task('t', { image: 'x' }));\nexport default dag;\n";
    const uri = await client.open(write('missing/main.alamode.ts', text), text);
    const errors = (await client.diagnostics(uri)).filter((d) => d.severity === DiagnosticSeverity.Error);
    assert.deepEqual(errors.map((d) => [d.code, d.range.start.line, d.relatedInformation?.[0]?.location.uri]), [['missing-input', 3, pathToFileURL(join(dir, 'missing', 'deps.ts')).href]]);
  });

  test('an import that cannot be read is a warning on it', async () => {
    const text = "import { Dag } from 'a-la-mode';\nimport { IMAGE } from './nowhere';\nconst dag = new Dag();\ndag.task('t', { image: IMAGE });\nexport default dag;\n";
    const uri = await client.open(write('unread/main.alamode.ts', text), text);
    const warnings = (await client.diagnostics(uri)).filter((d) => d.code === 'not-static' && d.range.start.line === 1);
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0]!.message), /'\.\/nowhere' cannot be read/);
    assert.deepEqual(readFileSync(join(dir, 'unread', 'main.alamode.ts'), 'utf8'), text);
  });
});

describe('a pipeline that imports another pipeline module', () => {
  // ingest.alamode.ts makes its own Dag (three tasks) and exports a table name beside it.
  const ingest = "import { Dag } from 'a-la-mode';\nexport const RAW = 'raw_events';\nconst dag = new Dag({ name: 'ingest' });\nconst fetch = dag.task('fetch', { image: 'py', table: RAW });\ndag.task('clean', { image: 'py' }).addDep(fetch);\ndag.task('load', { image: 'py' }).addDep(fetch);\nexport default dag;\n";
  const lensLines = async (uri: string) => ((await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? []).map((l) => l.range.start.line);

  test('its lenses and outline are its own tasks, not the imported pipeline\'s on the import line', async () => {
    write('cross/ingest.alamode.ts', ingest);
    const text = "import { Dag } from 'a-la-mode';\nimport { RAW } from './ingest.alamode';\nconst dag = new Dag({ name: 'report' });\ndag.task('report', { image: 'py', source: RAW });\nexport default dag;\n";
    const path = write('cross/report.alamode.ts', text);
    const uri = await client.open(path, text);
    assert.deepEqual(await lensIds(uri), encodedIds(path));
    assert.deepEqual(await lensLines(uri), [3]);
    const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as { name: string }[];
    assert.deepEqual(symbols.map((s) => s.name), ['dag', 'report']);
    // The imported module's own lenses are where they were.
    assert.deepEqual(await lensIds(await client.open(join(dir, 'cross', 'ingest.alamode.ts'))), encodedIds(join(dir, 'cross', 'ingest.alamode.ts')));
  });

  test('when which Dag the module exports is not known, the imported pipeline\'s tasks keep their lenses', async () => {
    write('unknown/ingest.alamode.ts', ingest);
    const text = "import { Dag } from 'a-la-mode';\nimport ingest from './ingest.alamode';\nconst other = new Dag({ name: 'other' });\nother.task('x', { image: 'py' });\nexport default process.env.WHICH ? other : ingest;\n";
    const path = write('unknown/main.alamode.ts', text);
    const uri = await client.open(path, text);
    const ids = await lensIds(uri);
    // The CLI exports ingest here (WHICH is not set): its tasks have lenses, with its IDs.
    const cli = encodedIds(path);
    assert.deepEqual(Object.keys(cli).sort(), ['clean', 'fetch', 'load']);
    for (const [task, id] of Object.entries(cli)) assert.equal(ids[task], id, task);
  });

  test('tasks an import adds to the Dag this module exports still show on the import line', async () => {
    write('extend/base.ts', "import { Dag } from 'a-la-mode';\nexport const dag = new Dag({ name: 'base' });\ndag.task('fetch', { image: 'py' });\n");
    write('extend/checks.ts', "import { dag } from './base';\ndag.task('check', { image: 'py' }).addDep('fetch');\n");
    const text = "import { dag } from './base';\nimport './checks';\ndag.task('report', { image: 'py' }).addDep('check');\nexport default dag;\n";
    const path = write('extend/main.alamode.ts', text);
    const uri = await client.open(path, text);
    assert.deepEqual(await lensIds(uri), encodedIds(path));
    assert.deepEqual(await lensLines(uri), [0, 1, 2]);
  });

  test('a Dag made at import that this module adds a task to keeps its lenses', async () => {
    write('addto/shared.ts', "import { Dag } from 'a-la-mode';\nexport const shared = new Dag({ name: 'shared' });\nshared.task('base', { image: 'py' });\n");
    const text = "import { Dag } from 'a-la-mode';\nimport { shared } from './shared';\nshared.task('more', { image: 'py' }).addDep('base');\nconst dag = new Dag();\ndag.task('t', { image: 'py' });\nexport default dag;\n";
    const uri = await client.open(write('addto/main.alamode.ts', text), text);
    const titles = ((await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? []).map((l) => [l.range.start.line, l.command?.arguments?.[1]]);
    assert.deepEqual(titles, [[1, 'base'], [2, 'more'], [4, 't']]);
  });
});
