/**
 * The messages between the extension and the invalidation panel's webview, both ways, and the one
 * pure function that shapes a diff for the panel. The webview bundle imports this file too, so it
 * must not pull in `vscode` or the LSP libraries (the benchmark drives the webview with it as well).
 */
import type { DiffRequest } from '../../server/src/protocol';

export type DiffResult = Extract<DiffRequest.Result, { kind: 'diff' }>;

/** A task as the panel gets it (an invalidated task's `chain` is the core's capped prefix, with `origin` and `hops`). */
export type PanelTask = DiffResult['diff']['tasks'][number];

/**
 * The diff as the panel gets it. Source ranges stay in the extension (which does the revealing); the
 * webview only needs to know which tasks are defined in the module. Unchanged tasks carry one ID.
 */
export type PanelDiff = Omit<DiffResult, 'diff' | 'ranges'> & {
  readonly diff: Omit<DiffResult['diff'], 'tasks'> & { readonly tasks: readonly PanelTask[] };
  /** Tasks defined in the module (so a click can reveal their `dag.task` call). */
  readonly defined: readonly string[];
};

/** What the panel shows: everything it needs, so a restored webview can draw it again from its state. */
export type PanelView =
  /** No pipeline module is open. */
  | { readonly kind: 'empty'; readonly message: string }
  /** A pipeline is open but there is nothing to compare with (not in git, nothing committed, …). */
  | { readonly kind: 'unavailable'; readonly uri: string; readonly fileName: string; readonly reason: string }
  /** The request itself failed (the server is down, restarting, …). */
  | { readonly kind: 'error'; readonly uri: string; readonly fileName: string; readonly message: string }
  | {
      readonly kind: 'diff';
      readonly uri: string;
      readonly fileName: string;
      readonly result: PanelDiff;
      /** Above this many tasks, only the affected part of the DAG is drawn (`alamode.invalidation.graphLimit`). */
      readonly graphLimit: number;
    }
  /** A file pipelines import (a shared helper, a JSON list) is active: what it does to each pipeline that reads it. */
  | {
      readonly kind: 'affected';
      readonly uri: string;
      readonly fileName: string;
      /** The pipelines that read the file, each with its diff (or why there is none). */
      readonly pipelines: readonly AffectedPipeline[];
      /** Pipeline modules of the workspace that could not be read. */
      readonly skipped: number;
    };

export type AffectedPipeline =
  | { readonly uri: string; readonly fileName: string; readonly result: PanelDiff }
  | { readonly uri: string; readonly fileName: string; readonly reason: string };

/** Extension → webview. */
export type ToPanel =
  | { readonly type: 'render'; readonly view: PanelView }
  /** A newer answer is on its way (typing, a new editor): the panel dims what it shows. */
  | { readonly type: 'busy'; readonly busy: boolean };

/** How the graph was drawn, as the webview reports it back (for the status line and for tests). */
export interface GraphInfo {
  /**
   * `full`: every task; `affected`: the affected tasks and their direct inputs; `none`: nothing to draw;
   * not drawn: `too-large` (more tasks than the limit), `too-deep` (more levels than the layout can
   * take), `failed` (the layout threw).
   */
  readonly mode: 'full' | 'affected' | 'none' | 'too-large' | 'too-deep' | 'failed';
  readonly nodes: number;
  readonly edges: number;
  /** Tasks in the DAG. */
  readonly total: number;
  /** Milliseconds the layout took (0 when a cached layout was reused). */
  readonly layoutMs: number;
}

export interface RenderedInfo {
  readonly kind: PanelView['kind'];
  readonly uri?: string;
  readonly version?: number;
  readonly counts?: DiffResult['diff']['counts'];
  /** Tasks listed (excluding the collapsed unchanged ones). */
  readonly listed: number;
  readonly graph?: GraphInfo;
  /** The store's part, when the pipeline's store exists. */
  readonly cost?: { readonly willRun: number; readonly reuse: number; readonly estimateMs: number };
}

/** Webview → extension. */
export type FromPanel =
  /** The webview's script is running and wants the current view. */
  | { readonly type: 'ready' }
  /** Reveal a task's `dag.task(` call in the editor (of `pipeline`, a URI, in the affected view). */
  | { readonly type: 'reveal'; readonly task: string; readonly pipeline?: string }
  /** Open a pipeline module (from the affected view). */
  | { readonly type: 'open'; readonly uri: string }
  | { readonly type: 'copy'; readonly text: string; readonly what: string }
  /** The webview has drawn a view. */
  | { readonly type: 'rendered'; readonly info: RenderedInfo };

/** The diff as the webview needs it (see {@link PanelDiff}): unchanged tasks carry one ID. */
export function forPanel(result: DiffResult): PanelDiff {
  const tasks = result.diff.tasks.map((t) =>
    t.status === 'unchanged' ? { status: t.status, name: t.name, ...(t.newOutput ? { newOutput: t.newOutput } : {}) } : t,
  );
  const { ranges, ...rest } = result;
  return { ...rest, diff: { ...result.diff, tasks }, defined: Object.keys(ranges) };
}
