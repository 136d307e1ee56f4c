/**
 * Handlers never throw at the editor: an exception is logged and the request answered with an empty
 * result; a cancelled request is answered as cancelled. (The CSS language server's `runSafe`.)
 */
import { LSPErrorCodes, ResponseError, type CancellationToken, type Connection } from 'vscode-languageserver';

/** Logs to the client; a connection that is already closed has no one to tell, and must not throw. */
export function logError(connection: Connection, what: string, e: unknown): void {
  try {
    connection.console.error(`${what}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  } catch {
    // closed
  }
}

export function runSafe<T>(connection: Connection, what: string, token: CancellationToken, empty: T, work: () => T): T | ResponseError<void> {
  if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
  try {
    return work();
  } catch (e) {
    logError(connection, `${what} failed`, e);
    return empty;
  }
}

export async function runSafeAsync<T>(connection: Connection, what: string, token: CancellationToken, empty: T, work: () => Promise<T>): Promise<T | ResponseError<void>> {
  if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
  try {
    const result = await work();
    if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
    return result;
  } catch (e) {
    logError(connection, `${what} failed`, e);
    return empty;
  }
}
