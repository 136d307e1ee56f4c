/** Source offsets (the model) ↔ LSP positions (the protocol), through the document's line index. */
import type { Range } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { SourceRange } from '../../analysis/types';

export function toRange(document: TextDocument, range: SourceRange): Range {
  return { start: document.positionAt(range.start), end: document.positionAt(range.end) };
}

export const shortId = (id: string) => id.slice(0, 12);

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
