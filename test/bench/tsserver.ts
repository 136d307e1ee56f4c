/**
 * TypeScript's own `tsserver` on the same module, driven as VS Code drives it (`open`, `change`,
 * `geterr`): how long from an edit to its semantic diagnostics. The yardstick for the language server:
 * what an editor already waits for on every keystroke in the same file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/paths';

interface Message { type: string; event?: string; request_seq?: number; success?: boolean; body?: { file?: string } }

/** A tsserver process and the messages it writes (Content-Length framed JSON). */
class TsServer {
  private readonly proc: ChildProcess;
  private buffer = Buffer.alloc(0);
  private seq = 0;
  private listeners: ((m: Message) => void)[] = [];

  constructor() {
    this.proc = spawn(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'lib', 'tsserver.js'), '--disableAutomaticTypingAcquisition'], { stdio: ['pipe', 'pipe', 'ignore'] });
    this.proc.stdout!.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const header = this.buffer.indexOf('\r\n\r\n');
        if (header < 0) return;
        const length = Number(/Content-Length: (\d+)/.exec(this.buffer.subarray(0, header).toString())?.[1]);
        if (this.buffer.length < header + 4 + length) return;
        const body = this.buffer.subarray(header + 4, header + 4 + length).toString();
        this.buffer = this.buffer.subarray(header + 4 + length);
        const message = JSON.parse(body) as Message;
        for (const l of [...this.listeners]) l(message);
      }
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  send(command: string, args: unknown): number {
    const seq = ++this.seq;
    this.proc.stdin!.write(`${JSON.stringify({ seq, type: 'request', command, arguments: args })}\n`);
    return seq;
  }

  /** Resolves with the first message `match` accepts. */
  next(match: (m: Message) => boolean): Promise<Message> {
    return new Promise((resolve) => {
      const l = (m: Message) => {
        if (!match(m)) return;
        this.listeners = this.listeners.filter((x) => x !== l);
        resolve(m);
      };
      this.listeners.push(l);
    });
  }

  async request(command: string, args: unknown): Promise<Message> {
    const seq = this.send(command, args);
    return this.next((m) => m.type === 'response' && m.request_seq === seq);
  }

  stop(): void {
    this.proc.kill();
  }
}

/** A folder where `a-la-mode` resolves to this repository's package (its types), as in a user's project. */
export function tsProject(): { dir: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'alamode-bench-ts-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(repoRoot, 'server', 'a-la-mode'), join(dir, 'node_modules', 'a-la-mode'), 'dir');
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, target: 'es2022', module: 'esnext', moduleResolution: 'bundler', noEmit: true, skipLibCheck: true }, include: ['**/*.ts'] }));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Milliseconds from each edit (the line and 1-based column where one character is inserted) to
 * tsserver's semantic diagnostics of the file, after its first full check.
 */
export async function tsserverEditToDiagnostics(file: string, text: string, edits: readonly { line: number; column: number }[]): Promise<{ firstMs: number; editMs: number[] }> {
  const ts = new TsServer();
  try {
    await ts.request('configure', { preferences: {}, hostInfo: 'alamode-bench' });
    await ts.request('open', { file, fileContent: text, scriptKindName: 'TS' });
    const diagnosed = () => ts.next((m) => m.type === 'event' && m.event === 'semanticDiag' && m.body?.file === file);
    let t0 = performance.now();
    let done = diagnosed();
    ts.send('geterr', { files: [file], delay: 0 });
    await done;
    const firstMs = performance.now() - t0;
    const editMs: number[] = [];
    for (const e of edits) {
      t0 = performance.now();
      done = diagnosed();
      ts.send('change', { file, line: e.line + 1, offset: e.column + 1, endLine: e.line + 1, endOffset: e.column + 1, insertString: 'x' });
      ts.send('geterr', { files: [file], delay: 0 });
      await done;
      editMs.push(performance.now() - t0);
    }
    return { firstMs, editMs };
  } finally {
    ts.stop();
  }
}
