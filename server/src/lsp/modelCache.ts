/**
 * One analysis per document text (the CSS server's language model cache): every lens, hover,
 * diagnostic and request for a version reads the same {@link DocumentModel}. Old versions are dropped
 * as soon as a newer one is analysed, so stale work is never done twice or kept. The cache is keyed by
 * the text itself, not the version number, so a client that reopens a document (or misnumbers
 * versions) is never answered from another text's model; and a model is dropped when a file its
 * analysis read (a helper, a JSON file, a tsconfig.json) changes: see {@link ModelCache.invalidate}.
 *
 * Models of modules nobody has open are kept too (the workspace's analysis at start, a rename's). No
 * editor event reaches them for files outside the client's watch, so such a model is checked against
 * what it read (a `stat` per file) when it is used while its module is closed (at most once a second:
 * a rename uses every model twice), and once more on the first use after the module is opened; from
 * then on, the open document's events keep it right.
 */
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import { forgetModule, readsOfPathStillHold, readsStillHold, type ModuleHost } from '../analysis/analyse';
import { buildDocumentModel, committedVersionName, type DocumentModel } from '../model/documentModel';

/** A closed module's model used again within this long is not checked again (see the class comment). */
const CLOSED_RECHECK_MS = 1_000;

export class ModelCache {
  /**
   * `checked`: whether the model's reads were checked since its module was opened; `checkedAt`: when
   * they were last checked (see the class comment).
   */
  private readonly models = new Map<string, { text: string; model: DocumentModel; checked: boolean; checkedAt: number }>();

  /**
   * @param onInternalError hears about bugs in the analysis (which otherwise only show as an empty result)
   * @param host how the analysis reads the modules a pipeline on disk imports (open documents first)
   * @param onBuilt told of every new model, so the server knows which files each pipeline read
   * @param isOpen whether the editor has the document open (its events then keep its model right)
   */
  constructor(
    private readonly onInternalError: (error: unknown) => void,
    private readonly host?: ModuleHost,
    private readonly onBuilt?: (uri: string, model: DocumentModel) => void,
    private readonly isOpen: (uri: string) => boolean = () => true,
  ) {}

  get(document: TextDocument): DocumentModel {
    const cached = this.cached(document);
    if (cached) return cached;
    const text = document.getText();
    // Only files on disk follow their imports: an untitled or virtual document has no folder to resolve from.
    const host = document.uri.startsWith('file:') ? this.host : undefined;
    const model = buildDocumentModel(text, fileNameOf(document.uri), { onInternalError: this.onInternalError, ...(host ? { host } : {}) });
    this.models.set(document.uri, { text, model, checked: this.isOpen(document.uri), checkedAt: performance.now() });
    this.onBuilt?.(document.uri, model);
    return model;
  }

  /** The model of the document's current text if it is already built and still holds (never analyses). */
  cached(document: TextDocument): DocumentModel | undefined {
    const cached = this.models.get(document.uri);
    if (cached?.text !== document.getText()) return undefined;
    const open = this.isOpen(document.uri);
    const now = performance.now();
    if (open ? !cached.checked : now - cached.checkedAt > CLOSED_RECHECK_MS) {
      if (this.host && !readsStillHold(cached.model.analysis, this.host)) {
        this.models.delete(document.uri);
        return undefined;
      }
      cached.checked = open;
      cached.checkedAt = now;
    }
    return cached.model;
  }

  /** Drops a document's model (a file it read changed): the next request analyses it again. */
  invalidate(uri: string): void {
    this.models.delete(uri);
  }

  /**
   * Drops a document's model if what its analysis read of `path` now reads otherwise (`what`: its text,
   * for an opened helper; its being there, for a file made or removed under an open document); whether
   * it did. A model that still holds is kept, so opening a file as the analyses read it costs no analysis.
   */
  dropIfStale(uri: string, path: string, what: 'text' | 'presence'): boolean {
    const cached = this.models.get(uri);
    if (!cached || !this.host || readsOfPathStillHold(cached.model.analysis, this.host, path, what)) return false;
    this.models.delete(uri);
    return true;
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
