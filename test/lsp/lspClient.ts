/**
 * The language server in this process, joined to a test client by a pair of streams (as
 * vscode-languageserver-node's own connection tests do). Tests speak only the LSP protocol to it.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRequest,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from '../../server/src/lsp/server';

export interface TestClient {
  readonly connection: ProtocolConnection;
  /** Opens a document (text from `path` unless given) and returns its URI. */
  open(path: string, text?: string, languageId?: string): Promise<string>;
  /** Closes an open document (unsaved edits are dropped, as an editor does). */
  closeDocument(uri: string): Promise<void>;
  /** Replaces the whole text of an open document (a new version). */
  change(uri: string, text: string): Promise<void>;
  /** Resolves with the diagnostics of `uri` for its current version once the server publishes them. */
  diagnostics(uri: string): Promise<Diagnostic[]>;
  /**
   * Resolves with the diagnostics of `uri` once a publication satisfies `accept` (the server publishes
   * again for the same version when a file the pipeline imports changes).
   */
  diagnosticsWhen(uri: string, accept: (diagnostics: Diagnostic[]) => boolean): Promise<Diagnostic[]>;
  /** Ends the session: `shutdown`, then the connection closes (without waiting: tests need not await it). */
  close(): void;
}

export interface TestClientOptions {
  readonly capabilities?: ClientCapabilities;
  readonly initializationOptions?: unknown;
  /** The workspace's folders (none by default, as a single file opened alone). */
  readonly workspaceFolders?: readonly string[];
}

export async function startTestClient(options: TestClientOptions = {}): Promise<TestClient> {
  const up = new PassThrough();
  const down = new PassThrough();
  const server = createConnection(ProposedFeatures.all, new StreamMessageReader(up), new StreamMessageWriter(down));
  startServer(server);
  const connection = createProtocolConnection(new StreamMessageReader(down), new StreamMessageWriter(up));

  const versions = new Map<string, number>();
  const published = new Map<string, PublishDiagnosticsParams>();
  const waiters: (() => void)[] = [];
  connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
    published.set(p.uri, p);
    for (const w of waiters.splice(0)) w();
  });
  connection.listen();
  // No processId: the in-process server must not start its parent-process watchdog (a timer that
  // would keep this test process alive after the tests end).
  await connection.sendRequest(InitializeRequest.type, { processId: null, rootUri: null, capabilities: options.capabilities ?? {}, workspaceFolders: options.workspaceFolders?.map((f) => ({ uri: pathToFileURL(f).href, name: basename(f) })) ?? null, initializationOptions: options.initializationOptions });
  await connection.sendNotification(InitializedNotification.type, {});

  return {
    connection,
    async open(path, text, languageId = 'typescript') {
      const uri = pathToFileURL(path).href;
      versions.set(uri, 1);
      await connection.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId, version: 1, text: text ?? readFileSync(path, 'utf8') },
      });
      return uri;
    },
    async closeDocument(uri) {
      versions.delete(uri);
      await connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    },
    async change(uri, text) {
      const version = (versions.get(uri) ?? 1) + 1;
      versions.set(uri, version);
      await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
    },
    diagnostics(uri) {
      return new Promise((resolve) => {
        const check = () => {
          const p = published.get(uri);
          if (p && p.version === versions.get(uri)) resolve(p.diagnostics);
          else waiters.push(check);
        };
        check();
      });
    },
    diagnosticsWhen(uri, accept) {
      return new Promise((resolve, reject) => {
        // A bound, so a server that never publishes fails the test instead of hanging the suite.
        const timer = setTimeout(() => reject(new Error(`no publication for ${uri} was accepted within 20 s: last ${JSON.stringify(published.get(uri)?.diagnostics)}`)), 20_000);
        const check = () => {
          const p = published.get(uri);
          if (p && p.version === versions.get(uri) && accept(p.diagnostics)) {
            clearTimeout(timer);
            resolve(p.diagnostics);
          } else waiters.push(check);
        };
        check();
      });
    },
    close() {
      let closed = false;
      const dispose = () => {
        if (closed) return;
        closed = true;
        connection.dispose();
        server.dispose();
        up.destroy();
        down.destroy();
      };
      // As an editor ends a session: once `shutdown` is answered, the server has read every message sent
      // before it (the answers to its own requests too, such as a watcher's unregistration), so nothing
      // it awaits rejects into a closed connection. A server that does not answer is closed anyway.
      connection.sendRequest(ShutdownRequest.type).then(dispose, dispose);
      setTimeout(dispose, 2_000).unref();
    },
  };
}

/** Output IDs by task name, as the lenses of `uri` show them (each lens's command carries both). */
export async function lensIdsByTask(client: TestClient, uri: string): Promise<Record<string, string>> {
  const lenses = (await client.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];
  return Object.fromEntries(lenses.map((l) => [l.command!.arguments?.[1], l.command!.arguments?.[0]]));
}
