// `npm start`: the extension from this working tree, running in a real VS Code (code-server, the same
// one the tests use, installed on first use), on a copy of examples/ made into a git repository with
// every pipeline's .dag committed and one edit left uncommitted, so the lenses and the invalidation
// panel have something to show at once. Prints the URL to open; Ctrl-C stops everything it started.
//
//   npm start [-- --port N] [--host 127.0.0.1] [--no-build] [--keep]
//
// Plain JavaScript (ES module) on Node 20+; code-server runs on the Node 24 the installer provides.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_USER_SETTINGS, freePort, httpStatus, killGroup, sleep, testCacheDir } from '../../test/vscode/runInCodeServer.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'server', 'out', 'cli.cjs');
const say = (line) => process.stdout.write(`start: ${line}\n`);
const fail = (line) => {
  process.stderr.write(`start: error: ${line}\n`);
  process.exit(1);
};

/**
 * The edit left uncommitted in the example workspace: the seed's own (blur's code changes, so blur and
 * collage re-key; download_images and edge_enhance keep their IDs).
 */
export const UNCOMMITTED_EDIT = { file: 'pipelines/collage.alamode.ts', from: "sha: '6f09d'", to: "sha: 'qwetr3'" };

const { values: options } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    'no-build': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false }, // keep the example workspace after Ctrl-C
  },
});

/** Runs a step whose output the user should see (build, install); fails with one line if it fails. */
function step(what, command, args, extra = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...extra });
  if (result.error) fail(`${what}: ${result.error.message}`);
  if (result.status !== 0) fail(`${what} failed (exit ${result.status ?? result.signal}); see the lines above`);
}

/** tools.json as the installer wrote it, or undefined when code-server is not (fully) installed. */
function readTools() {
  try {
    const tools = JSON.parse(fs.readFileSync(path.join(testCacheDir(), 'tools.json'), 'utf8'));
    return fs.existsSync(tools.node24) && fs.existsSync(tools.codeServerEntry) ? tools : undefined;
  } catch {
    return undefined;
  }
}

/** A copy of examples/ as a git repository: .dag files committed, then one edit left uncommitted. */
function makeExampleWorkspace() {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'alamode-examples-'));
  fs.cpSync(path.join(root, 'examples'), ws, { recursive: true });
  const git = (...args) => execFileSync('git', args, { cwd: ws, stdio: 'pipe' });
  const modules = fs.readdirSync(ws, { recursive: true }).filter((f) => String(f).endsWith('.alamode.ts')).sort();
  for (const module of modules) {
    // The CLI runs the module for real: the committed .dag is exactly what an engine would read.
    const run = spawnSync(process.execPath, [cli, 'encode', module], { cwd: ws, encoding: 'utf8' });
    if (run.status !== 0) fail(`alamode encode examples/${module}: ${(run.stderr || run.error?.message || '').trim()}`);
  }
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'you@example.com');
  git('config', 'user.name', 'A La Mode example');
  git('add', '.');
  git('commit', '-qm', 'Example pipelines and their encoded DAGs');
  const file = path.join(ws, UNCOMMITTED_EDIT.file);
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes(UNCOMMITTED_EDIT.from)) fail(`examples/${UNCOMMITTED_EDIT.file} no longer contains ${UNCOMMITTED_EDIT.from}`);
  fs.writeFileSync(file, text.replace(UNCOMMITTED_EDIT.from, UNCOMMITTED_EDIT.to));
  return { ws, modules };
}

async function main() {
  if (!options['no-build']) {
    say('building the extension, the language server and the CLI');
    step('npm run build', process.execPath, [path.join(root, 'esbuild.mjs')]);
  }
  if (!fs.existsSync(path.join(root, 'client', 'out', 'extension.cjs'))) fail('client/out/extension.cjs is missing: run `npm install` first');

  let tools = readTools();
  if (!tools) {
    say('installing code-server (first use only; it takes a few minutes)');
    step('installing code-server', 'bash', [path.join(root, 'test', 'tools', 'ensure-test-tools.sh'), '--code-server-only']);
    tools = readTools();
    if (!tools) fail(`the installer ran but ${path.join(testCacheDir(), 'tools.json')} names no code-server`);
  }

  const { ws, modules } = makeExampleWorkspace();
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'alm-start-'));
  // The extension from this working tree: VS Code loads what the extensions folder links to, so a
  // rebuild (`npm run watch`) and "Developer: Reload Window" pick up changes without a reinstall.
  const extensionsDir = path.join(scratch, 'extensions');
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.symlinkSync(root, path.join(extensionsDir, `${manifest.publisher}.${manifest.name}-${manifest.version}`), 'dir');
  const userDataDir = path.join(scratch, 'user-data');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_USER_SETTINGS, 'git.autoRepositoryDetection': true, 'workbench.startupEditor': 'readme' }, null, 2),
  );
  const port = options.port ? Number(options.port) : await freePort();
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port ${options.port} is not a port number`);
  const config = path.join(scratch, 'config.yaml');
  fs.writeFileSync(config, `bind-addr: ${options.host}:${port}\nauth: none\ncert: false\n`);
  const xdg = Object.fromEntries(['CONFIG', 'DATA', 'CACHE', 'STATE'].map((k) => [`XDG_${k}_HOME`, path.join(scratch, 'xdg', k.toLowerCase())]));
  const env = { ...process.env, ...xdg };
  for (const k of Object.keys(env)) if (k.startsWith('npm_') || k === 'NODE_OPTIONS' || k.startsWith('VSCODE_')) delete env[k];

  const server = spawn(
    tools.node24,
    [
      tools.codeServerEntry,
      '--config', config,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      ws,
    ],
    { cwd: ws, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] }, // own process group: Ctrl-C ends all of it
  );
  const tail = [];
  const keep = (chunk) => {
    for (const line of String(chunk).split('\n')) if (line.trim()) tail.push(line) > 40 && tail.shift();
  };
  server.stdout.on('data', keep);
  server.stderr.on('data', keep);

  let stopping = false;
  const stop = (code) => {
    if (stopping) return;
    stopping = true;
    killGroup(server, 'SIGTERM');
    const done = () => {
      killGroup(server, 'SIGKILL');
      fs.rmSync(scratch, { recursive: true, force: true });
      if (!options.keep) fs.rmSync(ws, { recursive: true, force: true });
      else say(`kept the example workspace: ${ws}`);
      process.exit(code);
    };
    if (server.exitCode !== null || server.signalCode !== null) done();
    else {
      server.once('exit', done);
      setTimeout(done, 5000).unref();
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => stop(0));
  server.once('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`start: error: code-server stopped (exit ${code ?? signal}); its last lines:\n${tail.map((l) => `  | ${l}`).join('\n')}\n`);
    stop(1);
  });

  const url = `http://${options.host}:${port}`;
  const deadline = Date.now() + 60_000;
  while ((await httpStatus(`${url}/healthz`, 1000)) !== 200) {
    if (stopping) return;
    if (Date.now() > deadline) {
      process.stderr.write(`start: error: code-server did not answer on ${url} within 60 s; its last lines:\n${tail.map((l) => `  | ${l}`).join('\n')}\n`);
      stop(1);
      return;
    }
    await sleep(200);
  }
  const open = `${url}/?folder=${encodeURIComponent(ws)}`;
  say(`VS Code (code-server ${tools.codeServerVersion ?? ''}) with A La Mode from ${root}`);
  say(`example workspace: ${ws} (a git repository: ${modules.length} pipelines with their .dag committed, ${UNCOMMITTED_EDIT.file} edited)`);
  say(`open ${open}`);
  say('then open a pipeline for its output-ID lenses, and the A La Mode view in the activity bar for what the edit invalidates. Ctrl-C stops it.');
}

await main();
