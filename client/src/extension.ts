/**
 * The VS Code extension: a thin client. The language server does the analysis (lenses, hovers,
 * diagnostics, navigation, the encoded DAG and the diff); this starts it, adds the commands, the status
 * item, the invalidation panel and the `.dag` viewer, and returns a small API for integration tests.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { createClient, RestartingErrorHandler } from './client';
import { Commands, copyOutputId, runPipeline, runTask, writeEncodedDag } from './commands';
import { StoreChangedNotification } from '../../server/src/protocol';
import { DagViewerProvider, type DagViewState } from './dagViewer';
import { INVALIDATION_VIEW_ID, InvalidationPanel } from './invalidationPanel';
import type { PanelView, RenderedInfo } from './panelProtocol';
import { PipelineStatus, type StatusSnapshot } from './status';

/** What `activate` returns: enough for tests to observe what the UI shows, nothing more. */
export interface AlamodeApi {
  readonly client: LanguageClient;
  readonly panel: {
    lastRendered(): RenderedInfo | undefined;
    nextRendered(): Promise<RenderedInfo>;
    lastView(): PanelView;
    refresh(): Promise<PanelView>;
  };
  readonly status: { snapshot(): StatusSnapshot | undefined };
  readonly dagViewer: { state(uri: vscode.Uri): DagViewState | undefined };
}

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<AlamodeApi> {
  const output = vscode.window.createOutputChannel('A La Mode', { log: true });
  const errorHandler = new RestartingErrorHandler(output);
  const languageClient = (client = createClient(context, output, errorHandler));
  const panel = new InvalidationPanel(context.extensionUri, languageClient, output);
  const status = new PipelineStatus(languageClient);
  const dagViewer = DagViewerProvider.register(context);

  context.subscriptions.push(
    output,
    panel,
    status,
    vscode.window.registerWebviewViewProvider(INVALIDATION_VIEW_ID, panel),
    vscode.commands.registerCommand(Commands.copyOutputId, copyOutputId),
    vscode.commands.registerCommand(Commands.writeEncodedDag, (uri?: unknown) => writeEncodedDag(languageClient, uri)),
    vscode.commands.registerCommand(Commands.runPipeline, (uri?: unknown) => runPipeline(context, uri)),
    vscode.commands.registerCommand(Commands.runTask, (uri?: unknown, task?: unknown) => runTask(context, languageClient, uri, task)),
    languageClient.onNotification(StoreChangedNotification.type, () => panel.storeChanged()),
    vscode.commands.registerCommand(Commands.showInvalidation, async () => {
      await vscode.commands.executeCommand(`${INVALIDATION_VIEW_ID}.focus`);
      return panel.refresh();
    }),
    vscode.commands.registerCommand(Commands.refreshInvalidation, () => panel.refresh()),
    vscode.commands.registerCommand(Commands.restartServer, async () => {
      errorHandler.reset();
      output.info('restarting the language server (command)');
      // `restart` needs a client that started once; after a failed start, start afresh.
      if (languageClient.isRunning()) await languageClient.restart();
      else await languageClient.start();
      status.schedule(0);
      panel.schedule(0);
    }),
  );
  // Shows the panel's container (its `when` clause) only in workspaces where the extension runs.
  void vscode.commands.executeCommand('setContext', 'alamode.active', true);

  try {
    await languageClient.start();
  } catch (e) {
    // The error handler and the output channel already say what happened; activation itself succeeds
    // so the `.dag` viewer and the restart command keep working.
    output.error(`the language server did not start: ${e instanceof Error ? e.message : String(e)}`);
  }

  return {
    client: languageClient,
    panel: { lastRendered: () => panel.lastRendered(), nextRendered: () => panel.nextRendered(), lastView: () => panel.lastView(), refresh: () => panel.refresh() },
    status: { snapshot: () => status.snapshot() },
    dagViewer: { state: (uri) => dagViewer.state(uri) },
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
