/**
 * The language server in this process, joined to a test client by a pair of streams (as
 * vscode-languageserver-node's own connection tests do). Tests speak only the LSP protocol to it.
 */
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
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
  open(path: string, text?: string): Promise<string>;
  /** Replaces the whole text of an open document (a new version). */
  change(uri: string, text: string): Promise<void>;
  /** Resolves with the diagnostics of `uri` for its current version once the server publishes them. */
  diagnostics(uri: string): Promise<Diagnostic[]>;
  close(): void;
}

export interface TestClientOptions {
  readonly capabilities?: ClientCapabilities;
  readonly initializationOptions?: unknown;
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
  await connection.sendRequest(InitializeRequest.type, { processId: null, rootUri: null, capabilities: options.capabilities ?? {}, workspaceFolders: null, initializationOptions: options.initializationOptions });
  await connection.sendNotification(InitializedNotification.type, {});

  return {
    connection,
    async open(path, text) {
      const uri = pathToFileURL(path).href;
      versions.set(uri, 1);
      await connection.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId: 'typescript', version: 1, text: text ?? readFileSync(path, 'utf8') },
      });
      return uri;
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
    close() {
      connection.dispose();
      server.dispose();
      up.destroy();
      down.destroy();
    },
  };
}
