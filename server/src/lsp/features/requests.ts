/**
 * The `alamode/encodedDag` and `alamode/diff` requests (see `protocol.ts`): the encoded DAG of a
 * document as it is now, and what it changes compared with the last committed encoded DAG, with what
 * running it would cost by the store's records.
 */
import { relative } from 'node:path';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { CancellationToken } from 'vscode-languageserver';
import { diffDagsStepwise, type DagDiff } from '../../core/diff';
import { DagFileError, decodeVerifiedDag } from '../../core/encodedDag';
import { bencodeDag, type EncodedDag, type EncodedTask } from '../../core/outputIds';
import { checkValue, isPlainObject, type BencodeDict } from '../../core/values';
import { buildDocumentModel, committedVersionName, noOutputText, type DagView, type DocumentModel } from '../../model/documentModel';
import type { StoredStatus } from '../../engine/store';
import { toWireValue, type DiffBase, type DiffRequest, type EncodedDagRequest, type EncodedTaskInfo, type RunCost, type WireDagDiff } from '../../protocol';
import { readAtCommit, resolveCommit, revisionHost } from '../git';
import { Cancelled, runInSlices, Superseded } from '../runSafe';
import { toRange } from './convert';

export function encodedDagInfo(model: DocumentModel, document: TextDocument): EncodedDagRequest.Result {
  return {
    uri: document.uri,
    version: document.version,
    dags: model.dags.map((dag) => {
      const tasks: EncodedTaskInfo[] = dag.tasks.map((t) => {
        const def = dag.definition.tasks[t.outcome.definition]!;
        const specKnown = def.unknown === undefined && t.outcome.noOutput?.kind !== 'invalid-value';
        return {
          name: t.analysed.name ?? t.name,
          ...(t.outcome.output ? { output: t.outcome.output } : { noOutput: noOutputText(t.outcome) }),
          inputs: Object.fromEntries(def.inputs.map((i) => [i, t.outcome.inputs?.[i] ?? dag.encoding.byName.get(i)?.output ?? null])),
          ...(specKnown ? { spec: toWireValue(def.spec) as EncodedTaskInfo['spec'] } : {}),
          range: toRange(document, t.analysed.callRange),
          nameRange: toRange(document, t.analysed.nameLiteralRange ?? t.analysed.nameRange),
        };
      });
      // A meta that is not static holds a placeholder in what the core encoded: no bytes to offer.
      const encoded = dag.definition.metaUnknown === undefined ? dag.encoding.encoded : undefined;
      return {
        ...(dag.analysed.variable ? { variable: dag.analysed.variable } : {}),
        isDefaultExport: dag.analysed.isDefaultExport,
        range: toRange(document, dag.analysed.range),
        tasks,
        complete: encoded !== undefined,
        ...(encoded ? { bencoded: Buffer.from(bencodeDag(encoded)).toString('base64') } : {}),
      };
    }),
  };
}

/** The DAG a document stands for: its default export, else the first of its own, else the first one. */
export function mainDag(model: DocumentModel): DagView | undefined {
  return model.dags.find((d) => d.analysed.isDefaultExport) ?? model.dags.find((d) => !d.analysed.fromImportsOnly) ?? model.dags[0];
}

/** The tasks of an analysed DAG whose outputs are known, as an encoded DAG, and the others with why. */
function knownPart(dag: DagView): { encoded: EncodedDag; unknown: { name: string; reason: string }[]; metaKnown: boolean } {
  // No prototype, so a task named "__proto__" is an own entry like any other (and assignment stays fast).
  const tasks: Record<string, EncodedTask> = Object.create(null);
  const unknown: { name: string; reason: string }[] = [];
  for (const t of dag.tasks) {
    const name = t.analysed.name ?? t.name;
    if (t.outcome.output && t.outcome.inputs && dag.encoding.byName.get(t.name) === t.outcome) {
      const spec = dag.definition.tasks[t.outcome.definition]!.spec as BencodeDict;
      tasks[name] = { ...spec, inputs: t.outcome.inputs, output: t.outcome.output };
    } else {
      unknown.push({ name, reason: noOutputText(t.outcome) || 'no output' });
    }
  }
  // The meta is comparable only when it is a valid, fully static dict (not one with a placeholder).
  const meta = dag.definition.meta ?? {};
  const metaKnown = dag.definition.metaUnknown === undefined && isPlainObject(meta) && checkValue(meta).length === 0;
  return { encoded: { meta: metaKnown ? (meta as BencodeDict) : {}, tasks }, unknown, metaKnown };
}

function without(dag: EncodedDag, names: ReadonlySet<string>, keepMeta: boolean): EncodedDag {
  if (names.size === 0) return keepMeta ? dag : { meta: {}, tasks: dag.tasks };
  const tasks: Record<string, EncodedTask> = Object.create(null);
  for (const [n, t] of Object.entries(dag.tasks)) if (!names.has(n)) tasks[n] = t;
  return { meta: keepMeta ? dag.meta : {}, tasks };
}

function toWireDiff(diff: DagDiff): WireDagDiff {
  const wireChanges = (changes: readonly { path: string; kind: 'added' | 'removed' | 'modified'; old?: unknown; new?: unknown }[]) =>
    changes.map((c) => ({ path: c.path, kind: c.kind, ...(c.old !== undefined ? { old: toWireValue(c.old) } : {}), ...(c.new !== undefined ? { new: toWireValue(c.new) } : {}) }));
  return {
    counts: diff.counts,
    meta: wireChanges(diff.meta),
    tasks: diff.tasks.map(({ changes, ...t }) => ({ ...t, ...(changes ? { changes: wireChanges(changes) } : {}) })),
  };
}

type BaseDag = { kind: 'ok'; dag: EncodedDag; label: string; unknown: string[]; metaKnown: boolean } | { kind: 'unavailable'; reason: string };

/**
 * The last `.dag` decoded and verified, by its bytes: the panel asks for a diff against the same base
 * on every keystroke, and decoding (and checking the stored IDs of) a 3,000-task file each time costs
 * more than the diff. (Decoded DAGs are never mutated.)
 */
let lastDecoded: { bytes: Buffer; dag: EncodedDag } | undefined;

function decodeCached(bytes: Buffer): EncodedDag {
  if (lastDecoded?.bytes.equals(bytes)) return lastDecoded.dag;
  // Verified, as Dag.load does: a hand-edited .dag whose stored IDs lie would diff as unchanged.
  const dag = decodeVerifiedDag(bytes);
  lastDecoded = { bytes, dag };
  return dag;
}

async function loadBase(base: DiffBase, filePath: string): Promise<BaseDag> {
  if (base.kind === 'dag') {
    try {
      return { kind: 'ok', dag: decodeCached(Buffer.from(base.bencoded, 'base64')), label: base.label ?? 'the given .dag', unknown: [], metaKnown: true };
    } catch (e) {
      return { kind: 'unavailable', reason: e instanceof DagFileError ? e.message : String(e) };
    }
  }
  const rev = base.rev ?? 'HEAD';
  const commit = await resolveCommit(filePath, rev);
  if ('reason' in commit) return { kind: 'unavailable', reason: commit.reason };
  const moduleName = filePath.split(/[\\/]/).pop()!;
  const dagName = `${moduleName.replace(/(\.alamode)?\.(m|c)?tsx?$/, '')}.dag`;
  const shown = (name: string) => relative(commit.root, filePath.replace(/[^\\/]+$/, name)).split('\\').join('/');
  const dagFile = await readAtCommit(filePath, commit.commit, dagName, rev);
  if (dagFile.kind === 'found') {
    try {
      return { kind: 'ok', dag: decodeCached(dagFile.bytes), label: `${rev}:${shown(dagName)}`, unknown: [], metaKnown: true };
    } catch (e) {
      return { kind: 'unavailable', reason: `${rev}:${shown(dagName)} is ${e instanceof DagFileError ? e.message : String(e)}` };
    }
  }
  // No committed .dag: analyse the module as it stood at that commit, the same way as the document.
  const moduleFile = await readAtCommit(filePath, commit.commit, moduleName, rev);
  if (moduleFile.kind !== 'found') {
    return { kind: 'unavailable', reason: `nothing is committed yet at ${rev}: neither ${shown(dagName)} nor ${shown(moduleName)}` };
  }
  // Its imports are read at the same commit too (helpers as they were committed).
  const baseModel = buildDocumentModel(moduleFile.bytes.toString('utf8'), committedVersionName(filePath), { host: revisionHost(commit.root, commit.commit) });
  const dag = mainDag(baseModel);
  if (!dag) return { kind: 'unavailable', reason: `${rev}:${shown(moduleName)} defines no Dag` };
  const part = knownPart(dag);
  return { kind: 'ok', dag: part.encoded, label: `${rev}:${shown(moduleName)} (analysed; no ${dagName} committed)`, unknown: part.unknown.map((u) => u.name), metaKnown: part.metaKnown };
}

/** The store's part of a diff answer: see {@link RunCost}. */
export interface CostStore {
  readonly root: string;
  status(id: string): StoredStatus;
  lastRun(task: string): { readonly durationMs: number } | undefined;
}

export function runCost(dag: DagView, store: CostStore): RunCost {
  const willRun: RunCost['willRun'][number][] = [];
  const reuse: string[] = [];
  let estimateMs = 0;
  let unknownDurations = 0;
  const seen = new Set<string>();
  for (const t of dag.tasks) {
    const name = t.analysed.name ?? t.name;
    const id = t.outcome.output;
    if (!id || seen.has(name)) continue;
    seen.add(name);
    const status = store.status(id);
    if (status.kind === 'built') {
      reuse.push(name);
      continue;
    }
    const last = store.lastRun(name);
    if (last) estimateMs += last.durationMs;
    else unknownDurations += 1;
    willRun.push({ name, ...(last ? { lastMs: last.durationMs } : {}), ...(status.kind === 'failed' ? { failed: true } : {}), ...(status.kind === 'running' ? { running: true } : {}) });
  }
  return { store: store.root, willRun, reuse, estimateMs, unknownDurations };
}

export interface DiffControl {
  readonly token: CancellationToken;
  /** True once the document has a newer version than the one being diffed (or is closed). */
  readonly superseded: () => boolean;
}

/**
 * The diff of `document` (a snapshot: its text and version do not move while this awaits) against a
 * base. The reply carries the version it was computed for. The diff runs in slices, so other
 * requests are answered meanwhile; it stops early (`Cancelled`, `Superseded`) when its request is
 * cancelled or a newer edit makes its answer useless.
 */
export async function diffRequest(model: DocumentModel, document: TextDocument, filePath: string, base: DiffBase | undefined, control?: DiffControl, store?: CostStore): Promise<DiffRequest.Result> {
  const check = () => {
    if (control?.token.isCancellationRequested) throw new Cancelled('cancelled');
    if (control?.superseded()) throw new Superseded(`${document.uri} changed after version ${document.version}; ask again`);
  };
  const version = document.version;
  const dag = mainDag(model);
  if (!dag) return { kind: 'unavailable', uri: document.uri, version, reason: 'this module defines no Dag (new Dag(...) from a-la-mode)' };
  const loaded = await loadBase(base ?? { kind: 'git' }, filePath);
  check();
  if (loaded.kind === 'unavailable') return { kind: 'unavailable', uri: document.uri, version, reason: loaded.reason };
  const current = knownPart(dag);
  // Tasks without a known output on either side cannot be compared honestly: leave them out of both.
  const excluded = new Set([...current.unknown.map((u) => u.name), ...loaded.unknown]);
  const metaComparable = loaded.metaKnown && current.metaKnown;
  const diff = await runInSlices(diffDagsStepwise(without(loaded.dag, excluded, metaComparable), without(current.encoded, excluded, metaComparable)), check);
  // No prototype: a task named "__proto__" gets its entry like any other.
  const ranges: Record<string, ReturnType<typeof toRange>> = Object.create(null);
  const edges: { task: string; input: string }[] = [];
  for (const t of dag.tasks) {
    const name = t.analysed.name ?? t.name;
    ranges[name] ??= toRange(document, t.analysed.callRange);
    for (const input of new Set(dag.definition.tasks[t.outcome.definition]!.inputs)) edges.push({ task: name, input });
  }
  return { kind: 'diff', uri: document.uri, version, baseLabel: loaded.label, diff: toWireDiff(diff), unknown: current.unknown, ranges, edges, ...(store ? { cost: runCost(dag, store) } : {}) };
}
