/**
 * Typing inside the strings and numbers of a spec, one keystroke at a time, in a pipeline that imports
 * a helper: such keystrokes are applied to the last analysis without a new one (see
 * `server/src/analysis/literalEdits.ts`), so every lens is checked against `alamode encode` of the
 * same text, before and after the helper changes under it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { alamode } from '../support/cli';
import { scratchFolder } from '../support/paths';
import { lensIdsByTask, startTestClient, type TestClient } from './lspClient';

let client: TestClient;
const scratch = scratchFolder('alamode-lsp-typing-');
before(async () => {
  client = await startTestClient();
});
after(() => {
  client.close();
  scratch.remove();
});

const PIPELINE = `import { Dag } from 'a-la-mode';
import { IMAGE, step } from '../lib/steps';

const dag = new Dag({ owner: 'data' });
const extract = dag.task('extract', { image: IMAGE, sha: 'a1', cmd: ['python', 'extract.py'], retries: 2 });
const load = dag.task('load', { ...step('load'), sha: 'b2' });
load.addDep(extract);
dag.task('report', { image: IMAGE, sha: 'c3' }).addDep(load);
export default dag;
`;

const helper = (image: string) => `export const IMAGE = '${image}';
export const step = (name: string) => ({ image: IMAGE, cmd: ['python', name + '.py'] });
`;

/** The CLI's IDs for `text` (written where the editor's document is). */
function cliIds(path: string, text: string): Record<string, string> {
  writeFileSync(path, text);
  const run = alamode(['encode', path, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const tasks = (JSON.parse(run.stdout) as { tasks: Record<string, { output: string }> }).tasks;
  return Object.fromEntries(Object.entries(tasks).map(([name, t]) => [name, t.output]));
}

describe('typing inside spec strings and numbers', () => {
  test('every lens equals alamode encode after each run of keystrokes, and after the helper changes', async () => {
    const helperPath = scratch.write('lib/steps.ts', helper('python:3.12'));
    const path = scratch.write('pipelines/typing.alamode.ts', PIPELINE);
    const uri = await client.open(path);
    let text = PIPELINE;
    const seen = new Set<string>();
    const typeAt = async (marker: string, typed: string) => {
      for (const ch of typed) {
        const at = text.indexOf(marker) + marker.length;
        text = text.slice(0, at) + ch + text.slice(at);
        marker += ch;
        await client.change(uri, text);
        const ids = await lensIdsByTask(client, uri);
        assert.equal(Object.keys(ids).length, 3);
        seen.add(JSON.stringify(ids));
      }
    };

    assert.deepEqual(await lensIdsByTask(client, uri), cliIds(path, text));
    const typed = ['xyz', ' -v2', '5'];
    await typeAt("sha: 'a1", typed[0]!);
    await typeAt('extract.py', typed[1]!);
    await typeAt('retries: 2', typed[2]!);
    assert.deepEqual(await lensIdsByTask(client, uri), cliIds(path, text));
    // Every keystroke gave new IDs (each changed extract's spec, so everything downstream).
    assert.equal(seen.size, typed.join('').length);

    // The helper changes (open in the editor, unsaved, then saved): the next keystrokes in the
    // pipeline must see it.
    const helperUri = await client.open(helperPath, helper('python:3.12'));
    await client.change(helperUri, helper('python:3.13'));
    await typeAt("sha: 'b2", 'q');
    writeFileSync(helperPath, helper('python:3.13'));
    assert.deepEqual(await lensIdsByTask(client, uri), cliIds(path, text));
    await client.closeDocument(helperUri);
  });
});
