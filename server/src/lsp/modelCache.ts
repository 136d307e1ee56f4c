/**
 * One analysis per document text (the CSS server's language model cache): every lens, hover,
 * diagnostic and request for a version reads the same {@link DocumentModel}. Old versions are dropped
 * as soon as a newer one is analysed, so stale work is never done twice or kept. The cache is keyed by
 * the text itself, not the version number: a model depends on nothing else, and a client that reopens
 * a document (or misnumbers versions) must never be answered from another text's model.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import { forgetModule } from '../analysis/analyse';
import { nodeFileHost } from '../analysis/modules/host';
import { buildDocumentModel, committedVersionName, type DocumentModel } from '../model/documentModel';

const diskHost = nodeFileHost();

export class ModelCache {
  private readonly models = new Map<string, { text: string; model: DocumentModel }>();

  /** `onInternalError` hears about bugs in the analysis (which otherwise only show as an empty result). */
  constructor(private readonly onInternalError: (error: unknown) => void) {}

  get(document: TextDocument): DocumentModel {
    const text = document.getText();
    const cached = this.models.get(document.uri);
    if (cached?.text === text) return cached.model;
    // Files on disk follow their imports (read from disk; see ModuleHost for unsaved helpers' text).
    const host = document.uri.startsWith('file:') ? diskHost : undefined;
    const model = buildDocumentModel(text, fileNameOf(document.uri), { onInternalError: this.onInternalError, ...(host ? { host } : {}) });
    this.models.set(document.uri, { text, model });
    return model;
  }

  delete(uri: string): void {
    this.models.delete(uri);
    forgetModule(fileNameOf(uri));
    forgetModule(committedVersionName(fileNameOf(uri)));
  }
}

export function fileNameOf(uri: string): string {
  try {
    return URI.parse(uri).fsPath;
  } catch {
    return 'pipeline.alamode.ts';
  }
}
