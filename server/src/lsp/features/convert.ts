/** Source offsets (the model) ↔ LSP positions (the protocol), through the document's line index. */
import type { Location, Range } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { URI } from 'vscode-uri';
import type { SourceRange } from '../../analysis/types';
import type { DocumentModel } from '../../model/documentModel';

export function toRange(document: TextDocument, range: SourceRange): Range {
  return { start: document.positionAt(range.start), end: document.positionAt(range.end) };
}

/** Line indexes of the other modules' texts an analysis read, made once per text. */
const otherModules = new WeakMap<object, Map<string, TextDocument>>();

/**
 * Where a range is, as an LSP location: in the document, or (`range.file` set) in another module the
 * analysis read, placed with the very text it read (an unsaved helper's, when it is open).
 */
export function toLocation(model: DocumentModel, document: TextDocument, range: SourceRange): Location | undefined {
  if (range.file === undefined) return { uri: document.uri, range: toRange(document, range) };
  const text = model.analysis.moduleTexts.get(range.file);
  if (text === undefined) return undefined;
  let documents = otherModules.get(model.analysis);
  if (!documents) otherModules.set(model.analysis, (documents = new Map()));
  let other = documents.get(range.file);
  if (!other) documents.set(range.file, (other = TextDocument.create(URI.file(range.file).toString(), 'typescript', 0, text)));
  return { uri: other.uri, range: toRange(other, range) };
}

export const shortId = (id: string) => id.slice(0, 12);

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
