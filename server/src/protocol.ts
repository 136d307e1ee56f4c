/**
 * The `alamode/*` requests between the language server and its clients (the VS Code extension, and
 * any other editor). One home for both sides, as vscode-eslint keeps its `customMessages.ts`.
 * Only plain JSON crosses the wire: bigints and byte strings are tagged (see {@link WireValue}).
 */
import { NotificationType, RequestType } from 'vscode-languageserver-protocol';
import type { DagDiff } from './core/diff';

/**
 * The extensions of what a pipeline may import (modules, JSON, tsconfig.json): the VS Code client
 * watches these files itself; the server asks it to watch any other file a pipeline reads
 * (`lsp/readWatchers.ts`).
 */
export const IMPORTABLE_EXTENSIONS: readonly string[] = ['ts', 'mts', 'cts', 'tsx', 'js', 'mjs', 'cjs', 'jsx', 'json'];

/**
 * The Node flags the server is started with (the VS Code client passes them, the bench starts it the
 * same way, and the README gives them to other editors). V8's young generation otherwise grows to
 * 16 MB semi-spaces while a large module is analysed and keeps them: on the 3,001-task bench module,
 * 4 MB semi-spaces left the server at 137–138 MB resident 5 s after typing instead of 159–161 MB, and
 * the first lenses of a fresh server came 40–60 ms sooner (median of 3, two runs each), for 0–5 ms more
 * per edit. V8 reads the flag only when the process starts, so it cannot be set from inside.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];

/**
 * The environment the server is started with beyond the editor's: glibc's `malloc` otherwise keeps
 * what V8's parser and compilers free (it raises its trim threshold as large blocks come and go, up to
 * 32 MB) instead of giving it back. A fixed threshold of 128 KB (glibc's own starting value) returns
 * it: measured over LSP on the 3,001-task bench module with the code cache, 104 MB resident 5 s after
 * typing instead of 113, 106 MB after the first lenses instead of 114, idle 77 MB instead of 82 (three
 * runs each, alternating), with no latency change the bench can tell. Read by glibc only when the
 * process starts; other C libraries ignore it. A value the user set wins.
 */
export function serverEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return { MALLOC_TRIM_THRESHOLD_: env.MALLOC_TRIM_THRESHOLD_ ?? '131072' };
}

/** A spec value as JSON: integers beyond 2^53 as `{ $bigint: "digits" }`, non-UTF-8 bytes as `{ $bytes: "hex" }`. */
export type WireValue = string | number | boolean | { $bigint: string } | { $bytes: string } | WireValue[] | { [key: string]: WireValue };

export interface WireRange {
  readonly start: { readonly line: number; readonly character: number };
  readonly end: { readonly line: number; readonly character: number };
}

export interface EncodedTaskInfo {
  readonly name: string;
  /** Full sha256 hex, when known. */
  readonly output?: string;
  /** Why there is no output, when there is none. */
  readonly noOutput?: string;
  /** Input names, and their IDs where known. */
  readonly inputs: { readonly [name: string]: string | null };
  /** The spec fields as hashed (without `inputs`/`output`); absent when not static. */
  readonly spec?: { readonly [key: string]: WireValue };
  /** Where `dag.task(...)` is. */
  readonly range: WireRange;
  /** The name literal (or expression) of the task. */
  readonly nameRange: WireRange;
}

export interface EncodedDagInfo {
  /** The variable the Dag is bound to, if any. */
  readonly variable?: string;
  readonly isDefaultExport: boolean;
  readonly range: WireRange;
  readonly tasks: readonly EncodedTaskInfo[];
  /** True when every task has an output and nothing is wrong: then `bencoded` is the `.dag` file. */
  readonly complete: boolean;
  /** Base64 of the bencoded DAG, when complete. */
  readonly bencoded?: string;
}

export namespace EncodedDagRequest {
  /** Client → server: the encoded DAG(s) of a pipeline document as it is now (unsaved edits included). */
  export const method = 'alamode/encodedDag';
  export interface Params {
    readonly uri: string;
  }
  export interface Result {
    readonly uri: string;
    readonly version: number;
    readonly dags: readonly EncodedDagInfo[];
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/** What to diff a document against. */
export type DiffBase =
  /** The last committed encoded DAG: `<name>.dag` beside the module at `rev` (default HEAD), else the module itself at `rev`. */
  | { readonly kind: 'git'; readonly rev?: string }
  /** A bencoded `.dag`, base64. */
  | { readonly kind: 'dag'; readonly bencoded: string; readonly label?: string };

export namespace DiffRequest {
  /** Client → server: what the document as it is now changes compared with a base (default: the last commit). */
  export const method = 'alamode/diff';
  export interface Params {
    readonly uri: string;
    readonly base?: DiffBase;
  }
  /**
   * A result carries the document version it was computed for: an edit may arrive while it is being
   * computed, and a client should ignore a result older than what it shows. A diff overtaken by a
   * newer edit may instead be answered with the LSP error `ContentModified` (ask again).
   */
  export type Result =
    | {
        readonly kind: 'diff';
        readonly uri: string;
        /** The version of the document this diff is of. */
        readonly version: number;
        /** What the base is, e.g. `HEAD:pipelines/collage.dag` or `HEAD:pipelines/collage.alamode.ts (analysed)`. */
        readonly baseLabel: string;
        /** The core's diff over the tasks whose outputs are known on both sides. Values are wire values. */
        readonly diff: WireDagDiff;
        /** Tasks of the document with no output (left out of the diff), with the reason. */
        readonly unknown: readonly { readonly name: string; readonly reason: string }[];
        /** Where each task of the document is defined, for "reveal". */
        readonly ranges: { readonly [task: string]: WireRange };
        /** Input names of each task of the document, for drawing the DAG. */
        readonly edges: readonly { readonly task: string; readonly input: string }[];
        /** What running the document as it is now would cost, from the store's records (absent when the store does not exist). */
        readonly cost?: RunCost;
      }
    /** No base to compare with: not in git, nothing committed yet, or the base could not be read. */
    | { readonly kind: 'unavailable'; readonly uri: string; readonly reason: string; /** The version it was computed for, when one was. */ readonly version?: number };
  export const type = new RequestType<Params, Result, void>(method);
}

export namespace AffectedPipelinesRequest {
  /**
   * Client → server: which pipeline modules read a file (a shared helper, a JSON list, a tsconfig.json),
   * each with its diff against its base (as `alamode/diff` gives it), so an edit of a helper shows what
   * it does to every pipeline it reaches. `candidates` are the workspace's pipeline modules the client
   * knows of (it honours the user's file excludes); the server analyses those that are not open.
   */
  export const method = 'alamode/affectedPipelines';
  export interface Params {
    readonly uri: string;
    readonly candidates: readonly string[];
    readonly base?: DiffBase;
  }
  export interface Result {
    readonly uri: string;
    /** The pipelines whose analysis reads the file, by URI order; empty when none does. */
    readonly pipelines: readonly { readonly uri: string; readonly result: DiffRequest.Result }[];
    /** Candidates the server could not read or analyse, with why. */
    readonly skipped: readonly { readonly uri: string; readonly reason: string }[];
  }
  export const type = new RequestType<Params, Result, void>(method);
}

/**
 * What running a pipeline as it is now would do, by the store's success records: which tasks have no
 * record for their current output ID (they will run) and which have one (they reuse it, whoever built
 * it, including IDs brought back by reverting an edit).
 */
export interface RunCost {
  /** The store read. */
  readonly store: string;
  readonly willRun: readonly {
    readonly name: string;
    /** The last successful run of a task of this name (any output ID), when there was one. */
    readonly lastMs?: number;
    /** Its last attempt at this ID failed. */
    readonly failed?: boolean;
    /** Another process is building it now. */
    readonly running?: boolean;
  }[];
  readonly reuse: readonly string[];
  /** The sum of the known `lastMs`. */
  readonly estimateMs: number;
  /** Tasks that will run with no earlier run of their name to go by. */
  readonly unknownDurations: number;
}

export namespace StoreChangedNotification {
  /** Server → client: records landed in (or left) a store; views showing statuses should ask again. */
  export const method = 'alamode/storeChanged';
  export interface Params {
    readonly store: string;
  }
  export const type = new NotificationType<Params>(method);
}

/** {@link DagDiff} with wire values in its field changes. */
export type WireDagDiff = Omit<DagDiff, 'tasks' | 'meta'> & {
  readonly tasks: readonly (Omit<DagDiff['tasks'][number], 'changes'> & { readonly changes?: readonly WireFieldChange[] })[];
  readonly meta: readonly WireFieldChange[];
};

export interface WireFieldChange {
  readonly path: string;
  readonly kind: 'added' | 'removed' | 'modified';
  readonly old?: WireValue;
  readonly new?: WireValue;
}

export namespace CommandIds {
  /** The code lens command: copies the full output ID (arguments: `[outputId, taskName]`). */
  export const copyOutputId = 'alamode.copyOutputId';
}

/** What a client may pass as `initializationOptions` (VS Code uses `workspace/configuration` instead). */
export interface InitializationOptions {
  /** The store to read records from, for every document (`alamode.store.path` per folder wins). */
  readonly storePath?: string;
  /**
   * The client resolves (`codeLens/resolve`) only the lenses it shows, as VS Code does: the server then
   * lists lenses without titles, so a keystroke's list is small. Off, every lens carries its title.
   */
  readonly resolveLenses?: boolean;
  /**
   * Analyse the workspace's pipeline modules once the server starts (rust-analyzer's cache priming):
   * a module then opened unchanged has its lenses at once, and the first analysis of any module no
   * longer runs on cold code. Only for a client that watches files (the models of closed modules are
   * kept, and a change on disk must reach them).
   */
  readonly analyseWorkspaceOnStart?: boolean;
}

/** A core value as JSON (see {@link WireValue}). */
export function toWireValue(value: unknown): WireValue {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : { $bigint: String(value) };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) return { $bytes: Array.from(value, (b) => b.toString(16).padStart(2, '0')).join('') };
  if (Array.isArray(value)) return value.map(toWireValue);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toWireValue(v)]));
  return String(value);
}
