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
import { DiagnosticSeverity } from 'vscode-languageserver-protocol';
import { alamode } from '../support/cli';
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
