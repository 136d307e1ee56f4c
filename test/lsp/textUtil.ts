/** Positions in fixture texts, found by searching for a snippet (so tests survive edits to fixtures). */
import assert from 'node:assert/strict';
import type { Position, Range } from 'vscode-languageserver-protocol';

export function offsetOf(text: string, snippet: string, inSnippet = 0, occurrence = 0): number {
  let at = -1;
  for (let i = 0; i <= occurrence; i++) {
    at = text.indexOf(snippet, at + 1);
    assert.ok(at >= 0, `snippet not found: ${snippet}`);
  }
  return at + inSnippet;
}

export function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

export function positionOf(text: string, snippet: string, inSnippet = 0, occurrence = 0): Position {
  return positionAt(text, offsetOf(text, snippet, inSnippet, occurrence));
}

/** The offset of an LSP position in a text. */
function offsetAt(text: string, p: Position): number {
  return text.split('\n').slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
}

export function textAt(text: string, range: Range): string {
  return text.slice(offsetAt(text, range.start), offsetAt(text, range.end));
}

/** Applies non-overlapping edits to a text. */
export function applyEdits(text: string, edits: readonly { range: Range; newText: string }[]): string {
  // Last edit first, so earlier offsets (computed on the original text) stay valid.
  return [...edits]
    .sort((x, y) => offsetAt(text, y.range.start) - offsetAt(text, x.range.start))
    .reduce((t, e) => t.slice(0, offsetAt(text, e.range.start)) + e.newText + t.slice(offsetAt(text, e.range.end)), text);
}
