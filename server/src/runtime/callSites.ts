/**
 * Call sites from V8 stack traces, so the CLI can say `file:line:col` for a problem found by running
 * a module. Capturing is cheap: V8 formats the trace only when `.stack` is read.
 */
export interface CallSite {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** Holds a captured stack; read `.stack` only when the location is needed. */
export class StackHolder {
  declare stack: string;
}

/** Captures the stack of whoever called `above` (frames from `above` inwards are left out). */
export function capture(above: Function): StackHolder {
  const holder = new StackHolder();
  Error.captureStackTrace(holder, above);
  return holder;
}

const FRAME = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?$/;

/** Parses one `    at fn (file:line:col)` line. */
export function parseFrame(line: string): CallSite | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith('at ')) return undefined;
  const m = FRAME.exec(trimmed);
  if (!m) return undefined;
  return { file: m[1]!.replace(/^file:\/\//, ''), line: Number(m[2]), column: Number(m[3]) };
}

/** The first frame of a stack accepted by `keep` (by default, the first frame). */
export function firstFrame(stack: string | undefined, keep: (site: CallSite) => boolean = () => true): CallSite | undefined {
  for (const line of (stack ?? '').split('\n')) {
    const site = parseFrame(line);
    if (site && keep(site)) return site;
  }
  return undefined;
}
