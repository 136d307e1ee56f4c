/**
 * `alamode-language-server`: the entry point. It only makes the connection (stdio with `--stdio`, node
 * IPC when VS Code starts it) and hands it to {@link startServer}; the language logic lives elsewhere.
 */
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { logError } from './runSafe';
import { startServer } from './server';

if (process.argv.includes('--version')) {
  process.stdout.write(`${typeof ALAMODE_VERSION === 'string' ? ALAMODE_VERSION : 'dev'}\n`);
  process.exit(0);
}
if (process.argv.includes('--help') || !process.argv.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket') || a.startsWith('--pipe'))) {
  process.stderr.write('usage: alamode-language-server --stdio   (or --node-ipc, as VS Code starts it)\n');
  process.exit(process.argv.includes('--help') ? 0 : 2);
}

declare const ALAMODE_VERSION: string | undefined;

const connection = createConnection(ProposedFeatures.all);

// The server never crashes on a bug of its own: report it and carry on (vscode-eslint does the same).
process.on('uncaughtException', (e) => logError(connection, 'uncaught exception', e));
process.on('unhandledRejection', (e) => logError(connection, 'unhandled rejection', e));

startServer(connection);
