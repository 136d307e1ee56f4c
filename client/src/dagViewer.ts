/**
 * `.dag` files, decoded: a read-only custom editor that shows an encoded DAG as a reader wants it
 * (meta, then each task with its output ID, inputs and spec) instead of one long line of bencode.
 * Decoding is the core's `decodeDag`, the same checks the CLI and server make; a file that fails them
 * shows the reason. "Open as Text" shows the raw bencode, highlighted by the grammar.
 */
import * as vscode from 'vscode';
import { DagFileError, decodeDag, inconsistentTasks } from '../../server/src/core/encodedDag';
import type { EncodedDag } from '../../server/src/core/outputIds';
import type { BencodeValue } from '../../server/src/core/values';
import { Commands } from './commands';
import { baseName, plural } from './pipelines';
import { escapeHtml as esc, webviewHtml } from './webviewUtil';

export const DAG_VIEWER_ID = 'alamode.dagViewer';

/** What a viewer last showed, for tests: the task count, or the decode error. */
export type DagViewState = { readonly uri: string; readonly tasks: number; readonly error?: undefined } | { readonly uri: string; readonly error: string; readonly tasks?: undefined };

/** Messages from the viewer's webview. */
type FromViewer = { readonly type: 'openAsText' } | { readonly type: 'copy'; readonly text: string };

class DagDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

export class DagViewerProvider implements vscode.CustomReadonlyEditorProvider<DagDocument> {
  private readonly shown = new Map<string, DagViewState>();

  constructor(private readonly extensionUri: vscode.Uri) {}

  static register(context: vscode.ExtensionContext): DagViewerProvider {
    const provider = new DagViewerProvider(context.extensionUri);
    context.subscriptions.push(
      vscode.window.registerCustomEditorProvider(DAG_VIEWER_ID, provider, { supportsMultipleEditorsPerDocument: true }),
      vscode.commands.registerCommand(Commands.openDagAsText, (uri?: vscode.Uri) => openWith(uri, 'default')),
      vscode.commands.registerCommand(Commands.openDagDecoded, (uri?: vscode.Uri) => openWith(uri, DAG_VIEWER_ID)),
    );
    return provider;
  }

  /** What the viewer of `uri` shows now (for tests). */
  state(uri: vscode.Uri): DagViewState | undefined {
    return this.shown.get(uri.toString());
  }

  openCustomDocument(uri: vscode.Uri): DagDocument {
    return new DagDocument(uri);
  }

  async resolveCustomEditor(document: DagDocument, panel: vscode.WebviewPanel): Promise<void> {
    const media = vscode.Uri.joinPath(this.extensionUri, 'client', 'out');
    panel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    const show = async () => {
      const { html, state } = await this.render(document.uri, panel.webview, media);
      if (!disposed) {
        this.shown.set(document.uri.toString(), state);
        panel.webview.html = html;
      }
    };
    let disposed = false;
    // The file may be rewritten (`alamode encode`, "Write Encoded DAG", a checkout): show the new bytes.
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.joinPath(document.uri, '..'), baseName(document.uri)));
    const subscriptions = [
      watcher,
      watcher.onDidChange(() => void show()),
      watcher.onDidCreate(() => void show()),
      panel.webview.onDidReceiveMessage((m: FromViewer) => {
        if (m.type === 'openAsText') void openWith(document.uri, 'default');
        else if (m.type === 'copy') void vscode.env.clipboard.writeText(m.text).then(() => vscode.window.setStatusBarMessage('Copied the output ID', 3000));
      }),
    ];
    panel.onDidDispose(() => {
      disposed = true;
      for (const s of subscriptions) s.dispose();
    });
    await show();
  }

  private async render(uri: vscode.Uri, webview: vscode.Webview, media: vscode.Uri): Promise<{ html: string; state: DagViewState }> {
    let dag: EncodedDag;
    try {
      dag = decodeDag(await vscode.workspace.fs.readFile(uri));
    } catch (e) {
      const reason = e instanceof DagFileError ? e.message : e instanceof vscode.FileSystemError ? `cannot read the file: ${e.message}` : String(e instanceof Error ? e.message : e);
      const body = `<header id="header"><h1>${esc(baseName(uri))}</h1>${openAsTextButton()}</header>
        <div id="error" class="error" role="alert"><strong>This file cannot be shown as an encoded DAG:</strong><br><span id="reason">${esc(reason)}</span></div>
        <p class="hint">An encoded DAG is a bencoded dict <code>{meta, tasks: {name: {...spec, inputs, output}}}</code>, as <code>alamode encode</code> writes it.</p>`;
      return { html: page(webview, media, baseName(uri), body, 'error'), state: { uri: uri.toString(), error: reason } };
    }
    return { html: page(webview, media, baseName(uri), renderDag(dag, uri), 'dag'), state: { uri: uri.toString(), tasks: Object.keys(dag.tasks).length } };
  }
}

async function openWith(uri: vscode.Uri | undefined, viewType: string): Promise<void> {
  const target = uri ?? activeDagUri();
  if (!target) {
    void vscode.window.showErrorMessage('Open a .dag file first.');
    return;
  }
  await vscode.commands.executeCommand('vscode.openWith', target, viewType);
}

/** The `.dag` of the active editor, whether a text editor or our viewer (a custom editor has no TextEditor). */
function activeDagUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) return input.uri.path.endsWith('.dag') ? input.uri : undefined;
  return undefined;
}

function openAsTextButton(): string {
  return `<button id="open-as-text" type="button" title="Show the raw bencode">Open as Text</button>`;
}

function page(webview: vscode.Webview, media: vscode.Uri, title: string, body: string, kind: string): string {
  return webviewHtml({ webview, media, script: 'dagViewer.js', style: 'dagViewer.css', title, body, bodyAttributes: `data-kind="${kind}"` });
}

/** The decoded DAG as HTML: meta, then tasks in file order, each linked to its inputs and readers. */
export function renderDag(dag: EncodedDag, uri: vscode.Uri): string {
  const names = Object.keys(dag.tasks);
  const anchor = new Map(names.map((n, i) => [n, `task-${i}`]));
  const readers = new Map<string, string[]>();
  for (const [name, task] of Object.entries(dag.tasks)) for (const input of Object.keys(task.inputs)) readers.set(input, [...(readers.get(input) ?? []), name]);
  const bad = new Set(inconsistentTasks(dag));
  const link = (name: string) => (anchor.has(name) ? `<a href="#${anchor.get(name)}" class="task-link">${esc(name)}</a>` : `<span class="task-link missing" title="no such task in this file">${esc(name)}</span>`);

  const metaKeys = Object.keys(dag.meta);
  const meta = metaKeys.length
    ? `<table class="fields">${metaKeys.map((k) => field(k, dag.meta[k]!)).join('')}</table>`
    : '<p class="hint">No meta.</p>';

  const tasks = names
    .map((name) => {
      const task = dag.tasks[name]!;
      const { inputs, output, ...spec } = task;
      const inputNames = Object.keys(inputs);
      const specKeys = Object.keys(spec);
      const usedBy = readers.get(name) ?? [];
      return `<article class="task" id="${anchor.get(name)}" data-task="${esc(name)}" data-output="${output}"${bad.has(name) ? ' data-inconsistent' : ''}>
  <h3><span class="name">${esc(name)}</span></h3>
  <div class="output">output <code class="id" data-copy="${output}" title="Click to copy">${output}</code></div>
  ${bad.has(name) ? '<div class="warning" role="note">This output ID does not match the spec and inputs stored here: the file was edited by hand, or written by a different encoder.</div>' : ''}
  <div class="links">
    <div class="inputs"><span class="label">inputs</span> ${inputNames.length ? `<ul>${inputNames.map((i) => `<li data-input="${esc(i)}">${link(i)} <code class="id short" data-copy="${inputs[i]}" title="${inputs[i]}">${inputs[i]!.slice(0, 12)}</code></li>`).join('')}</ul>` : '<span class="none">none</span>'}</div>
    ${usedBy.length ? `<div class="readers"><span class="label">used by</span> <ul>${usedBy.map((r) => `<li>${link(r)}</li>`).join('')}</ul></div>` : ''}
  </div>
  ${specKeys.length ? `<table class="fields spec">${specKeys.map((k) => field(k, spec[k]!)).join('')}</table>` : '<p class="hint">Empty spec.</p>'}
</article>`;
    })
    .join('\n');

  const summary = `${plural(names.length, 'task')}${bad.size ? ` · <span class="warning-text">${plural(bad.size, 'inconsistent task')}</span>` : ''}`;
  return `<header id="header">
  <div class="title-row"><h1>${esc(baseName(uri))}</h1><span id="summary" class="summary">${summary}</span>${openAsTextButton()}</div>
  <input id="filter" type="search" placeholder="Filter tasks by name" aria-label="Filter tasks by name">
</header>
<section id="meta"><h2>Meta</h2>${meta}</section>
<section id="tasks" data-count="${names.length}"><h2>Tasks</h2>
${tasks}
<p id="no-match" class="hint" hidden>No task matches.</p>
</section>`;
}

function field(key: string, value: BencodeValue): string {
  return `<tr data-key="${esc(key)}"><th>${esc(key)}</th><td>${valueHtml(value)}</td></tr>`;
}

/** A value as a reader wants it: strings as text, exact integers, bytes as hex, containers expanded. */
function valueHtml(value: BencodeValue): string {
  if (typeof value === 'string') return `<code class="string">${esc(value)}</code>`;
  if (typeof value === 'number' || typeof value === 'bigint') return `<code class="number">${String(value)}</code>`;
  if (typeof value === 'boolean') return `<code class="number">${value ? 1 : 0}</code>`;
  if (value instanceof Uint8Array) {
    const hex = Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('');
    return `<code class="bytes" title="${value.length} raw bytes (not UTF-8)">&lt;${value.length} bytes&gt; ${hex.length > 128 ? `${hex.slice(0, 128)}…` : hex}</code>`;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return '<code class="none">[]</code>';
    return `<ol class="list" start="0">${(value as readonly BencodeValue[]).map((v) => `<li>${valueHtml(v)}</li>`).join('')}</ol>`;
  }
  const dict = value as { readonly [key: string]: BencodeValue };
  const keys = Object.keys(dict);
  if (keys.length === 0) return '<code class="none">{}</code>';
  return `<table class="fields nested">${keys.map((k) => field(k, dict[k]!)).join('')}</table>`;
}
