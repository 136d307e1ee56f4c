/**
 * The static analysis is held to execution: for every fixture module, each output ID the server shows
 * must equal what the CLI computes by running the module; and where the server says the DAG is
 * complete, its bencoded bytes must equal the CLI's `.dag` byte for byte. An ID the analysis cannot be
 * sure of must be absent ("unknown"), never different.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { EncodedDagRequest } from '../../server/src/protocol';
import { alamode } from '../support/cli';
import { fixturesDir } from '../support/paths';
import { startTestClient, type TestClient } from './lspClient';

const modules = ['pipelines', 'lsp', 'analysis']
  .flatMap((dir) => {
    try {
      return readdirSync(join(fixturesDir, dir)).filter((f) => f.endsWith('.alamode.ts')).map((f) => join(fixturesDir, dir, f));
    } catch {
      return [];
    }
  });

let client: TestClient;
const scratch = mkdtempSync(join(tmpdir(), 'alamode-parity-'));
before(async () => { client = await startTestClient(); });
after(() => { client.close(); rmSync(scratch, { recursive: true, force: true }); });

test('there are fixtures to hold the analysis to', () => {
  assert.ok(modules.length >= 3, modules.join('\n'));
});

for (const module of modules) {
  test(`${module.slice(fixturesDir.length + 1)}: every ID the server shows equals the CLI's`, async () => {
    const uri = await client.open(module);
    const result = await client.connection.sendRequest(EncodedDagRequest.type, { uri });
    const main = result.dags.find((d) => d.isDefaultExport);
    const out = join(scratch, `${module.replace(/[^\w]/g, '_')}.dag`);
    const cli = alamode(['encode', module, '--json', '--out', out, '--timeout', '20']);
    if (cli.status !== 0) {
      // The module does not encode when run (a bad pipeline, or it throws): the server must not claim it does.
      assert.notEqual(main?.complete, true, `the server encodes ${module} completely, but the CLI fails: ${cli.stderr}`);
      return;
    }
    assert.ok(main, `the CLI encodes ${module}, so the analysis must find its default-export Dag`);
    const encoded = JSON.parse(cli.stdout) as { tasks: Record<string, { output: string }> };
    let known = 0;
    for (const task of main.tasks) {
      if (task.output === undefined) continue;
      known++;
      assert.equal(task.output, encoded.tasks[task.name]?.output, `${task.name}: the server shows ${task.output}`);
    }
    if (main.complete) {
      assert.deepEqual(Buffer.from(main.bencoded!, 'base64'), readFileSync(out));
      assert.equal(known, Object.keys(encoded.tasks).length);
    }
  });
}
