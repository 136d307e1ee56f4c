/**
 * The built language server in its own process over stdio, started as the VS Code client starts it
 * (its Node flags) and spoken to only through the LSP: for the bench and for tests of the process
 * itself (its launcher and code cache).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRefreshRequest,
  createProtocolConnection,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  RegistrationRequest,
  UnregistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type InitializeResult,
  type ProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { SERVER_NODE_FLAGS, serverEnvironment } from '../../server/src/protocol';
import { repoRoot } from './paths';

export const builtServer = join(repoRoot, 'server', 'out', 'languageServer.cjs');

export interface ServerProcess {
  readonly connection: ProtocolConnection;
  readonly process: ChildProcess;
  readonly initializeResult: InitializeResult;
  /** What the server has said in the client's log (`window/logMessage`) so far. */
  readonly log: string[];
  /** Resolves with the first log message (already said or still to come) that matches. */
  logged(pattern: RegExp): Promise<string>;
  /** Ends the server the LSP way (shutdown, exit), then makes sure; resolves with its exit code. */
  stop(): Promise<number | null>;
  /** How many times the server asked for lenses again (with `refreshesLenses`). */
  lensRefreshes(): number;
}

export interface ServerProcessOptions {
  /** Another build of the server (the bench compares builds). */
  readonly serverPath?: string;
  /** Node flags beyond the client's own. */
  readonly nodeFlags?: readonly string[];
  /** The server's environment beyond this process's. */
  readonly env?: Readonly<Record<string, string>>;
  readonly initializationOptions?: unknown;
  /** The workspace's folders (none by default, as a single file opened alone). */
  readonly workspaceFolders?: readonly string[];
  /**
   * Says the client watches files, as VS Code does: the server then registers watchers (this client
   * accepts and ignores them) and may analyse the workspace at start.
   */
  readonly watchesFiles?: boolean;
  /** stderr: the test's own (`inherit`, the default) or kept out of the way. */
  readonly stderr?: 'inherit' | 'ignore';
  /**
   * Says the client fetches lenses again when asked (`workspace/codeLens/refresh`), as VS Code does;
   * the requests are counted in `lensRefreshes`.
   */
  readonly refreshesLenses?: boolean;
}

export async function startServerProcess(options: ServerProcessOptions = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, ...(options.nodeFlags ?? []), options.serverPath ?? builtServer, '--stdio'], {
    stdio: ['pipe', 'pipe', options.stderr ?? 'inherit'],
    env: { ...process.env, ...serverEnvironment(process.env), ...options.env },
  });
  const connection = createProtocolConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const log: string[] = [];
  const listeners: (() => void)[] = [];
  connection.onNotification(LogMessageNotification.type, (m) => {
    log.push(m.message);
    for (const l of listeners.splice(0)) l();
  });
  connection.listen();
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = async () => {
    await connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
    await connection.sendNotification(ExitNotification.type).catch(() => undefined);
    // A cap only: the server normally exits at once on `exit`.
    const code = await Promise.race([exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 5000))]);
    connection.dispose();
    child.kill();
    return code;
  };
  const logged = (pattern: RegExp) =>
    new Promise<string>((resolve) => {
      const check = () => {
        const found = log.find((m) => pattern.test(m));
        if (found !== undefined) resolve(found);
        else listeners.push(check);
      };
      check();
    });
  if (options.watchesFiles) {
    connection.onRequest(RegistrationRequest.type, () => {});
    connection.onRequest(UnregistrationRequest.type, () => {});
  }
  let lensRefreshes = 0;
  if (options.refreshesLenses) connection.onRequest(CodeLensRefreshRequest.type, () => { lensRefreshes += 1; });
  const initializeResult = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: {
      workspace: {
        ...(options.watchesFiles ? { didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true } } : {}),
        ...(options.refreshesLenses ? { codeLens: { refreshSupport: true } } : {}),
      },
    },
    workspaceFolders: options.workspaceFolders?.map((f) => ({ uri: pathToFileURL(f).href, name: basename(f) })) ?? null,
    initializationOptions: options.initializationOptions,
  });
  await connection.sendNotification(InitializedNotification.type, {});
  return { connection, process: child, initializeResult, log, logged, stop, lensRefreshes: () => lensRefreshes };
}
