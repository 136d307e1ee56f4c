/**
 * The built server's launcher (`server/src/lsp/launch.ts`) and its V8 code cache, through the server
 * process as an editor starts it: the first server writes the cache once it has analysed a module and
 * gone quiet, the next compiles from it and gives the same lenses, and a cache that is corrupt, of
 * another build, unwritable or turned off never stops the server.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { CodeLensRequest, DidOpenTextDocumentNotification, type CodeLens } from 'vscode-languageserver-protocol/node';
import { fixturesDir, scratchFolder } from '../support/paths';
import { startServerProcess, type ServerProcess } from '../support/serverProcess';

const scratch = scratchFolder('alamode-code-cache-');
after(() => scratch.remove());

const pipeline = join(fixturesDir, 'pipelines', 'collage.alamode.ts');

/** The lenses of the seed's example, as a client that wants every title in the list gets them. */
async function lensTitles(server: ServerProcess): Promise<string[]> {
  const uri = pathToFileURL(pipeline).href;
  await server.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'typescript', version: 1, text: readFileSync(pipeline, 'utf8') } });
  const lenses: CodeLens[] = (await server.connection.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) ?? [];
  return lenses.map((l) => l.command?.title ?? '');
}

/** Starts a server with the cache in `folder`, opens the pipeline, and returns its lenses and log. */
async function session(folder: string, untilLogged?: RegExp): Promise<{ titles: string[]; log: string[]; code: number | null }> {
  const server = await startServerProcess({ env: { ALAMODE_CODE_CACHE: folder } });
  try {
    const titles = await lensTitles(server);
    // The server is quiet 2 s after its analysis; the cache is written then.
    if (untilLogged) await server.logged(untilLogged);
    return { titles, log: [...server.log], code: await server.stop() };
  } finally {
    server.process.kill();
  }
}

const cacheFiles = (folder: string) => (existsSync(folder) ? readdirSync(folder).filter((f) => f.endsWith('.v8cache')) : []);

test('the first server writes the code cache when quiet; the next compiles from it and shows the same lenses', async () => {
  const folder = join(scratch.dir, 'fresh');
  const first = await session(folder, /^code cache written to /);
  assert.ok(first.log.includes('compiled without a code cache: no code cache yet'), first.log.join('\n'));
  assert.ok(first.titles.some((t) => /output [0-9a-f]{12}/.test(t)), first.titles.join('\n'));
  assert.equal(cacheFiles(folder).length, 1);
  const written = first.log.find((m) => m.startsWith('code cache written to '))!;
  assert.equal(written, `code cache written to ${join(folder, cacheFiles(folder)[0]!)}`);

  const second = await session(folder);
  assert.ok(second.log.some((m) => m.startsWith('compiled from the code cache ')), second.log.join('\n'));
  assert.deepEqual(second.titles, first.titles);
  assert.equal(second.code, 0);
  // A server that compiled from the cache leaves it as it is.
  assert.ok(!second.log.some((m) => m.startsWith('code cache written')), second.log.join('\n'));
});

test('a corrupt cache or one of another build: compiled without it, same lenses, and the cache is written again', async () => {
  const folder = join(scratch.dir, 'damaged');
  const reference = await session(folder, /^code cache written to /);
  const file = join(folder, cacheFiles(folder)[0]!);
  const good = readFileSync(file);
  const cases: [string, Buffer, string][] = [
    // The bundle's hash is right, V8's data is not.
    ['V8 data overwritten', Buffer.concat([good.subarray(0, 32), Buffer.alloc(good.length - 32, 0x5a)]), 'compiled without a code cache: V8 rejected the code cache (another Node or other flags)'],
    ['cut short', good.subarray(0, 40), 'compiled without a code cache: V8 rejected the code cache (another Node or other flags)'],
    ['another build of the server', Buffer.concat([Buffer.alloc(32, 1), good.subarray(32)]), 'compiled without a code cache: the code cache was made by another build'],
    ['empty', Buffer.alloc(0), 'compiled without a code cache: the code cache was made by another build'],
  ];
  for (const [what, bytes, said] of cases) {
    writeFileSync(file, bytes);
    const run = await session(folder, /^code cache written to /);
    assert.ok(run.log.includes(said), `${what}: ${run.log.join('\n')}`);
    assert.deepEqual(run.titles, reference.titles, what);
    assert.equal(run.code, 0, what);
    // Written again, for this build (the first 32 bytes are the hash of the bundle it was made from).
    assert.ok(readFileSync(file).subarray(0, 32).equals(good.subarray(0, 32)), what);
    const next = await session(folder);
    assert.ok(next.log.some((m) => m.startsWith('compiled from the code cache ')), `${what}, then: ${next.log.join('\n')}`);
  }
});

test('a cache folder that cannot be made: the server says so and works', async () => {
  const blocker = scratch.write('not-a-folder', 'a file where the cache folder would go');
  const blocked = await session(join(blocker, 'cache'), /^the code cache could not be written/);
  assert.ok(blocked.titles.some((t) => /output [0-9a-f]{12}/.test(t)));
  assert.equal(blocked.code, 0);
});

test("by default the cache is in the user's cache folder ($XDG_CACHE_HOME/alamode); ALAMODE_CODE_CACHE=off writes nothing", { skip: process.platform !== 'linux' && 'the XDG cache folder is for Linux' }, async () => {
  const xdg = join(scratch.dir, 'xdg');
  const byDefault = await startServerProcess({ env: { ALAMODE_CODE_CACHE: '', XDG_CACHE_HOME: xdg } });
  try {
    await lensTitles(byDefault);
    const said = await byDefault.logged(/^code cache written to /);
    assert.equal(said, `code cache written to ${join(xdg, 'alamode', cacheFiles(join(xdg, 'alamode'))[0]!)}`);
    assert.match(said, /\/language-server-[0-9a-f]{16}\.v8cache$/);
  } finally {
    await byDefault.stop();
  }

  const xdgOff = join(scratch.dir, 'xdg-off');
  const off = await startServerProcess({ env: { ALAMODE_CODE_CACHE: 'off', XDG_CACHE_HOME: xdgOff } });
  try {
    assert.ok((await lensTitles(off)).some((t) => /output [0-9a-f]{12}/.test(t)));
    assert.ok(off.log.includes('compiled without a code cache: the code cache is off (ALAMODE_CODE_CACHE=off)'), off.log.join('\n'));
    // Past the quiet moment (2 s after the analysis) a cache would be written at, with room to spare.
    await new Promise((resolve) => setTimeout(resolve, 3500));
    assert.ok(!off.log.some((m) => /code cache (written|could not)/.test(m)), off.log.join('\n'));
    assert.ok(!existsSync(xdgOff));
  } finally {
    await off.stop();
  }
});
