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

export function textAt(text: string, range: Range): string {
  const lines = text.split('\n');
  const offset = (p: Position) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return text.slice(offset(range.start), offset(range.end));
}

/** Applies non-overlapping edits to a text. */
export function applyEdits(text: string, edits: readonly { range: Range; newText: string }[]): string {
  const lines = text.split('\n');
  const offset = (p: Position) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return [...edits]
    .sort((x, y) => offset(y.range.start) - offset(x.range.start))
    .reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), text);
}
