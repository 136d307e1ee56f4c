/**
 * Regular expression literals as the pattern of string methods, against running the module (as
 * `alamode encode` does): equal where the analysis follows them, never wrong where it does not, and
 * never a long match in the analysis (the server must not hang on any text).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { backtrackingRisk } from '../../server/src/analysis/builtins/regexps';
import { assertSameDag, summariseAnalysis } from './execute';
import { outcomes } from './helpers';
import { analyseIn, assertNoWrongOutputIn, defaultDag, makeRepo, runIn, type Repo } from './repo';

const DSL = "import { Dag } from 'a-la-mode';\n";
const repos: Repo[] = [];
after(() => { for (const r of repos) r.remove(); });

async function sameAsRunning(files: Record<string, string>) {
  const r = makeRepo(files);
  repos.push(r);
  const analysis = analyseIn(r, 'main.alamode.ts', files['main.alamode.ts']!);
  const runtime = await runIn(r, 'main.alamode.ts');
  assert.ok(runtime, 'the module runs');
  assertSameDag(defaultDag(analysis), runtime);
  return analysis;
}

const isPattern = (source: string, flags: string) => {
  try {
    new RegExp(source, flags);
    return true;
  } catch {
    return false; // `^*`: nothing to repeat
  }
};

describe('regular expression literals', () => {
  test('a helper that slugs, splits, matches and camel-cases names: the analysis equals running the module', async () => {
    const analysis = await sameAsRunning({
      'names.ts': [
        'const SEPARATORS = /[^a-z0-9]+/g;',
        "export const slug = (s: string) => s.toLowerCase().replace(SEPARATORS, '-').replace(/^-+|-+$/g, '');",
        'export const camel = (s: string) => s.replace(/_(\\w)/g, (_m: string, c: string) => c.toUpperCase());',
        "export const words = (s: string) => s.split(/[\\s_-]+/);",
        "export const dated = (s: string) => s.replace(/(?<y>\\d{4})-(?<m>\\d\\d)/, '$<m>/$<y>');",
      ].join('\n'),
      'main.alamode.ts': `${DSL}import { slug, camel, words, dated } from './names';
const dag = new Dag();
for (const name of ['Raw Orders', 'customer_events', '--A--B--', 'report 2024-03']) {
  dag.task(slug(name), {
    image: 'etl:1',
    command: \`run \${camel(name)}\`,
    words: words(name),
    letters: name.match(/[a-z]+/gi),
    digits: name.match(/\\d/g),
    underscore: name.search(/_/),
    doubled: 'a.b'.replaceAll(/\\./g, '$&$&'),
    dated: dated(name),
    limited: name.split(/ /, 1),
  });
}
export default dag;
`,
    });
    assert.deepEqual(analysis.diagnostics, []);
  });

  test('what the analysis cannot follow is unknown, never wrong', async () => {
    const cases = [
      // Code changes the object: lastIndex and compile are not followed.
      "const re = /x/g; re.lastIndex = 3;\ndag.task('t', { image: 'i', v: 'xax'.replace(re, 'y') });",
      "const re = /x/; (re as any).compile('a');\ndag.task('t', { image: 'i', v: 'xax'.replace(re, 'y') });",
      // Sticky: depends on lastIndex.
      "dag.task('t', { image: 'i', v: 'xax'.replace(/x/y, 'y') });",
      // Handed to code the analysis does not see, or the built-ins changed.
      "import { touch } from './lib';\nconst re = /x/g; touch(re);\ndag.task('t', { image: 'i', v: 'xax'.replace(re, 'y') });",
      "(RegExp.prototype as any)[Symbol.replace] = () => 'patched';\ndag.task('t', { image: 'i', v: 'xax'.replace(/x/g, 'y') });",
      // A match object (an array with index, input and groups) in a spec, and named groups handed to a replacement function.
      "dag.task('t', { image: 'i', v: 'xax'.match(/a/) });",
      "dag.task('t', { image: 'i', v: '2024-03'.replace(/(?<y>\\d+)-(?<m>\\d+)/, (...a: unknown[]) => JSON.stringify(a.at(-1))) });",
      // replaceAll with a regular expression that is not global throws.
      "let v = 'none';\ntry { v = 'xax'.replaceAll(/x/, 'y'); } catch (e) { v = String(e); }\ndag.task('t', { image: 'i', v });",
    ];
    for (const body of cases) {
      const text = `${DSL}const dag = new Dag();\n${body}\nexport default dag;\n`;
      const r = makeRepo({ 'main.alamode.ts': text, 'lib.ts': "export function touch(re: RegExp) { re.lastIndex = 1; }\n" });
      repos.push(r);
      const { ran } = await assertNoWrongOutputIn(r, 'main.alamode.ts', text).catch((e: Error) => {
        throw new Error(`${body}: ${e.message}`);
      });
      assert.ok(ran, body);
    }
  });

  test('a pattern that may backtrack for long is not matched: the analysis returns at once with the task unknown', () => {
    // Running this module would not finish (about 2^40 steps); the analysis must not try.
    const text = `${DSL}const dag = new Dag();\ndag.task('t', { image: 'i', v: '${'a'.repeat(40)}!'.replace(/(a+)+$/, 'b') });\nexport default dag;\n`;
    const r = makeRepo({ 'main.alamode.ts': text });
    repos.push(r);
    const analysis = analyseIn(r, 'main.alamode.ts', text);
    assert.equal(outcomes(defaultDag(analysis)).get('t')!.output, undefined);
    assert.match(analysis.diagnostics[0]!.message, /may backtrack for long/);
  });

  test('the backtracking scan: linear patterns pass with their unbounded quantifiers counted, exponential ones do not', () => {
    const risks = Object.fromEntries(['_', '[^a-z0-9]+', '^-+|-+$', '_(\\w)', '(?:ab)+', 'x{2,}', '(?<y>\\d{4})', '(a+)+$', '(a|b)*', '(a?)*', '\\1', '\\k<n>', 'a*b*c*', '((a)+)'].map((s) => [s, backtrackingRisk(s, 'g')]));
    assert.deepEqual(risks, {
      '_': 0, '[^a-z0-9]+': 1, '^-+|-+$': 2, '_(\\w)': 0, '(?:ab)+': 1, 'x{2,}': 1, '(?<y>\\d{4})': 0,
      '(a+)+$': 'unsafe', '(a|b)*': 'unsafe', '(a?)*': 'unsafe', '\\1': 'unsafe', '\\k<n>': 'unsafe', '((a)+)': 1,
      // Each may be followed only by what it cannot match, or the end: linear.
      'a*b*c*': 1,
    });
    assert.equal(backtrackingRisk('[a]', 'v'), 'unsafe');
    // A quantifier followed by a character it cannot match (or by the end) only gives back characters
    // that fail at once: together such quantifiers add one scan, whatever their number.
    const cheap = Object.fromEntries(['(\\d+)\\.(\\d+)\\.(\\d+)', '^(?<major>\\d+)\\.(?<minor>\\d+)$', '\\s*,\\s*', '[^/]+/[^/]+/[^/]+/[^/]+', 'V\\d+x', '\\d+\\.?\\d+\\.\\d+', 'a*a*a*', 'a*(?:a|b)*c', '.*x.*y.*z', '\\w+_\\w+_\\w+', '\\d+(?:\\.\\d+)*', '[a-z]+[A-Z]+[a-z]+'].map((s) => [s, backtrackingRisk(s, 'g')]));
    assert.deepEqual(cheap, {
      '(\\d+)\\.(\\d+)\\.(\\d+)': 1, '^(?<major>\\d+)\\.(?<minor>\\d+)$': 1, '\\s*,\\s*': 1, '[^/]+/[^/]+/[^/]+/[^/]+': 1, 'V\\d+x': 1,
      // The dot is optional, so the first \\d+ may meet the second: counted, and the optional dot is a choice.
      '\\d+\\.?\\d+\\.\\d+': 'unsafe',
      'a*a*a*': 'unsafe', 'a*(?:a|b)*c': 'unsafe', '.*x.*y.*z': 'unsafe', '\\w+_\\w+_\\w+': 'unsafe', '\\d+(?:\\.\\d+)*': 'unsafe', '[a-z]+[A-Z]+[a-z]+': 'unsafe',
    });
    // Bounded choices multiply: an optional part (a group that repeats or alternates may be optional),
    // a counted range, a group's alternatives. a?ⁿaⁿ and (a|a)ⁿ$ take 2ⁿ steps with no unbounded quantifier.
    const bounded = Object.fromEntries(['(\\d+)\\.(\\d+)(?:\\.(\\d+))?', '^v?(\\d+)$', '(?:-(\\w+))?$', '(a|b)c', '(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})', 'a?'.repeat(30) + 'a'.repeat(30), '(a|a)'.repeat(30) + '$', 'x{1,100}y', '(a+){0,1}', '(a+){2}'].map((s) => [s, backtrackingRisk(s, '')]));
    assert.deepEqual(bounded, {
      '(\\d+)\\.(\\d+)(?:\\.(\\d+))?': 2, '^v?(\\d+)$': 2, '(?:-(\\w+))?$': 2, '(a|b)c': 1, '(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})': 0,
      ['a?'.repeat(30) + 'a'.repeat(30)]: 'unsafe', ['(a|a)'.repeat(30) + '$']: 'unsafe', 'x{1,100}y': 0, '(a+){0,1}': 'unsafe', '(a+){2}': 'unsafe',
    });
    // An escape of several characters is one atom: \x61 is a, so \x61+a gives back what a matches.
    const escapes = Object.fromEntries([['\\x61+a\\x61+a\\x61+a!', ''], ['\\u0061+a\\u0061+a\\u0061+a!', ''], ['\\cA+\x01\\cA+\x01\\cA+\x01!', ''], ['\\01+\x01\\01+\x01\\01+\x01!', ''], ['\\u{61}+\\u{61}+\\u{61}+b', 'u'], ['\\x61+b\\x61+b\\x61+b', ''], ['\\u{61}+b', 'u']].map(([s, f]) => [`/${s}/${f}`, backtrackingRisk(s!, f!)]));
    assert.deepEqual(escapes, {
      '/\\x61+a\\x61+a\\x61+a!/': 'unsafe', '/\\u0061+a\\u0061+a\\u0061+a!/': 'unsafe', '/\\cA+\x01\\cA+\x01\\cA+\x01!/': 'unsafe', '/\\01+\x01\\01+\x01\\01+\x01!/': 'unsafe', '/\\u{61}+\\u{61}+\\u{61}+b/u': 'unsafe',
      '/\\x61+b\\x61+b\\x61+b/': 1, '/\\u{61}+b/u': 1,
    });
    // Alternatives of the whole pattern add up: beyond a few, they count as choices.
    const alternatives = (n: number) => Array.from({ length: n }, (_, k) => `\\d+x${k}`).join('|');
    assert.deepEqual([3, 10, 200].map((n) => backtrackingRisk(alternatives(n), 'g')), [1, 2, 'unsafe']);
    // Case-insensitive: [a-z] matches X.
    assert.equal(backtrackingRisk('[a-z]+X[a-z]+X[a-z]+', 'g'), 1);
    assert.equal(backtrackingRisk('[a-z]+X[a-z]+X[a-z]+', 'gi'), 'unsafe');
  });

  test('a pattern whose bounded choices multiply (a?ⁿaⁿ, (a|a)ⁿ$) is not matched: the analysis returns at once with the task unknown', () => {
    // Running either would take 2^40 steps.
    for (const re of [`/${'a?'.repeat(40)}${'a'.repeat(40)}/`, `/${'(a|a)'.repeat(40)}$/`]) {
      const text = `${DSL}const dag = new Dag();\ndag.task('t', { image: 'i', v: '${'a'.repeat(39)}b'.replace(${re}, 'x') });\nexport default dag;\n`;
      const r = makeRepo({ 'main.alamode.ts': text });
      repos.push(r);
      const started = performance.now();
      const analysis = analyseIn(r, 'main.alamode.ts', text);
      assert.ok(performance.now() - started < 5_000, 'returns at once');
      assert.equal(outcomes(defaultDag(analysis)).get('t')!.output, undefined);
      assert.match(analysis.diagnostics[0]!.message, /may backtrack for long/);
    }
  });

  test('a match without /g (s.match(re), re.exec(s)): its elements, index, input, groups when none are named, in and hasOwn, destructured, in a loop: what running gives', async () => {
    const analysis = await sameAsRunning({
      'main.alamode.ts': `${DSL}const dag = new Dag();
const m = 'release v1.22.3'.match(/v(\\d+)\\.(\\d+)(?:\\.(\\d+))?(-rc)?/)!;
const [, major, minor = '0', patch, rc = 'final'] = m;
const re = /^([a-z]+)-(\\d{4})$/i;
const a = re.exec('Orders-2024')!;
const b = re.exec('orders-x');
dag.task('version', { image: 'i', major, minor, patch: String(patch), rc, all: m.join('|'), at: m.index, input: m.input, groups: String(m.groups), length: m.length });
dag.task('exec', { image: 'i', table: a[1].toLowerCase(), year: Number(a[2]), none: String(b), again: re.exec('Users-1999')![1], flags: [String('index' in a), String(Object.hasOwn(a, 'groups')), String('nope' in a), String(Array.isArray(a))].join() });
for (const v of ['1.2', '3.4', 'x.y']) {
  const p = v.match(/^(\\d+)\\.(\\d+)$/);
  if (!p) continue;
  dag.task('v' + p[1], { image: 'i', minor: p[2], copy: p.slice(1), json: JSON.stringify(p), text: String(p), mapped: p.map((s) => s + '!') });
}
export default dag;
`,
    });
    assert.deepEqual(analysis.diagnostics, []);
  });

  test('matchAll with /g: spread, Array.from, for…of, destructured, iterated twice: each match as exec gives it, what running gives', async () => {
    const analysis = await sameAsRunning({
      'main.alamode.ts': `${DSL}const dag = new Dag();
const ids = [...'a1 b2 c3'.matchAll(/([a-z])(\\d)/g)].map((m) => m[1] + m[2] + m.index);
const keys = Array.from('k=v; x=y'.matchAll(/(\\w+)=(\\w+)/g), (m) => m[1]);
const it = 'a1 b2'.matchAll(/\\d/g);
const first = [...it].length;
const second = [...it].length;
const [one, two] = 'a1 b2 c3'.matchAll(/\\d/g);
const months = [...'2024-01 2025-02'.matchAll(/(?<y>\\d{4})-(\\d{2})/g)].map((m) => m[2]);
dag.task('parsed', { image: 'i', ids, keys, counts: [first, second], pair: one![0] + two![0], months });
for (const m of 'load:1 clean:2'.matchAll(/(\\w+):(\\d)/g)) dag.task(m[1]!, { image: 'i', n: Number(m[2]), at: m.index!, input: m.input! });
export default dag;
`,
    });
    assert.deepEqual(analysis.diagnostics, []);
  });

  test('what reads a match\'s own keys (Object.keys, for…in, spread, Object.assign, structuredClone, rest), its named groups, or writes to it: unknown, never a wrong output', async () => {
    const cases = [
      "const m = 'a1'.match(/(\\w)(\\d)/)!;\ndag.task('t', { image: 'i', v: Object.keys(m).join() });",
      "const m = 'a1'.match(/(\\w)(\\d)/)!;\nconst ks: string[] = []; for (const k in m) ks.push(k);\ndag.task('t', { image: 'i', v: ks.join() });",
      "const m = 'a1'.match(/(\\w)(\\d)/)!;\ndag.task('t', { image: 'i', v: JSON.stringify({ ...m }) });",
      "const m = 'a1'.match(/(\\w)(\\d)/)!;\ndag.task('t', { image: 'i', v: JSON.stringify(Object.assign({}, m)) });",
      "const m = 'a1'.match(/(\\w)(\\d)/)!;\ndag.task('t', { image: 'i', v: JSON.stringify(Object.entries(structuredClone(m))) });",
      "const m = 'a1'.match(/(\\w)(\\d)/)!;\nconst { index, ...rest } = m;\ndag.task('t', { image: 'i', v: JSON.stringify(rest) + index });",
      "const m = /(?<y>\\d{4})/.exec('in 2024')!;\ndag.task('t', { image: 'i', v: m.groups!.y });",
      // A replacement function given what the analysis does not model (named groups) still runs.
      "let n = 0;\n'a1'.replace(/(?<q>\\w)(\\d)/, () => { n++; return ''; });\ndag.task('t', { image: 'i', v: String(n) });",
      // With /d, its indices.
      "const m = /(b)/d.exec('abc')!;\ndag.task('t', { image: 'i', v: JSON.stringify((m as any).indices) });",
      "const m = 'a1'.match(/(\\w)(\\d)/)!;\n(m as any).index = 7;\ndag.task('t', { image: 'i', v: String(m.index) });",
      "const m = 'a1'.match(/(\\w)(\\d)/)!;\ndelete (m as any).input;\ndag.task('t', { image: 'i', v: String(m.input) + ('input' in m) });",
    ];
    for (const body of cases) {
      const text = `${DSL}const dag = new Dag();\n${body}\ndag.task('known', { image: 'i' });\nexport default dag;\n`;
      const r = makeRepo({ 'main.alamode.ts': text });
      repos.push(r);
      const { ran, analysis } = await assertNoWrongOutputIn(r, 'main.alamode.ts', text).catch((e: Error) => {
        throw new Error(`${body}: ${e.message}`);
      });
      assert.ok(ran, body);
      const shown = outcomes(defaultDag(analysis));
      assert.equal(shown.get('t')!.output, undefined, body);
      // Unknown, not a value the module does not compute (an undefined there would be a false error).
      const summary = summariseAnalysis(defaultDag(analysis));
      assert.ok(summary.unknown[summary.tasks.findIndex((t) => t.name === 't')], `${body}: t is unknown`);
      assert.ok(shown.get('known')!.output, `${body}: the other task is known`);
    }
  });

  test('test without /g: a literal, one kept in a variable and used again, and arguments converted as JS converts them', async () => {
    const analysis = await sameAsRunning({
      'main.alamode.ts': `${DSL}const dag = new Dag();
const prod = /^prod-/i;
const names = ['prod-eu', 'PROD-us', 'dev-eu'];
const kept = names.filter((n) => prod.test(n));
const again = [prod.test('prod-x'), prod.test('prod-x'), prod.test('x')].map(String);
const tests = names.filter(prod.test, prod);
dag.task('t', { image: 'i', kept, again, tests, undef: String(/undefined/.test(undefined as any)), num: String(/^5$/.test(5 as any)), obj: String(/^x$/.test({ toString: () => 'x' } as any)), digits: String(/\\d+/.test('ab12')) });
export default dag;
`,
    });
    assert.deepEqual(analysis.diagnostics, []);
  });

  test('test on a global or sticky literal (it depends on lastIndex), or on one code changed: unknown, never a wrong output', async () => {
    const main = `${DSL}const dag = new Dag();
const g = /a/g;
const first = g.test('a');
const second = g.test('a');
const y = /a/y;
const changed = /a/;
changed.lastIndex = 3;
const method = /a/.test;
dag.task('g', { image: 'i', v: [first, second].map(String) });
dag.task('y', { image: 'i', v: String(y.test('a')) });
dag.task('changed', { image: 'i', v: String(changed.test('a')) });
dag.task('plain', { image: 'i', v: String(/a/.test('a')) });
export default dag;
`;
    const r = makeRepo({ 'main.alamode.ts': main });
    repos.push(r);
    const { ran, shown, analysis } = await assertNoWrongOutputIn(r, 'main.alamode.ts', main);
    assert.ok(ran);
    assert.deepEqual([shown, summariseAnalysis(defaultDag(analysis)).unknown.map((u) => u === undefined)], [1, [false, false, false, true]]);
  });

  test('a literal handed to code the analysis cannot see inside an object (which recompiles it): unknown, never a wrong output', async () => {
    const main = `${DSL}const dag = new Dag();
const re = /a/;
const holder = { re };
new Function('h', 'h.re.compile("b")')(holder);
dag.task('replace', { image: 'i', v: 'a'.replace(re, 'x') });
dag.task('test', { image: 'i', v: String(re.test('a')) });
export default dag;
`;
    const r = makeRepo({ 'main.alamode.ts': main });
    repos.push(r);
    const { ran, shown } = await assertNoWrongOutputIn(r, 'main.alamode.ts', main);
    assert.deepEqual([ran, shown], [true, 0]);
  });

  test('random patterns and texts: the analysis equals running the module', async () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const atoms = ['a', 'b', '\\d', '\\s', '[ab]', '[^a]', '.', '-', '(a)', '(?:ab)', '\\b', '^', '$'];
    const quantifiers = ['', '', '*', '+', '?', '{1,2}', '*?'];
    const lines: string[] = [];
    for (let i = 0; i < 60; i++) {
      let source = '';
      for (let k = 0; k < 1 + random(3); k++) source += atoms[random(atoms.length)]! + quantifiers[random(quantifiers.length)]!;
      const flags = ['g', '', 'gi', 'gm'][random(4)]!;
      if (backtrackingRisk(source, flags) === 'unsafe' || !isPattern(source, flags)) continue;
      const text = Array.from({ length: random(12) }, () => 'aAb1 -\n'[random(7)]).join('');
      const lit = `/${source}/${flags}`;
      const all = flags.includes('g') ? `replaceAll: ${JSON.stringify(text)}.replaceAll(${lit}, '<$&>'),` : '';
      const match = flags.includes('g') ? `match: ${JSON.stringify(text)}.match(${lit}),` : `test: String(${lit}.test(${JSON.stringify(text)})),`;
      lines.push(`dag.task('t${i}', { image: 'i', re: ${JSON.stringify(lit)}, replace: ${JSON.stringify(text)}.replace(${lit}, '[$&]'), split: ${JSON.stringify(text)}.split(${lit}), search: ${JSON.stringify(text)}.search(${lit}), ${all} ${match} });`);
    }
    assert.ok(lines.length >= 30, `enough patterns (${lines.length})`);
    const analysis = await sameAsRunning({ 'main.alamode.ts': `${DSL}const dag = new Dag();\n${lines.join('\n')}\nexport default dag;\n` });
    assert.deepEqual(analysis.diagnostics, []);
  });
});
