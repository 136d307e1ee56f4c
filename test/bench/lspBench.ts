/**
 * Language-server latency over the LSP protocol, against the built server in its own process (as an
 * editor runs it): code lenses after an edit and hovers on a 3,001-task module, and the server's memory.
 * BENCH_NODE_FLAGS passes flags to the server's node, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CodeLensRequest,
  createProtocolConnection,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  ShutdownRequest,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  type ProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';
import { generateLargeModule } from '../analysis/generate';
import { repoRoot } from '../support/paths';

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** The built server in its own process, initialised, over stdio; `stop` ends it the LSP way. */
export async function startServer(): Promise<{ connection: ProtocolConnection; server: ChildProcess; stop: () => Promise<void> }> {
  const server = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ? process.env.BENCH_NODE_FLAGS.split(' ') : []), join(repoRoot, 'server', 'out', 'languageServer.cjs'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = createProtocolConnection(new StreamMessageReader(server.stdout!), new StreamMessageWriter(server.stdin!));
  connection.listen();
  const stop = async () => {
    // End the server the LSP way (so flags like --cpu-prof can write their output), then make sure.
    const exited = new Promise((resolve) => server.once('exit', resolve));
    await connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
    await connection.sendNotification(ExitNotification.type).catch(() => undefined);
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    connection.dispose();
    server.kill();
  };
  await connection.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
  await connection.sendNotification(InitializedNotification.type, {});
  return { connection, server, stop };
}

export async function benchLsp(tasks = 3001): Promise<void> {
  const { connection, server, stop } = await startServer();
  try {
    const text = generateLargeModule(tasks);
    const lines = text.split('\n');
    const uri = pathToFileURL(join(repoRoot, 'bench.alamode.ts')).href;
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'typescript', version: 1, text } });

    const t0 = performance.now();
    const first = await connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    const firstMs = performance.now() - t0;

    // Edits: change a spec string near the top (invalidating everything downstream), then ask for lenses.
    const editLine = lines.findIndex((l) => l.includes('dag.task('));
    const column = lines[editLine]!.indexOf("'", lines[editLine]!.indexOf('sha')) + 1;
    const lensMs: number[] = [];
    for (let version = 2; version < 32; version++) {
      const start = performance.now();
      await connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version },
        contentChanges: [{ range: { start: { line: editLine, character: column }, end: { line: editLine, character: column } }, text: 'x' }],
      });
      const lenses = await connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
      lensMs.push(performance.now() - start);
      if (!lenses || lenses.length !== first!.length) throw new Error(`expected ${first!.length} lenses, got ${lenses?.length}`);
    }

    // Hovers on task variables all over the module (same version: served from the cached analysis).
    const hoverMs: number[] = [];
    const taskLines = lines.map((l, i) => (/^const \w+ = dag\.task\(/.test(l) ? i : -1)).filter((i) => i >= 0);
    for (let k = 0; k < 60; k++) {
      const line = taskLines[Math.floor((k * taskLines.length) / 60)]!;
      const start = performance.now();
      const hover = await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character: 'const '.length + 1 } });
      hoverMs.push(performance.now() - start);
      if (!hover) throw new Error(`no hover on line ${line + 1}`);
    }

    console.log(`\n## language server over LSP (stdio, separate process): ${tasks}-task module, ${lines.length} lines`);
    console.log(`first code lenses (open + analyse + encode): ${firstMs.toFixed(0)} ms, ${first!.length} lenses`);
    console.log(`code lenses after an edit: p50 ${percentile(lensMs, 0.5).toFixed(1)} ms, p90 ${percentile(lensMs, 0.9).toFixed(1)} ms (ceiling 150 ms)`);
    console.log(`hover: p50 ${percentile(hoverMs, 0.5).toFixed(2)} ms, p90 ${percentile(hoverMs, 0.9).toFixed(2)} ms (ceiling 20 ms)`);
    console.log(`server memory (RSS): ${rssMb(server.pid!).toFixed(0)} MB`);
  } finally {
    await stop();
  }
}
