/**
 * Random edits of the fixture modules, as a user mid-typing makes them: the robustness test checks the
 * analysis on them, and `npm run bench analysis` looks for the slowest.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { fixturesDir } from '../support/paths';

const fixtureFiles = [
  ...readdirSync(join(fixturesDir, 'analysis')).map((f) => join(fixturesDir, 'analysis', f)),
  ...readdirSync(join(fixturesDir, 'pipelines')).filter((f) => f.endsWith('.ts')).map((f) => join(fixturesDir, 'pipelines', f)),
  ...readdirSync(join(fixturesDir, 'bad')).filter((f) => f.endsWith('.ts')).map((f) => join(fixturesDir, 'bad', f)),
];
export const fixtures = fixtureFiles.map((path) => ({ path, text: readFileSync(path, 'utf8') }));

/** Snippets a random edit may insert: tokens, fragments of DSL calls, and troublesome constructs. */
export const SNIPPETS = [
  '(', ')', '{', '}', '[', ']', ',', ';', '.', '...', '=', '=>', '?', ':', '`', '${', "'", '"', '\n', ' ',
  'dag', 'task', 'addDep', 'get', 'new Dag()', 'process.env.X', 'while (true) {}', 'for (;;) {}', 'return',
  'function f() { return f(); }', 'f()', 'const', 'let', 'if (x)', 'else', 'try {', '} catch {', 'throw 1;',
  'export default', 'import { Dag } from "a-la-mode";', '__proto__', 'constructor', 'this', 'await', 'yield',
  '1e309', '-0', '9007199254740993n', '2n ** 64n', "'x'.repeat(1e9)", 'new Array(1e9)', 'Array.from({ length: 1e9 })',
  'JSON.parse("{")', 'Object.freeze', 'delete', 'class A {}', '<T>', 'as const', '!', '?.', '??', '||=',
];

export type Edit =
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'duplicate'; at: number; length: number };

export const editArbitrary: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...SNIPPETS) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ maxLength: 8 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
);

/** A fixture's index and a few edits of it. */
export const editedFixtureArbitrary = fc.tuple(fc.integer({ min: 0, max: fixtures.length - 1 }), fc.array(editArbitrary, { minLength: 1, maxLength: 6 }));

/** The fixture's text after the edits (positions wrap around the text's length). */
export function applyEdits(which: number, edits: readonly Edit[]): string {
  let text = fixtures[which]!.text;
  for (const e of edits) {
    const at = e.at % (text.length + 1);
    if (e.kind === 'delete') text = text.slice(0, at) + text.slice(at + e.length);
    else if (e.kind === 'insert') text = text.slice(0, at) + e.text + text.slice(at);
    else text = text.slice(0, at) + text.slice(at, at + e.length) + text.slice(at);
  }
  return text;
}
