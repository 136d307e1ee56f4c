/** What a pipeline module is, for the client: the same rule as the server's document selector. */
import * as vscode from 'vscode';
import { IMPORTABLE_EXTENSIONS } from '../../server/src/protocol';

/** Pipeline modules only; other TypeScript files keep TypeScript's own IntelliSense to themselves. */
export const PIPELINE_SELECTOR = { language: 'typescript', pattern: '**/*.alamode.ts' } as const;

const PIPELINE_FILE = /\.alamode\.ts$/;

/** What a pipeline may import and read when it is bundled: modules, JSON, tsconfig.json (JSON with comments). */
export const IMPORTABLE_SELECTORS = ['typescript', 'typescriptreact', 'javascript', 'javascriptreact', 'json', 'jsonc'].map((language) => ({ scheme: 'file', language }));

/** Pipeline modules on disk, for finding them in the workspace. */
export const PIPELINE_GLOB = '**/*.alamode.ts';

const IMPORTABLE_LANGUAGES: ReadonlySet<string> = new Set(IMPORTABLE_SELECTORS.map((s) => s.language));

/** A file of the workspace a pipeline may import (a helper module, a JSON file), other than a pipeline. */
export function isImportableDocument(document: vscode.TextDocument): boolean {
  return document.uri.scheme === 'file' && IMPORTABLE_LANGUAGES.has(document.languageId) && !isPipelineDocument(document) && vscode.workspace.getWorkspaceFolder(document.uri) !== undefined;
}

/** The same files on disk, for the watcher (other files a pipeline reads, the server asks to watch). */
export const IMPORTABLE_GLOB = `**/*.{${IMPORTABLE_EXTENSIONS.join(',')}}`;

export function isPipelineDocument(document: vscode.TextDocument): boolean {
  return document.languageId === 'typescript' && PIPELINE_FILE.test(document.uri.path);
}

/** The pipeline module of the active editor, if it shows one. */
export function activePipelineDocument(): vscode.TextDocument | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document && isPipelineDocument(document) ? document : undefined;
}

/** `collage.alamode.ts` → `collage.dag`: the name the CLI writes and commits beside the module. */
export function dagFileNameFor(uri: vscode.Uri): string {
  return `${baseName(uri).replace(PIPELINE_FILE, '')}.dag`;
}

export function baseName(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}

/** A workspace-relative path for messages (the file name alone outside any folder). */
export function displayPath(uri: vscode.Uri): string {
  return vscode.workspace.getWorkspaceFolder(uri) ? vscode.workspace.asRelativePath(uri, vscode.workspace.workspaceFolders!.length > 1) : baseName(uri);
}

export const shortId = (id: string): string => id.slice(0, 12);

export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
