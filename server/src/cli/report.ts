/**
 * How the CLI shows things: problems as `file:line:col: message` lines, diffs as a table, encoded
 * DAGs as JSON with exact integers.
 */
import { relative } from 'node:path';
import type { DagDiff, TaskDiff } from '../core/diff';
import type { EncodedDag } from '../core/outputIds';
import { showValue } from '../core/values';
import { CliError } from './loadModule';
import type { LocatedProblem, RunnerResult } from './protocol';

export function where(at: { file: string; line: number; column: number } | undefined, fallback: string): string {
  return at ? `${relative(process.cwd(), at.file) || at.file}:${at.line}:${at.column}` : fallback;
}

export function describeProblems(problems: readonly LocatedProblem[], label: string): string[] {
  return problems.map(({ problem, at }) => `${where(at, label)}: error: ${problem.message} [${problem.code}]`);
}

/** Why a run produced no DAG at all (it threw, or exported something else), or undefined when it did. */
export function runFailure(result: RunnerResult, label: string): CliError | undefined {
  switch (result.kind) {
    case 'threw':
      return new CliError(`${where(result.at, label)}: the module threw ${result.message}`);
    case 'no-dag':
      return new CliError(`${label}: the default export is ${result.exported}, not a Dag (add \`export default dag\`)`);
    case 'ok':
      return undefined;
  }
}

/** The encoded DAG of a run, or a CliError that says in one line why there is none. */
export function encodedOrThrow(result: RunnerResult, label: string): EncodedDag {
  if (result.kind !== 'ok') throw runFailure(result, label)!;
  if (!result.encoded) {
    const [first] = result.problems;
    const more = result.problems.length > 1 ? ` (and ${result.problems.length - 1} more problem${result.problems.length > 2 ? 's' : ''}: run \`alamode check\`)` : '';
    throw new CliError(first ? `${where(first.at, label)}: ${first.problem.message}${more}` : `${label}: the DAG could not be encoded`);
  }
  return result.encoded;
}

const short = (id: string | undefined) => (id ? id.slice(0, 12) : '');

function detail(t: TaskDiff): string {
  switch (t.status) {
    case 'changed':
      return (t.changes ?? []).map((c) => c.kind === 'modified' ? `${c.path}: ${showValue(c.old!, 40)} → ${showValue(c.new!, 40)}` : `${c.path} ${c.kind}`).join('; ');
    case 'invalidated':
      return `via ${(t.via ?? []).join(', ')}${t.chain && t.chain.length > 1 ? ` (chain: ${t.chain.join(' ← ')})` : ''}`;
    case 'renamed':
      return `was '${t.oldName}'${t.oldOutput === t.newOutput ? ', same output' : ''}`;
    default:
      return '';
  }
}

/** A readable table: one row per task that is not unchanged (all rows with `all`), then the counts. */
export function diffTable(diff: DagDiff, all: boolean): string {
  const rows = diff.tasks.filter((t) => all || t.status !== 'unchanged');
  // A loop, not Math.max(...rows): spreading 200k arguments overflows the stack (issue 11).
  let nameWidth = 4;
  for (const t of rows) nameWidth = Math.max(nameWidth, t.name.length);
  const lines = rows.map((t) => {
    const ids = t.status === 'added' ? `${''.padEnd(12)}   ${short(t.newOutput)}`
      : t.status === 'removed' ? `${short(t.oldOutput)}   ${''.padEnd(12)}`
      : t.oldOutput === t.newOutput ? `${short(t.oldOutput)}   ${''.padEnd(12)}`
      : `${short(t.oldOutput)} → ${short(t.newOutput)}`;
    return `${t.status.padEnd(11)}  ${t.name.padEnd(nameWidth)}  ${ids}  ${detail(t)}`.trimEnd();
  });
  for (const m of diff.meta) lines.push(`meta         ${m.path}: ${m.kind === 'modified' ? `${showValue(m.old!, 40)} → ${showValue(m.new!, 40)}` : m.kind}`);
  const c = diff.counts;
  lines.push(`${c.changed} changed, ${c.invalidated} invalidated, ${c.added} added, ${c.removed} removed, ${c.renamed} renamed, ${c.unchanged} unchanged`);
  return lines.join('\n');
}
