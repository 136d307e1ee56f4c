/**
 * What can be wrong with a DAG, as data. Each problem carries what an editor needs to place it (the
 * task, the key path, the edge) and a message a user can act on. The runtime turns these into thrown
 * errors; the language server turns them into diagnostics; the CLI prints them.
 */
import { formatPath, type PathSegment } from './values';

export type ProblemCode = 'cycle' | 'missing-input' | 'duplicate-task' | 'invalid-value' | 'reserved-key';

/** An input edge: `task.addDep(input)`. */
export interface Edge {
  readonly task: string;
  readonly input: string;
}

interface ProblemBase {
  readonly code: ProblemCode;
  readonly message: string;
}

export interface CycleProblem extends ProblemBase {
  readonly code: 'cycle';
  /** The cycle in data-flow order, first task repeated at the end: `['a', 'c', 'b', 'a']` means a feeds c, c feeds b, b feeds a. */
  readonly cycle: readonly string[];
  /** The `addDep` edges that close the cycle, one per arrow. */
  readonly edges: readonly Edge[];
}

export interface MissingInputProblem extends ProblemBase {
  readonly code: 'missing-input';
  readonly task: string;
  readonly input: string;
  /** A defined task whose name is close to the missing one, if any. */
  readonly suggestion?: string;
}

export interface DuplicateTaskProblem extends ProblemBase {
  readonly code: 'duplicate-task';
  readonly task: string;
  /** Indexes (in definition order) of every definition with this name. */
  readonly definitions: readonly number[];
}

export interface InvalidValueProblem extends ProblemBase {
  readonly code: 'invalid-value';
  /** Undefined for the DAG's meta. */
  readonly task?: string;
  /** Index of the definition, for tasks. */
  readonly definition?: number;
  /** Path below the spec (or meta). Empty when the spec itself is not a dict. */
  readonly path: readonly PathSegment[];
}

export interface ReservedKeyProblem extends ProblemBase {
  readonly code: 'reserved-key';
  readonly task: string;
  readonly definition: number;
  readonly key: 'inputs' | 'output';
}

export type Problem = CycleProblem | MissingInputProblem | DuplicateTaskProblem | InvalidValueProblem | ReservedKeyProblem;

export const messages = {
  cycle: (cycle: readonly string[]) => `cycle: ${cycle.join(' → ')} (each arrow is an input: no task in a cycle can have an output)`,
  missingInput: (task: string, input: string, suggestion?: string) =>
    `task '${task}': input '${input}' names no task${suggestion ? ` (did you mean '${suggestion}'?)` : ''}`,
  duplicateTask: (task: string, count: number) =>
    `task '${task}' is defined ${count} times; task names must be unique`,
  invalidValue: (task: string | undefined, path: readonly PathSegment[], shown: string, reason: string) =>
    `${task === undefined ? 'dag meta' : `task '${task}'`}: ${formatPath(task === undefined ? 'meta' : 'spec', path)} is ${shown}, but ${reason}`,
  specNotDict: (task: string, shown: string) =>
    `task '${task}': the spec is ${shown}, but it must be a plain object of fields`,
  nameNotUtf8: (task: string) =>
    `task ${JSON.stringify(task)}: the name holds a lone UTF-16 surrogate, which has no UTF-8 encoding (fix the name)`,
  metaNotDict: (shown: string) => `dag meta is ${shown}, but it must be a plain object of fields`,
  reservedKey: (task: string, key: string) =>
    `task '${task}': spec.${key} is reserved: the encoded task's '${key}' is computed${key === 'inputs' ? ' from addDep(...)' : ' from the spec and inputs'} (rename the field)`,
};

/** Edit distance, for "did you mean" suggestions on missing inputs. */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - name.length) >= bestDistance) continue;
    const d = editDistance(name, c, bestDistance);
    if (d < bestDistance) {
      bestDistance = d;
      best = c;
    }
  }
  return best;
}

function editDistance(a: string, b: string, cap: number): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin >= cap) return cap;
    prev = cur;
  }
  return prev[b.length]!;
}
