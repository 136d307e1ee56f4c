/**
 * The analysis' budgets: steps (statements and calls), operations (expressions and the work of
 * built-ins), and time, shared by everything one analysis evaluates, so that no text can stall the
 * server. Spending one stops the evaluation with a {@link LimitSignal}; smaller limits (a loop's
 * iterations, call depth, string and array sizes) are checked where they apply.
 */
import type ts from 'typescript';
import type { UnknownValue } from './types';

/** Every budget of one analysis (tests lower them to exercise the limits). */
export interface Limits {
  readonly maxSteps: number;
  readonly maxOps: number;
  readonly maxLoopIterations: number;
  readonly maxCallDepth: number;
  readonly maxStringLength: number;
  readonly maxArrayLength: number;
  readonly deadlineMs: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxSteps: 100_000,
  maxOps: 3_000_000,
  maxLoopIterations: 10_000,
  maxCallDepth: 64,
  maxStringLength: 1_000_000,
  maxArrayLength: 100_000,
  deadlineMs: 1_000,
};

/** A budget shared by the whole analysis (steps, operations, time) is spent: the evaluation stops here. */
export class LimitSignal {
  constructor(readonly why: UnknownValue) {}
}

/** How many operations between two looks at the clock. */
const CHECK_STRIDE = 4096;

/** The counters of the analysis-wide budgets. `spend` reports where one ran out and throws a {@link LimitSignal}. */
export class Budget {
  steps = 0;
  ops = 0;
  /** When `ops` reaches this, the operations and time budgets are checked (the hot path is one comparison). */
  nextCheck = CHECK_STRIDE;
  /** Set once a budget stopped the evaluation (every Dag is then tainted). */
  spent = false;
  private readonly deadline: number;

  /** `started`: when the analysis began (reading the modules it imports counts too). */
  constructor(readonly limits: Limits, private readonly spend: (node: ts.Node, reason: string) => never, started = performance.now()) {
    this.deadline = started + limits.deadlineMs;
  }

  step(node: ts.Node): void {
    if (++this.steps > this.limits.maxSteps) this.exhausted(node, `the module runs more than ${this.limits.maxSteps.toLocaleString('en-US')} steps`);
  }

  /** Charges `n` operations. */
  charge(n: number, node: ts.Node): void {
    this.ops += n;
    if (this.ops >= this.nextCheck) this.check(node);
  }

  check(node: ts.Node): void {
    if (this.ops > this.limits.maxOps) this.exhausted(node, `it takes more than ${this.limits.maxOps.toLocaleString('en-US')} operations to evaluate`);
    if (this.pastDeadline()) this.exhausted(node, `it takes more than ${this.limits.deadlineMs} ms to evaluate`);
    this.nextCheck = this.ops + CHECK_STRIDE;
  }

  /** Whether the time budget is spent (the materialiser, which runs after the evaluation, shares it). */
  pastDeadline(): boolean {
    return performance.now() > this.deadline;
  }

  private exhausted(node: ts.Node, reason: string): never {
    this.spent = true;
    return this.spend(node, reason);
  }
}
