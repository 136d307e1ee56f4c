/**
 * Messages from the module runner (a child process that executes a pipeline module) to the CLI.
 * Sent over node IPC with `serialization: 'advanced'`, so bigints and byte strings survive exactly.
 */
import type { EncodedDag } from '../core/outputIds';
import type { Problem } from '../core/problems';

export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface LocatedProblem {
  readonly problem: Problem;
  readonly at?: SourceLocation;
}

export type RunnerResult =
  | { readonly kind: 'ok'; readonly encoded?: EncodedDag; readonly problems: readonly LocatedProblem[]; readonly taskCount: number }
  | { readonly kind: 'threw'; readonly message: string; readonly at?: SourceLocation }
  | { readonly kind: 'no-dag'; readonly exported: string };
