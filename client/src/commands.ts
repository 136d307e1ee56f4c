/**
 * The commands that are not the panel's or the `.dag` viewer's. Each returns what it did (the ID, the
 * written file), so tests and other extensions can use them through `executeCommand`.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { EncodedDagRequest, type EncodedDagInfo } from '../../server/src/protocol';
import { whenRunning } from './client';
import { activePipelineDocument, baseName, dagFileNameFor, isPipelineDocument, plural, shortId } from './pipelines';

export const Commands = {
  copyOutputId: 'alamode.copyOutputId',
  showInvalidation: 'alamode.showInvalidation',
  refreshInvalidation: 'alamode.refreshInvalidation',
  writeEncodedDag: 'alamode.writeEncodedDag',
  restartServer: 'alamode.restartServer',
  openDagAsText: 'alamode.openDagAsText',
  openDagDecoded: 'alamode.openDagDecoded',
} as const;

const HEX64 = /^[0-9a-f]{64}$/;

/** The lens click: copies the full output ID. Returns the ID, or undefined when called without one. */
export async function copyOutputId(outputId?: unknown, taskName?: unknown): Promise<string | undefined> {
  if (typeof outputId !== 'string' || !HEX64.test(outputId)) {
    void vscode.window.showWarningMessage('Copy Output ID is run from a task\'s code lens, which passes the ID.');
    return undefined;
  }
  await vscode.env.clipboard.writeText(outputId);
  const what = typeof taskName === 'string' ? ` of '${taskName}'` : '';
  void vscode.window.showInformationMessage(`Copied output ID${what}: ${shortId(outputId)}…`);
  return outputId;
}

/** The document a command should act on: the URI it was given (explorer, editor title), else the active editor. */
async function pipelineDocumentFor(arg: unknown): Promise<vscode.TextDocument | undefined> {
  if (arg instanceof vscode.Uri) {
    const document = await vscode.workspace.openTextDocument(arg);
    return isPipelineDocument(document) ? document : undefined;
  }
  return activePipelineDocument();
}

export async function encodedDag(client: LanguageClient, document: vscode.TextDocument, token?: vscode.CancellationToken): Promise<EncodedDagRequest.Result> {
  await whenRunning(client);
  return client.sendRequest(EncodedDagRequest.type, { uri: client.code2ProtocolConverter.asUri(document.uri) }, token);
}

/** Why the default-export DAG cannot be written, as one sentence naming the tasks and their reasons. */
export function incompleteReason(dag: EncodedDagInfo): string {
  const missing = dag.tasks.filter((t) => !t.output);
  if (missing.length === 0) return 'the pipeline has problems (see the Problems panel)';
  const shown = missing.slice(0, 5).map((t) => `'${t.name}' (${t.noOutput ?? 'no output'})`);
  const more = missing.length > shown.length ? `, and ${missing.length - shown.length} more` : '';
  return `${plural(missing.length, 'task')} ${missing.length === 1 ? 'has' : 'have'} no output: ${shown.join('; ')}${more}`;
}

/**
 * Writes the default-export DAG's bencoded bytes to `<name>.dag` beside `<name>.alamode.ts`, from the
 * document as it is now (unsaved edits included), exactly as `alamode encode` would. Returns the Uri.
 */
export async function writeEncodedDag(client: LanguageClient, arg?: unknown): Promise<vscode.Uri | undefined> {
  const document = await pipelineDocumentFor(arg);
  if (!document) {
    void vscode.window.showErrorMessage('Open a pipeline module (*.alamode.ts) to write its encoded DAG.');
    return undefined;
  }
  const target = vscode.Uri.joinPath(document.uri, '..', dagFileNameFor(document.uri));
  let result: EncodedDagRequest.Result;
  try {
    result = await encodedDag(client, document);
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot write ${baseName(target)}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  const dag = result.dags.find((d) => d.isDefaultExport);
  if (!dag) {
    const hint = result.dags.length > 0 ? ' (it defines a Dag but does not `export default` it)' : '';
    void vscode.window.showErrorMessage(`Cannot write ${baseName(target)}: ${baseName(document.uri)} has no default-export Dag${hint}.`);
    return undefined;
  }
  if (!dag.complete || dag.bencoded === undefined) {
    void vscode.window.showErrorMessage(`Cannot write ${baseName(target)}: ${incompleteReason(dag)}.`);
    return undefined;
  }
  await vscode.workspace.fs.writeFile(target, Buffer.from(dag.bencoded, 'base64'));
  const unsaved = document.isDirty ? ', from unsaved changes' : '';
  void vscode.window.showInformationMessage(`Wrote ${baseName(target)} (${plural(dag.tasks.length, 'task')}${unsaved}).`);
  return target;
}
