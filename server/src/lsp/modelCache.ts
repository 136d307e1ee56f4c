/**
 * One analysis per document text (the CSS server's language model cache): every lens, hover,
 * diagnostic and request for a version reads the same {@link DocumentModel}. Old versions are dropped
 * as soon as a newer one is analysed, so stale work is never done twice or kept. The cache is keyed by
 * the text itself, not the version number, so a client that reopens a document (or misnumbers
 * versions) is never answered from another text's model; and a model is dropped when a file its
 * analysis read (a helper, a JSON file, a tsconfig.json) changes: see {@link ModelCache.invalidate}.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import { forgetModule, type ModuleHost } from '../analysis/analyse';
import { buildDocumentModel, committedVersionName, type DocumentModel } from '../model/documentModel';

export class ModelCache {
  private readonly models = new Map<string, { text: string; model: DocumentModel }>();

  /**
   * @param onInternalError hears about bugs in the analysis (which otherwise only show as an empty result)
   * @param host how the analysis reads the modules a pipeline on disk imports (open documents first)
   * @param onBuilt told of every new model, so the server knows which files each pipeline read
   */
  constructor(
    private readonly onInternalError: (error: unknown) => void,
    private readonly host?: ModuleHost,
    private readonly onBuilt?: (uri: string, model: DocumentModel) => void,
  ) {}

  get(document: TextDocument): DocumentModel {
    const cached = this.cached(document);
    if (cached) return cached;
    const text = document.getText();
    // Only files on disk follow their imports: an untitled or virtual document has no folder to resolve from.
    const host = document.uri.startsWith('file:') ? this.host : undefined;
    const model = buildDocumentModel(text, fileNameOf(document.uri), { onInternalError: this.onInternalError, ...(host ? { host } : {}) });
    this.models.set(document.uri, { text, model });
    this.onBuilt?.(document.uri, model);
    return model;
  }

  /** The model of the document's current text if it is already built (never analyses). */
  cached(document: TextDocument): DocumentModel | undefined {
    const cached = this.models.get(document.uri);
    return cached?.text === document.getText() ? cached.model : undefined;
  }

  /** Drops a document's model (a file it read changed): the next request analyses it again. */
  invalidate(uri: string): void {
    this.models.delete(uri);
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
