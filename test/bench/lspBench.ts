/**
 * The language server over the LSP, against the built server in its own process over stdio, as an
 * editor drives it (issue 10). On the 3,001-task module: first lenses after open; edit → lenses with
 * edits at the top, middle and bottom, sent as incremental and as full-text changes (with
 * `codeLens/resolve`, the lenses on screen are resolved too, as VS Code does); hovers on a settled
 * version and while edits arrive; the server's memory. Beside it, in the same run: tsserver's edit →
 * semantic diagnostics on the same file and the ratio, the floor (bencode + sha256 of every task
 * alone), the 1k/3k/10k curve, and a workspace of 200 pipelines and 50 shared helpers.
 *
 * `npm run bench lsp [quick|sizes]`: `quick` runs only the 3,001-task module's latencies (no tsserver,
 * curve or workspace); `sizes` only the curve. BENCH_NODE_FLAGS passes flags to the server's node, e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`; BENCH_SERVER runs another build of the server (a copy of
 * `server/out/languageServer.cjs` from before a change, to compare the two under the same load);
 * BENCH_LENSES=full asks for every lens with its title in the list (as a client that does not resolve);
 * BENCH_SITES=middle (or top, bottom, comma-separated) edits only there. Servers run with
 * ALAMODE_LENS_MEMORY=off, so the analysis is what is measured, except in the rows that say
 * "remembered" (the same text reopened: lenses recalled from the last server, see lensMemory.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRequest,
  CodeLensResolveRequest,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  HoverRequest,
  LSPErrorCodes,
  ResponseError,
  type CodeLens,
  type ProtocolConnection,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver-protocol/node';
import { generateLargeModule } from '../analysis/generate';
import { buildDocumentModel } from '../../server/src/model/documentModel';
import { encodeWithKey } from '../../server/src/core/bencode';
import { sha256Hex } from '../../server/src/core/outputIds';
import type { BencodeDict } from '../../server/src/core/values';
import { tsProject, tsserverEditToDiagnostics } from './tsserver';
import { startServerProcess } from '../support/serverProcess';
import { writeWorkspace } from './workspace';

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
const p50 = (xs: number[]) => percentile(xs, 0.5);
const p90 = (xs: number[]) => percentile(xs, 0.9);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

function memoryMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

export interface BenchServer {
  readonly connection: ProtocolConnection;
  readonly server: ChildProcess;
  /** Whether the server resolves lenses (`codeLens/resolve`): then only those on screen carry titles. */
  readonly resolvesLenses: boolean;
  /** Resolves with the first message in the server's log that matches. */
  logged(pattern: RegExp): Promise<string>;
  stop(): Promise<void>;
}

/**
 * The bench speaks as the VS Code client does: it says it resolves only the lenses on screen
 * (`initializationOptions.resolveLenses`). BENCH_LENSES=full speaks as a client that wants every title
 * in the list (Neovim, and clients that do not say so).
 */
const FULL_LENSES = process.env.BENCH_LENSES === 'full';

/**
 * The built server in its own process, initialised, over stdio, started as the VS Code client starts
 * it, plus BENCH_NODE_FLAGS; `env` adds to its environment (the code cache's folder).
 */
export async function startServer(env: Record<string, string> = {}, workspace?: string): Promise<BenchServer> {
  const server = await startServerProcess({
    serverPath: process.env.BENCH_SERVER,
    nodeFlags: process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : [],
    // The analysis is measured, not lenses remembered by an earlier server, unless a row says so.
    env: { ALAMODE_LENS_MEMORY: 'off', ...env },
    // With a workspace: as VS Code starts it in a folder (it watches files; the workspace is analysed at start).
    initializationOptions: { resolveLenses: !FULL_LENSES, analyseWorkspaceOnStart: workspace !== undefined },
    refreshesLenses: true,
    ...(workspace !== undefined ? { workspaceFolders: [workspace], watchesFiles: true } : {}),
  });
  const provider = server.initializeResult.capabilities.codeLensProvider;
  return { connection: server.connection, server: server.process, resolvesLenses: provider?.resolveProvider === true, logged: server.logged, stop: async () => { await server.stop(); } };
}

/** Lines an editor window shows around a line: the lenses there are the ones VS Code resolves. */
const SCREEN_LINES = 50;

/** An open document in the bench server: its text kept here as the client keeps it. */
class BenchDocument {
  version = 1;
  lines: string[];
  constructor(readonly bench: BenchServer, readonly uri: string, public text: string) {
    this.lines = text.split('\n');
  }

  async open(): Promise<void> {
    await this.bench.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: this.uri, languageId: 'typescript', version: this.version, text: this.text } });
  }

  /** Inserts one character at (line, column), sent as an incremental change or as the full text. */
  async type(line: number, column: number, full: boolean, char = 'x'): Promise<void> {
    const l = this.lines[line]!;
    this.lines[line] = l.slice(0, column) + char + l.slice(column);
    this.text = this.lines.join('\n');
    const change: TextDocumentContentChangeEvent = full ? { text: this.text } : { range: { start: { line, character: column }, end: { line, character: column } }, text: char };
    await this.bench.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: this.uri, version: ++this.version }, contentChanges: [change] });
  }

  /**
   * The lenses of the current version as an editor showing `line` gets them: the list, and (when the
   * server resolves lenses) the ones on screen resolved. Returns the list and the titles on screen.
   */
  async lenses(line: number): Promise<{ all: CodeLens[]; shown: string[] }> {
    const all = (await this.bench.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri: this.uri } })) ?? [];
    const onScreen = all.filter((l) => Math.abs(l.range.start.line - line) <= SCREEN_LINES / 2);
    const resolved = this.bench.resolvesLenses
      ? await Promise.all(onScreen.map((l) => (l.command ? l : this.bench.connection.sendRequest(CodeLensResolveRequest.type, l).catch((e: unknown) => {
        // A keystroke landed between the list and its resolve (while typing): the editor asks again.
        if (e instanceof ResponseError && e.code === LSPErrorCodes.ContentModified) return l;
        throw e;
      }))))
      : onScreen;
    return { all, shown: resolved.map((l) => l.command?.title ?? '') };
  }

  async hover(line: number, character: number): Promise<unknown> {
    return this.bench.connection.sendRequest(HoverRequest.type, { textDocument: { uri: this.uri }, position: { line, character } });
  }
}

/**
 * Where a character is typed for an edit at the top, middle or bottom: inside a task's `sha` string
 * (applied to the last analysis without a new one: `server/src/analysis/literalEdits.ts`; the bench's
 * `keyEdits` time keystrokes that are analysed again).
 */
function editSites(lines: readonly string[]): { where: string; line: number; column: number }[] {
  const taskLines = lines.map((l, i) => (l.includes('dag.task(') ? i : -1)).filter((i) => i >= 0);
  const at = (line: number) => ({ line, column: lines[line]!.indexOf("'", lines[line]!.indexOf('sha:')) + 1 });
  return [
    { where: 'top', ...at(taskLines[0]!) },
    { where: 'middle', ...at(taskLines[Math.floor(taskLines.length / 2)]!) },
    { where: 'bottom', ...at(taskLines[taskLines.length - 1]!) },
  ];
}

const row = (...cells: (string | number)[]) => console.log(cells.map((c, i) => String(c).padStart(i === 0 ? 30 : 13)).join(' '));

interface ModuleResult {
  firstMs: number;
  /** Lenses in the first answer (fewer than the tasks when the first analysis ran out of its 1 s). */
  firstCount: number;
  edits: Map<string, number[]>;
  /**
   * Keystrokes in the middle task's key `sha` (not inside a string: the module is analysed again; see
   * `literalEdits.ts`), incremental sync. Not among `edits`, which type inside the sha string.
   */
  keyEdits: number[];
  /** Answers after an edit with fewer lenses than tasks (an analysis that ran out of time). */
  short: number;
  /** Started, before the module is opened (what any server holds: mostly TypeScript's compiler). */
  started: { rss: number; peak: number };
  /** Right after the last keystroke, and (when asked) 5 s later. */
  memory: { rss: number; peak: number };
  settled?: { rss: number; peak: number };
  resolvesLenses: boolean;
}

/**
 * Opens the module of `tasks` tasks, times the first lenses, then `edits` edits at each site with each
 * kind of sync (`sites`/`syncs` narrow them). Every lens answer is checked: a lens per task (else
 * counted as short: the analysis ran out of its time budget), an ID on every lens on screen.
 */
async function benchModule(file: string, text: string, tasks: number, options: { edits: number; sites?: readonly string[]; syncs?: readonly boolean[]; hovers?: boolean; keyEdits?: boolean; settled?: boolean }): Promise<ModuleResult> {
  const bench = await startServer();
  try {
    const doc = new BenchDocument(bench, pathToFileURL(file).href, text);
    const only = options.sites ?? process.env.BENCH_SITES?.split(',');
    const sites = editSites(doc.lines).filter((s) => !only || only.includes(s.where));
    const started = memoryMb(bench.server.pid!);
    let t0 = performance.now();
    await doc.open();
    const first = await doc.lenses(sites[0]!.line);
    const firstMs = performance.now() - t0;
    let short = 0;
    /** `options.edits` keystrokes at (line, column), each timed from the change to the lenses on screen. */
    const typeAt = async (line: number, column: number, full: boolean): Promise<number[]> => {
      const times: number[] = [];
      for (let k = 0; k < options.edits; k++) {
        t0 = performance.now();
        await doc.type(line, column, full);
        const { all, shown } = await doc.lenses(line);
        times.push(performance.now() - t0);
        if (all.length !== tasks) short++;
        else if (shown.some((t) => !/output [0-9a-f]{12}/.test(t))) throw new Error(`a lens on screen has no ID: ${shown.find((t) => !/output [0-9a-f]{12}/.test(t))}`);
        // Typing pace: the diagnostics (60 ms after the last change) run between keystrokes.
        await sleep(100);
      }
      return times;
    };
    const edits = new Map<string, number[]>();
    for (const full of options.syncs ?? [false, true]) {
      for (const site of sites) edits.set(`${site.where}, ${full ? 'full text' : 'incremental'}`, await typeAt(site.line, site.column, full));
    }
    if (options.hovers) await benchHovers(doc);
    // Last: a key typed in leaves the sha strings where the other edits type.
    let keyEdits: number[] = [];
    if (options.keyEdits) {
      const middle = editSites(doc.lines)[1]!;
      keyEdits = await typeAt(middle.line, doc.lines[middle.line]!.indexOf('sha:') + 1, false);
    }
    const memory = memoryMb(bench.server.pid!);
    // Settled: the server collects once the work has been quiet for 2 s (lsp/idleCollector.ts).
    let settled: { rss: number; peak: number } | undefined;
    if (options.settled) {
      await sleep(5000);
      settled = memoryMb(bench.server.pid!);
    }
    return { firstMs, firstCount: first.all.length, edits, keyEdits, short, started, memory, ...(settled ? { settled } : {}), resolvesLenses: bench.resolvesLenses };
  } finally {
    await bench.stop();
  }
}

/**
 * First lenses after open, each in a fresh server: one sample varies by ±80 ms on a 2-core machine
 * (the parser and the evaluator run cold), so the bench reports the median of several. Also the
 * server's start (spawn → `initialize` answered). `codeCache` is the server's `ALAMODE_CODE_CACHE`:
 * `off` is a server's first start after an install or upgrade; a folder holding the cache of an earlier
 * server is every start after that (`server/src/lsp/launch.ts`).
 */
async function firstLensSamples(file: string, text: string, runs: number, codeCache: string, workspace?: { folder: string; opened: 'at once' | 'later' }, remembered = false): Promise<{ open: number[]; start: number[] }> {
  const open: number[] = [];
  const start: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t00 = performance.now();
    const bench = await startServer({ ALAMODE_CODE_CACHE: codeCache, ...(remembered ? { ALAMODE_LENS_MEMORY: 'on' } : {}) }, workspace?.folder);
    start.push(performance.now() - t00);
    try {
      // Opened at once, as an editor restoring it does: right after `initialized`, before the start's
      // analysis of the folder has reached it.
      const cached = codeCache === 'off' ? undefined : bench.logged(/^compiled from the code cache/);
      if (workspace?.opened !== 'at once') await cached;
      if (workspace?.opened === 'later') await bench.logged(/^analysed \d+ pipeline module/);
      const doc = new BenchDocument(bench, pathToFileURL(file).href, text);
      const t0 = performance.now();
      await doc.open();
      const { shown } = await doc.lenses(editSites(doc.lines)[0]!.line);
      open.push(performance.now() - t0);
      if (shown.length === 0 || shown.some((t) => !/output [0-9a-f]{12}/.test(t))) throw new Error('first lenses on screen without IDs');
      await cached;
      if (remembered) await Promise.race([bench.logged(/^lenses of .* recalled from an earlier analysis/), sleep(5_000).then(() => Promise.reject(new Error('the lenses were not recalled')))]);
    } finally {
      await bench.stop();
    }
  }
  return { open, start };
}

/**
 * Makes sure the code cache of the bench's servers (ALAMODE_CODE_CACHE, set by bench.ts) holds what a
 * server compiles analysing `text`: as every start after a server's first on a machine finds it.
 */
async function warmCodeCache(file: string, text: string): Promise<void> {
  // It remembers the module's lenses too, at shutdown.
  const bench = await startServer({ ALAMODE_LENS_MEMORY: 'on' });
  try {
    const doc = new BenchDocument(bench, pathToFileURL(file).href, text);
    await doc.open();
    await doc.lenses(0);
    await bench.logged(/^(compiled from the code cache|code cache written)/);
  } finally {
    await bench.stop();
  }
}

/**
 * Hovers on task variables all over the module: on a settled version (answered from the model every
 * request for that version shares), and while a user types in the middle (a keystroke every 150 ms,
 * lenses asked after each, a hover every 25 ms: what a mouse resting on the code sends).
 */
async function benchHovers(doc: BenchDocument): Promise<void> {
  const taskLines = doc.lines.map((l, i) => (/^const \w+ = dag\.task\(/.test(l) ? i : -1)).filter((i) => i >= 0);
  const settled: number[] = [];
  for (let k = 0; k < 60; k++) {
    const line = taskLines[Math.floor((k * taskLines.length) / 60)]!;
    const t0 = performance.now();
    if (!(await doc.hover(line, 'const '.length + 1))) throw new Error(`no hover on line ${line + 1}`);
    settled.push(performance.now() - t0);
  }
  const site = editSites(doc.lines)[1]!;
  const typing: number[] = [];
  let typingDone = false;
  const lensAnswers: Promise<unknown>[] = [];
  const typist = (async () => {
    for (let k = 0; k < 30; k++) {
      await doc.type(site.line, site.column, false);
      lensAnswers.push(doc.lenses(site.line));
      await sleep(150);
    }
    typingDone = true;
  })();
  for (let k = 0; !typingDone; k++) {
    const line = taskLines[(k * 37) % taskLines.length]!;
    const t0 = performance.now();
    await doc.hover(line, 'const '.length + 1);
    typing.push(performance.now() - t0);
    await sleep(25);
  }
  await typist;
  await Promise.all(lensAnswers);
  row('hover, settled version', `p50 ${p50(settled).toFixed(1)}`, `p90 ${p90(settled).toFixed(1)}`);
  row('hover while typing', `p50 ${p50(typing).toFixed(1)}`, `p90 ${p90(typing).toFixed(1)}`, `(${typing.length} hovers)`);
}

/** bencode + sha256 of every task's `{...spec, inputs}`, nothing else: what no server can go below. */
function floorMs(text: string): number {
  const model = buildDocumentModel(text, 'floor.alamode.ts');
  const dag = model.dags[0]!;
  const tasks = dag.definition.tasks.map((t, i) => ({ spec: t.spec as BencodeDict, inputs: dag.encoding.outcomes[i]!.inputs! }));
  const times: number[] = [];
  for (let r = 0; r < 15; r++) {
    const t0 = performance.now();
    for (const t of tasks) sha256Hex(encodeWithKey(t.spec, 'inputs', t.inputs));
    times.push(performance.now() - t0);
  }
  return p50(times);
}

/** How it grows: 1k, 3k, 10k tasks (edits in the middle, incremental). */
async function benchSizes(dir: string): Promise<void> {
  console.log(`\n## by size (edits in the middle, incremental sync) (load ${load()})`);
  row('tasks', 'first ms', 'edit p50', 'edit p90', 'RSS MB', 'floor ms', 'µs/task');
  for (const n of [1001, 3001, 10001]) {
    const t = generateLargeModule(n);
    const f = join(dir, `ladder${n}.alamode.ts`);
    writeFileSync(f, t);
    const r = await benchModule(f, t, n, { edits: 10, sites: ['middle'], syncs: [false] });
    const times = r.edits.get('middle, incremental')!;
    row(n, r.firstMs.toFixed(0), p50(times).toFixed(1), p90(times).toFixed(1), r.memory.rss.toFixed(0), floorMs(t).toFixed(1), ((p50(times) * 1000) / n).toFixed(1), r.firstCount !== n || r.short > 0 ? `(${r.firstCount !== n ? `first: ${r.firstCount} lenses; ` : ''}${r.short} short)` : '');
  }
  console.log(`(load ${load()})`);
}

export async function benchLsp(): Promise<void> {
  const quick = process.argv[3] === 'quick';
  const project = tsProject();
  try {
    if (process.argv[3] === 'sizes') {
      await benchSizes(project.dir);
      return;
    }
    const tasks = 3001;
    const text = generateLargeModule(tasks);
    const file = join(project.dir, 'ladder.alamode.ts');
    writeFileSync(file, text);
    console.log(`\n## language server over LSP (stdio, own process): ${tasks}-task module, ${text.split('\n').length} lines (load ${load()})`);
    // Every server from here on starts as it does after its first start on a machine: from the code cache.
    await warmCodeCache(file, text);
    const result = await benchModule(file, text, tasks, { edits: 20, hovers: true, keyEdits: true, settled: true });
    console.log(result.resolvesLenses ? `(lenses: list, then codeLens/resolve of the ~${SCREEN_LINES / 2} on screen, as VS Code does)` : '(lenses: every lens with its title in the list)');
    row('first lenses after open', `${result.firstMs.toFixed(0)} ms`, result.firstCount === tasks ? '(this server)' : `only ${result.firstCount} of ${tasks} tasks: the analysis ran out of its 1 s`);
    for (const [what, codeCache] of [['no code cache', 'off'], ['code cache', process.env.ALAMODE_CODE_CACHE!]] as const) {
      const firsts = await firstLensSamples(file, text, quick ? 3 : 7, codeCache);
      row(`first lenses, ${what}`, `p50 ${p50(firsts.open).toFixed(0)} ms`, `${Math.min(...firsts.open).toFixed(0)}–${Math.max(...firsts.open).toFixed(0)} ms`, `(${firsts.open.length} fresh servers; start → initialized p50 ${p50(firsts.start).toFixed(0)} ms)`);
    }
    // The same text reopened (a window reloaded, the editor restarted): its lenses remembered by the last server.
    const recalled = await firstLensSamples(file, text, quick ? 3 : 7, process.env.ALAMODE_CODE_CACHE!, undefined, true);
    row('first lenses, remembered', `p50 ${p50(recalled.open).toFixed(0)} ms`, `${Math.min(...recalled.open).toFixed(0)}–${Math.max(...recalled.open).toFixed(0)} ms`, '(the same text reopened by a fresh server; analysed right after)');
    // In a workspace folder (VS Code's case): the server analyses the workspace's pipelines at start.
    // Opened at once, as when the editor restores it, the file waits for no more than its own analysis;
    // opened once that is done, its lenses need none.
    // A module the workspace does not hold (new, or outside it) after a 1,000-task one was analysed: the
    // analysis runs on compiled code.
    const otherFolder = mkdtempSync(join(tmpdir(), 'alamode-bench-other-'));
    writeFileSync(join(otherFolder, 'other.alamode.ts'), generateLargeModule(1000));
    const inFolder = [
      ['in its folder, opened at once', { folder: dirname(file), opened: 'at once' }, '(as the editor restores it: while the server analyses the folder)', false],
      ['the same, remembered', { folder: dirname(file), opened: 'at once' }, '(restored as the last server had it: its lenses remembered)', true],
      ['in its folder, opened later', { folder: dirname(file), opened: 'later' }, '(the folder analysed at start)', false],
      ['another folder analysed', { folder: otherFolder, opened: 'later' }, '(a 1,000-task module analysed at start)', false],
    ] as const;
    for (const [what, workspace, why, remembered] of inFolder) {
      const firsts = await firstLensSamples(file, text, quick ? 3 : 7, process.env.ALAMODE_CODE_CACHE!, workspace, remembered);
      row(`first lenses, ${what}`, `p50 ${p50(firsts.open).toFixed(0)} ms`, `${Math.min(...firsts.open).toFixed(0)}–${Math.max(...firsts.open).toFixed(0)} ms`, why);
    }
    rmSync(otherFolder, { recursive: true, force: true });
    row('edit → lenses', 'p50 ms', 'p90 ms');
    const all: number[] = [];
    for (const [what, times] of result.edits) {
      row(what, p50(times).toFixed(1), p90(times).toFixed(1));
      all.push(...times);
    }
    row('all edits', p50(all).toFixed(1), p90(all).toFixed(1), result.short > 0 ? `${result.short} answers short of tasks (the analysis ran out of its 1 s)` : '');
    row('a key typed in (analysed again)', p50(result.keyEdits).toFixed(1), p90(result.keyEdits).toFixed(1), '(middle, incremental)');
    row('server memory, started', `RSS ${result.started.rss.toFixed(0)} MB`, '(no document yet)');
    row('server memory, typing', `RSS ${result.memory.rss.toFixed(0)} MB`, `peak ${result.memory.peak.toFixed(0)} MB`);
    if (result.settled) row('server memory, 5 s after', `RSS ${result.settled.rss.toFixed(0)} MB`);
    const floor = floorMs(text);
    row('floor (bencode + sha256)', `${floor.toFixed(1)} ms`, '(every task, in process)');
    console.log(`(load ${load()})`);
    if (quick) return;

    // tsserver on the same file, in the same run: edit → semantic diagnostics.
    const sites = editSites(text.split('\n'));
    const middle = sites[1]!;
    const ts = await tsserverEditToDiagnostics(file, text, Array.from({ length: 8 }, () => middle));
    const ours = result.edits.get('middle, incremental')!;
    row('tsserver: open → diagnostics', `${ts.firstMs.toFixed(0)} ms`);
    row('tsserver: edit → diagnostics', `p50 ${p50(ts.editMs).toFixed(0)}`, `p90 ${p90(ts.editMs).toFixed(0)}`);
    row('ours / tsserver (middle edit)', `${((p50(ours) / p50(ts.editMs)) * 100).toFixed(1)} %`);
    console.log(`(load ${load()})`);

    await benchSizes(project.dir);
    await benchWorkspace();
  } finally {
    project.dispose();
  }
}

/**
 * A repository of 200 pipeline modules and 50 shared helpers (on disk; the analysis follows the
 * imports): open to the first lenses of one module, then every module opened and analysed, and the
 * server's memory with all of them open.
 */
async function benchWorkspace(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'alamode-bench-ws-'));
  const bench = await startServer();
  try {
    const paths = writeWorkspace(dir, 200, 50);
    console.log(`\n## workspace: ${paths.length} pipeline modules, 50 shared helpers (load ${load()})`);
    const docs = paths.map((p) => new BenchDocument(bench, pathToFileURL(p).href, readFileSync(p, 'utf8')));
    let t0 = performance.now();
    await docs[0]!.open();
    const first = await docs[0]!.lenses(0);
    row('open → first lenses (one)', `${(performance.now() - t0).toFixed(0)} ms`, `${first.all.length} lenses`);
    t0 = performance.now();
    const each: number[] = [];
    let known = 0;
    for (const doc of docs.slice(1)) {
      const t1 = performance.now();
      await doc.open();
      const { all, shown } = await doc.lenses(0);
      each.push(performance.now() - t1);
      known += shown.filter((s) => /output [0-9a-f]{12}/.test(s)).length;
      if (all.length !== 30) throw new Error(`${doc.uri}: ${all.length} lenses`);
    }
    row('open → lenses, each other', `p50 ${p50(each).toFixed(1)}`, `p90 ${p90(each).toFixed(1)}`, `all ${(performance.now() - t0).toFixed(0)} ms`);
    const memory = memoryMb(bench.server.pid!);
    row('server memory, all open', `RSS ${memory.rss.toFixed(0)} MB`, `peak ${memory.peak.toFixed(0)} MB`, `(${known} IDs shown)`);

    // Started in the folder, as VS Code starts it: the workspace is analysed at start.
    t0 = performance.now();
    const inFolder = await startServer({}, dir);
    try {
      const said = await inFolder.logged(/^analysed \d+ pipeline module/);
      row('analysed at start', `${(performance.now() - t0).toFixed(0)} ms`, '', `(start → "${said}")`);
      const primed = memoryMb(inFolder.server.pid!);
      row('server memory, analysed', `RSS ${primed.rss.toFixed(0)} MB`, `peak ${primed.peak.toFixed(0)} MB`, '(none open)');
      const doc = new BenchDocument(inFolder, pathToFileURL(paths[paths.length - 1]!).href, readFileSync(paths[paths.length - 1]!, 'utf8'));
      t0 = performance.now();
      await doc.open();
      const lenses = await doc.lenses(0);
      row('then open → first lenses', `${(performance.now() - t0).toFixed(0)} ms`, `${lenses.all.length} lenses`);
    } finally {
      await inFolder.stop();
    }
    console.log(`(load ${load()})`);
  } finally {
    await bench.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
