/**
 * Success and failure records: what they hold, how they are checked when read, and reading them.
 * Reading runs no user code and writes nothing, so the language server can do it in Restricted Mode.
 *
 * A success record is believed only when it is well formed, names the ID it is filed under, its
 * `hashed` bytes hash to that ID (so it is about that exact spec and inputs), and `out/<id>` exists.
 * Anything else is reported as corrupt, with the reason, and never shown as built.
 */
import { readFileSync, statSync } from 'node:fs';
import { sha256Hex } from '../core/outputIds';
import type { BencodeValue } from '../core/values';
import type { StoreLayout } from './layout';

export const RECORD_FORMAT = 'alamode-record/1';

/** A spec value as JSON (bigints beyond 2^53 as `{ $bigint }`, bytes that are not UTF-8 text as `{ $bytes }`). */
export type JsonValue = string | number | boolean | { [key: string]: JsonValue } | JsonValue[];

interface RecordBase {
  readonly format: typeof RECORD_FORMAT;
  /** The output ID. */
  readonly output: string;
  /** The task that produced it (an ID may be shared by tasks with equal specs and inputs). */
  readonly task: string;
  /** The spec as hashed, readable (the authoritative bytes are `hashed`). */
  readonly spec: { readonly [key: string]: JsonValue };
  /** Input name → input output ID. */
  readonly inputs: { readonly [name: string]: string };
  /** Base64 of `bencode({...spec, inputs})`, whose sha256 is `output`. */
  readonly hashed: string;
  /** ISO 8601 times and the wall-clock duration in milliseconds. */
  readonly start: string;
  readonly end: string;
  readonly durationMs: number;
  readonly host: string;
  readonly user: string;
  readonly pid: number;
  /** `alamode <version>`. */
  readonly engine: string;
  /** `run` (alamode run) or `run-task` (one task, e.g. under Snakemake). */
  readonly runner: 'run' | 'run-task';
  readonly executor: 'local' | 'podman';
  /** The image the task ran in (container executors only). */
  readonly image?: string;
  /** The attempt's log, relative to the store. */
  readonly log: string;
}

export interface SuccessRecord extends RecordBase {
  readonly status: 'success';
  readonly exitCode: 0;
  /** The output folder, relative to the store: `out/<id>`. */
  readonly path: string;
  readonly size: number;
  readonly files: number;
  /** `sha256:<hex>` (see `summariseTree`). */
  readonly digest: string;
}

export interface FailureRecord extends RecordBase {
  readonly status: 'failed';
  /** Why, in a few words: `exit 1`, `killed by SIGKILL`, `interrupted`, `could not start: …`. */
  readonly reason: string;
  readonly exitCode?: number;
  readonly signal?: string;
}

export type RecordRead<R> =
  | { readonly kind: 'absent' }
  | { readonly kind: 'corrupt'; readonly reason: string }
  | { readonly kind: 'ok'; readonly record: R };

/** A spec value as JSON, for people (see {@link JsonValue}). */
export function toJsonValue(value: BencodeValue): JsonValue {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : { $bigint: String(value) };
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof Uint8Array) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(value);
    } catch {
      return { $bytes: Buffer.from(value).toString('hex') };
    }
  }
  if (Array.isArray(value)) return value.map(toJsonValue);
  const out: { [key: string]: JsonValue } = Object.create(null);
  for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v as BencodeValue);
  return out;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const HEX64 = /^[0-9a-f]{64}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why a parsed record is not a valid record of `id` with `status`, or undefined when it is. */
function checkCommon(r: Record<string, unknown>, id: string, status: 'success' | 'failed'): string | undefined {
  if (r.format !== RECORD_FORMAT) return `unknown format ${JSON.stringify(r.format)}`;
  if (r.status !== status) return `status is ${JSON.stringify(r.status)}, not "${status}"`;
  if (r.output !== id) return `it names output ${JSON.stringify(r.output)}, not the ID it is filed under`;
  if (typeof r.task !== 'string') return 'no task name';
  if (!isObject(r.inputs) || !Object.values(r.inputs).every((v) => typeof v === 'string' && HEX64.test(v))) return 'inputs is not a map of output IDs';
  if (typeof r.hashed !== 'string') return 'no hashed spec';
  if (sha256Hex(Buffer.from(r.hashed, 'base64')) !== id) return 'its hashed spec does not hash to its ID';
  for (const key of ['start', 'end'] as const) if (typeof r[key] !== 'string' || !ISO.test(r[key] as string)) return `${key} is not an ISO time`;
  if (typeof r.durationMs !== 'number' || !Number.isFinite(r.durationMs) || r.durationMs < 0) return 'durationMs is not a duration';
  if (typeof r.log !== 'string') return 'no log path';
  return undefined;
}

function parse(path: string): RecordRead<Record<string, unknown>> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
    return { kind: 'corrupt', reason: `unreadable (${code ?? String(e)})` };
  }
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? { kind: 'ok', record: value } : { kind: 'corrupt', reason: 'not a JSON object' };
  } catch {
    return { kind: 'corrupt', reason: 'not valid JSON' };
  }
}

/** The success record of `id`, checked (see the module comment). */
export function readSuccessRecord(layout: StoreLayout, id: string): RecordRead<SuccessRecord> {
  const parsed = parse(layout.record(id));
  if (parsed.kind !== 'ok') return parsed;
  const r = parsed.record;
  const why = checkCommon(r, id, 'success')
    ?? (r.exitCode !== 0 ? 'exitCode is not 0' : undefined)
    ?? (r.path !== `out/${id}` ? 'path is not out/<id>' : undefined)
    ?? (typeof r.size !== 'number' || typeof r.files !== 'number' ? 'no size' : undefined)
    ?? (typeof r.digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(r.digest) ? 'no digest' : undefined);
  if (why) return { kind: 'corrupt', reason: why };
  try {
    if (!statSync(layout.out(id)).isDirectory()) return { kind: 'corrupt', reason: `out/${id} is not a folder` };
  } catch {
    return { kind: 'corrupt', reason: `its output out/${id} is missing` };
  }
  return { kind: 'ok', record: r as unknown as SuccessRecord };
}

/** The last failure record of `id`, checked like a success record (without an output). */
export function readFailureRecord(layout: StoreLayout, id: string): RecordRead<FailureRecord> {
  const parsed = parse(layout.failure(id));
  if (parsed.kind !== 'ok') return parsed;
  const r = parsed.record;
  const why = checkCommon(r, id, 'failed') ?? (typeof r.reason !== 'string' ? 'no reason' : undefined);
  return why ? { kind: 'corrupt', reason: why } : { kind: 'ok', record: r as unknown as FailureRecord };
}
