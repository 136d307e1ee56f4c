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

/** Thrown by long work that noticed its request was cancelled: answered as cancelled, not logged. */
export class Cancelled extends Error {
  override name = 'Cancelled';
}

/**
 * Thrown by long work that noticed a newer version of its document: answered with LSP's
 * `ContentModified` ("the result would be for a text that is gone; ask again"), not logged.
 */
export class Superseded extends Error {
  override name = 'Superseded';
}

export async function runSafeAsync<T>(connection: Connection, what: string, token: CancellationToken, empty: T, work: () => Promise<T>): Promise<T | ResponseError<void>> {
  if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
  try {
    const result = await work();
    if (token.isCancellationRequested) return new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
    return result;
  } catch (e) {
    if (e instanceof Cancelled) return new ResponseError(LSPErrorCodes.RequestCancelled, 'cancelled');
    if (e instanceof Superseded) return new ResponseError(LSPErrorCodes.ContentModified, e.message);
    logError(connection, `${what} failed`, e);
    return empty;
  }
}

/**
 * Lets the messages that arrived meanwhile in (`setImmediate` runs after I/O), so a long piece of work
 * done in steps does not keep other requests (a keystroke's lenses) waiting.
 */
export function letMessagesIn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Runs a stepwise computation (a generator that yields between slices of work) without holding the
 * event loop: after each slice it lets pending messages in, so requests for other documents are
 * answered meanwhile, then `check` may stop it by throwing.
 */
export async function runInSlices<T>(steps: Generator<void, T, void>, check: () => void): Promise<T> {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    await letMessagesIn();
    check();
  }
}
