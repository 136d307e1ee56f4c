/**
 * Canonical bencode (BEP-3): the exact bytes that output IDs are hashed from.
 *
 * The encoder is written here rather than taken from the `bencode` package because that package's
 * encoder sorts dict keys by UTF-16 code units (BEP-3 wants their raw UTF-8 bytes), silently drops
 * `null` and truncates floats: each of those would produce a different (wrong) output ID.
 *
 * Decoding uses the `bencode` package, with two guards: its integer reader accumulates in a double
 * (wrong beyond 2^53) so it is replaced by an exact one, and every decode is re-encoded and compared
 * byte for byte with the input, so non-canonical or lossy input is refused instead of misread.
 */
import bencodePackage from 'bencode';
import { checkValue, formatPath, isPlainObject, type BencodeDict, type BencodeValue } from './values';

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

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
  sink.text('d');
  for (const key of Object.keys(d).sort(compareUtf8)) {
    writeString(sink, key);
    writeValue(sink, d[key]!);
  }
  sink.text('e');
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

/** The slice of the `bencode` package's decoder state that its integer reader uses. */
interface PackageDecoder {
  (data: Uint8Array): unknown;
  data: Uint8Array;
  position: number;
  integer: () => number | bigint;
}

const packageDecode = bencodePackage.decode as unknown as PackageDecoder;

/**
 * Exact integer reader for the package's decoder: digits only, no leading zeros, no `-0`, returning a
 * `number` when it is a safe integer and a `bigint` otherwise (the package's own reader sums in a double
 * and stops silently at a '.').
 */
function readExactInteger(this: void): number | bigint {
  const d = packageDecode.data;
  const start = packageDecode.position + 1;
  let end = start;
  while (end < d.length && d[end] !== 0x65 /* e */) end++;
  if (end >= d.length) throw new BencodeDecodeError(`integer at byte ${start - 1} has no end`);
  let text = '';
  for (let i = start; i < end; i++) text += String.fromCharCode(d[i]!);
  if (!/^(0|-?[1-9][0-9]*)$/.test(text)) {
    throw new BencodeDecodeError(`integer at byte ${start - 1} is not canonical: i${text}e`);
  }
  packageDecode.position = end + 1;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : BigInt(text);
}
packageDecode.integer = readExactInteger;

/**
 * Turns decoded byte strings into JavaScript strings where they are valid UTF-8 (everything an
 * a-la-mode DAG writes), keeping other byte strings as `Uint8Array` so re-encoding gives the same bytes.
 */
function textify(v: unknown): BencodeValue {
  if (v instanceof Uint8Array) {
    try {
      return utf8Strict.decode(v);
    } catch {
      return v;
    }
  }
  if (Array.isArray(v)) return v.map(textify);
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, textify(x)]));
  }
  throw new BencodeDecodeError('unexpected value in decoded data');
}

/**
 * Decodes canonical bencode. Byte strings that are valid UTF-8 come back as strings. Throws
 * {@link BencodeDecodeError} for anything else: truncated data, trailing bytes, unsorted or repeated
 * dict keys, non-canonical integers, or dict keys that are not UTF-8.
 */
export function decode(bytes: Uint8Array): BencodeValue {
  if (bytes.length === 0) throw new BencodeDecodeError('the data is empty');
  let raw: unknown;
  try {
    raw = packageDecode(bytes);
  } catch (e) {
    if (e instanceof BencodeDecodeError) throw e;
    throw new BencodeDecodeError(`not bencode: ${(e as Error).message}`);
  }
  let value: BencodeValue;
  try {
    value = textify(raw);
  } catch (e) {
    throw new BencodeDecodeError(`not bencode: ${(e as Error).message}`);
  }
  const again = encode(value);
  if (!sameBytes(again, bytes)) {
    throw new BencodeDecodeError(describeMismatch(again, bytes));
  }
  return value;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function describeMismatch(canonical: Uint8Array, input: Uint8Array): string {
  let i = 0;
  while (i < canonical.length && i < input.length && canonical[i] === input[i]) i++;
  if (i === canonical.length && input.length > canonical.length) {
    return `trailing data after byte ${i} (${input.length - i} bytes)`;
  }
  if (i >= input.length) return `the data ends too early (truncated after ${input.length} bytes)`;
  return `not canonical bencode at byte ${i} (dict keys unsorted or repeated, a non-UTF-8 key, or a truncated string)`;
}
