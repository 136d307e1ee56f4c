/**
 * The language server's process: makes the connection (stdio with `--stdio`, node IPC when VS Code
 * starts it) and hands it to {@link startServer}; the language logic lives elsewhere. Started by the
 * launcher (`launch.ts`, the `alamode-language-server` command), which compiles this bundle from its
 * code cache.
 */
import { format } from 'node:util';
import { createConnection, ProposedFeatures, StreamMessageReader, StreamMessageWriter, type Connection } from 'vscode-languageserver/node';
import { LensMemory } from './lensMemory';
import { logError } from './runSafe';
import { startServer } from './server';

declare const ALAMODE_VERSION: string | undefined;

/** What the launcher tells the server. */
export interface LaunchInfo {
  /** How this bundle was compiled (from the code cache or not, and why), for the client's log. */
  readonly codeCache?: string;
  /** Runs each time the server is quiet after work (the launcher writes its code cache then). */
  readonly onQuiet?: () => string | undefined;
  /** Where to remember lenses (see lensMemory.ts), and the build they are remembered by. */
  readonly lensMemory?: { readonly folder: string; readonly build: string };
}

export function runLanguageServer(launch: LaunchInfo = {}): void {
  if (process.argv.includes('--version')) {
    process.stdout.write(`${typeof ALAMODE_VERSION === 'string' ? ALAMODE_VERSION : 'dev'}\n`);
    process.exit(0);
  }
  if (process.argv.includes('--help') || !process.argv.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'))) {
    process.stderr.write('usage: alamode-language-server --stdio   (or --node-ipc, as VS Code starts it)\n');
    process.exit(process.argv.includes('--help') ? 0 : 2);
  }
  const connection = process.argv.includes('--stdio') ? stdioConnection() : createConnection(ProposedFeatures.all);

  // The server never crashes on a bug of its own: report it and carry on (vscode-eslint does the same).
  process.on('uncaughtException', (e) => logError(connection, 'uncaught exception', e));
  process.on('unhandledRejection', (e) => logError(connection, 'unhandled rejection', e));

  startServer(connection, {
    onShutdown: () => { shutdown.received = true; },
    startedWith: launch.codeCache,
    onQuiet: launch.onQuiet,
    ...(launch.lensMemory ? { lensMemory: new LensMemory(launch.lensMemory.folder, launch.lensMemory.build) } : {}),
  });
}

let exiting = false;
/** Ends the server: 0 after an LSP `shutdown`, else 1, so the client sees a crash and restarts it. */
const end = (code: number, why?: string) => {
  if (exiting) return;
  exiting = true;
  if (why) process.stderr.write(`alamode-language-server: ${why}\n`);
  process.exit(code);
};

/**
 * Over stdio the server reads the framing itself, to hear about broken framing: a malformed
 * `Content-Length` header makes the library's reader report an error and then ignore the stream, so the
 * server would stay alive but deaf. It exits instead, and the client restarts it. (With `--node-ipc`,
 * as VS Code starts it, there are no headers; `--socket`/`--pipe` keep the library's defaults.)
 */
function stdioConnection(): Connection {
  const reader = new StreamMessageReader(process.stdin);
  const writer = new StreamMessageWriter(process.stdout);
  const connection = createConnection(ProposedFeatures.all, reader, writer);
  reader.onError((e) => end(1, `unreadable LSP message, exiting: ${e.message.split('\n')[0]}`));
  reader.onClose(() => end(shutdown.received ? 0 : 1));
  writer.onError(([e]) => end(1, `cannot write to the client, exiting: ${e.message}`));
  writer.onClose(() => end(shutdown.received ? 0 : 1));
  // stdout carries the protocol: anything logged goes to the client's log instead (as the library
  // does when it opens stdio itself).
  console.log = console.info = console.debug = (...args: unknown[]) => connection.console.log(format(...args));
  console.warn = (...args: unknown[]) => connection.console.warn(format(...args));
  console.error = (...args: unknown[]) => connection.console.error(format(...args));
  return connection;
}

const shutdown = { received: false };
