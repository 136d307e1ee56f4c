/**
 * Names written back into source by the server (rename, the "create task" quick fix) are escaped for
 * the literal they land in (issue 11): the module then defines exactly the name asked for.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CodeActionRequest, DocumentSymbolRequest, RenameRequest, type CodeAction } from 'vscode-languageserver-protocol';
import { fixturesDir } from '../support/paths';
import { startTestClient, type TestClient } from './lspClient';
import { applyEdits, positionOf } from './textUtil';

let client: TestClient;
before(async () => { client = await startTestClient(); });
after(() => client.close());

/** The task names the server sees in a text (document symbols, after the DAG's own symbol). */
async function taskNames(uri: string, text: string): Promise<string[]> {
  await client.change(uri, text);
  const symbols = (await client.connection.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri } })) as { name: string }[];
  return symbols.slice(1).map((s) => s.name);
}

test('renaming a template-literal task name to one containing ${x}, quotes or a line break keeps it a plain name', async () => {
  const text = "import { Dag } from 'a-la-mode';\nconst dag = new Dag();\ndag.task(`extract`, {});\ndag.task('load', {}).addDep(\"extract\");\ndag.get('extract');\nexport default dag;\n";
  const uri = await client.open(join(fixturesDir, 'lsp', 'rename-escape.alamode.ts'), text);
  for (const newName of ['a${x}', "it's \"quoted\" `here`", 'two\nlines \\ and ${more}']) {
    await client.change(uri, text);
    const edit = (await client.connection.sendRequest(RenameRequest.type, { textDocument: { uri }, position: positionOf(text, '`extract`', 1), newName }))!;
    const renamed = applyEdits(text, edit.changes![uri]!);
    assert.deepEqual(await taskNames(uri, renamed), [newName, 'load'], renamed);
    const diagnostics = await client.diagnostics(uri);
    assert.deepEqual(diagnostics.map((d) => d.message), [], renamed);
  }
});

test('the "create task" quick fix for a name with a line break and quotes writes a valid string', async () => {
  const text = "import { Dag } from 'a-la-mode';\nconst dag = new Dag();\ndag.task('load', {}).addDep('line one\\nit\\'s `two`');\nexport default dag;\n";
  const uri = await client.open(join(fixturesDir, 'lsp', 'create-escape.alamode.ts'), text);
  const missing = (await client.diagnostics(uri)).filter((d) => d.code === 'missing-input');
  assert.equal(missing.length, 1);
  const actions = (await client.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: missing[0]!.range, context: { diagnostics: missing } })) as CodeAction[];
  const create = actions.find((a) => a.title.startsWith('Create task'))!;
  const fixed = applyEdits(text, create.edit!.changes![uri]!);
  assert.deepEqual((await taskNames(uri, fixed)).sort(), ['line one\nit\'s `two`', 'load'].sort(), fixed);
  assert.deepEqual((await client.diagnostics(uri)).map((d) => d.message), [], fixed);
});
