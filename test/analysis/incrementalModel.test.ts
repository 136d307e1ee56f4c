/**
 * The document model after a sequence of edits (what the server builds: the previous syntax tree
 * reused, unchanged specs shared with the previous version, output IDs memoised across versions)
 * must equal a model built from scratch for the same text with nothing reused: the same analysis, the
 * same output IDs and reasons, the same problems and diagnostics, the same encoded DAG.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { forgetModule } from '../../server/src/analysis/analyse';
import { knownProblems, toDagDefinition } from '../../server/src/analysis/definition';
import { UnknownValue } from '../../server/src/analysis/types';
import { encodeDag } from '../../server/src/core/outputIds';
import { buildDocumentModel, type DocumentModel } from '../../server/src/model/documentModel';
import { generateLargeModule } from './generate';
import { SNIPPETS, fixtures } from './randomEdits';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

/**
 * A stable rendering: Maps and Sets as entries, unknowns by reason and place, bigints as text, and a
 * value that contains itself (a spec can) marked where it comes back.
 */
function render(value: unknown): string {
  const active = new Set<object>();
  const plain = (v: unknown): unknown => {
    if (typeof v === 'bigint') return `${v}n`;
    if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
    if (typeof v === 'function') return '<function>';
    if (typeof v !== 'object' || v === null) return v;
    if (active.has(v)) return '<cycle>';
    active.add(v);
    try {
      if (v instanceof UnknownValue) return { why: v.why, range: v.range, origin: v.origin };
      if (v instanceof Map) return [...v.entries()].map(plain);
      if (v instanceof Set) return [...v.values()].map(plain);
      if (Array.isArray(v)) return Array.from(v, plain);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    } finally {
      active.delete(v);
    }
  };
  return JSON.stringify(plain(value));
}

/** Everything a model says, and, for reference, the same computed from a fresh analysis with no memo. */
function describeModel(model: DocumentModel): string {
  // `hasSyntaxErrors` is left out: it is the parser's diagnostics, which TypeScript's incremental parse
  // does not always report as a fresh parse does (the analysis reads the tree, never them; nothing in
  // the server reads the flag).
  const { hasSyntaxErrors: _, ...analysis } = model.analysis;
  return render({
    analysis,
    dags: model.dags.map((d) => ({ outcomes: d.encoding.outcomes, problems: d.encoding.problems, encoded: d.encoding.encoded, definition: d.definition })),
    diagnostics: model.diagnostics,
  });
}

function fromScratch(text: string): string {
  const fileName = `scratch-${Math.random()}.alamode.ts`;
  const model = buildDocumentModel(text, fileName, { fresh: true });
  forgetModule(fileName);
  // The core's own answer for the fresh analysis, without the memo the model uses.
  for (const dag of model.dags) {
    const plain = encodeDag(toDagDefinition(dag.analysed));
    assert.equal(render(dag.encoding.outcomes), render(plain.outcomes));
    assert.equal(render(knownProblems(dag.analysed, dag.encoding.problems)), render(knownProblems(dag.analysed, plain.problems)));
  }
  return describeModel(model);
}

const editArb = fc.record({ at: fc.nat(), remove: fc.integer({ min: 0, max: 12 }), insert: fc.constantFrom(...SNIPPETS, '', 'x', '2', "'", 'sha: "q", ') });

describe('incremental document models equal models built from scratch', () => {
  for (const name of ['loops.alamode.ts', 'collage.alamode.ts', 'mutation.alamode.ts', 'values.alamode.ts']) {
    const base = fixtures.find((f) => f.path.endsWith(`/${name}`))!.text;
    test(`random edits of ${name}`, () => {
      fc.assert(
        fc.property(fc.array(editArb, { minLength: 1, maxLength: 8 }), (edits) => {
          let text = base;
          const fileName = `incremental-${Math.random()}.alamode.ts`;
          try {
            buildDocumentModel(text, fileName);
            for (const e of edits) {
              const at = e.at % (text.length + 1);
              text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
              assert.equal(describeModel(buildDocumentModel(text, fileName)), fromScratch(text));
            }
          } finally {
            forgetModule(fileName);
          }
        }),
        { numRuns: 40, seed: SEED },
      );
    });
  }

  test('edits of a 1,000-task module at the top, middle and bottom, undone and redone', () => {
    let text = generateLargeModule(1000);
    const fileName = 'incremental-large.alamode.ts';
    try {
      buildDocumentModel(text, fileName);
      const shas = [...text.matchAll(/sha: '/g)].map((m) => m.index! + "sha: '".length);
      const sites = [shas[0]!, shas[Math.floor(shas.length / 2)]!, shas[shas.length - 1]!];
      for (const [k, at] of [...sites, ...sites].entries()) {
        const before = text;
        // A character typed, then deleted again (the earlier specs come back: shared objects, memo hits).
        text = `${text.slice(0, at)}${'xyz'[k % 3]}${text.slice(at)}`;
        assert.equal(describeModel(buildDocumentModel(text, fileName)), fromScratch(text));
        text = before;
        assert.equal(describeModel(buildDocumentModel(text, fileName)), fromScratch(text));
      }
    } finally {
      forgetModule(fileName);
    }
  });
});
