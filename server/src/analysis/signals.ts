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
