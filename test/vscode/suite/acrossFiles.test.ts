/**
 * Pipelines over several files in a real VS Code (issue 8): the lenses of a pipeline follow an unsaved
 * edit of a shared helper, and with the helper active the side panel says which pipelines it affects,
 * each with what it invalidates. Expected IDs are `alamode encode`'s (the built CLI, run from here on a
 * copy of the workspace with the edit saved): the CLI executes the modules, the server never does.
 */
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { capture, waitFor } from './helpers';

interface Api {
  readonly panel: { lastView(): { kind: string; pipelines?: { fileName: string; result?: { diff: { counts: Record<string, number> } } }[] }; refresh(): Promise<{ kind: string }> };
}

const OLD_TAG = 'python:3.12-2026.11';
const NEW_TAG = 'python:3.12-2026.12';

export function acrossFiles(): void {
  const root = vscode.workspace.workspaceFolders![0]!.uri;
  const nightly = vscode.Uri.joinPath(root, 'pipelines', 'warehouse', 'nightly.alamode.ts');
  const images = vscode.Uri.joinPath(root, 'pipelines', 'shared', 'images.ts');

  /** Short output IDs by `alamode encode --json`, on a copy of the workspace with `images.ts` as given. */
  function cliShortIds(imagesText: string): string[] {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'alamode-vscode-cli-'));
    try {
      fs.cpSync(path.join(root.fsPath, 'pipelines'), path.join(copy, 'pipelines'), { recursive: true });
      fs.writeFileSync(path.join(copy, 'pipelines', 'shared', 'images.ts'), imagesText);
      const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'alamode-vscode')!;
      const out = execFileSync(process.execPath, [path.join(ext.extensionPath, 'server', 'out', 'cli.cjs'), 'encode', path.join(copy, 'pipelines', 'warehouse', 'nightly.alamode.ts'), '--json'], {
        encoding: 'utf8',
        env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      });
      return Object.values((JSON.parse(out) as { tasks: Record<string, { output: string }> }).tasks).map((t) => t.output.slice(0, 12)).sort();
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  }

  async function lensIds(uri: vscode.Uri): Promise<string[]> {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 1000);
    return (lenses ?? []).flatMap((l) => /(?:^|: )output ([0-9a-f]{12})/.exec(l.command?.title ?? '')?.[1] ?? []).sort();
  }

  describe('pipelines over several files', () => {
    let saved: string;
    before(async () => {
      saved = fs.readFileSync(images.fsPath, 'utf8');
    });

    it('@restricted lenses follow an unsaved edit of a shared helper, and the panel lists every pipeline it affects', async () => {
      const before = cliShortIds(saved);
      const after = cliShortIds(saved.replace(OLD_TAG, NEW_TAG));
      assert.notDeepEqual(before, after);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(nightly));
      assert.deepEqual(await waitFor('the nightly lenses', async () => {
        const ids = await lensIds(nightly);
        return ids.length === before.length ? ids : undefined;
      }), before, 'every task of the nightly pipeline shows the ID the CLI encodes');

      const helper = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(images), vscode.ViewColumn.Beside);
      const at = saved.indexOf(OLD_TAG);
      await helper.edit((e) => e.replace(new vscode.Range(helper.document.positionAt(at), helper.document.positionAt(at + OLD_TAG.length)), NEW_TAG));
      assert.ok(helper.document.isDirty, 'the edit is unsaved');
      await waitFor('the nightly lenses to re-key', async () => (JSON.stringify(await lensIds(nightly)) === JSON.stringify(after) ? true : undefined));

      const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'alamode-vscode')!;
      const api = ext.exports as Api;
      await vscode.commands.executeCommand('alamode.invalidation.focus');
      const view = await waitFor('the panel to show what the helper affects', async () => {
        const v = await api.panel.refresh();
        return v.kind === 'affected' ? api.panel.lastView() : undefined;
      });
      const names = (view.pipelines ?? []).map((p) => p.fileName).sort();
      assert.deepEqual(names, ['pipelines/ml/churn.alamode.ts', 'pipelines/warehouse/nightly.alamode.ts']);
      const nightlyCounts = view.pipelines!.find((p) => p.fileName.endsWith('nightly.alamode.ts'))!.result!.diff.counts;
      assert.ok(nightlyCounts.changed! > 0, JSON.stringify(nightlyCounts));
      await capture('panel-helper');

      // Reverted: back to the committed IDs.
      await helper.edit((e) => e.replace(new vscode.Range(helper.document.positionAt(0), helper.document.positionAt(helper.document.getText().length)), saved));
      await waitFor('the nightly lenses to come back', async () => (JSON.stringify(await lensIds(nightly)) === JSON.stringify(before) ? true : undefined));
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });

    it('a query file the pipeline hashes for its code tag is watched: saving it re-keys the lens', async () => {
      // A .sql file is not among what the client watches itself: the server asks it to (readWatchers.ts).
      const dir = path.join(root.fsPath, 'pipelines', 'sqlhash');
      fs.mkdirSync(dir, { recursive: true });
      const query = path.join(dir, 'transform.sql');
      fs.writeFileSync(query, 'SELECT 1;\n');
      const pipeline = path.join(dir, 'sql.alamode.ts');
      fs.writeFileSync(pipeline, "import { Dag } from 'a-la-mode';\nimport { createHash } from 'node:crypto';\nimport { readFileSync } from 'node:fs';\nimport { join } from 'node:path';\nconst dag = new Dag();\ndag.task('transform', { image: 'py', code: createHash('sha256').update(readFileSync(join(__dirname, 'transform.sql'), 'utf8')).digest('hex') });\nexport default dag;\n");
      const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'alamode-vscode')!;
      const cli = () => (JSON.parse(execFileSync(process.execPath, [path.join(ext.extensionPath, 'server', 'out', 'cli.cjs'), 'encode', pipeline, '--json'], { encoding: 'utf8', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } })) as { tasks: { transform: { output: string } } }).tasks.transform.output.slice(0, 12);
      const uri = vscode.Uri.file(pipeline);
      const before = cli();
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri));
      await waitFor('the lens of the hashed query', async () => (JSON.stringify(await lensIds(uri)) === JSON.stringify([before]) ? true : undefined));
      fs.writeFileSync(query, 'SELECT 1 AS changed;\n');
      const after = cli();
      assert.notEqual(after, before);
      await waitFor('the lens to follow the saved query', async () => (JSON.stringify(await lensIds(uri)) === JSON.stringify([after]) ? true : undefined));
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    });
  });
}
