/**
 * The built server over stdio, as Neovim and other editors start it: broken framing ends it with a
 * non-zero exit (so the client restarts it) instead of leaving it alive but deaf (issue 11); a clean
 * shutdown still exits 0.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../support/paths';

const serverPath = join(repoRoot, 'server', 'out', 'languageServer.cjs');

const frame = (message: object) => {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  return Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
};

/**
 * Starts the server, initializes it (waiting for its answer), writes `input` (then leaves stdin open
 * unless `close`), and waits for it to exit.
 */
async function run(input: Buffer, close = false): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const server = spawn(process.execPath, [serverPath, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  server.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
  // A hang guard only: a deaf server never exits by itself.
  const guard = setTimeout(() => server.kill('SIGKILL'), 30_000);
  await new Promise<void>((resolve) => {
    server.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('"id":1,')) resolve();
    });
    server.stdin.write(initialize);
  });
  server.stdin.write(input);
  if (close) server.stdin.end();
  const code = await exited;
  clearTimeout(guard);
  return { code, stderr, stdout };
}

const initialize = frame({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });

for (const [what, header] of [
  ['a Content-Length that is not a number', 'Content-Length: abc\r\n\r\n{}'],
  ['a header without Content-Length', 'Content-Type: application/json\r\n\r\n{}'],
] as const) {
  test(`${what}: the server exits non-zero instead of going deaf`, async () => {
    const r = await run(Buffer.from(header, 'ascii'));
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /unreadable LSP message, exiting/);
    // It was alive and answering before.
    assert.match(r.stdout, /"id":1,"result":\{"capabilities"/);
  });
}

test('initialize, shutdown, exit: exit code 0; stdin closed without shutdown: 1', async () => {
  const clean = await run(Buffer.concat([frame({ jsonrpc: '2.0', id: 2, method: 'shutdown' }), frame({ jsonrpc: '2.0', method: 'exit' })]));
  assert.equal(clean.code, 0, clean.stderr);
  const dropped = await run(Buffer.alloc(0), true);
  assert.equal(dropped.code, 1, dropped.stderr);
});
