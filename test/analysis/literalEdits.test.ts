/**
 * Keystrokes inside a string of a spec are applied to the last analysis without analysing again
 * (`server/src/analysis/literalEdits.ts`) only where the module cannot have read the string; every
 * model, whichever way it was made, must equal a model built from scratch for the same text.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { forgetModule, howAnswered } from '../../server/src/analysis/analyse';
import { buildDocumentModel } from '../../server/src/model/documentModel';
import { generateLargeModule } from './generate';
import { ScratchComparison, describeModel, fromScratch } from './modelRender';
import { fixtures } from './randomEdits';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

const HEADER = `import { Dag } from 'a-la-mode';
const dag = new Dag({ owner: 'data' });
const common = { image: 'python:3.12', retries: 2 };
`;

/**
 * Types `insert` at the `|` of `template` (removing `remove` characters after it), once the text
 * without the marker has been analysed: returns how the edit was answered, having checked the model
 * against one built from scratch.
 */
function typeAt(template: string, insert: string, remove = 0): { answer: string | undefined; before: ReturnType<typeof buildDocumentModel>; after: ReturnType<typeof buildDocumentModel> } {
  const at = template.indexOf('|');
  assert.ok(at >= 0 && template.indexOf('|', at + 1) < 0, 'one marker');
  const text = template.slice(0, at) + template.slice(at + 1);
  const next = text.slice(0, at) + insert + text.slice(at + remove);
  const fileName = `literal-${Math.random()}.alamode.ts`;
  try {
    const before = buildDocumentModel(text, fileName);
    const after = buildDocumentModel(next, fileName);
    const answer = howAnswered(fileName);
    assert.equal(describeModel(after), fromScratch(next));
    return { answer, before, after };
  } finally {
    forgetModule(fileName);
  }
}

const outputOf = (model: ReturnType<typeof buildDocumentModel>, task: string) => model.dags[0]!.tasks.find((t) => t.name === task)!.outcome.output;

describe('an edit inside a spec string is applied without a new analysis where nothing read it', () => {
  const applied: [string, string, string?, number?][] = [
    ['a string of the spec literal', `${HEADER}const a = dag.task('a', { sha: 'ab|c' });\nconst b = dag.task('b', { sha: 'x' });\nb.addDep(a);\nexport default dag;\n`, 'Z'],
    ['after a spread', `${HEADER}const a = dag.task('a', { ...common, sha: '|abc' });\nexport default dag;\n`, 'Z'],
    ['in a nested object', `${HEADER}const a = dag.task('a', { resources: { cpu: '2|' } });\nexport default dag;\n`, '5'],
    ['in an array', `${HEADER}const a = dag.task('a', { cmd: ['python', 'run|.py', '--all'] });\nexport default dag;\n`, 'x'],
    ['in a template without substitutions', `${HEADER}const a = dag.task('a', { cmd: \`python |run.py\` });\nexport default dag;\n`, '-u '],
    ['a deletion', `${HEADER}const a = dag.task('a', { sha: 'a|bc' });\nexport default dag;\n`, '', 2],
    ['a string key', `${HEADER}const a = dag.task('a', { 'code-sha': 'a|bc' });\nexport default dag;\n`, 'q'],
    ['an earlier key of the same name', `${HEADER}const a = dag.task('a', { sha: 'x', sha: 'a|bc' });\nexport default dag;\n`, 'q'],
    ['a string that becomes empty', `${HEADER}const a = dag.task('a', { sha: '|a' });\nexport default dag;\n`, '', 1],
    ['non-ASCII text', `${HEADER}const a = dag.task('a', { note: 'caf|' });\nexport default dag;\n`, 'é 😀'],
    ['a digit typed after a number', `${HEADER}const a = dag.task('a', { retries: 2| });\nexport default dag;\n`, '3'],
    ['a digit typed before a number', `${HEADER}const a = dag.task('a', { memory: [|512, 'Mi'] });\nexport default dag;\n`, '1'],
    ['a number made a fraction', `${HEADER}const a = dag.task('a', { cpu: 1|5 });\nexport default dag;\n`, '.'],
    ['a number too large for a double', `${HEADER}const a = dag.task('a', { big: 1e30|0 });\nexport default dag;\n`, '9'],
  ];
  for (const [what, template, insert, remove] of applied) {
    test(what, () => {
      const { answer, before, after } = typeAt(template, insert!, remove);
      assert.equal(answer, 'an edit in a string');
      const specOf = (m: typeof before) => JSON.stringify(m.dags[0]!.tasks.find((t) => t.name === 'a')!.analysed.spec);
      assert.notEqual(specOf(after), specOf(before));
    });
  }

  test('the task downstream gets a new ID too', () => {
    const { answer, before, after } = typeAt(`${HEADER}const a = dag.task('a', { sha: 'ab|c' });\nconst b = dag.task('b', { sha: 'x' });\nb.addDep(a);\nexport default dag;\n`, 'Z');
    assert.equal(answer, 'an edit in a string');
    assert.notEqual(outputOf(after, 'b'), outputOf(before, 'b'));
  });

  test('keystroke after keystroke, each applied and each equal to a fresh model', () => {
    let text = generateLargeModule(200);
    const fileName = 'literal-typing.alamode.ts';
    try {
      buildDocumentModel(text, fileName);
      for (const where of [0.1, 0.5, 0.9]) {
        const at = text.indexOf("sha: '", Math.floor(text.length * where)) + "sha: '".length;
        for (const [k, ch] of [...'typed'].entries()) {
          text = text.slice(0, at + k) + ch + text.slice(at + k);
          const model = buildDocumentModel(text, fileName);
          assert.equal(howAnswered(fileName), 'an edit in a string');
          assert.equal(describeModel(model), fromScratch(text));
        }
      }
    } finally {
      forgetModule(fileName);
    }
  });
});

describe('any other edit is analysed again', () => {
  const analysed: [string, string, string][] = [
    ['the spec is read (task.spec)', `${HEADER}const a = dag.task('a', { sha: 'ab|c' });\nconst b = dag.task('b', { sha: a.spec.sha });\nexport default dag;\n`, 'Z'],
    ['the spec is read by destructuring', `${HEADER}const a = dag.task('a', { sha: 'ab|c' });\nconst { spec } = a;\ndag.task('b', { ...spec });\nexport default dag;\n`, 'Z'],
    ['the literal is evaluated in a loop', `${HEADER}for (const n of ['x', 'y']) dag.task(n, { sha: 'ab|c' });\nexport default dag;\n`, 'Z'],
    ['the literal is in a function called twice', `${HEADER}const make = (n: string) => dag.task(n, { sha: 'ab|c' });\nmake('x');\nmake('y');\nexport default dag;\n`, 'Z'],
    ['a later spread may overwrite it', `${HEADER}const a = dag.task('a', { sha: 'ab|c', ...common });\nexport default dag;\n`, 'Z'],
    ['a later key of the same name overwrites it', `${HEADER}const a = dag.task('a', { sha: 'ab|c', sha: 'x' });\nexport default dag;\n`, 'Z'],
    ['a later computed key may overwrite it', `${HEADER}const k = 'sha';\nconst a = dag.task('a', { sha: 'ab|c', [k]: 'x' });\nexport default dag;\n`, 'Z'],
    ['the task is made on a branch of an unknown condition', `${HEADER}if (process.env.X) dag.task('a', { sha: 'ab|c' });\nexport default dag;\n`, 'Z'],
    ['the string is computed with', `${HEADER}const a = dag.task('a', { sha: 'ab|c' + common.image });\nexport default dag;\n`, 'Z'],
    ['the string is in a variable', `${HEADER}const sha = 'ab|c';\nconst a = dag.task('a', { sha });\nexport default dag;\n`, 'Z'],
    ['the string is a task name', `${HEADER}const a = dag.task('ab|c', { sha: 'x' });\nexport default dag;\n`, 'Z'],
    ['the string is in the meta', `${HEADER}const other = new Dag({ owner: 'ab|c' });\nexport default dag;\n`, 'Z'],
    ['the keystroke closes the string', `${HEADER}const a = dag.task('a', { sha: 'ab|c' });\nexport default dag;\n`, "'"],
    ['the keystroke starts an escape sequence', `${HEADER}const a = dag.task('a', { sha: 'ab|c' });\nexport default dag;\n`, '\\'],
    ['the keystroke starts a substitution', `${HEADER}const a = dag.task('a', { cmd: \`ab$|c\` });\nexport default dag;\n`, '{'],
    ['the keystroke breaks the line', `${HEADER}const a = dag.task('a', { sha: 'ab|c' });\nexport default dag;\n`, '\n'],
    ['the string already holds an escape', `${HEADER}const a = dag.task('a', { sha: 'a\\tb|c' });\nexport default dag;\n`, 'Z'],
    ['the number becomes a bigint', `${HEADER}const a = dag.task('a', { retries: 2| });\nexport default dag;\n`, 'n'],
    ['the number gets a separator', `${HEADER}const a = dag.task('a', { retries: 2|000 });\nexport default dag;\n`, '_'],
    ['the number gets a sign', `${HEADER}const a = dag.task('a', { retries: |2 });\nexport default dag;\n`, '-'],
    ['the number is half typed', `${HEADER}const a = dag.task('a', { retries: 2| });\nexport default dag;\n`, '.'],
    ['the number is negative', `${HEADER}const a = dag.task('a', { retries: -2| });\nexport default dag;\n`, '3'],
    ['the number is hexadecimal', `${HEADER}const a = dag.task('a', { retries: 0x2| });\nexport default dag;\n`, '3'],
    ['the call is still being typed', `${HEADER}const a = dag.task('a', { sha: 'ab|c' }\nexport default dag;\n`, 'Z'],
  ];
  for (const [what, template, insert] of analysed) {
    test(what, () => assert.equal(typeAt(template, insert).answer, 'an analysis'));
  }
});

describe('random keystrokes inside strings of every fixture equal models built from scratch', () => {
  // Characters that keep a string a string, and ones that end it, escape, substitute or break the line.
  const keystroke = fc.oneof(fc.constantFrom('x', 'Z', '0', '7', '.', 'e', 'n', '_', ' ', '-', '/', 'é', '😀', "'", '"', '`', '\\', '$', '{', '${', '}', '\n'), fc.string({ maxLength: 3 }));
  const edit = fc.record({ site: fc.nat(), offset: fc.nat(), insert: keystroke, remove: fc.integer({ min: 0, max: 2 }) });
  const modules = [...fixtures.map((f) => f.text), generateLargeModule(60)];
  let inPlace = 0;
  const comparison = new ScratchComparison();

  test('every fixture', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: modules.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 8 }), (which, edits) => {
        let text = modules[which]!;
        const fileName = `literal-random-${Math.random()}.alamode.ts`;
        try {
          buildDocumentModel(text, fileName);
          for (const e of edits) {
            // Inside a quoted string of the current text (of every quote kind), or in or at the ends of a number.
            const literals = [...text.matchAll(/'[^'\n]*'|"[^"\n]*"|`[^`]*`|\b[0-9]+(?:\.[0-9]+)?\b/g)];
            if (literals.length === 0) return;
            const s = literals[e.site % literals.length]!;
            const quoted = /['"`]/.test(s[0][0]!);
            const at = quoted ? s.index! + 1 + (e.offset % (s[0].length - 1)) : s.index! + (e.offset % (s[0].length + 1));
            const end = quoted ? s.index! + s[0].length - 1 : s.index! + s[0].length;
            text = text.slice(0, at) + e.insert + text.slice(Math.min(at + e.remove, end));
            const model = buildDocumentModel(text, fileName);
            if (howAnswered(fileName) === 'an edit in a string') inPlace++;
            comparison.assertEqual(describeModel(model), fromScratch(text));
          }
        } finally {
          forgetModule(fileName);
        }
      }),
      { numRuns: 150, seed: SEED },
    );
    // The property means little if no edit took the short way.
    assert.ok(inPlace > 20, `only ${inPlace} edits were applied in place`);
    comparison.assertFewSkipped();
  });
});
