/**
 * Canonical bencode (BEP-3): the exact bytes that output IDs are hashed from.
 *
 * The encoder is written here rather than taken from the `bencode` package because that package's
 * encoder sorts dict keys by UTF-16 code units (BEP-3 wants their raw UTF-8 bytes), silently drops
 * `null` and truncates floats: each of those would produce a different (wrong) output ID.
 *
 * The decoder is written here too. The `bencode` package's decoder was tried first and fails on
 * input a `.dag` reader must handle: it loops forever on a negative string length (`d-3:e`), sums
 * integers in a double (wrong beyond 2^53), stops silently at a '.', drops a leading byte-order mark
 * from strings, rewrites dict keys containing U+FFFD as hex, and turns a `__proto__` key into a
 * prototype. This decoder is strict (canonical BEP-3 only) and bounded; the test suite cross-checks it
 * against the package on ordinary input.
 */
import { checkValue, formatPath, isPlainObject, isWellFormedString, type BencodeDict, type BencodeValue } from './values';

const utf8 = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF as data: it is part of the string, not a marker.
const utf8Strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Orders strings by their UTF-8 bytes, which is the order of their code points. JavaScript's default
 * sort compares UTF-16 code units instead, which puts astral characters (surrogate pairs, U+D800–DFFF)
 * before U+E000–U+FFFF; the two orders differ exactly there.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      // Lift surrogates above U+E000–U+FFFF so that code-unit order becomes code-point order.
      return (x >= 0xd800 ? (x <= 0xdfff ? x + 0x2000 : x - 0x800) : x)
        - (y >= 0xd800 ? (y <= 0xdfff ? y + 0x2000 : y - 0x800) : y);
    }
  }
  return a.length - b.length;
}

/** Thrown when asked to encode something that is not a {@link BencodeValue}. */
export class BencodeEncodeError extends Error {
  override name = 'BencodeEncodeError';
}

/** Collects output bytes in chunks; strings go through one TextEncoder call each. */
class ByteSink {
  private chunks: Uint8Array[] = [];
  private ascii = '';
  length = 0;

  text(s: string): void {
    // Most of what we write is ASCII (lengths, markers, hex IDs): batch it and encode once.
    this.ascii += s;
    if (this.ascii.length > 4096) this.flush();
  }

  bytes(b: Uint8Array): void {
    this.flush();
    this.chunks.push(b);
    this.length += b.length;
  }

  private flush(): void {
    if (this.ascii) {
      const b = utf8.encode(this.ascii);
      this.chunks.push(b);
      this.length += b.length;
      this.ascii = '';
    }
  }

  finish(): Uint8Array {
    this.flush();
    if (this.chunks.length === 1) return this.chunks[0]!;
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

function writeString(sink: ByteSink, s: string): void {
  // A lone surrogate has no UTF-8 form; TextEncoder would silently write U+FFFD instead.
  if (!isWellFormedString(s)) throw new BencodeEncodeError(`cannot bencode ${JSON.stringify(s)}: it holds a lone UTF-16 surrogate`);
  // Pure-ASCII strings (the common case) have byte length == string length.
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) sink.text(`${s.length}:${s}`);
  else {
    const b = utf8.encode(s);
    sink.text(`${b.length}:`);
    sink.bytes(b);
  }
}

function writeValue(sink: ByteSink, v: BencodeValue): void {
  switch (typeof v) {
    case 'string':
      writeString(sink, v);
      return;
    case 'number':
      if (!Number.isSafeInteger(v)) throw new BencodeEncodeError(`cannot bencode the number ${v}: only safe integers are exact`);
      // -0 is written as 0, as Python writes int(-0.0).
      sink.text(`i${v === 0 ? 0 : v}e`);
      return;
    case 'bigint':
      sink.text(`i${v}e`);
      return;
    case 'boolean':
      sink.text(v ? 'i1e' : 'i0e');
      return;
  }
  if (v instanceof Uint8Array) {
    sink.text(`${v.length}:`);
    sink.bytes(v);
    return;
  }
  if (Array.isArray(v)) {
    sink.text('l');
    for (const item of v as readonly BencodeValue[]) writeValue(sink, item);
    sink.text('e');
    return;
  }
  if (isPlainObject(v)) {
    writeDict(sink, v as BencodeDict);
    return;
  }
  throw new BencodeEncodeError(`cannot bencode ${v === null ? 'null' : typeof v}`);
}

function writeDict(sink: ByteSink, d: BencodeDict): void {
  if (Object.getOwnPropertySymbols(d).length > 0) throw new BencodeEncodeError('cannot bencode a dict with symbol keys');
  sink.text('d');
  for (const key of Object.keys(d).sort(compareUtf8)) {
    writeString(sink, key);
    writeValue(sink, d[key]!);
  }
  sink.text('e');
}

/**
 * Canonical bencode of `{...dict, [extraKey]: extraValue}` without building that object: the hot path
 * of output IDs (`{...spec, inputs}` once per task). `dict` must not have `extraKey` itself.
 */
export function encodeWithKey(dict: BencodeDict, extraKey: string, extraValue: BencodeValue): Uint8Array {
  const sink = new ByteSink();
  const keys = Object.keys(dict).sort(compareUtf8);
  let pending = true;
  sink.text('d');
  for (const key of keys) {
    if (pending && compareUtf8(extraKey, key) < 0) {
      writeString(sink, extraKey);
      writeValue(sink, extraValue);
      pending = false;
    }
    writeString(sink, key);
    writeValue(sink, dict[key]!);
  }
  if (pending) {
    writeString(sink, extraKey);
    writeValue(sink, extraValue);
  }
  sink.text('e');
  return sink.finish();
}

/**
 * The canonical encoding of `dict` cut where `key` goes: `{...dict, [key]: v}` encodes as
 * `before`, then {@link encodeEntry}`(key, v)`, then `after`. `dict` must not have `key`. Output IDs
 * keep a spec's two parts and hash them around each new `inputs` (see `OutputMemo`).
 */
export function encodeAround(dict: BencodeDict, key: string): [before: Uint8Array, after: Uint8Array] {
  const before = new ByteSink();
  const after = new ByteSink();
  before.text('d');
  for (const k of Object.keys(dict).sort(compareUtf8)) {
    const sink = compareUtf8(key, k) < 0 ? after : before;
    writeString(sink, k);
    writeValue(sink, dict[k]!);
  }
  after.text('e');
  return [before.finish(), after.finish()];
}

/** One dict entry, `key` then `value`, as it is encoded inside a dict. */
export function encodeEntry(key: string, value: BencodeValue): Uint8Array {
  const sink = new ByteSink();
  writeString(sink, key);
  writeValue(sink, value);
  return sink.finish();
}

/**
 * Encodes a value as canonical bencode. Throws {@link BencodeEncodeError} (naming the path) for anything
 * that is not exactly representable; callers that want friendly, task-named errors check values first
 * with `checkValue`.
 */
export function encode(value: BencodeValue): Uint8Array {
  const sink = new ByteSink();
  try {
    writeValue(sink, value);
  } catch (e) {
    const [problem] = checkValue(value, 1);
    if (problem) throw new BencodeEncodeError(`${formatPath('value', problem.path)} is ${problem.shown}, but ${problem.reason}`);
    throw e;
  }
  return sink.finish();
}

/** Thrown for bytes that are not canonical bencode. */
export class BencodeDecodeError extends Error {
  override name = 'BencodeDecodeError';
}

/** Dicts and lists nested deeper than this are refused rather than risking the stack. */
const MAX_DECODE_DEPTH = 512;

/** A strict, bounded BEP-3 reader over a byte array. */
class Reader {
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}

  fail(message: string): never {
    throw new BencodeDecodeError(`${message} at byte ${this.at}`);
  }

  done(): boolean {
    return this.at >= this.bytes.length;
  }

  value(depth: number): BencodeValue {
    if (depth > MAX_DECODE_DEPTH) this.fail(`nested more than ${MAX_DECODE_DEPTH} levels`);
    const c = this.bytes[this.at];
    if (c === undefined) this.fail('the data ends too early');
    if (c === 0x69 /* i */) return this.integer();
    if (c === 0x6c /* l */) {
      this.at++;
      const list: BencodeValue[] = [];
      while (this.peek() !== 0x65) list.push(this.value(depth + 1));
      this.at++;
      return list;
    }
    if (c === 0x64 /* d */) return this.dict(depth);
    if (c >= 0x30 && c <= 0x39) return this.text(this.byteString());
    return this.fail(`unexpected ${JSON.stringify(String.fromCharCode(c))}`);
  }

  private peek(): number {
    const c = this.bytes[this.at];
    if (c === undefined) this.fail('the data ends too early (a list or dict is not closed)');
    return c;
  }

  private digitsUntil(end: number): string {
    const start = this.at;
    while (this.at < this.bytes.length && this.bytes[this.at] !== end) this.at++;
    if (this.at >= this.bytes.length) {
      this.at = start;
      this.fail('the data ends too early');
    }
    let text = '';
    for (let i = start; i < this.at; i++) text += String.fromCharCode(this.bytes[i]!);
    this.at++;
    return text;
  }

  private integer(): number | bigint {
    const start = this.at;
    this.at++;
    const text = this.digitsUntil(0x65 /* e */);
    if (!/^(0|-?[1-9][0-9]*)$/.test(text)) {
      this.at = start;
      this.fail(`not a canonical integer: i${text.slice(0, 20)}e`);
    }
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }

  private byteString(): Uint8Array {
    const start = this.at;
    const text = this.digitsUntil(0x3a /* : */);
    if (!/^(0|[1-9][0-9]*)$/.test(text)) {
      this.at = start;
      this.fail(`not a canonical string length: ${JSON.stringify(text.slice(0, 20))}`);
    }
    const length = Number(text);
    if (this.at + length > this.bytes.length) {
      this.at = start;
      this.fail(`a string of ${length} bytes runs past the end of the data`);
    }
    const bytes = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return bytes;
  }

  /** Valid UTF-8 becomes a string (everything an a-la-mode DAG writes); anything else stays bytes. */
  private text(bytes: Uint8Array): string | Uint8Array {
    try {
      return utf8Strict.decode(bytes);
    } catch {
      return bytes.slice();
    }
  }

  private dict(depth: number): BencodeDict {
    this.at++;
    const entries: [string, BencodeValue][] = [];
    let previous: Uint8Array | undefined;
    while (this.peek() !== 0x65) {
      const keyStart = this.at;
      if (!(this.bytes[this.at]! >= 0x30 && this.bytes[this.at]! <= 0x39)) this.fail('a dict key must be a byte string');
      const keyBytes = this.byteString();
      if (previous && compareBytes(previous, keyBytes) >= 0) {
        this.at = keyStart;
        this.fail(compareBytes(previous, keyBytes) === 0 ? 'a repeated dict key' : 'dict keys out of order');
      }
      previous = keyBytes;
      const key = this.text(keyBytes);
      if (typeof key !== 'string') {
        this.at = keyStart;
        this.fail('a dict key that is not UTF-8');
      }
      entries.push([key, this.value(depth + 1)]);
    }
    this.at++;
    // Object.fromEntries defines own properties: a "__proto__" key stays a key.
    return Object.fromEntries(entries);
  }
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Decodes canonical bencode. Byte strings that are valid UTF-8 come back as strings, others as
 * `Uint8Array`; integers as `number` when safe, else `bigint`. Throws {@link BencodeDecodeError}
 * (with the byte offset) for anything else: truncated data, trailing bytes, unsorted or repeated dict
 * keys, non-canonical integers or lengths, dict keys that are not UTF-8, nesting beyond 512 levels.
 */
export function decode(bytes: Uint8Array): BencodeValue {
  if (bytes.length === 0) throw new BencodeDecodeError('the data is empty');
  const reader = new Reader(bytes);
  const value = reader.value(0);
  if (!reader.done()) reader.fail('trailing data after the value');
  return value;
}
