/**
 * The side panel "what this change invalidates": a webview view that shows the server's
 * `alamode/diff` of the active pipeline against its last commit, as counts, a task list and a drawn
 * DAG, and (when the pipeline's store exists) what running it would cost: which tasks will run and
 * which reuse a stored output. It asks again when the server says records landed. The extension host only asks and forwards; the webview lays the graph out in its own thread.
 */
import * as vscode from 'vscode';
import { LSPErrorCodes, ResponseError, type LanguageClient } from 'vscode-languageclient/node';
import { AffectedPipelinesRequest, DiffRequest } from '../../server/src/protocol';
import { whenRunning } from './client';
import { forPanel, type AffectedPipeline, type DiffResult, type FromPanel, type PanelView, type RenderedInfo, type ToPanel } from './panelProtocol';
import { displayPath, IMPORTABLE_GLOB, isImportableDocument, isPipelineDocument, PIPELINE_GLOB } from './pipelines';
import { webviewHtml } from './webviewUtil';

/** Typing is followed after this pause: a diff per pause, not per keystroke. */
const TYPING_DELAY_MS = 300;

export const INVALIDATION_VIEW_ID = 'alamode.invalidation';

export class InvalidationPanel implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  /**
   * What is shown: the active pipeline, or the last one that was active while it stays open; or a file
   * pipelines import (a helper), shown as what it does to each pipeline that reads it.
   */
  private document: vscode.TextDocument | undefined;
  /** The last pipeline shown: back to it when the active file turns out to be read by no pipeline. */
  private lastPipeline: vscode.TextDocument | undefined;
  /** Where each affected pipeline's tasks are defined (the affected view), by pipeline URI. */
  private affectedRanges = new Map<string, DiffResult['ranges']>();
  /** The workspace's pipeline modules, found once and kept until one is created or deleted. */
  private candidates: Promise<string[]> | undefined;
  private current: PanelView = { kind: 'empty', message: 'Open a pipeline module (*.alamode.ts) to see what your edits invalidate.' };
  /** Where the tasks of the shown diff are defined (kept here: the webview asks to reveal by name). */
  private ranges: DiffResult['ranges'] = {};
  private rendered: RenderedInfo | undefined;
  /** The document and version of the result on show: an older reply for it is ignored. */
  private shown: { uri: string; version: number } | undefined;
  private readonly renderedWaiters: ((info: RenderedInfo) => void)[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private cancel: vscode.CancellationTokenSource | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly client: LanguageClient,
    private readonly output: vscode.LogOutputChannel,
  ) {
    this.document = this.lastPipeline = activePipeline();
    // Helpers change on disk too (git checkout, another tool): the pipelines shown may re-key.
    const watcher = vscode.workspace.createFileSystemWatcher(IMPORTABLE_GLOB);
    const onDisk = (uri: vscode.Uri) => {
      if (uri.path.endsWith('.alamode.ts')) this.candidates = undefined;
      this.schedule(TYPING_DELAY_MS);
    };
    this.disposables.push(
      watcher,
      watcher.onDidChange(onDisk),
      watcher.onDidCreate(onDisk),
      watcher.onDidDelete(onDisk),
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        // Another kind of editor (output, settings, a .dag) keeps the last pipeline on show; a file
        // pipelines may import is asked about (and shown only if some pipeline reads it).
        if (!editor || editor.document === this.document) return;
        if (isPipelineDocument(editor.document)) this.lastPipeline = editor.document;
        else if (!isImportableDocument(editor.document)) return;
        this.document = editor.document;
        this.schedule(0);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0) return;
        // The shown document, or a helper the shown pipeline may read, typed in.
        if (e.document === this.document || isImportableDocument(e.document)) this.schedule(TYPING_DELAY_MS);
      }),
      // A commit or checkout changes the base; saving is a cheap moment to look again.
      vscode.workspace.onDidSaveTextDocument((d) => d === this.document && this.schedule(0)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (d === this.lastPipeline) this.lastPipeline = undefined;
        if (d !== this.document) return;
        this.document = activePipeline() ?? this.lastPipeline;
        this.schedule(0);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => (e.affectsConfiguration('alamode.invalidation') || e.affectsConfiguration('alamode.store')) && this.schedule(0)),
    );
  }

  /** Records landed in a store (the server watches them): the cost shown may have changed. */
  storeChanged(): void {
    if (this.current.kind === 'diff' || this.current.kind === 'unavailable') this.schedule(0);
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.extensionUri, 'client', 'out');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    view.webview.html = this.html(view.webview, media);
    view.webview.onDidReceiveMessage((m: FromPanel) => this.onMessage(m), undefined, this.disposables);
    view.onDidChangeVisibility(() => view.visible && this.schedule(0), undefined, this.disposables);
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
    }, undefined, this.disposables);
  }

  /** What the webview last reported having drawn (for tests and the status of the panel). */
  lastRendered(): RenderedInfo | undefined {
    return this.rendered;
  }

  /** The view last sent to the webview. */
  lastView(): PanelView {
    return this.current;
  }

  /** Resolves with the next report of the webview having drawn a view. */
  nextRendered(): Promise<RenderedInfo> {
    return new Promise((resolve) => this.renderedWaiters.push(resolve));
  }

  /** Asks again now, for the active pipeline if there is one. */
  async refresh(): Promise<PanelView> {
    const active = vscode.window.activeTextEditor?.document;
    if (active && (isPipelineDocument(active) || isImportableDocument(active))) this.document = active;
    clearTimeout(this.timer);
    return this.update();
  }

  schedule(delay: number): void {
    clearTimeout(this.timer);
    if (delay > 0) this.post({ type: 'busy', busy: true });
    this.timer = setTimeout(() => void this.update(), delay);
  }

  private async update(): Promise<PanelView> {
    // Nobody is looking: ask when the view becomes visible again.
    if (!this.view?.visible) return this.current;
    this.cancel?.cancel();
    const cancel = (this.cancel = new vscode.CancellationTokenSource());
    const document = this.document;
    let view: PanelView;
    if (!document || document.isClosed) {
      this.shown = undefined;
      view = { kind: 'empty', message: 'Open a pipeline module (*.alamode.ts) to see what your edits invalidate.' };
    } else if (!isPipelineDocument(document)) {
      const affected = await this.affectedView(document, cancel.token);
      if (!affected) {
        // Read by no pipeline: whatever was shown stays (and follows its pipeline again).
        if (this.document === document) this.document = this.lastPipeline;
        if (this.current.kind === 'affected' && this.lastPipeline) return this.update();
        return this.current;
      }
      view = affected;
    } else {
      const fileName = displayPath(document.uri);
      const uri = document.uri.toString();
      try {
        await whenRunning(this.client);
        const rev = vscode.workspace.getConfiguration('alamode.invalidation', document.uri).get<string>('base', 'HEAD').trim() || 'HEAD';
        const started = Date.now();
        const version = document.version;
        const result = await this.client.sendRequest(
          DiffRequest.type,
          { uri: this.client.code2ProtocolConverter.asUri(document.uri), base: { kind: 'git', rev } },
          cancel.token,
        );
        if (cancel.token.isCancellationRequested) return this.current;
        this.output.debug(`alamode/diff of ${fileName} (version ${version}): ${result.kind}, ${Date.now() - started} ms`);
        // Replies come with the version they were computed for: never replace a newer view with an older one.
        if (result.version !== undefined && this.shown?.uri === uri && result.version < this.shown.version) return this.current;
        this.shown = result.version !== undefined ? { uri, version: result.version } : undefined;
        if (result.kind === 'diff') this.ranges = result.ranges;
        view =
          result.kind === 'diff'
            ? { kind: 'diff', uri, fileName, result: forPanel(result), graphLimit: graphLimit(document.uri) }
            : { kind: 'unavailable', uri, fileName, reason: result.reason };
      } catch (e) {
        if (cancel.token.isCancellationRequested) return this.current;
        // The server dropped a diff that a newer edit overtook; that edit schedules its own.
        if (e instanceof ResponseError && e.code === LSPErrorCodes.ContentModified) return this.current;
        this.output.warn(`alamode/diff for ${fileName} failed: ${e instanceof Error ? e.message : String(e)}`);
        view = { kind: 'error', uri, fileName, message: e instanceof Error ? e.message : String(e) };
      }
    }
    this.current = view;
    this.post({ type: 'render', view });
    return view;
  }

  /** The workspace's pipeline modules (the user's file excludes apply), for the server to look through. */
  private pipelineCandidates(): Promise<string[]> {
    this.candidates ??= Promise.resolve(vscode.workspace.findFiles(PIPELINE_GLOB, '**/node_modules/**', 5000)).then((uris) =>
      uris.map((u) => this.client.code2ProtocolConverter.asUri(u)),
    );
    return this.candidates;
  }

  /** What a file pipelines import does to each of them, or undefined when no pipeline reads it. */
  private async affectedView(document: vscode.TextDocument, token: vscode.CancellationToken): Promise<PanelView | undefined> {
    const uri = document.uri.toString();
    const fileName = displayPath(document.uri);
    try {
      await whenRunning(this.client);
      const rev = vscode.workspace.getConfiguration('alamode.invalidation', document.uri).get<string>('base', 'HEAD').trim() || 'HEAD';
      const candidates = await this.pipelineCandidates();
      const result = await this.client.sendRequest(
        AffectedPipelinesRequest.type,
        { uri: this.client.code2ProtocolConverter.asUri(document.uri), candidates, base: { kind: 'git', rev } },
        token,
      );
      if (token.isCancellationRequested || result.pipelines.length === 0) return undefined;
      this.affectedRanges = new Map();
      const pipelines = result.pipelines.map((p): AffectedPipeline => {
        const pipelineName = displayPath(vscode.Uri.parse(p.uri));
        if (p.result.kind !== 'diff') return { uri: p.uri, fileName: pipelineName, reason: p.result.reason };
        this.affectedRanges.set(p.uri, p.result.ranges);
        return { uri: p.uri, fileName: pipelineName, result: forPanel(p.result) };
      });
      this.shown = undefined;
      return { kind: 'affected', uri, fileName, pipelines, skipped: result.skipped.length };
    } catch (e) {
      if (token.isCancellationRequested) return undefined;
      this.output.warn(`alamode/affectedPipelines for ${fileName} failed: ${e instanceof Error ? e.message : String(e)}`);
      return { kind: 'error', uri, fileName, message: e instanceof Error ? e.message : String(e) };
    }
  }

  private onMessage(message: FromPanel): void {
    switch (message.type) {
      case 'ready':
        // A new or restored webview: give it the latest view at once, then look again.
        this.post({ type: 'render', view: this.current });
        this.schedule(0);
        break;
      case 'reveal':
        void this.reveal(message.task, message.pipeline);
        break;
      case 'open':
        void vscode.window.showTextDocument(vscode.Uri.parse(message.uri), { preserveFocus: false });
        break;
      case 'copy':
        void vscode.env.clipboard.writeText(message.text).then(() => vscode.window.setStatusBarMessage(`Copied ${message.what}`, 3000));
        break;
      case 'rendered':
        this.rendered = message.info;
        for (const resolve of this.renderedWaiters.splice(0)) resolve(message.info);
        break;
    }
  }

  /** Shows a task's `dag.task(` call in the editor of its pipeline. */
  private async reveal(task: string, pipeline?: string): Promise<void> {
    const view = this.current;
    const target = view.kind === 'diff' ? view.uri : view.kind === 'affected' ? pipeline : undefined;
    if (target === undefined) return;
    const range = view.kind === 'diff' ? this.ranges[task] : this.affectedRanges.get(target)?.[task];
    if (!range) return; // A removed task has no definition left to show.
    const uri = vscode.Uri.parse(target);
    const selection = this.client.protocol2CodeConverter.asRange(range);
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === target);
    const editor = await vscode.window.showTextDocument(uri, { viewColumn: visible?.viewColumn, selection, preserveFocus: false });
    editor.revealRange(selection, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private post(message: ToPanel): void {
    void this.view?.webview.postMessage(message);
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
    return webviewHtml({
      webview,
      media,
      script: 'panel.js',
      style: 'panel.css',
      title: 'What this change invalidates',
      body: '<main id="panel" data-kind="loading" aria-live="polite"><p class="placeholder">Loading…</p></main>',
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.cancel?.cancel();
    for (const d of this.disposables) d.dispose();
  }
}

function activePipeline(): vscode.TextDocument | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document && isPipelineDocument(document) ? document : undefined;
}

function graphLimit(scope: vscode.Uri): number {
  const value = vscode.workspace.getConfiguration('alamode.invalidation', scope).get<number>('graphLimit', 400);
  return Number.isFinite(value) && value >= 10 ? Math.floor(value) : 400;
}
