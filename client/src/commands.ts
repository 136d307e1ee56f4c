/**
 * The commands that are not the panel's or the `.dag` viewer's. Each returns what it did (the ID, the
 * written file, the terminal a run started in), so tests and other extensions can use them through
 * `executeCommand`.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
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
  runPipeline: 'alamode.runPipeline',
  runTask: 'alamode.runTask',
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
  try {
    await writeWhole(target, Buffer.from(dag.bencoded, 'base64'));
  } catch (e) {
    void vscode.window.showErrorMessage(`Cannot write ${baseName(target)}: ${e instanceof Error ? e.message : String(e)}`);
    return undefined;
  }
  const unsaved = document.isDirty ? ', from unsaved changes' : '';
  void vscode.window.showInformationMessage(`Wrote ${baseName(target)} (${plural(dag.tasks.length, 'task')}${unsaved}).`);
  return target;
}

/**
 * Writes `bytes` to `target` so that a reader (an engine, git, the panel) sees the old file or the new
 * one, never half of it: a sibling temporary file, then a rename over the target, as `alamode encode
 * --out` does. A symbolic link is written through in place, so the link stays a link.
 */
async function writeWhole(target: vscode.Uri, bytes: Uint8Array): Promise<void> {
  const existing = await vscode.workspace.fs.stat(target).then((s) => s, () => undefined);
  if (existing && (existing.type & vscode.FileType.SymbolicLink) !== 0) {
    await vscode.workspace.fs.writeFile(target, bytes);
    return;
  }
  const temporary = vscode.Uri.joinPath(target, '..', `.${baseName(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  try {
    await vscode.workspace.fs.writeFile(temporary, bytes);
    await vscode.workspace.fs.rename(temporary, target, { overwrite: true });
  } catch (e) {
    await vscode.workspace.fs.delete(temporary).then(undefined, () => undefined);
    throw e;
  }
}

/** A POSIX shell word: the terminal runs the command line through the user's shell. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\/.:=@%+,-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * How to start the `alamode` CLI: the `alamode.run.command` setting (a command line, e.g. `npx alamode`),
 * else the CLI beside this extension when it has one (a development checkout) run by VS Code's own
 * Node, else `alamode` on the PATH.
 */
function cliCommand(context: vscode.ExtensionContext, scope: vscode.Uri): { words: string[]; env: Record<string, string> } {
  const configured = vscode.workspace.getConfiguration('alamode.run', scope).get<string>('command', '').trim();
  if (configured) return { words: [configured], env: {} };
  const bundled = vscode.Uri.joinPath(context.extensionUri, 'server', 'out', 'cli.cjs').fsPath;
  if (existsSync(bundled)) return { words: [shellQuote(process.execPath), shellQuote(bundled)], env: { ELECTRON_RUN_AS_NODE: '1' } };
  return { words: ['alamode'], env: {} };
}

export interface RunStarted {
  readonly terminal: vscode.Terminal;
  readonly commandLine: string;
}

/**
 * *Run Pipeline* / *Run Task*: `alamode run <module> [--only <task>]` in a terminal, after saving the
 * module (the CLI runs the file). Only in a trusted workspace: it runs the pipeline's commands.
 */
export async function runPipeline(context: vscode.ExtensionContext, arg?: unknown, task?: string): Promise<RunStarted | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage('Running a pipeline runs its commands, so it needs a trusted workspace (Workspaces: Manage Workspace Trust).');
    return undefined;
  }
  const document = await pipelineDocumentFor(arg);
  if (!document) {
    void vscode.window.showErrorMessage('Open a pipeline module (*.alamode.ts) to run it.');
    return undefined;
  }
  if (document.uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Cannot run ${baseName(document.uri)}: it is not a file on disk.`);
    return undefined;
  }
  if (document.isDirty && !(await document.save())) {
    void vscode.window.showErrorMessage(`Cannot run ${baseName(document.uri)}: it could not be saved.`);
    return undefined;
  }
  const folder = vscode.workspace.getWorkspaceFolder(document.uri);
  const cwd = folder?.uri.fsPath ?? vscode.Uri.joinPath(document.uri, '..').fsPath;
  const cli = cliCommand(context, document.uri);
  const store = vscode.workspace.getConfiguration('alamode.store', document.uri).get<string>('path', '').trim();
  const args = ['run', document.uri.fsPath, ...(task ? ['--only', task] : []), ...(store ? ['--store', folder && !isAbsolute(store) ? join(folder.uri.fsPath, store) : store] : [])];
  const commandLine = [...cli.words, ...args.map(shellQuote)].join(' ');
  const terminal = vscode.window.createTerminal({ name: `alamode run ${baseName(document.uri)}${task ? ` (${task})` : ''}`, cwd, env: cli.env });
  terminal.show(true);
  terminal.sendText(commandLine, true);
  return { terminal, commandLine };
}

/** *Run Task*: one task and what it needs; the task given (e.g. by a test), else picked from the pipeline's tasks. */
export async function runTask(context: vscode.ExtensionContext, client: LanguageClient, arg?: unknown, taskName?: unknown): Promise<RunStarted | undefined> {
  if (!vscode.workspace.isTrusted) return runPipeline(context, arg);
  const document = await pipelineDocumentFor(arg);
  if (!document) return runPipeline(context, arg);
  let task = typeof taskName === 'string' ? taskName : undefined;
  if (task === undefined) {
    const result = await encodedDag(client, document);
    const dag = result.dags.find((d) => d.isDefaultExport) ?? result.dags[0];
    const picked = await vscode.window.showQuickPick((dag?.tasks ?? []).map((t) => ({ label: t.name, description: t.output ? shortId(t.output) : t.noOutput })), { placeHolder: 'The task to run (with what it needs)' });
    if (!picked) return undefined;
    task = picked.label;
  }
  return runPipeline(context, document.uri, task);
}
