/**
 * How the CLI shows things: problems as `file:line:col: message` lines, diffs as a table, encoded
 * DAGs as JSON with exact integers.
 */
import { relative } from 'node:path';
import type { DagDiff, TaskDiff } from '../core/diff';
import type { EncodedDag } from '../core/outputIds';
import { showChange } from '../core/values';
import { CliError } from './loadModule';
import type { LocatedProblem, RunnerResult } from './protocol';
import type { ModuleDiff, RepositoryDiff } from './repository';

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
      return (t.changes ?? []).map((c) => c.kind === 'modified' ? `${c.path}: ${showChange(c.old!, c.new!).join(' → ')}` : `${c.path} ${c.kind}`).join('; ');
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
  for (const m of diff.meta) lines.push(`meta         ${m.path}: ${m.kind === 'modified' ? showChange(m.old!, m.new!).join(' → ') : m.kind}`);
  const c = diff.counts;
  lines.push(`${c.changed} changed, ${c.invalidated} invalidated, ${c.added} added, ${c.removed} removed, ${c.renamed} renamed, ${c.unchanged} unchanged`);
  return lines.join('\n');
}

const COUNT_ORDER = ['changed', 'invalidated', 'added', 'removed', 'renamed', 'unchanged'] as const;

function countsLine(diff: DagDiff): string {
  const c = diff.counts;
  return `${c.changed} changed, ${c.invalidated} invalidated, ${c.added} added, ${c.removed} removed, ${c.renamed} renamed, ${c.unchanged} unchanged`;
}

const affected = (m: ModuleDiff) => m.status !== 'unchanged';

function repositorySummary(repo: RepositoryDiff): string {
  const hit = repo.modules.filter(affected).length;
  const errors = repo.modules.filter((m) => m.status === 'error').length;
  const total = (status: (typeof COUNT_ORDER)[number]) => repo.modules.reduce((n, m) => n + (m.diff?.counts[status] ?? 0), 0);
  const tasks = COUNT_ORDER.slice(0, -1).map((s) => `${total(s)} ${s}`).join(', ');
  return `${hit} of ${repo.modules.length} pipeline${repo.modules.length === 1 ? '' : 's'} affected, compared with ${repo.base}: ${tasks}${errors ? `; ${errors} could not be run` : ''}`;
}

/** A section per affected module (per module with `all`): its status, its task table. */
export function repositoryTable(repo: RepositoryDiff, all: boolean): string {
  const sections: string[] = [];
  for (const m of repo.modules) {
    if (!all && !affected(m)) continue;
    if (m.status === 'error') {
      sections.push(`${m.module}: error: ${m.error}`);
      continue;
    }
    const heading = m.status === 'added' ? `${m.module} (new pipeline)` : m.status === 'removed' ? `${m.module} (pipeline removed)` : m.module;
    const table = diffTable(m.diff!, all).split('\n').map((l) => `  ${l}`).join('\n');
    sections.push(`${heading}\n${table}`);
  }
  sections.push(repositorySummary(repo));
  return sections.join('\n\n');
}

/** Text for a Markdown table cell: no line breaks, pipes escaped, code spans safe. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/\|/g, '\\|');
}

/** `text` as inline code, with a fence long enough for the backticks inside it. */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return cell(`${fence}${pad}${text}${pad}${fence}`);
}

/** Rows listed per pipeline in a Markdown summary; a pull-request comment has a size limit. */
export const MARKDOWN_TASK_LIMIT = 100;

/** A summary ready to paste as a pull-request comment: counts per pipeline, then each one's tasks. */
export function repositoryMarkdown(repo: RepositoryDiff): string {
  const out: string[] = ['### A La Mode: what this change invalidates', '', `${repositorySummary(repo)}.`, ''];
  const hit = repo.modules.filter(affected);
  if (hit.length === 0) {
    out.push('Every output ID is the same: nothing needs to run again.');
    return out.join('\n');
  }
  out.push(`| pipeline | ${COUNT_ORDER.join(' | ')} |`, `| --- |${COUNT_ORDER.map(() => ' ---: |').join('')}`);
  for (const m of hit) {
    const name = `${code(m.module)}${m.status === 'added' ? ' (new)' : m.status === 'removed' ? ' (removed)' : ''}`;
    if (m.status === 'error') out.push(`| ${name} | ${cell(`error: ${m.error}`)} |${COUNT_ORDER.slice(1).map(() => ' |').join('')}`);
    else out.push(`| ${name} | ${COUNT_ORDER.map((s) => m.diff!.counts[s]).join(' | ')} |`);
  }
  for (const m of hit) {
    if (m.status === 'error') continue;
    const diff = m.diff!;
    const rows = diff.tasks.filter((t) => t.status !== 'unchanged');
    out.push('', `<details><summary>${m.module.replace(/&/g, '&amp;').replace(/</g, '&lt;')}: ${countsLine(diff)}</summary>`, '');
    if (rows.length > 0) {
      out.push('| task | status | output | why |', '| --- | --- | --- | --- |');
      for (const t of rows.slice(0, MARKDOWN_TASK_LIMIT)) {
        const ids = t.status === 'added' ? `→ ${code(short(t.newOutput))}`
          : t.status === 'removed' ? `${code(short(t.oldOutput))} →`
          : t.oldOutput === t.newOutput ? code(short(t.newOutput))
          : `${code(short(t.oldOutput))} → ${code(short(t.newOutput))}`;
        out.push(`| ${code(t.name)} | ${t.status} | ${ids} | ${cell(detail(t))} |`);
      }
      if (rows.length > MARKDOWN_TASK_LIMIT) out.push('', `…and ${rows.length - MARKDOWN_TASK_LIMIT} more (\`alamode diff\` lists them all).`);
    }
    for (const c of diff.meta) out.push('', `meta ${code(c.path)} ${c.kind}${c.kind === 'modified' ? `: ${cell(showChange(c.old!, c.new!).join(' → '))}` : ''}`);
    out.push('', '</details>');
  }
  return out.join('\n');
}
