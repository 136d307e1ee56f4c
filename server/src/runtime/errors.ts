/**
 * Typed errors thrown by the runtime when a DAG cannot be encoded. Each carries the core's problem
 * (task, key path, cycle) so a caller can react to the kind, and a message a user can act on.
 */
import type { CycleProblem, DuplicateTaskProblem, InvalidValueProblem, MissingInputProblem, Problem, ReservedKeyProblem } from '../core/problems';

/** Base class of every error the `a-la-mode` runtime throws for a bad DAG. */
export class AlamodeError extends Error {
  override name = 'AlamodeError';
  /** Every problem found in the DAG, this one first. */
  problems: readonly Problem[] = [];
  constructor(readonly problem: Problem) {
    super(problem.message);
  }
}

export class CycleError extends AlamodeError {
  override name = 'CycleError';
  declare readonly problem: CycleProblem;
  get cycle(): readonly string[] { return this.problem.cycle; }
}

export class MissingInputError extends AlamodeError {
  override name = 'MissingInputError';
  declare readonly problem: MissingInputProblem;
}

export class DuplicateTaskError extends AlamodeError {
  override name = 'DuplicateTaskError';
  declare readonly problem: DuplicateTaskProblem;
}

export class InvalidValueError extends AlamodeError {
  override name = 'InvalidValueError';
  declare readonly problem: InvalidValueProblem;
}

export class ReservedKeyError extends AlamodeError {
  override name = 'ReservedKeyError';
  declare readonly problem: ReservedKeyProblem;
}

/** The typed error for a problem, carrying all of the DAG's problems. */
export function errorFor(problem: Problem, all: readonly Problem[]): AlamodeError {
  const error = (() => {
    switch (problem.code) {
      case 'cycle': return new CycleError(problem);
      case 'missing-input': return new MissingInputError(problem);
      case 'duplicate-task': return new DuplicateTaskError(problem);
      case 'invalid-value': return new InvalidValueError(problem);
      case 'reserved-key': return new ReservedKeyError(problem);
    }
  })();
  error.problems = all;
  return error;
}
