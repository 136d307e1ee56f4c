/**
 * Non-local exits of the evaluator, thrown as JS exceptions: an exception of the analysed program
 * (caught by its `try`/`catch`). (A spent budget is a `LimitSignal`, in `budget.ts`.)
 */
import type ts from 'typescript';
import type { Value } from './values';

/** The analysed program throws `value` at `node` (and would, when run). */
export class ThrowSignal {
  constructor(readonly value: Value, readonly node: ts.Node, readonly description: string) {}
}

/**
 * Thrown out of a generator a `for…of` runs through at once (see isolatedGenerators.ts) when it yields
 * something the loop's body could change, or too much: the loop is then not followed that way.
 */
export const NOT_ISOLATED = Symbol('not isolated');

/** What a `for…of` runs through at once yields at most. */
export const MAX_ISOLATED_YIELDS = 10_000;
