/**
 * The invalidation panel's webview script (bundled for the browser, no Node, no vscode module).
 * It draws what the extension sends: counts, tasks with their differences, and the DAG laid out with
 * dagre here, in the webview's own thread, so a large layout never blocks the extension host.
 *
 * The DOM carries stable ids, classes and data attributes (`#counts`, `.task[data-task][data-status]`,
 * `#graph .node`, `#panel[data-version]`) because integration tests read it through the browser.
 */
import { graphlib, layout } from '@dagrejs/dagre';
import type { WireValue } from '../../../server/src/protocol';
import type { FromPanel, GraphInfo, PanelTask, PanelView, RenderedInfo, ToPanel } from '../panelProtocol';

interface SavedState {
  readonly view?: PanelView;
  readonly unchangedOpen?: boolean;
  readonly scrollY?: number;
  /** The pipeline (URI) whose whole task list was asked for. */
  readonly showAll?: string;
}

interface VsCodeApi {
  postMessage(message: FromPanel): void;
  getState(): SavedState | undefined;
  setState(state: SavedState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

type Status = PanelTask['status'];
type TaskDiff = PanelTask;
type NodeStatus = Status | 'unknown';

const vscode = acquireVsCodeApi();
const root = document.getElementById('panel')!;

/** The order statuses are counted and listed in: what needs attention first. */
const STATUS_ORDER: readonly Status[] = ['changed', 'invalidated', 'added', 'removed', 'renamed', 'unchanged'];
/** Tasks listed at first; a root edit can invalidate thousands, and the rest come on request. */
const LIST_LIMIT = 200;
/** Statuses whose tasks make up the "affected" subgraph drawn for large DAGs. */
const AFFECTED: ReadonlySet<NodeStatus> = new Set(['changed', 'invalidated', 'added', 'renamed']);

let saved: SavedState = vscode.getState() ?? {};

// ---------------------------------------------------------------------------------------------
// Messages

window.addEventListener('message', (event: MessageEvent<ToPanel>) => {
  const message = event.data;
  switch (message.type) {
    case 'render':
      render(message.view);
      break;
    case 'busy':
      root.classList.toggle('busy', message.busy);
      break;
  }
});

root.addEventListener('click', (event) => {
  const target = event.target as Element;
  if (target.closest('#show-all') && shown) {
    remember({ showAll: shown.kind === 'diff' ? shown.uri : undefined });
    render(shown);
    return;
  }
  const id = target.closest<HTMLElement>('[data-copy]');
  if (id) {
    event.stopPropagation();
    post({ type: 'copy', text: id.dataset.copy!, what: id.dataset.copyWhat ?? 'the ID' });
    return;
  }
  const open = target.closest<HTMLElement>('[data-open]');
  if (open) {
    post({ type: 'open', uri: open.dataset.open! });
    return;
  }
  const task = target.closest<HTMLElement | SVGElement>('[data-task][data-revealable]');
  if (task) post(revealMessage(task));
});

/** Reveal a task; in the affected view, in the pipeline whose section it is listed in. */
function revealMessage(task: HTMLElement | SVGElement): FromPanel {
  const pipeline = task.closest<HTMLElement>('[data-pipeline]')?.dataset.pipeline;
  return { type: 'reveal', task: task.dataset.task!, ...(pipeline ? { pipeline } : {}) };
}

root.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  const open = (event.target as Element).closest<HTMLElement>('[data-open]');
  if (open) {
    event.preventDefault();
    post({ type: 'open', uri: open.dataset.open! });
    return;
  }
  const task = (event.target as Element).closest<HTMLElement>('[data-task][data-revealable]');
  if (!task) return;
  event.preventDefault();
  post(revealMessage(task));
});

root.addEventListener('toggle', (event) => {
  const details = event.target as HTMLDetailsElement;
  if (details.id !== 'unchanged') return;
  if (details.open) fillUnchanged(details);
  remember({ unchangedOpen: details.open });
}, true);

window.addEventListener('scroll', () => remember({ scrollY: window.scrollY }), { passive: true });

function post(message: FromPanel): void {
  vscode.postMessage(message);
}

function remember(patch: SavedState): void {
  saved = { ...saved, ...patch };
  vscode.setState(saved);
}

// ---------------------------------------------------------------------------------------------
// Rendering

let shown: PanelView | undefined;

function render(view: PanelView): void {
  shown = view;
  remember({ view });
  root.classList.remove('busy');
  root.dataset.kind = view.kind;
  if (view.kind === 'diff') {
    root.dataset.uri = view.uri;
    root.dataset.version = String(view.result.version);
  } else {
    delete root.dataset.version;
    if (view.kind === 'empty') delete root.dataset.uri;
    else root.dataset.uri = view.uri;
  }

  switch (view.kind) {
    case 'empty':
      root.innerHTML = `<p class="placeholder" id="message">${esc(view.message)}</p>`;
      return done({ kind: view.kind, listed: 0 });
    case 'unavailable':
      root.innerHTML = `${header(view.fileName)}<div id="reason" class="notice"><strong>Nothing to compare with:</strong> ${esc(view.reason)}</div>
        <p class="hint">The panel compares the pipeline with its last commit: the committed <code>.dag</code> beside it, or else the module as committed.</p>`;
      return done({ kind: view.kind, uri: view.uri, listed: 0 });
    case 'error':
      root.innerHTML = `${header(view.fileName)}<div id="reason" class="notice error">The language server could not answer: ${esc(view.message)}</div>`;
      return done({ kind: view.kind, uri: view.uri, listed: 0 });
    case 'diff':
      return renderDiff(view);
    case 'affected':
      return renderAffected(view);
  }
}

function header(fileName: string, base?: string): string {
  return `<header id="header">
    <div class="title-row"><span id="file" title="${esc(fileName)}">${esc(fileName)}</span></div>
    ${base !== undefined ? `<div id="base">compared with <code id="base-label">${esc(base)}</code></div>` : ''}
  </header>`;
}

function renderDiff(view: Extract<PanelView, { kind: 'diff' }>): void {
  const { result } = view;
  const { diff } = result;
  // What needs attention first: by status, then invalidated tasks nearest the change first, then by name
  // (numbers in names in numeric order: step2 before step10).
  const affectedList = diff.tasks.filter((t) => t.status !== 'unchanged');
  affectedList.sort(
    (a, b) =>
      STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
      chainLength(a) - chainLength(b) ||
      naturalOrder.compare(a.name, b.name),
  );
  const listLimit = saved.showAll === view.uri ? Infinity : LIST_LIMIT;
  const defined: Defined = new Set(result.defined);
  const unchangedCount = diff.counts.unchanged;

  // First: it also says, for the list below, which tasks are built and which will run.
  const cost = costSection(result);

  const counts = STATUS_ORDER.map(
    (s) => `<span class="count" data-status="${s}" data-count="${diff.counts[s]}"${diff.counts[s] === 0 ? ' data-zero' : ''}><i class="swatch"></i><b>${diff.counts[s]}</b> ${s}</span>`,
  ).join('');

  const unknown = result.unknown.length
    ? `<section id="unknown" class="notice" data-count="${result.unknown.length}">
        <h2>${result.unknown.length === 1 ? '1 task has' : `${fmt(result.unknown.length)} tasks have`} no output: left out</h2>
        <ul>${result.unknown.map((u) => `<li data-task="${esc(u.name)}" data-revealable data-reason="${esc(u.reason)}" tabindex="0"><span class="name">${esc(u.name)}</span> — ${esc(u.reason)}</li>`).join('')}</ul>
      </section>`
    : '';

  const meta = diff.meta.length
    ? `<section id="meta"><h2>Meta</h2><ul class="changes">${diff.meta.map(changeItem).join('')}</ul>
       <p class="hint">Meta does not affect output IDs.</p></section>`
    : '';

  const hidden = affectedList.length - Math.min(listLimit, affectedList.length);
  const tasks = affectedList.length
    ? `<ul id="task-list">${affectedList.slice(0, listLimit).map((t) => taskItem(t, defined)).join('')}</ul>${
        hidden > 0 ? `<button id="show-all" type="button">Show ${fmt(hidden)} more</button>` : ''
      }`
    : `<p id="no-changes" class="placeholder">Nothing to re-run: every known output ID is the same as in the base.</p>`;

  const unchanged = unchangedCount
    ? `<details id="unchanged"${saved.unchangedOpen ? ' open' : ''}><summary>${unchangedCount} unchanged</summary><ul class="unchanged-list"></ul></details>`
    : '';

  root.innerHTML = `${header(view.fileName, result.baseLabel)}
    <section id="counts" aria-label="Counts">${counts}</section>
    ${cost}${unknown}${meta}
    <section id="graph"><h2>DAG</h2><p id="graph-note" class="hint"></p><div id="graph-canvas"></div></section>
    <section id="tasks"><h2>Tasks</h2>${tasks}${unchanged}</section>`;

  const details = root.querySelector<HTMLDetailsElement>('#unchanged');
  if (details?.open) fillUnchanged(details);
  if (saved.scrollY !== undefined) window.scrollTo(0, saved.scrollY);

  // The list is on screen first; the layout follows in the next task so typing never waits for it.
  const version = result.version;
  setTimeout(() => {
    if (shown !== view) return; // A newer view arrived meanwhile.
    const graph = drawGraph(view, root.querySelector('#graph-canvas')!, root.querySelector('#graph-note')!);
    const cost = result.cost ? { willRun: result.cost.willRun.length, reuse: result.cost.reuse.length, estimateMs: result.cost.estimateMs } : undefined;
    done({ kind: 'diff', uri: view.uri, version, counts: diff.counts, listed: Math.min(listLimit, affectedList.length), graph, ...(cost ? { cost } : {}) });
  }, 0);
}

/** Tasks listed per pipeline in the affected view; the pipeline's own view lists them all. */
const AFFECTED_LIST_LIMIT = 50;

/**
 * A file pipelines import is active: each pipeline that reads it, with what the file as it is now does
 * to it compared with its last commit (counts, the affected tasks, why), each one clickable.
 */
function renderAffected(view: Extract<PanelView, { kind: 'affected' }>): void {
  storeByName = new Map();
  const hit = view.pipelines.filter((p) => 'result' in p && p.result.diff.tasks.some((t) => t.status !== 'unchanged'));
  const sections = view.pipelines.map((p) => {
    const link = `<a class="pipeline-link" data-open="${esc(p.uri)}" tabindex="0" title="Open the pipeline">${esc(p.fileName)}</a>`;
    if (!('result' in p)) {
      return `<section class="pipeline" data-pipeline="${esc(p.uri)}" data-status="unavailable"><h3>${link}</h3><p class="notice">${esc(p.reason)}</p></section>`;
    }
    const { diff } = p.result;
    const affected = diff.tasks.filter((t) => t.status !== 'unchanged');
    affected.sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || chainLength(a) - chainLength(b) || naturalOrder.compare(a.name, b.name));
    const counts = STATUS_ORDER.filter((s) => diff.counts[s] > 0).map((s) => `<span class="count" data-status="${s}" data-count="${diff.counts[s]}"><i class="swatch"></i><b>${diff.counts[s]}</b> ${s}</span>`).join('');
    const defined: Defined = new Set(p.result.defined);
    const more = affected.length - Math.min(affected.length, AFFECTED_LIST_LIMIT);
    const list = affected.length
      ? `<ul class="task-list">${affected.slice(0, AFFECTED_LIST_LIMIT).map((t) => taskItem(t, defined)).join('')}</ul>${
          more > 0 ? `<p class="hint">…and ${fmt(more)} more: <a class="pipeline-link" data-open="${esc(p.uri)}" tabindex="0">open the pipeline</a> for all of them.</p>` : ''
        }`
      : '<p class="placeholder">Nothing to re-run here.</p>';
    const unknown = p.result.unknown.length ? `<p class="hint">${fmt(p.result.unknown.length)} task${p.result.unknown.length === 1 ? ' has' : 's have'} no output and ${p.result.unknown.length === 1 ? 'is' : 'are'} left out.</p>` : '';
    return `<section class="pipeline" data-pipeline="${esc(p.uri)}" data-status="${affected.length ? 'affected' : 'unchanged'}">
      <h3>${link}</h3><div class="counts" aria-label="Counts">${counts}</div>
      <div class="hint">compared with <code>${esc(p.result.baseLabel)}</code></div>${unknown}${list}</section>`;
  });
  const skipped = view.skipped ? `<p class="hint">${fmt(view.skipped)} pipeline module${view.skipped === 1 ? '' : 's'} could not be read.</p>` : '';
  root.innerHTML = `${header(view.fileName)}
    <p id="affected-summary" data-pipelines="${view.pipelines.length}" data-affected="${hit.length}">Read by <b>${fmt(view.pipelines.length)}</b> pipeline${view.pipelines.length === 1 ? '' : 's'}; as it is now, it re-keys tasks in <b>${fmt(hit.length)}</b>.</p>
    ${skipped}<div id="affected-pipelines">${sections.join('')}</div>`;
  if (saved.scrollY !== undefined) window.scrollTo(0, saved.scrollY);
  done({ kind: 'affected', uri: view.uri, listed: view.pipelines.length });
}

function done(info: RenderedInfo): void {
  root.dataset.rendered = String(Date.now());
  post({ type: 'rendered', info });
}

/** Unchanged tasks are listed only when asked for: a 3,000-task pipeline has thousands of them. */
function fillUnchanged(details: HTMLDetailsElement): void {
  const list = details.querySelector('ul')!;
  if (list.childElementCount > 0 || shown?.kind !== 'diff') return;
  const defined = new Set(shown.result.defined);
  list.innerHTML = shown.result.diff.tasks
    .filter((t) => t.status === 'unchanged')
    .map((t) => `<li class="task" data-task="${esc(t.name)}" data-status="unchanged"${defined.has(t.name) ? ' data-revealable tabindex="0"' : ''}>
      <span class="name">${esc(t.name)}</span> ${idCode(t.newOutput, t.name)}${storeTag(t.name)}</li>`)
    .join('');
}

type Defined = ReadonlySet<string>;

/** What the store says about each task's current output ID, by name (empty without a store). */
let storeByName = new Map<string, 'reuse' | 'will-run' | 'failed' | 'running'>();

function storeTag(name: string): string {
  const s = storeByName.get(name);
  if (!s) return '';
  const text = { reuse: 'built', 'will-run': 'will run', failed: 'failed', running: 'running' }[s];
  const title = { reuse: 'Its output ID has a success record in the store: it will be reused.', 'will-run': 'No success record for its output ID: it will run.', failed: 'Its last attempt at this output ID failed: it will run.', running: 'Being built now.' }[s];
  return `<span class="store-tag" data-store="${s}" title="${title}">${text}</span>`;
}

/** The store's part: how many tasks will run, roughly how long by their last runs, how many reuse a stored output. */
function costSection(result: Extract<PanelView, { kind: 'diff' }>['result']): string {
  const cost = result.cost;
  storeByName = new Map();
  if (!cost) return '';
  for (const n of cost.reuse) storeByName.set(n, 'reuse');
  for (const t of cost.willRun) storeByName.set(t.name, t.running ? 'running' : t.failed ? 'failed' : 'will-run');
  const n = cost.willRun.length;
  const known = n - cost.unknownDurations;
  const estimate = n === 0 ? ''
    : known === 0 ? ' (no earlier runs to estimate from)'
    : ` (about ${duration(cost.estimateMs)} by ${known === n ? 'their' : `${known} of their`} last runs${cost.unknownDurations ? `; ${cost.unknownDurations} never ran before` : ''})`;
  const runs = n === 0 ? '<b>Nothing</b> will run' : `<b>${fmt(n)}</b> task${n === 1 ? '' : 's'} will run${estimate}`;
  const reuse = `<b>${fmt(cost.reuse.length)}</b> reuse${cost.reuse.length === 1 ? 's' : ''} a stored output`;
  return `<section id="cost" data-will-run="${n}" data-reuse="${cost.reuse.length}" data-estimate-ms="${cost.estimateMs}" title="${esc(`Store: ${cost.store}`)}">
    <h2>Running it</h2><p>${runs} · ${reuse}.</p></section>`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (ms < 950) return ms < 100 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function taskItem(t: TaskDiff, defined: Defined): string {
  const revealable = defined.has(t.name);
  const name = t.status === 'renamed' && t.oldName ? `${esc(t.oldName)} → ${esc(t.name)}` : esc(t.name);
  const ids =
    t.status === 'added'
      ? `<span class="ids">new ${idCode(t.newOutput, t.name)}</span>`
      : t.status === 'removed'
        ? `<span class="ids">was ${idCode(t.oldOutput, t.name)}</span>`
        : `<span class="ids">${idCode(t.oldOutput, t.name)} → ${idCode(t.newOutput, t.name)}</span>`;
  const changes = t.changes?.length ? `<ul class="changes">${t.changes.map(changeItem).join('')}</ul>` : '';
  let why = '';
  if (t.status === 'invalidated' && t.chain?.length) {
    // The core spells out the first hops; a deep pipeline shows those, how many more, and the origin.
    const hops = t.hops ?? t.chain.length;
    const origin = t.origin ?? t.chain.at(-1)!;
    const shown = t.chain.slice(0, 3);
    const links = shown.map((c) => taskLink(c, defined));
    if (hops > shown.length + 1) links.push(`<span class="more">${hops - shown.length - 1} more</span>`);
    if (hops > shown.length) links.push(taskLink(origin, defined));
    why = `<div class="chain" data-chain-length="${hops}" data-origin="${esc(origin)}">via ${links.join(' ← ')}</div>`;
  } else if (t.via?.length) {
    why = `<div class="via">also via ${t.via.map((c) => taskLink(c, defined)).join(', ')}</div>`;
  }
  return `<li class="task" data-task="${esc(t.name)}" data-status="${t.status}"${revealable ? ' data-revealable tabindex="0" title="Show its dag.task call"' : ''}>
    <div class="row"><span class="badge">${t.status}</span><span class="name">${name}</span>${ids}${t.status === 'removed' ? '' : storeTag(t.name)}</div>${changes}${why}</li>`;
}

function taskLink(name: string, defined: Defined): string {
  return defined.has(name) ? `<a class="task-link" data-task="${esc(name)}" data-revealable tabindex="0">${esc(name)}</a>` : `<span class="task-link">${esc(name)}</span>`;
}

function changeItem(c: { readonly path: string; readonly kind: string; readonly old?: WireValue; readonly new?: WireValue }): string {
  const old = c.kind === 'added' ? '<span class="none">(none)</span>' : valueSpan(c.old, 'old');
  const neu = c.kind === 'removed' ? '<span class="none">(none)</span>' : valueSpan(c.new, 'new');
  return `<li class="change" data-path="${esc(c.path)}" data-kind="${c.kind}"><span class="path">${esc(c.path)}</span>: ${old} → ${neu}</li>`;
}

function valueSpan(value: WireValue | undefined, cls: 'old' | 'new'): string {
  const full = formatValue(value);
  const text = full.length > 160 ? `${full.slice(0, 157)}…` : full;
  return `<code class="${cls}" title="${esc(full)}">${esc(text)}</code>`;
}

const HEX64 = /^[0-9a-f]{64}$/;

function formatValue(value: WireValue | undefined): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return HEX64.test(value) ? value.slice(0, 12) : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === '$bigint') return String((value as { $bigint: string }).$bigint);
  if (keys.length === 1 && keys[0] === '$bytes') {
    const hex = (value as { $bytes: string }).$bytes;
    return `<${hex.length / 2} bytes ${hex.slice(0, 16)}${hex.length > 16 ? '…' : ''}>`;
  }
  return `{${keys.map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${formatValue((value as Record<string, WireValue>)[k])}`).join(', ')}}`;
}

function idCode(id: string | undefined, task: string): string {
  if (!id) return '<span class="none">—</span>';
  return `<code class="id" data-copy="${id}" data-copy-what="the output ID of '${esc(task)}'" title="${id} (click to copy)">${id.slice(0, 12)}</code>`;
}

// ---------------------------------------------------------------------------------------------
// The DAG picture

interface Layout {
  readonly width: number;
  readonly height: number;
  readonly nodes: ReadonlyMap<string, { x: number; y: number; width: number; height: number; label: string }>;
  readonly edges: readonly { from: string; to: string; points: readonly { x: number; y: number }[] }[];
}

/** The last layout, reused while the graph's shape stays the same (typing usually changes only IDs). */
let cachedLayout: { key: string; layout: Layout } | undefined;
let resizeObserver: ResizeObserver | undefined;

const NODE_HEIGHT = 24;
const MAX_LABEL = 28;
/**
 * dagre orders nodes with a recursive walk, a few stack frames per level: in Chromium a chain 2,000
 * tasks deep lays out (in 0.4 s) and one 3,000 deep overflows the stack (`npm run bench panel` draws
 * a 2,000-level ladder). Deeper DAGs are not drawn, with half that as a margin; a drawing thousands of
 * levels tall would not be read anyway.
 */
const MAX_DRAWN_DEPTH = 1000;

function drawGraph(view: Extract<PanelView, { kind: 'diff' }>, canvas: HTMLElement, note: HTMLElement): GraphInfo {
  const { result, graphLimit } = view;
  const status = new Map<string, NodeStatus>();
  for (const t of result.diff.tasks) if (t.status !== 'removed') status.set(t.name, t.status);
  for (const u of result.unknown) status.set(u.name, 'unknown');

  const defined = new Set(result.defined);
  const all = new Set<string>(defined);
  for (const e of result.edges) all.add(e.task).add(e.input);
  const total = all.size;
  const statusOf = (n: string): NodeStatus => status.get(n) ?? 'unknown';

  let nodes: Set<string>;
  let mode: GraphInfo['mode'] = 'full';
  if (total === 0) {
    note.textContent = 'The DAG has no tasks.';
    canvas.replaceChildren();
    return { mode: 'none', nodes: 0, edges: 0, total, layoutMs: 0 };
  }
  if (total <= graphLimit) {
    nodes = all;
    note.textContent = '';
  } else {
    // Too many to draw whole: the tasks this change affects, and their direct inputs for context.
    nodes = new Set([...all].filter((n) => AFFECTED.has(statusOf(n))));
    const affected = nodes.size;
    for (const e of result.edges) if (AFFECTED.has(statusOf(e.task))) nodes.add(e.input);
    if (affected === 0) {
      note.textContent = `This change affects no task. The DAG has ${fmt(total)} tasks, more than the ${fmt(graphLimit)} drawn whole, so it is not drawn.`;
      canvas.replaceChildren();
      return { mode: 'none', nodes: 0, edges: 0, total, layoutMs: 0 };
    }
    if (nodes.size > graphLimit) {
      note.textContent = `${fmt(affected)} of ${fmt(total)} tasks are affected: too many to draw (limit ${fmt(graphLimit)}, setting alamode.invalidation.graphLimit). The list below has them all.`;
      canvas.replaceChildren();
      return { mode: 'too-large', nodes: 0, edges: 0, total, layoutMs: 0 };
    }
    mode = 'affected';
    note.textContent = `Showing the ${fmt(affected)} affected tasks and their direct inputs (${fmt(nodes.size)} of ${fmt(total)} tasks).`;
  }

  const edges = result.edges.filter((e) => nodes.has(e.task) && nodes.has(e.input) && e.task !== e.input);
  const names = [...nodes].sort(compare);
  const key = JSON.stringify([names, edges.map((e) => `${e.input}\u0000${e.task}`)]);
  let layoutMs = 0;
  if (cachedLayout?.key !== key) {
    const depth = levels(names, edges);
    if (depth > MAX_DRAWN_DEPTH) {
      note.textContent = `The DAG drawn would be ${fmt(depth)} tasks deep: too deep to draw (at most ${fmt(MAX_DRAWN_DEPTH)} levels). The list below has every affected task.`;
      canvas.replaceChildren();
      return { mode: 'too-deep', nodes: 0, edges: 0, total, layoutMs: 0 };
    }
    const started = performance.now();
    try {
      cachedLayout = { key, layout: computeLayout(names, edges) };
    } catch (error) {
      // A bug or a limit of the layout library must not leave the panel half drawn.
      note.textContent = `The DAG could not be laid out (${error instanceof Error ? error.message : String(error)}). The list below has every affected task.`;
      canvas.replaceChildren();
      return { mode: 'failed', nodes: 0, edges: 0, total, layoutMs: 0 };
    }
    layoutMs = Math.max(1, Math.round(performance.now() - started));
  }
  const lay = cachedLayout.layout;

  // Edges that carried the change into a task (its `via` inputs) are drawn in the status colour.
  const carried = new Set<string>();
  const byName = new Map<string, TaskDiff>();
  for (const t of result.diff.tasks) {
    if (t.status === 'removed') continue;
    byName.set(t.name, t);
    for (const v of t.via ?? []) carried.add(`${v}\u0000${t.name}`);
  }

  const parts: string[] = [];
  parts.push(`<defs>
    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrow" d="M0,0 L10,5 L0,10 z"/></marker>
    <marker id="arrow-carried" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path class="arrow carried" d="M0,0 L10,5 L0,10 z"/></marker>
  </defs>`);
  for (const e of lay.edges) {
    const isCarried = carried.has(`${e.from}\u0000${e.to}`);
    const d = e.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    parts.push(`<path class="edge${isCarried ? ' carried' : ''}" data-from="${esc(e.from)}" data-to="${esc(e.to)}" d="${d}" marker-end="url(#${isCarried ? 'arrow-carried' : 'arrow'})"/>`);
  }
  for (const [name, n] of lay.nodes) {
    const s = statusOf(name);
    const revealable = defined.has(name);
    const t = byName.get(name);
    const tip = [`${name}: ${s}`, t?.oldOutput && t.newOutput && t.oldOutput !== t.newOutput ? `${t.oldOutput.slice(0, 12)} → ${t.newOutput.slice(0, 12)}` : t?.newOutput?.slice(0, 12)]
      .filter(Boolean)
      .join('\n');
    parts.push(`<g class="node" data-task="${esc(name)}" data-status="${s}"${revealable ? ' data-revealable tabindex="0"' : ''} transform="translate(${n.x.toFixed(1)},${n.y.toFixed(1)})">
      <rect x="${(-n.width / 2).toFixed(1)}" y="${(-n.height / 2).toFixed(1)}" width="${n.width.toFixed(1)}" height="${n.height}" rx="4"/>
      <text text-anchor="middle" dy="0.35em">${esc(n.label)}</text><title>${esc(tip)}</title></g>`);
  }
  canvas.innerHTML = `<svg id="dag" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${lay.width.toFixed(0)} ${lay.height.toFixed(0)}" data-mode="${mode}" data-nodes="${lay.nodes.size}" role="img" aria-label="The pipeline's DAG, coloured by status">${parts.join('')}</svg>`;
  fit(canvas, lay);
  resizeObserver?.disconnect();
  resizeObserver = new ResizeObserver(() => fit(canvas, lay));
  resizeObserver.observe(canvas);
  return { mode, nodes: lay.nodes.size, edges: lay.edges.length, total, layoutMs };
}

/** How many levels deep the drawing would be: the longest path, counted without recursion (Kahn's order). */
function levels(names: readonly string[], edges: readonly { task: string; input: string }[]): number {
  const readers = new Map<string, string[]>();
  const pending = new Map<string, number>(names.map((n) => [n, 0]));
  for (const e of edges) {
    readers.get(e.input)?.push(e.task) ?? readers.set(e.input, [e.task]);
    pending.set(e.task, pending.get(e.task)! + 1);
  }
  const level = new Map<string, number>();
  const ready = names.filter((n) => pending.get(n) === 0);
  for (const n of ready) level.set(n, 1);
  let deepest = ready.length > 0 ? 1 : 0;
  for (let i = 0; i < ready.length; i++) {
    const n = ready[i]!;
    const next = level.get(n)! + 1;
    for (const r of readers.get(n) ?? []) {
      if (next > (level.get(r) ?? 0)) level.set(r, next);
      const left = pending.get(r)! - 1;
      pending.set(r, left);
      if (left === 0) {
        ready.push(r);
        deepest = Math.max(deepest, level.get(r)!);
      }
    }
  }
  // Tasks on a cycle, and everything below one, never become ready. dagre breaks the cycle and lays
  // them out below what came before, so count each as one more level: the bound stays safe.
  return deepest + (names.length - ready.length);
}

/** Scales the drawing to the panel's width, but not below a readable size (then it scrolls). */
function fit(canvas: HTMLElement, lay: Layout): void {
  const svg = canvas.querySelector('svg');
  if (!svg) return;
  const available = Math.max(120, canvas.clientWidth - 2);
  const scale = Math.max(0.55, Math.min(1, available / lay.width));
  svg.setAttribute('width', (lay.width * scale).toFixed(0));
  svg.setAttribute('height', (lay.height * scale).toFixed(0));
}

function computeLayout(names: readonly string[], edges: readonly { task: string; input: string }[]): Layout {
  const g = new graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 14, ranksep: 30, edgesep: 8, marginx: 6, marginy: 6 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const name of names) {
    const label = name.length > MAX_LABEL ? `${name.slice(0, MAX_LABEL - 1)}…` : name;
    g.setNode(name, { width: Math.ceil(textWidth(label)) + 18, height: NODE_HEIGHT, label });
  }
  // Data flows from an input to the task that reads it: inputs above, readers below.
  for (const e of edges) g.setEdge(e.input, e.task);
  layout(g);
  const nodes = new Map<string, { x: number; y: number; width: number; height: number; label: string }>();
  for (const name of names) {
    const n = g.node(name) as unknown as { x: number; y: number; width: number; height: number; label: string };
    nodes.set(name, { x: n.x, y: n.y, width: n.width, height: n.height, label: n.label });
  }
  const laidEdges = g.edges().map((e) => ({ from: e.v, to: e.w, points: ((g.edge(e) as { points?: { x: number; y: number }[] }).points ?? []).map((p) => ({ x: p.x, y: p.y })) }));
  const graph = g.graph() as { width?: number; height?: number };
  return { width: Math.max(1, graph.width ?? 1), height: Math.max(1, graph.height ?? 1), nodes, edges: laidEdges };
}

let measure: CanvasRenderingContext2D | null | undefined;

/** Label widths measured in the panel's own font, so boxes fit their names in every theme. */
function textWidth(text: string): number {
  if (measure === undefined) {
    measure = document.createElement('canvas').getContext('2d');
    if (measure) measure.font = `11px ${getComputedStyle(document.body).fontFamily || 'sans-serif'}`;
  }
  return measure ? measure.measureText(text).width : text.length * 6.5;
}

// ---------------------------------------------------------------------------------------------

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function chainLength(t: TaskDiff): number {
  return t.hops ?? t.chain?.length ?? 0;
}

const naturalOrder = new Intl.Collator('en', { numeric: true });

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

// A restored webview (reload, or shown again after being hidden) draws its last view at once.
if (saved.view) render(saved.view);
post({ type: 'ready' });
