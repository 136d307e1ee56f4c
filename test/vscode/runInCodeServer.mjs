// Runs a VS Code extension's integration tests inside a real VS Code on a machine that cannot
// download VS Code: code-server (VS Code's server + web workbench, installed from npm by
// test/tools/ensure-test-tools.sh) driven by Debian's Chromium through playwright-core.
// See test/vscode/README.md.
//
// Library:  const code = await runInCodeServer({ extensionDevelopmentPath, extensionTestsPath, workspace })
// CLI:      node test/vscode/runInCodeServer.mjs --extension <dir> --tests <file> --workspace <dir>
//                [--screenshots <dir>] [--timeout <ms>] [--restricted] [--verbose]
//
// Plain JavaScript (ES module), runs on Node 20+. code-server itself runs on the Node 24 from tools.json.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ENSURE_SCRIPT = path.resolve(HERE, '..', 'tools', 'ensure-test-tools.sh');
const PREFIX = '[code-server-runner]';

/** Exit code returned when the tests did not finish within timeoutMs. */
export const TIMEOUT_EXIT_CODE = 124;

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
];

// User settings for the fresh profile: keep the workbench quiet and offline-friendly.
// Callers add or override keys with the `settings` option.
export const DEFAULT_USER_SETTINGS = {
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.startupEditor': 'none',
  'workbench.enableExperiments': false,
  'workbench.tips.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'git.autoRepositoryDetection': false,
};

// Workbench log lines (not the extension host's console) that say nothing about the tests:
// dropped from `log` unless verbose. Everything else is forwarded.
export const NOISE_PATTERNS = [
  /^Resolving connection token /,
  /^Resolved connection token /,
  /^Creating a socket \(/,
  /^\[reconnection-grace-time\]/,
  /^\[AgentHost/,
  /^\[ChatModelSelection\]/,
  /^\[AccountPolicyGate\]/,
  /^\[Service Worker\] registered/,
  /^Updating additional builtin extensions cache/,
  /^Timed out waiting for authentication provider 'github'/,
  /getaddrinfo (ENOTFOUND|EAI_AGAIN)/,
  /^\[driver\] /,
  /^Creation of workbench contribution '.*' took \d+ms\.$/,
];

/** The cache folder ensure-test-tools.sh installs into. */
export function testCacheDir() {
  return process.env.ALAMODE_TEST_CACHE || path.join(os.homedir(), '.cache', 'alamode-test');
}

/**
 * Reads ${cache}/tools.json, running test/tools/ensure-test-tools.sh first when it is missing
 * or names files that are gone. Returns { node24, codeServerEntry, chromium, nvim, ... }.
 */
export async function loadTestTools({ log = console.log } = {}) {
  const file = path.join(testCacheDir(), 'tools.json');
  const read = () => {
    try {
      const tools = JSON.parse(fs.readFileSync(file, 'utf8'));
      const ok = ['node24', 'codeServerEntry', 'chromium', 'nvim'].every(
        (k) => typeof tools[k] === 'string' && fs.existsSync(tools[k]),
      );
      return ok ? tools : undefined;
    } catch {
      return undefined;
    }
  };
  let tools = read();
  if (!tools) {
    log(`${PREFIX} ${file} missing or stale: running ${ENSURE_SCRIPT}`);
    // Lines go to `log` as they come: a first install takes a few minutes.
    const status = await new Promise((resolve, reject) => {
      const child = spawn('bash', [ENSURE_SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
      const forward = (stream) => {
        let rest = '';
        stream.on('data', (chunk) => {
          const lines = (rest + chunk).split('\n');
          rest = lines.pop();
          for (const line of lines) if (line.trim()) log(line);
        });
        stream.on('end', () => rest.trim() && log(rest));
      };
      forward(child.stdout);
      forward(child.stderr);
      child.on('error', reject);
      child.on('close', (code, signal) => resolve(code ?? signal));
    });
    if (status !== 0) throw new Error(`${ENSURE_SCRIPT} failed (exit ${status})`);
    tools = read();
    if (!tools) throw new Error(`${ENSURE_SCRIPT} ran but ${file} is still missing or incomplete`);
  }
  return tools;
}

async function loadPlaywright() {
  try {
    return await import('playwright-core');
  } catch (err) {
    if (err && (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND')) {
      throw new Error(
        'playwright-core is not installed: it is a devDependency of this repository, run `npm install` (or `npm ci`) first',
      );
    }
    throw err;
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

export function httpStatus(url, timeoutMs) {
  return new Promise((resolve) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

/** Resolves with the value of `promise`, or rejects with `message` after `ms`. */
function withTimeout(promise, ms, message) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

// Runs that are in progress, so SIGINT/SIGTERM and process exit can clean them up.
const activeRuns = new Set();
let signalHandlersInstalled = false;

function onSignal(signal) {
  const code = signal === 'SIGINT' ? 130 : 143;
  const runs = [...activeRuns];
  Promise.allSettled(runs.map((r) => r.cleanup(`received ${signal}`)))
    .finally(() => process.exit(code));
  // A second signal, or cleanup hanging: do the synchronous part and leave.
  setTimeout(() => process.exit(code), 10000).unref();
}

function onExit() {
  for (const r of activeRuns) r.cleanupSync();
}

function installSignalHandlers() {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.on('exit', onExit);
}

function removeSignalHandlersIfIdle() {
  if (!signalHandlersInstalled || activeRuns.size) return;
  signalHandlersInstalled = false;
  process.removeListener('SIGINT', onSignal);
  process.removeListener('SIGTERM', onSignal);
  process.removeListener('exit', onExit);
}

/** Signals the child's whole process group (it was spawned detached); says whether the leader was still running. */
export function killGroup(child, signal) {
  if (!child || !child.pid) return false;
  const leaderAlive = child.exitCode === null && child.signalCode === null;
  try {
    process.kill(-child.pid, signal); // the group can outlive its leader (extension host, pty host)
  } catch {
    if (leaderAlive) {
      try {
        child.kill(signal);
      } catch {}
    }
  }
  return leaderAlive;
}

function formatLogMessage(message) {
  const parts = Array.isArray(message) ? message : [message];
  return parts
    .map((p) => {
      if (typeof p === 'string') return p;
      try {
        return JSON.stringify(p);
      } catch {
        return String(p);
      }
    })
    .join(' ');
}

function sanitizeName(name) {
  return name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '') || 'screenshot';
}

/**
 * Starts code-server with the extension under development, opens it in headless Chromium, runs the
 * extension test module inside VS Code's extension host and returns its exit code
 * (0 when the module's run() resolved, non-zero when it rejected, TIMEOUT_EXIT_CODE on timeout).
 * Throws when the harness itself cannot start (tools, code-server, browser).
 *
 * @param {object} o
 * @param {string|string[]} o.extensionDevelopmentPath  folder(s) with the extension's package.json
 * @param {string} o.extensionTestsPath  module exporting run(): Promise<void> (as for @vscode/test-electron)
 * @param {string} [o.workspace]  folder (or .code-workspace file) to open
 * @param {string} [o.screenshotDir]  where to write screenshots (workbench.png at the end) and VS Code's logs
 * @param {number} [o.timeoutMs=180000]  bound on the tests (from page open to exit)
 * @param {(line: string) => void} [o.log=console.log]
 * @param {boolean} [o.restricted=false]  leave workspace trust on (Restricted Mode) instead of --disable-workspace-trust
 * @param {Record<string,string>} [o.env]  extra environment for code-server and so for the extension host
 * @param {Record<string,unknown>} [o.settings]  user settings, merged over DEFAULT_USER_SETTINGS
 * @param {boolean} [o.verbose]  also forward code-server's output and the page's console (default: env ALAMODE_VSCODE_VERBOSE=1)
 * @param {{width:number,height:number}} [o.viewport={width:1400,height:900}]
 * @param {number} [o.startTimeoutMs=60000]  bound on code-server answering HTTP and the workbench loading
 */
export async function runInCodeServer({
  extensionDevelopmentPath,
  extensionTestsPath,
  workspace,
  screenshotDir,
  timeoutMs = 180000,
  log = console.log,
  restricted = false,
  env: extraEnv = {},
  settings = {},
  verbose = process.env.ALAMODE_VSCODE_VERBOSE === '1',
  viewport = { width: 1400, height: 900 },
  startTimeoutMs = 60000,
} = {}) {
  const say = (msg) => log(`${PREFIX} ${msg}`);
  if (!extensionDevelopmentPath) throw new Error('runInCodeServer: extensionDevelopmentPath is required');
  if (!extensionTestsPath) throw new Error('runInCodeServer: extensionTestsPath is required');
  const devPaths = (Array.isArray(extensionDevelopmentPath) ? extensionDevelopmentPath : [extensionDevelopmentPath])
    .map((p) => path.resolve(p));
  const testsPath = path.resolve(extensionTestsPath);
  const workspacePath = workspace ? path.resolve(workspace) : undefined;
  for (const p of [...devPaths, testsPath, ...(workspacePath ? [workspacePath] : [])]) {
    if (!fs.existsSync(p)) throw new Error(`runInCodeServer: ${p} does not exist`);
  }
  const shotDir = screenshotDir ? path.resolve(screenshotDir) : undefined;
  if (shotDir) await fsp.mkdir(shotDir, { recursive: true });

  const t0 = Date.now();
  const since = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const tools = await loadTestTools({ log });
  const { chromium } = await loadPlaywright();

  // Short name: code-server puts unix sockets (108-byte path limit) under TMPDIR, which is inside it.
  const tmpRoot = await fsp.mkdtemp(path.join(os.tmpdir(), 'alm-cs-'));
  const requestsDir = path.join(tmpRoot, 'screenshot-requests');
  // HOME-like dirs for code-server and Chromium, so nothing lands in ~/.config, ~/.local or ~/.cache
  // and no socket stays behind in /tmp.
  const isolatedEnv = {
    TMPDIR: path.join(tmpRoot, 't'),
    XDG_CONFIG_HOME: path.join(tmpRoot, 'xdg', 'config'),
    XDG_DATA_HOME: path.join(tmpRoot, 'xdg', 'data'),
    XDG_CACHE_HOME: path.join(tmpRoot, 'xdg', 'cache'),
    XDG_STATE_HOME: path.join(tmpRoot, 'xdg', 'state'),
  };
  const userDataDir = path.join(tmpRoot, 'user-data');
  const extensionsDir = path.join(tmpRoot, 'extensions');
  const configFile = path.join(tmpRoot, 'config.yaml');

  /** @type {import('node:child_process').ChildProcess | undefined} */
  let server;
  let browser;
  let page;
  let pollTimer;
  let cleanedUp = false;
  const serverTail = []; // last lines of code-server's output, shown when something fails

  const run = {
    cleanupSync() {
      if (cleanedUp) return;
      cleanedUp = true;
      clearInterval(pollTimer);
      killGroup(server, 'SIGKILL');
      try {
        fs.rmSync(tmpRoot, { recursive: true, force: true });
      } catch {}
    },
    async cleanup(reason) {
      if (cleanedUp) return;
      if (reason) say(`cleaning up (${reason})`);
      clearInterval(pollTimer);
      if (browser) {
        await withTimeout(browser.close(), 10000, 'browser.close timed out').catch((e) => say(String(e.message)));
      }
      if (server && killGroup(server, 'SIGTERM')) {
        const exited = new Promise((r) => server.once('exit', r));
        await withTimeout(exited, 5000, 'code-server did not exit on SIGTERM').catch(() => {});
      }
      killGroup(server, 'SIGKILL'); // whatever of the group is left
      cleanedUp = true;
      await fsp.rm(tmpRoot, { recursive: true, force: true }).catch(() => {});
    },
  };
  activeRuns.add(run);
  installSignalHandlers();

  try {
    await Promise.all(
      [requestsDir, userDataDir, extensionsDir, ...Object.values(isolatedEnv)].map((d) => fsp.mkdir(d, { recursive: true })),
    );
    await fsp.mkdir(path.join(userDataDir, 'User'), { recursive: true });
    await fsp.writeFile(
      path.join(userDataDir, 'User', 'settings.json'),
      JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...settings }, null, 2),
    );

    // ---------------------------------------------------------------- code-server
    const port = await freePort();
    await fsp.writeFile(configFile, `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
    const args = [
      tools.codeServerEntry,
      '--config', configFile,
      '--disable-telemetry',
      '--disable-update-check',
      ...(restricted ? [] : ['--disable-workspace-trust']),
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
      '--vscode-option', 'enable-smoke-test-driver',
      ...(workspacePath ? [workspacePath] : []),
    ];
    const env = { ...process.env };
    // Variables meant for this Node or an enclosing VS Code must not leak into code-server.
    for (const k of Object.keys(env)) {
      if (k === 'NODE_OPTIONS' || k === 'ELECTRON_RUN_AS_NODE' || k.startsWith('VSCODE_')) delete env[k];
    }
    Object.assign(env, isolatedEnv, extraEnv, { ALAMODE_SCREENSHOT_REQUESTS: requestsDir });
    server = spawn(tools.node24, args, {
      cwd: workspacePath && fs.statSync(workspacePath).isDirectory() ? workspacePath : tmpRoot,
      env,
      detached: true, // own process group: we end the whole group
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const onServerOutput = (chunk) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        serverTail.push(line);
        if (serverTail.length > 60) serverTail.shift();
        if (verbose) log(`[code-server] ${line}`);
      }
    };
    server.stdout.on('data', onServerOutput);
    server.stderr.on('data', onServerOutput);
    const serverExited = new Promise((resolve) => server.once('exit', (code, signal) => resolve({ code, signal })));
    server.once('error', (e) => serverTail.push(`spawn error: ${e.message}`));
    const failWithServerTail = (msg) => {
      const tail = serverTail.slice(-25).map((l) => `  | ${l}`).join('\n');
      return new Error(`${msg}${tail ? `\nlast code-server output:\n${tail}` : ''}`);
    };

    const base = `http://127.0.0.1:${port}`;
    const readyDeadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (server.exitCode !== null || server.signalCode !== null) {
        throw failWithServerTail(`code-server exited before answering (exit ${server.exitCode ?? server.signalCode})`);
      }
      if ((await httpStatus(`${base}/healthz`, 1000)) === 200) break;
      if (Date.now() > readyDeadline) {
        throw failWithServerTail(`code-server did not answer on ${base} within ${startTimeoutMs} ms`);
      }
      await sleep(100);
    }
    say(`code-server ${tools.codeServerVersion ?? ''} answering on ${base} after ${since()}`);

    // ---------------------------------------------------------------- browser
    browser = await chromium.launch({
      executablePath: tools.chromium,
      headless: true,
      args: CHROMIUM_ARGS,
      env: { ...process.env, ...isolatedEnv },
    });
    const context = await browser.newContext({ viewport });
    page = await context.newPage();

    let settle;
    const finished = new Promise((resolve) => (settle = resolve));
    // Everything the workbench logs at info level and above, which includes every console line
    // of the extension host (the test module, mocha, the extension under test).
    await page.exposeFunction('codeAutomationLog', (level, message) => {
      const text = formatLogMessage(message);
      if (!verbose && NOISE_PATTERNS.some((re) => re.test(text))) return;
      log(level === 'info' ? `[vscode] ${text}` : `[vscode:${level}] ${text}`);
    });
    await page.exposeFunction('codeAutomationExit', async (code, logs) => {
      if (shotDir && Array.isArray(logs)) {
        // VS Code's own log files (extension host, window, remote agent ...), handy after a failure.
        for (const { relativePath, contents } of logs) {
          const target = path.join(shotDir, 'logs', relativePath);
          if (!target.startsWith(path.join(shotDir, 'logs') + path.sep)) continue;
          await fsp.mkdir(path.dirname(target), { recursive: true }).catch(() => {});
          await fsp.writeFile(target, contents).catch(() => {});
        }
      }
      settle({ kind: 'exit', code: typeof code === 'number' ? code : 1 });
    });
    page.on('crash', () => settle({ kind: 'error', message: 'the browser page crashed' }));
    page.on('close', () => settle({ kind: 'error', message: 'the browser page closed' }));
    if (verbose) page.on('console', (m) => log(`[browser:${m.type()}] ${m.text()}`));
    serverExited.then(({ code, signal }) =>
      settle({ kind: 'error', message: `code-server exited during the run (exit ${code ?? signal})` }),
    );

    // Screenshot requests from inside the extension host: <requestsDir>/<name>.request -> <name>.png
    // (the request may ask for a click first, and for the DOM of every frame)
    let busy = false;
    const takeRequested = async () => {
      if (busy) return;
      busy = true;
      try {
        const names = (await fsp.readdir(requestsDir)).filter((f) => f.endsWith('.request'));
        for (const file of names) {
          const name = sanitizeName(file.slice(0, -'.request'.length));
          const requestFile = path.join(requestsDir, file);
          let opts = {};
          try {
            const body = (await fsp.readFile(requestFile, 'utf8')).trim();
            if (body) opts = JSON.parse(body);
          } catch {}
          await fsp.rm(requestFile, { force: true });
          const marker = path.join(requestsDir, `${name}.png`);
          await fsp.rm(marker, { force: true }); // a name used twice: the old answer goes first
          await fsp.rm(path.join(requestsDir, `${name}.error`), { force: true });
          await fsp.rm(path.join(requestsDir, `${name}.frames.json`), { force: true });
          const out = shotDir ? path.join(shotDir, `${name}.png`) : path.join(requestsDir, `${name}.tmp.png`);
          try {
            // Let the workbench paint what the test just did.
            await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
            if (opts.click) {
              // A user's click on the first element matching the selector, in whichever frame has one
              // (webviews are nested iframes the extension host cannot reach).
              let clicked = false;
              for (const frame of page.frames()) {
                const element = await frame.$(opts.click).catch(() => null);
                if (!element) continue;
                await element.click();
                clicked = true;
                break;
              }
              if (!clicked) throw new Error(`nothing matches ${opts.click} in any frame`);
            }
            if (opts.frames) {
              // The DOM of every frame (webviews are nested iframes), so tests can assert on what a
              // webview shows. Taken before the screenshot, so the picture is at least as new as the DOM the test
              // asserts on; written before the marker, so it is there when the test sees the marker.
              const frames = [];
              for (const frame of page.frames()) {
                const content = await frame
                  .evaluate(() => ({ url: location.href, title: document.title, html: document.body ? document.body.innerHTML : '', text: document.body ? document.body.innerText : '' }))
                  .catch(() => undefined);
                if (content) frames.push(content);
              }
              await fsp.writeFile(path.join(requestsDir, `${name}.frames.json`), JSON.stringify(frames));
            }
            await page.screenshot({ path: out, fullPage: opts.fullPage !== false });
            await fsp.copyFile(out, `${marker}.partial`);
            await fsp.rename(`${marker}.partial`, marker); // appears whole, never half-written
            if (!shotDir) await fsp.rm(out, { force: true });
            say(`screenshot "${name}"${shotDir ? ` -> ${out}` : ''} (requested by the tests)`);
          } catch (e) {
            await fsp.writeFile(path.join(requestsDir, `${name}.error`), String(e && e.message ? e.message : e));
            say(`screenshot "${name}" failed: ${e && e.message ? e.message : e}`);
          }
        }
      } catch {
        // requests dir gone (cleanup) or page closed: nothing to do
      } finally {
        busy = false;
      }
    };
    pollTimer = setInterval(takeRequested, 100);

    // ---------------------------------------------------------------- open the workbench with the test payload
    const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
    const payload = [
      ...devPaths.map((p) => ['extensionDevelopmentPath', remote(p)]),
      ['extensionTestsPath', remote(testsPath)],
      ['skipWelcome', 'true'],
    ];
    const query = new URLSearchParams();
    if (workspacePath) query.set(workspacePath.endsWith('.code-workspace') ? 'workspace' : 'folder', workspacePath);
    query.set('payload', JSON.stringify(payload));
    const pageUrl = `${base}/?${query}`;

    const loadTimeout = Math.max(1000, readyDeadline - Date.now() + 30000);
    await page.goto(pageUrl, { waitUntil: 'load', timeout: loadTimeout });
    await page.waitForSelector('.monaco-workbench', { timeout: loadTimeout }).catch(() => {
      say('warning: no .monaco-workbench element yet; going on waiting for the tests');
    });
    const pageLoadedAt = Date.now();
    say(`workbench loaded after ${since()}; running ${testsPath}`);

    let timer;
    const timedOut = new Promise((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
    });
    const outcome = await Promise.race([finished, timedOut]);
    clearTimeout(timer);
    await takeRequested(); // any request written just before the end

    const testSeconds = ((Date.now() - pageLoadedAt) / 1000).toFixed(1);
    let exitCode;
    if (outcome.kind === 'exit') {
      exitCode = outcome.code;
      say(`tests exited with code ${exitCode} after ${testSeconds}s (total ${since()})`);
    } else if (outcome.kind === 'timeout') {
      exitCode = TIMEOUT_EXIT_CODE;
      say(`FAILED: TIMEOUT: the tests did not finish within ${timeoutMs} ms (run() neither resolved nor rejected); ` +
        `exit code ${TIMEOUT_EXIT_CODE}`);
    } else {
      throw failWithServerTail(outcome.message);
    }

    if (shotDir && !page.isClosed()) {
      const file = path.join(shotDir, outcome.kind === 'timeout' ? 'timeout.png' : 'workbench.png');
      await page.screenshot({ path: file, fullPage: true }).then(
        () => say(`screenshot -> ${file}`),
        (e) => say(`final screenshot failed: ${e.message}`),
      );
    }
    if (exitCode !== 0 && serverTail.length && !verbose) {
      say('last code-server output:');
      for (const l of serverTail.slice(-15)) log(`  | ${l}`);
    }
    return exitCode;
  } catch (err) {
    if (shotDir && page && !page.isClosed()) {
      await page.screenshot({ path: path.join(shotDir, 'error.png'), fullPage: true }).catch(() => {});
    }
    throw err;
  } finally {
    if (shotDir) {
      // The server side's logs (remote extension host, server, pty host), gone with the temp dir otherwise.
      await fsp.cp(path.join(userDataDir, 'logs'), path.join(shotDir, 'logs', 'server'), { recursive: true }).catch(() => {});
    }
    await run.cleanup();
    activeRuns.delete(run);
    removeSignalHandlersIfIdle();
  }
}

// ---------------------------------------------------------------- CLI
async function main(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      extension: { type: 'string', multiple: true },
      tests: { type: 'string' },
      workspace: { type: 'string' },
      screenshots: { type: 'string' },
      timeout: { type: 'string' },
      restricted: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help || !values.extension || !values.tests) {
    const usage =
      'usage: node test/vscode/runInCodeServer.mjs --extension <dir> --tests <module> [--workspace <dir>]\n' +
      '         [--screenshots <dir>] [--timeout <ms>] [--restricted] [--verbose]\n' +
      'Exit code: the tests\' exit code; 124 on timeout; 2 when the harness cannot run.';
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const timeoutMs = values.timeout ? Number(values.timeout) : undefined;
  if (values.timeout && !(timeoutMs > 0)) throw new Error(`--timeout must be a positive number of ms, got ${values.timeout}`);
  return runInCodeServer({
    extensionDevelopmentPath: values.extension,
    extensionTestsPath: values.tests,
    workspace: values.workspace,
    screenshotDir: values.screenshots,
    restricted: values.restricted,
    verbose: values.verbose || undefined,
    ...(timeoutMs ? { timeoutMs } : {}),
  });
}

function isMain() {
  if (!process.argv[1]) return false;
  try {
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
  }
}
const invokedDirectly = isMain();
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(`${PREFIX} ERROR: ${err && err.message ? err.message : err}`);
      process.exit(2);
    },
  );
}
