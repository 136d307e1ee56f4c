/**
 * Running from VS Code: *Run Pipeline* runs `alamode run` in a terminal (trusted workspaces only), the
 * lenses turn to "✓ built" as the records land, and the panel says nothing will run. The seed's
 * commands (`python …`) are run by a stand-in in the folder the runner names in ALAMODE_TEST_BIN.
 * Registered after the other suites: once a store exists, lenses carry statuses.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { capture, waitFor } from './helpers';

interface Api {
  panel: { refresh(): Promise<unknown>; lastRendered(): { cost?: { willRun: number; reuse: number } } | undefined };
}

export function runs(): void {
  const root = vscode.workspace.workspaceFolders![0]!.uri;
  const collage = vscode.Uri.joinPath(root, 'pipelines', 'collage.alamode.ts');

  const titles = async () => {
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', collage, 100);
    return (lenses ?? []).map((l) => l.command?.title ?? '').filter((t) => t.startsWith('output '));
  };

  describe('Running a pipeline from VS Code', () => {
    it('@restricted Run Pipeline refuses in Restricted Mode (it would run the pipeline\'s commands)', async function () {
      if (vscode.workspace.isTrusted) this.skip();
      const terminals = vscode.window.terminals.length;
      const started = await vscode.commands.executeCommand('alamode.runPipeline', collage);
      assert.equal(started, undefined);
      assert.equal(vscode.window.terminals.length, terminals, 'no terminal was opened');
    });

    it('Run Pipeline runs alamode in a terminal; the lenses say built as the records land, and the panel that nothing will run', async function () {
      if (!vscode.workspace.isTrusted) this.skip();
      this.timeout(180_000);
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(collage));
      // The terminal's shell reads the user's startup files, which may put another python first on the
      // PATH (pyenv does here): the CLI's command line, a setting, puts the stand-in first again.
      const extension = vscode.extensions.all.find((e) => e.packageJSON?.name === 'alamode-vscode')!;
      const cli = `${extension.extensionPath}/server/out/cli.cjs`;
      await vscode.workspace.getConfiguration('alamode.run').update('command', `env PATH='${process.env.ALAMODE_TEST_BIN}':"$PATH" ELECTRON_RUN_AS_NODE=1 '${process.execPath}' '${cli}'`, vscode.ConfigurationTarget.Workspace);
      const started = await vscode.commands.executeCommand<{ terminal: vscode.Terminal; commandLine: string }>('alamode.runPipeline', collage);
      assert.ok(started, 'a run started');
      assert.match(started.commandLine, /cli\.cjs' run .*pipelines\/collage\.alamode\.ts$/);
      assert.ok(vscode.window.terminals.includes(started.terminal));
      let last: string[] = [];
      const built = await waitFor('every lens to say built', async () => {
        const t = (last = await titles());
        return t.length === 4 && t.every((x) => / · ✓ built (just now|\d+ s ago) \(/.test(x)) ? t : undefined;
      }, 150_000).catch(async (e: Error) => {
        await capture('run-timeout');
        throw new Error(`${e.message}; the lenses said: ${last.join(' | ')}`);
      });
      assert.equal(built.length, 4);
      await capture('lenses-built');
      const api = extension.exports as Api;
      await vscode.commands.executeCommand('alamode.showInvalidation');
      const cost = await waitFor('the panel to show the cost', async () => {
        await api.panel.refresh();
        const c = api.panel.lastRendered()?.cost;
        return c && c.willRun === 0 ? c : undefined;
      }, 60_000);
      assert.deepEqual(cost, { willRun: 0, reuse: 4, estimateMs: 0 });
      await capture('panel-built');
    });
  });
}
