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
import { buildDocumentModel } from '../../server/src/model/documentModel';
import { ScratchComparison, describeModel, fromScratch } from './modelRender';
import { generateLargeModule } from './generate';
import { SNIPPETS, fixtures } from './randomEdits';

const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);

const editArb = fc.record({ at: fc.nat(), remove: fc.integer({ min: 0, max: 12 }), insert: fc.constantFrom(...SNIPPETS, '', 'x', '2', "'", 'sha: "q", ') });

describe('incremental document models equal models built from scratch', () => {
  for (const name of ['loops.alamode.ts', 'collage.alamode.ts', 'mutation.alamode.ts', 'values.alamode.ts']) {
    const base = fixtures.find((f) => f.path.endsWith(`/${name}`))!.text;
    test(`random edits of ${name}`, () => {
      const comparison = new ScratchComparison();
      fc.assert(
        fc.property(fc.array(editArb, { minLength: 1, maxLength: 8 }), (edits) => {
          let text = base;
          const fileName = `incremental-${Math.random()}.alamode.ts`;
          try {
            buildDocumentModel(text, fileName);
            for (const e of edits) {
              const at = e.at % (text.length + 1);
              text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
              comparison.assertEqual(describeModel(buildDocumentModel(text, fileName)), fromScratch(text));
            }
          } finally {
            forgetModule(fileName);
          }
        }),
        { numRuns: 40, seed: SEED },
      );
      comparison.assertFewSkipped();
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
