/**
 * Non-local exits of the evaluator, thrown as JS exceptions: an exception of the analysed program
 * (caught by its `try`/`catch`), and the end of the analysis when a budget is spent.
 */
import type ts from 'typescript';
import type { UnknownValue } from './types';
import type { Value } from './values';

/** The analysed program throws `value` at `node` (and would, when run). */
export class ThrowSignal {
  constructor(readonly value: Value, readonly node: ts.Node, readonly description: string) {}
}

/** A module-wide budget (steps, operations, time) is spent: the analysis stops here. */
export class LimitSignal {
  constructor(readonly why: UnknownValue) {}
}
