/**
 * The language client: starts `alamode-language-server` over node IPC for pipeline modules only, logs
 * to one `LogOutputChannel`, and restarts a crashed server a bounded number of times.
 */
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  RevealOutputChannelOn,
  State,
  TransportKind,
  type CloseHandlerResult,
  type ErrorHandler,
  type ErrorHandlerResult,
  type LanguageClientOptions,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { IMPORTABLE_GLOB, IMPORTABLE_SELECTORS, PIPELINE_SELECTOR } from './pipelines';
import { SERVER_NODE_FLAGS, serverEnvironment, type InitializationOptions } from '../../server/src/protocol';

/** The client id: `alamode.trace.server` is read by the library because it matches this id. */
export const CLIENT_ID = 'alamode';
export const CLIENT_NAME = 'A La Mode';

/** A server that crashes more than this often within {@link RESTART_WINDOW_MS} is left stopped. */
const MAX_RESTARTS = 4;
const RESTART_WINDOW_MS = 3 * 60 * 1000;

/**
 * Restarts a server that died, unless it keeps dying: then one error message with "Show Logs", since
 * a server that crashes on start would otherwise restart forever and spam the user.
 */
export class RestartingErrorHandler implements ErrorHandler {
  private restarts: number[] = [];

  constructor(private readonly output: vscode.LogOutputChannel) {}

  /** Called by the restart command: a deliberate restart forgives earlier crashes. */
  reset(): void {
    this.restarts = [];
  }

  error(error: Error, _message: unknown, count: number | undefined): ErrorHandlerResult {
    this.output.error(`connection to the language server: ${error.message}`);
    // A few broken messages in a row can be noise; a steady stream means the connection is gone.
    return { action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown, handled: true };
  }

  closed(): CloseHandlerResult {
    const now = Date.now();
    this.restarts = [...this.restarts.filter((t) => now - t < RESTART_WINDOW_MS), now];
    if (this.restarts.length <= MAX_RESTARTS) {
      this.output.warn(`the language server stopped unexpectedly; restarting it (${this.restarts.length} of ${MAX_RESTARTS} within 3 minutes)`);
      return { action: CloseAction.Restart, handled: true };
    }
    const message = `The A La Mode language server crashed ${MAX_RESTARTS + 1} times in 3 minutes and will not be restarted. Run "A La Mode: Restart Language Server" once the cause is fixed.`;
    this.output.error(message);
    void vscode.window.showErrorMessage(message, 'Show Logs').then((choice) => {
      if (choice === 'Show Logs') this.output.show(true);
    });
    return { action: CloseAction.DoNotRestart, handled: true };
  }
}

export function createClient(context: vscode.ExtensionContext, output: vscode.LogOutputChannel, errorHandler: ErrorHandler): LanguageClient {
  const module = vscode.Uri.joinPath(context.extensionUri, 'server', 'out', 'languageServer.cjs').fsPath;
  // The client adds `env` to the extension host's environment.
  const env = serverEnvironment(process.env);
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS], env } },
    // `--inspect` lets a developer attach to the server when the extension runs in debug mode.
    debug: { module, transport: TransportKind.ipc, options: { execArgv: [...SERVER_NODE_FLAGS, '--nolazy', '--inspect=6019'], env } },
  };
  const clientOptions: LanguageClientOptions = {
    // Pipeline modules, and the text of what they may import (helpers, JSON, tsconfig.json), so an
    // unsaved helper counts. The server registers its features for pipeline modules only: every other
    // TypeScript file stays TypeScript's alone.
    documentSelector: [PIPELINE_SELECTOR, ...IMPORTABLE_SELECTORS],
    synchronize: {
      // A change on disk (git checkout, a save from another tool, a new file where an import looked)
      // reaches the server as workspace/didChangeWatchedFiles.
      fileEvents: vscode.workspace.createFileSystemWatcher(IMPORTABLE_GLOB),
    },
    // VS Code resolves only the lenses on screen: the server lists them without titles (see InitializationOptions).
    initializationOptions: {
      resolveLenses: true,
      analyseWorkspaceOnStart: vscode.workspace.getConfiguration('alamode.server').get<boolean>('analyseWorkspaceOnStart', true),
    } satisfies InitializationOptions,
    outputChannel: output,
    // One channel for the client's log and the protocol trace, so a bug report needs one copy-paste.
    traceOutputChannel: output,
    errorHandler,
    // The server's own "Request failed" popups would repeat what the channel already says.
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationFailedHandler: (error) => {
      output.error(`the language server failed to start: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    },
  };
  return new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
}

/** Resolves once the client is running (or rejects if it cannot start), so requests are not sent into the void. */
export async function whenRunning(client: LanguageClient): Promise<void> {
  if (client.state === State.Running) return;
  if (client.state === State.Stopped || client.state === State.StartFailed) throw new Error('the A La Mode language server is not running');
  await new Promise<void>((resolve, reject) => {
    const sub = client.onDidChangeState((e) => {
      if (e.newState === State.Running) {
        sub.dispose();
        resolve();
      } else if (e.newState === State.Stopped || e.newState === State.StartFailed) {
        sub.dispose();
        reject(new Error('the A La Mode language server stopped'));
      }
    });
  });
}
