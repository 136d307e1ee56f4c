/**
 * The extension in a real VS Code, asserted through the public API (`vscode.execute*Provider`,
 * `vscode.languages.getDiagnostics`, our commands) and the side panel's DOM. The workspace is a real
 * git repository: `pipelines/collage.dag` is committed, and `collage.alamode.ts` carries an
 * uncommitted edit (blur's sha '6f09d' → 'qwetr3', the seed's own edit). Expected IDs are the seed's.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { capture, waitFor, type FrameDump } from './helpers';

interface Vectors {
  before: { tasks: Record<string, { output: string }> };
  after: { tasks: Record<string, { output: string; inputs: Record<string, string> }> };
  after_dag_sha256: string;
}

export function extension(): void {
  const vectors = JSON.parse(fs.readFileSync(process.env.ALAMODE_CONFORMANCE!, 'utf8')) as Vectors;
  const root = vscode.workspace.workspaceFolders![0]!.uri;
  const collage = vscode.Uri.joinPath(root, 'pipelines', 'collage.alamode.ts');
  const problems = vscode.Uri.joinPath(root, 'pipelines', 'problems.alamode.ts');

  async function lensTitles(uri: vscode.Uri): Promise<string[]> {
    return waitFor('code lenses', async () => {
      const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri, 100);
      const titles = (lenses ?? []).map((l) => l.command?.title ?? '').filter((t) => t.startsWith('output ') || t.includes(': '));
      return titles.length > 0 ? titles : undefined;
    });
  }

  describe('A La Mode in VS Code', () => {
    before(async () => {
      const ext = vscode.extensions.all.find((e) => e.packageJSON?.name === 'alamode-vscode');
      assert.ok(ext, 'the extension under test is loaded');
      const doc = await vscode.workspace.openTextDocument(collage);
      await vscode.window.showTextDocument(doc);
      await waitFor('the extension to activate', () => ext.isActive || undefined);
    });

    it('@restricted runs in the workspace trust state it was given', () => {
      assert.equal(vscode.workspace.isTrusted, process.env.ALAMODE_RESTRICTED !== '1');
    });

    it('activates on a pipeline module and keeps it a TypeScript document', async () => {
      const doc = await vscode.workspace.openTextDocument(collage);
      assert.equal(doc.languageId, 'typescript');
    });

    it('@restricted code lenses show each task\'s output ID (the seed\'s, after its edit) and input count', async () => {
      const titles = await lensTitles(collage);
      for (const [name, task] of Object.entries(vectors.after.tasks)) {
        const n = Object.keys(task.inputs).length;
        assert.ok(titles.includes(`output ${task.output.slice(0, 12)} · ${n} input${n === 1 ? '' : 's'}`), `${name}: ${titles.join(' | ')}`);
      }
      await capture('lenses');
    });

    it('@restricted hover on a task variable shows its full output ID and its inputs', async () => {
      const doc = await vscode.workspace.openTextDocument(collage);
      const offset = doc.getText().indexOf('blur.addDep(download)') + 1;
      const hovers = await waitFor('hover', async () => {
        const h = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', collage, doc.positionAt(offset));
        const text = (h ?? []).flatMap((x) => x.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
        return text.includes(vectors.after.tasks.blur!.output) ? text : undefined;
      });
      assert.ok(hovers.includes(vectors.after.tasks.download_images!.output.slice(0, 12)));
    });

    it('@restricted diagnostics name the cycle, the missing input, the bad value and what is not static', async () => {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(problems));
      const diagnostics = await waitFor('alamode diagnostics', () => {
        const d = vscode.languages.getDiagnostics(problems).filter((x) => x.source === 'alamode');
        return d.length >= 6 ? d : undefined;
      });
      const codes = new Set(diagnostics.map((d) => String(typeof d.code === 'object' ? d.code.value : d.code)));
      for (const code of ['cycle', 'missing-input', 'invalid-value', 'reserved-key', 'duplicate-task', 'not-static']) assert.ok(codes.has(code), code);
      const cycle = diagnostics.find((d) => d.code === 'cycle')!;
      assert.match(cycle.message, /^cycle: a → b → c → a/);
      assert.equal(cycle.relatedInformation?.length, 2);
      await capture('diagnostics');
    });

    it('TypeScript knows the DSL without a-la-mode installed (the extension\'s TypeScript server plugin)', async () => {
      // Not in Restricted Mode: TypeScript itself runs syntax-only there, with no plugins.
      assert.equal(fs.existsSync(path.join(root.fsPath, 'node_modules', 'a-la-mode')), false);
      const document = await vscode.workspace.openTextDocument(collage);
      await vscode.window.showTextDocument(document);
      const at = document.positionAt(document.getText().indexOf("dag.task('blur'") + 'dag.ta'.length);
      const described = await waitFor('TypeScript to describe dag.task', async () => {
        const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, at)) ?? [];
        const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
        return /\btask\(name: string/.test(text) ? text : undefined;
      }, 50_000);
      // Without the plugin, 'a-la-mode' does not resolve and TypeScript describes `task` as `any`.
      assert.match(described, /: Task\b/);
    });

    it('the lens command copies the full output ID', async () => {
      const id = vectors.after.tasks.blur!.output;
      await vscode.commands.executeCommand('alamode.copyOutputId', id, 'blur');
      assert.equal(await vscode.env.clipboard.readText(), id);
    });

    it('@restricted the side panel shows what the uncommitted edit invalidates against the committed .dag', async () => {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(collage));
      await vscode.commands.executeCommand('alamode.showInvalidation');
      // The list comes first; the drawing follows (laid out a moment later): wait for both.
      const panel = await waitFor('the panel to render the diff and draw the DAG', async () => {
        const frames = (await capture('panel', true)) ?? [];
        return frames.find((f: FrameDump) => f.html.includes('data-status="invalidated"') && f.html.includes('<svg'));
      }, 60_000);
      assert.match(panel.html, /data-task="blur"[^>]*data-status="changed"|data-status="changed"[^>]*data-task="blur"/);
      assert.match(panel.html, /data-task="collage"[^>]*data-status="invalidated"|data-status="invalidated"[^>]*data-task="collage"/);
      assert.match(panel.text, /HEAD:pipelines\/collage\.dag/);
      assert.match(panel.text, /6f09d/);
      assert.match(panel.text, /qwetr3/);
      assert.ok(panel.text.includes(vectors.after.tasks.blur!.output.slice(0, 12)));
      assert.ok(panel.text.includes(vectors.before.tasks.blur!.output.slice(0, 12)));
      assert.match(panel.html, /<svg/);
    });

    it('@restricted clicking a task in the side panel reveals its dag.task call', async () => {
      const source = await vscode.workspace.openTextDocument(collage);
      await vscode.window.showTextDocument(source, { selection: new vscode.Range(0, 0, 0, 0) });
      await vscode.commands.executeCommand('alamode.showInvalidation');
      // The list comes first; the drawing follows (laid out a moment later): wait for both.
      await waitFor('the panel to list and draw collage', async () => ((await capture('panel-before-click', true)) ?? []).some((f) => f.html.includes('data-task="collage"') && f.html.includes('class="node"')) || undefined, 60_000);
      // The task's name in the list, then a node of the drawn DAG (its IDs copy instead; tested above).
      for (const [selector, task] of [['#task-list .task[data-task="collage"] .name', 'collage'], ['#graph .node[data-task="blur"]', 'blur']] as const) {
        await capture(`panel-click-${task}`, false, selector);
        const call = source.positionAt(source.getText().indexOf(`dag.task('${task}'`));
        const editor = await waitFor(`the editor to show the ${task} task`, () => {
          const e = vscode.window.activeTextEditor;
          return e?.document.uri.toString() === collage.toString() && e.selection.start.line === call.line ? e : undefined;
        });
        assert.equal(editor.selection.start.character, call.character);
      }
    });

    it('@restricted the side panel keeps its state when hidden and shown again (the unchanged list stays open)', async () => {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(collage));
      await vscode.commands.executeCommand('alamode.showInvalidation');
      const unchangedOpen = (f: FrameDump) => /<details id="unchanged" open/.test(f.html) && f.html.includes('data-task="download_images"');
      const shown = await waitFor('the panel to render', async () => ((await capture('panel-state', true)) ?? []).find((f) => f.html.includes('id="unchanged"')), 60_000);
      // The summary toggles the list: click it only when it is closed.
      if (!unchangedOpen(shown)) await capture('panel-state-open', false, '#unchanged summary');
      await waitFor('the unchanged list to open', async () => ((await capture('panel-state-open', true)) ?? []).some(unchangedOpen) || undefined);
      // Another view takes the side bar (the webview is let go), then the panel comes back.
      await vscode.commands.executeCommand('workbench.view.explorer');
      await waitFor('the panel to be hidden', async () => !((await capture('panel-state-hidden', true)) ?? []).some((f) => f.html.includes('id="counts"')) || undefined);
      await vscode.commands.executeCommand('alamode.showInvalidation');
      await waitFor('the panel to come back with the list open', async () => ((await capture('panel-state-restored', true)) ?? []).some(unchangedOpen) || undefined, 60_000);
    });

    it('@restricted the side panel follows typing: an unsaved edit shows up, and reverting it takes it away', async () => {
      const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(collage));
      await vscode.commands.executeCommand('alamode.showInvalidation');
      const statusOf = (html: string, task: string) =>
        new RegExp(`data-task="${task}"[^>]*data-status="(\\w+)"|data-status="(\\w+)"[^>]*data-task="${task}"`).exec(html)?.slice(1).find(Boolean);
      const panelWhere = (what: string, shot: string, ok: (f: FrameDump) => boolean) =>
        waitFor(what, async () => ((await capture(shot, true)) ?? []).find((f) => f.html.includes('id="counts"') && ok(f)), 60_000);
      const old = "command: 'python transform_images.py edge_enhance'";
      const typedText = "command: 'python transform_images.py sharpen'";
      const document = editor.document;
      const replace = (from: string, to: string) => {
        const start = document.getText().indexOf(from);
        const edit = new vscode.WorkspaceEdit();
        edit.replace(document.uri, new vscode.Range(document.positionAt(start), document.positionAt(start + from.length)), to);
        return vscode.workspace.applyEdit(edit);
      };
      try {
        assert.ok(await replace(old, typedText));
        const typed = await panelWhere('the panel to show the unsaved edit', 'panel-typing', (f) => statusOf(f.html, 'edge_enhance') === 'changed');
        assert.equal(statusOf(typed.html, 'blur'), 'changed');
        assert.equal(statusOf(typed.html, 'collage'), 'invalidated');
        assert.match(typed.text, /sharpen/);
        // The lenses follow too: edge_enhance's lens moves from the committed ID to the one the panel shows.
        const committed = vectors.after.tasks.edge_enhance!.output.slice(0, 12);
        const moved = new RegExp(`edge_enhance\\s*${committed}\\s*→\\s*([0-9a-f]{12})`).exec(typed.text)?.[1];
        assert.ok(moved && moved !== committed, typed.text);
        await waitFor('the lenses to show the edit', async () => {
          const titles = await lensTitles(collage);
          return titles.some((t) => t.startsWith(`output ${moved} `)) && !titles.some((t) => t.startsWith(`output ${committed} `)) ? titles : undefined;
        });
      } finally {
        // Back to the text on disk (saved, so the other tests see the workspace as it was).
        if (document.getText().includes(typedText)) await replace(typedText, old);
        await document.save();
      }
      // The extension host hears of the dirty state apart from the text (and after save() resolves).
      await waitFor('the reverted document to be clean', () => (document.isDirty ? undefined : true));
      await panelWhere('the panel to drop the reverted edit', 'panel-reverted', (f) => statusOf(f.html, 'edge_enhance') === 'unchanged' && statusOf(f.html, 'blur') === 'changed');
    });

    it('writes <name>.dag beside the module: the seed\'s bytes for the edited pipeline', async () => {
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(collage));
      await vscode.commands.executeCommand('alamode.writeEncodedDag');
      const written = path.join(root.fsPath, 'pipelines', 'collage.dag');
      const sha = await waitFor('collage.dag to be rewritten', () => {
        const digest = createHash('sha256').update(fs.readFileSync(written)).digest('hex');
        return digest === vectors.after_dag_sha256 ? digest : undefined;
      });
      assert.equal(sha, vectors.after_dag_sha256);
      // Written whole through a temporary sibling renamed over it: nothing of that is left behind.
      assert.deepEqual(fs.readdirSync(path.dirname(written)).filter((f) => f.endsWith('.tmp')), []);
    });

    it('@restricted opening a .dag shows it decoded: tasks and output IDs', async () => {
      const dag = vscode.Uri.joinPath(root, 'pipelines', 'collage.dag');
      // The committed (seed's "before") file, or the one the write test produced (the seed's "after").
      const onDisk = createHash('sha256').update(fs.readFileSync(dag.fsPath)).digest('hex');
      const expected = onDisk === vectors.after_dag_sha256 ? vectors.after : vectors.before;
      await vscode.commands.executeCommand('vscode.open', dag);
      const viewer = await waitFor('the .dag viewer', async () => {
        const frames = (await capture('dag-viewer', true)) ?? [];
        return frames.find((f) => f.text.includes(expected.tasks.collage!.output));
      }, 60_000);
      for (const [name, task] of Object.entries(expected.tasks)) assert.ok(viewer.text.includes(name) && viewer.text.includes(task.output), name);
    });

    it('a corrupt .dag shows a clear message, not a blank page', async () => {
      const corrupt = vscode.Uri.joinPath(root, 'pipelines', 'corrupt.dag');
      await vscode.commands.executeCommand('vscode.open', corrupt);
      const viewer = await waitFor('the error message', async () => {
        const frames = (await capture('dag-corrupt', true)) ?? [];
        return frames.find((f) => /not a valid \.dag file/.test(f.text));
      }, 60_000);
      assert.match(viewer.text, /not a valid \.dag file: /);
    });
  });
}
