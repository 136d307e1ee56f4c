/**
 * Snapshot tests of the bencode TextMate grammar (`syntaxes/bencode.tmLanguage.json`), tokenized by
 * vscode-textmate with the Oniguruma build VS Code itself uses, as vuejs/language-tools tests its
 * grammars. Each fixture in `fixtures/` has a snapshot in `snapshots/`: every token with its scopes.
 *
 *   node --import tsx --test test/grammar/grammar.test.ts
 *   UPDATE_SNAPSHOTS=1 node --import tsx --test test/grammar/grammar.test.ts   (then read the diff)
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
// Both are CommonJS (UMD) bundles: from ESM their API is the default export.
import oniguruma from 'vscode-oniguruma';
import textmate from 'vscode-textmate';
import { grammarText } from '../../syntaxes/generate-bencode-grammar.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const grammarPath = join(root, 'syntaxes', 'bencode.tmLanguage.json');
const fixtures = join(here, 'fixtures');
const snapshots = join(here, 'snapshots');
const update = process.env.UPDATE_SNAPSHOTS === '1';

let loaded: Promise<textmate.IGrammar> | undefined;

/** The grammar, loaded once (Oniguruma's WASM can be loaded only once per process). */
function loadGrammar(): Promise<textmate.IGrammar> {
  return (loaded ??= load());
}

async function load(): Promise<textmate.IGrammar> {
  const wasm = readFileSync(join(dirname(createRequire(import.meta.url).resolve('vscode-oniguruma')), 'onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) as ArrayBuffer);
  const registry = new textmate.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) => (scopeName === 'source.bencode' ? textmate.parseRawGrammar(readFileSync(grammarPath, 'utf8'), grammarPath) : null),
  });
  const grammar = await registry.loadGrammar('source.bencode');
  assert.ok(grammar, 'the grammar loads');
  return grammar;
}

/** One line per token: the text (JSON-quoted, so spaces and escapes show) and its scopes below the root. */
function tokenize(grammar: textmate.IGrammar, text: string): string {
  const out: string[] = [];
  let state = textmate.INITIAL;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    out.push(`> ${line}`);
    const result = grammar.tokenizeLine(line, state);
    for (const token of result.tokens) {
      const piece = line.slice(token.startIndex, token.endIndex);
      out.push(`  ${JSON.stringify(piece)}  ${token.scopes.slice(1).join(' ') || '(none)'}`);
    }
    state = result.ruleStack;
  }
  return `${out.join('\n')}\n`;
}

test('the committed grammar is what the generator writes', () => {
  assert.equal(readFileSync(grammarPath, 'utf8'), grammarText(), 'run: node syntaxes/generate-bencode-grammar.mjs');
});

test('grammar snapshots', async (t) => {
  const grammar = await loadGrammar();
  const names = readdirSync(fixtures).filter((f) => f.endsWith('.dag')).sort();
  assert.ok(names.length > 0, 'there are fixtures');
  for (const name of names) {
    await t.test(name, () => {
      const actual = tokenize(grammar, readFileSync(join(fixtures, name), 'utf8'));
      const snapshot = join(snapshots, `${name}.snap`);
      if (update || !existsSync(snapshot)) {
        writeFileSync(snapshot, actual);
        if (!update) assert.fail(`wrote a new snapshot ${snapshot}: review it, then run again`);
        return;
      }
      assert.equal(actual, readFileSync(snapshot, 'utf8'), `${name}: tokens differ from ${snapshot} (UPDATE_SNAPSHOTS=1 to accept, after reading the diff)`);
    });
  }
});

test('every string boundary is exact: contents that look like structure stay strings', async () => {
  const grammar = await loadGrammar();
  const line = '4:d1ee';
  const tokens = grammar.tokenizeLine(line, textmate.INITIAL).tokens.map((tk) => [line.slice(tk.startIndex, tk.endIndex), tk.scopes.at(-1)]);
  assert.deepEqual(tokens, [
    ['4', 'constant.numeric.length.bencode'],
    [':', 'punctuation.separator.length.bencode'],
    ['d1ee', 'string.unquoted.bencode'],
  ]);
});

test('an output ID is its own scope, an uppercase or short hex string is not', async () => {
  const grammar = await loadGrammar();
  const id = '82695e5805a9cd091e42ae94469efe77a90907c96190c793cee3c7d58dc2bbe0';
  const scopeOf = (line: string, piece: string) => {
    const tk = grammar.tokenizeLine(line, textmate.INITIAL).tokens.find((x) => line.slice(x.startIndex, x.endIndex) === piece);
    return tk?.scopes.at(-1);
  };
  assert.equal(scopeOf(`64:${id}`, id), 'constant.other.output-id.bencode');
  assert.equal(scopeOf(`64:${id.toUpperCase()}`, id.toUpperCase()), 'string.unquoted.bencode');
  assert.equal(scopeOf(`12:${id.slice(0, 12)}`, id.slice(0, 12)), 'string.unquoted.bencode');
});
