/**
 * Branches on a value the analysis cannot decide: each is evaluated speculatively with a journal (see
 * `speculation.ts`) and the outcomes merged; when that is not possible, the branches are havocked.
 */
import ts from 'typescript';
import { UnknownValue } from '../types';
import {
  Opaque,
  Scope,
  nextSerial,
  reachOf,
  type Value,
} from '../values';
import { ThrowSignal } from '../signals';
import { Journal, mergeBranches, type Branch } from '../speculation';
import { MAX_SPECULATION_DEPTH, type Interpreter } from '../realm';

/**
 * Evaluates each branch speculatively and merges what they did (see speculation.ts). Returns their
 * results, and the mapping of tasks they made to the merged ones; or undefined when a branch did
 * something the merge cannot follow (it threw, or `accept` refused its result), in which case none of
 * them left anything behind and the caller havocs them instead.
 */
export function speculate<T>(ev: Interpreter, branches: readonly (() => T)[], accept: (r: T) => boolean, why: UnknownValue, onlyIf: UnknownValue): { results: T[]; map: (v: Value) => Value } | undefined {
  if (ev.journals.length >= MAX_SPECULATION_DEPTH) return undefined;
  const startSerial = nextSerial();
  const done: Branch<T>[] = [];
  for (const run of branches) {
    const journal = new Journal(startSerial, ev.builtinsPatched);
    ev.journals.push(journal);
    let result: T | undefined;
    let ok: boolean;
    try {
      result = run();
      ok = accept(result);
    } catch (e) {
      if (!(e instanceof ThrowSignal)) {
        // The analysis stops, or unwinds a statement nested too deeply: leave nothing of the branch.
        journal.undo();
        ev.builtinsPatched = journal.builtinsPatched;
        ev.journals.pop();
        throw e;
      }
      ok = false;
    }
    const after = journal.outcome();
    const patched = ev.builtinsPatched;
    journal.undo();
    ev.builtinsPatched = journal.builtinsPatched;
    ev.journals.pop();
    if (!ok) {
      // Undo the branches already done as well: their journals restored them; nothing to merge.
      return undefined;
    }
    done.push({ before: journal, after, builtinsPatched: patched, result: result as T });
  }
  const map = mergeBranches(ev, done, startSerial, why, onlyIf);
  return { results: done.map((d) => d.result), map };
}

/** The merged value of an expression evaluated on several branches. */
export function mergedValue(_ev: Interpreter, values: readonly Value[], map: (v: Value) => Value, why: UnknownValue): Value {
  const mapped = values.map(map);
  const first = mapped[0];
  return mapped.every((v) => Object.is(v, first)) ? first : new Opaque(why, reachOf(mapped));
}

/**
 * An expression whose value is one of `branches`, which one decided by the unknown `cond`: each is
 * evaluated speculatively and the results merged (havocked when that is not possible).
 */
export function eitherWay(ev: Interpreter, cond: Opaque, condNode: ts.Node, branches: readonly (() => Value)[], nodes: readonly ts.Node[], scope: Scope): Value {
  const why = cond.unknown;
  const onlyIf = ev.conditionUnknown(cond, condNode, 'it is made on one branch only, and which branch runs is not static');
  const done = speculate(ev, branches, () => true, why, onlyIf);
  if (done) return mergedValue(ev, done.results, done.map, why);
  const reach = ev.havoc(nodes, scope, why);
  return new Opaque(why, [...cond.reach, ...reach]);
}
