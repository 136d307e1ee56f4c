/**
 * Runs a pipeline module the way an engine would see it: bundle it with esbuild (resolving
 * `a-la-mode` to this CLI's own runtime, so the module needs no `node_modules`), execute the bundle in
 * a child process with a time limit, and take its default-export DAG.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';
import type { RunnerResult } from './protocol';

/** A failure the CLI reports as one line and a non-zero exit. */
export class CliError extends Error {
  override name = 'CliError';
}

/** The built runtime and runner, beside this bundle in `server/out/`. */
const runtimePath = resolve(__dirname, '..', 'a-la-mode', 'dist', 'index.cjs');
const runnerPath = resolve(__dirname, 'moduleRunner.cjs');

export interface ModuleSource {
  /** Path of the module as the user named it (used for messages and to resolve its imports). */
  readonly path: string;
  /** The text, when it does not come from the file itself (e.g. `HEAD:pipelines/x.alamode.ts`). */
  readonly contents?: string;
  /** How to name it in messages, e.g. `HEAD:pipelines/x.alamode.ts`. */
  readonly label?: string;
  /**
   * The git revision the module was read from: its relative imports are read from the same revision,
   * so that `HEAD:x.alamode.ts` is the pipeline as committed, helpers included, not HEAD's module
   * over today's helpers.
   */
  readonly revision?: string;
}

/** esbuild's default `resolveExtensions`, in its order. */
const EXTENSIONS = ['.tsx', '.ts', '.jsx', '.js', '.css', '.json'];
/** TypeScript's import rewrites that esbuild follows: `./helper.js` may name `helper.ts`. */
const REWRITES: Readonly<Record<string, readonly string[]>> = { '.js': ['.ts', '.tsx'], '.jsx': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'] };
const LOADERS: Readonly<Record<string, esbuild.Loader>> = { '.ts': 'ts', '.mts': 'ts', '.cts': 'ts', '.tsx': 'tsx', '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.jsx': 'jsx', '.json': 'json', '.css': 'css' };

/** The files esbuild would try for an import resolved to `base`, in its order. */
function importCandidates(base: string): string[] {
  const ext = extname(base);
  const rewritten = (REWRITES[ext] ?? []).map((e) => base.slice(0, -ext.length) + e);
  return [base, ...rewritten, ...EXTENSIONS.map((e) => base + e), ...EXTENSIONS.map((e) => `${base}/index${e}`)];
}

/** The real path of a folder (git names files by it), or the path itself when it exists only at the revision. */
function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

const git = (cwd: string, args: readonly string[]) => execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });

/** Marks the plugin's own call of `build.resolve`, which runs the plugins again. */
const RESOLVING_ALIAS = Symbol('resolving an alias');

/**
 * Resolves and loads the module's own imports from a git revision instead of the working tree:
 * relative ones, and those an alias leads into the repository (tsconfig `paths` and `baseUrl`,
 * package.json `imports`). Package imports still resolve from the working tree's `node_modules` (a
 * revision has none of its own). Aliases are read from the working tree's tsconfig and package.json:
 * esbuild resolves them, and this maps the file they name to the revision's.
 */
function revisionImports(revision: string, entry: string): esbuild.Plugin {
  let root: string | undefined;
  const repoRoot = () => (root ??= git(dirname(entry), ['rev-parse', '--show-toplevel']).toString('utf8').trim());
  const inRepo = (absolute: string) => relative(repoRoot(), absolute).split(sep).join('/');
  const entryFile = resolve(entry);
  // The revision's files, listed once: each import tries up to a dozen names.
  let files: ReadonlySet<string> | undefined;
  // `--end-of-options`: a revision from the command line is never read as an option (`--output=…`).
  const existsAt = (path: string) => (files ??= new Set(git(repoRoot(), ['ls-tree', '-r', '-z', '--name-only', '--end-of-options', revision]).toString('utf8').split('\0'))).has(path);
  return {
    name: 'revision-imports',
    setup(build) {
      build.onResolve({ filter: /^\.\.?(\/|$)/ }, (args) => {
        // Only the module's own imports and theirs: a package's relative imports stay in node_modules.
        if (args.namespace !== 'revision' && args.importer !== entryFile) return undefined;
        const base = resolve(realDir(args.resolveDir), args.path);
        const found = importCandidates(base).find((candidate) => existsAt(inRepo(candidate)));
        if (!found) return { errors: [{ text: `'${args.path}' does not exist at ${revision}` }] };
        return { path: found, namespace: 'revision' };
      });
      build.onResolve({ filter: /^[^.]/ }, async (args) => {
        if (args.pluginData === RESOLVING_ALIAS || args.path === 'a-la-mode') return undefined;
        if (args.namespace !== 'revision' && args.importer !== entryFile) return undefined;
        const resolved = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: RESOLVING_ALIAS });
        if (resolved.errors.length > 0 || resolved.external || resolved.namespace !== 'file') return undefined; // esbuild says why
        const path = inRepo(resolved.path);
        // A package (node_modules, or outside the repository) comes from the working tree.
        if (path.startsWith('../') || path.split('/').includes('node_modules')) return undefined;
        if (!existsAt(path)) return { errors: [{ text: `'${args.path}' names ${path}, which does not exist at ${revision}` }] };
        return { path: resolved.path, namespace: 'revision' };
      });
      build.onLoad({ filter: /.*/, namespace: 'revision' }, (args) => {
        const contents = git(repoRoot(), ['show', '--end-of-options', `${revision}:${inRepo(args.path)}`]);
        return {
          contents: SCRIPT.test(args.path) ? located(args.path, contents.toString('utf8')) : contents,
          loader: LOADERS[extname(args.path)] ?? 'default',
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}

/** The files esbuild loads as code (its loaders are chosen by the extension as written, case included). */
const SCRIPT = /\.[cm]?[jt]sx?$/;

/**
 * Where each module is, as it would know when run unbundled: `import.meta.url` (and `dirname`,
 * `filename`) and CommonJS's `__dirname` and `__filename`. The bundle runs from a temporary folder, and
 * esbuild's CommonJS output leaves `import.meta` empty, so `fileURLToPath(import.meta.url)` failed and
 * `join(__dirname, 'config.json')` looked in the temporary folder. `define` (in {@link bundle}) turns
 * every free `import.meta`, `__dirname` and `__filename` into names this declares at the top of each
 * module that uses them (esbuild renames each module's copy apart; a module's own `const __dirname`
 * is left alone). Declared on the first line (after a `#!` line), so line numbers stay right.
 */
function located(path: string, text: string): string {
  const meta = /\bimport\s*\.\s*meta\b/.test(text);
  const commonJs = /\b__(dirname|filename)\b/.test(text);
  if (!meta && !commonJs) return text;
  const names = [
    ...(meta ? [`__alamode_import_meta = { url: ${JSON.stringify(pathToFileURL(path).href)}, dirname: ${JSON.stringify(dirname(path))}, filename: ${JSON.stringify(path)} }`] : []),
    ...(commonJs ? [`__alamode_dirname = ${JSON.stringify(dirname(path))}, __alamode_filename = ${JSON.stringify(path)}`] : []),
  ];
  const at = text.startsWith('#!') ? text.indexOf('\n') + 1 || text.length : 0;
  return `${text.slice(0, at)}var ${names.join(', ')};${text.slice(at)}`;
}

/** Reads modules from disk through {@link located} (each file once: esbuild takes the text it is given). */
const moduleLocations: esbuild.Plugin = {
  name: 'module-locations',
  setup(build) {
    build.onLoad({ filter: SCRIPT, namespace: 'file' }, (args) => ({
      contents: located(args.path, readFileSync(args.path, 'utf8')),
      loader: LOADERS[extname(args.path)] ?? 'default',
    }));
  },
};

/** How a bundle is run: `require`d, or `import`ed when the module needs ES module semantics. */
type BundleFormat = 'cjs' | 'esm';

/**
 * Gives an ES module bundle the `require` its CommonJS parts expect (esbuild's `__require` falls back
 * to a free `require`; a bundled package's `require('fs')` or `require(name)` reaches it). Made from
 * the bundle's own URL, as the CommonJS bundle's `require` was. Under a name of our own: a module may
 * import `createRequire` itself, and esbuild renames a module's own top-level `require` apart.
 */
const REQUIRE_BANNER = "import { createRequire as __alamode_createRequire } from 'node:module'; const require = __alamode_createRequire(import.meta.url);";

/**
 * esbuild refuses top-level `await` in a CommonJS bundle with this error (no `id` to match instead).
 * Matched loosely so that a rewording that still names top-level await and the format keeps working;
 * a test runs such a module through the CLI, so a change that breaks this shows.
 */
const isTopLevelAwaitRefusal = (e: unknown) =>
  ((e as esbuild.BuildFailure).errors ?? []).some((m) => /top-level await/i.test(m.text) && /\bcjs\b/.test(m.text));

async function bundle(source: ModuleSource): Promise<{ code: string; format: BundleFormat; inputs: string[] }> {
  const absolute = resolve(source.path);
  const label = source.label ?? source.path;
  const options = (format: BundleFormat): esbuild.BuildOptions & { write: false } => ({
      ...(source.contents === undefined
        ? { entryPoints: [absolute] }
        : { stdin: { contents: located(absolute, source.contents), resolveDir: dirname(absolute), sourcefile: absolute, loader: 'ts' } }),
      define: { 'import.meta': '__alamode_import_meta', __dirname: '__alamode_dirname', __filename: '__alamode_filename' },
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format,
      ...(format === 'esm' ? { banner: { js: REQUIRE_BANNER } } : {}),
      target: 'node20',
      sourcemap: 'inline',
      // The bundle runs from a temp folder; an absolute source root keeps call sites pointing at the module.
      sourceRoot: `${dirname(absolute)}/`,
      logLevel: 'silent',
      outfile: join(dirname(absolute), `${basename(absolute)}.bundle.${format === 'esm' ? 'mjs' : 'cjs'}`),
      plugins: [
        ...(source.revision !== undefined ? [revisionImports(source.revision, absolute)] : []),
        moduleLocations,
        {
          name: 'a-la-mode-runtime',
          setup(build: esbuild.PluginBuild) {
            // The module's `import ... from 'a-la-mode'` is this CLI's runtime, shared with the runner
            // (an ES module imports it by URL: a Windows path is no import specifier; Node then hands
            // the import the copy the runner has already `require`d).
            const path = format === 'esm' ? pathToFileURL(runtimePath).href : runtimePath;
            build.onResolve({ filter: /^a-la-mode$/ }, () => ({ path, external: true }));
          },
        },
      ],
  });
  // CommonJS unless the module needs more: what ran before top-level await was supported runs the
  // same way still (an ES module bundle is strict throughout, bundled CommonJS packages included, and
  // would take a CommonJS module's `exports.default` for `{ default }`).
  const build = async (): Promise<{ result: esbuild.BuildResult<{ write: false }>; format: BundleFormat }> => {
    try {
      return { result: await esbuild.build(options('cjs')), format: 'cjs' };
    } catch (e) {
      if (!isTopLevelAwaitRefusal(e)) throw e;
      return { result: await esbuild.build(options('esm')), format: 'esm' };
    }
  };
  let built: Awaited<ReturnType<typeof build>>;
  try {
    built = await build();
  } catch (e) {
    const failure = e as esbuild.BuildFailure;
    const first = failure.errors?.[0];
    if (first) {
      const file = first.location?.file;
      // Files read from a revision are named `revision:/abs/path` by esbuild: show them as `REV:path`.
      const fromText = source.contents !== undefined && (file === '<stdin>' || (file !== undefined && resolve(file) === absolute));
      const shownFile = fromText ? label : file?.startsWith('revision:') && source.revision ? `${source.revision}:${relative(process.cwd(), file.slice('revision:'.length))}` : file;
      const where = first.location ? `${shownFile}:${first.location.line}:${first.location.column + 1}: ` : `${label}: `;
      throw new CliError(`${where}${first.text}`);
    }
    throw new CliError(`${label}: could not bundle the module: ${(e as Error).message}`);
  }
  // The files read from disk (not `<stdin>`, nor those read from a revision: `revision:/path`).
  const { result, format } = built;
  const inputs = Object.keys(result.metafile?.inputs ?? {}).filter((f) => !/^[a-z-]+:/.test(f) && f !== '<stdin>').map((f) => resolve(f));
  return { code: result.outputFiles[0]!.text, format, inputs };
}

export interface RunOptions {
  /** Milliseconds the module may run before it is stopped. */
  readonly timeoutMs: number;
  /** Called with the files the module is made of (absolute paths) before it runs; may throw to stop. */
  readonly beforeRun?: (inputs: readonly string[]) => void;
}

/** The longest delay `setTimeout` takes (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `f` after `ms` milliseconds, however many: longer delays are waited in several timers. */
function after(ms: number, f: () => void): () => void {
  const deadline = Date.now() + ms;
  let timer: ReturnType<typeof setTimeout>;
  const arm = () => {
    const left = deadline - Date.now();
    timer = left <= 0 ? setTimeout(f, 0) : setTimeout(left > MAX_TIMER_MS ? arm : f, Math.min(left, MAX_TIMER_MS));
  };
  arm();
  return () => clearTimeout(timer);
}

/**
 * What must be undone however the CLI ends: runner process groups to kill, temporary folders to
 * remove. Run on a normal exit and on SIGINT, SIGTERM and SIGHUP, after which the signal is raised
 * again so the CLI still ends by it. (Hand-written rather than `signal-exit`: that library also hooks
 * SIGXFSZ and, once unloaded, leaves it at its default action, so a file size limit then kills the CLI
 * in the middle of a write instead of failing the write with EFBIG.)
 */
const cleanups = new Set<() => void>();
let hooked = false;

function onCliExit(cleanup: () => void): () => void {
  if (!hooked) {
    hooked = true;
    const runAll = () => {
      for (const c of [...cleanups]) c();
      cleanups.clear();
    };
    process.on('exit', runAll);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.once(signal, () => {
        runAll();
        // `once`: the handler is gone, so the signal's default action ends the process.
        process.kill(process.pid, signal);
      });
    }
  }
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** POSIX process groups; on Windows `detached` would open a console window instead. */
const GROUPS = process.platform !== 'win32';

/** Kills a whole process group (the runner and whatever the module started), if any of it is left. */
function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    // Windows has no process groups to signal: the runner alone.
    process.kill(GROUPS ? -pid : pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing of the group is left.
  }
}

/**
 * Executes a module and returns what its default export encodes to (or why it could not).
 *
 * The runner is the leader of a process group of its own (`detached`), so the module and any process
 * it started are killed together: when it is done, when it times out, and when the CLI itself exits
 * by any path, including SIGINT, SIGTERM or SIGHUP (see {@link onCliExit}). Being its own group also keeps a terminal's Ctrl-C from
 * reaching the module directly: the CLI decides. The temporary folder goes on every path too.
 */
export async function runModule(source: ModuleSource, options: RunOptions): Promise<RunnerResult & { readonly inputs?: readonly string[] }> {
  const { code, format, inputs } = await bundle(source);
  options.beforeRun?.(inputs);
  const label = source.label ?? source.path;
  let dir: string | undefined;
  let pid: number | undefined;
  const cleanup = () => {
    killGroup(pid);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  };
  const removeExitHook = onCliExit(cleanup);
  try {
    dir = mkdtempSync(join(tmpdir(), 'alamode-run-'));
    // The runner tells the formats apart by the extension, as Node does.
    const bundlePath = join(dir, format === 'esm' ? 'module.mjs' : 'module.cjs');
    writeFileSync(bundlePath, code);
    return await new Promise<RunnerResult & { readonly inputs?: readonly string[] }>((resolvePromise, reject) => {
      const child = fork(runnerPath, [bundlePath, runtimePath], {
        serialization: 'advanced',
        // The module's own console output goes to stderr, so `--json` on stdout stays clean.
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        cwd: dirname(resolve(source.path)),
        detached: GROUPS,
      });
      pid = child.pid;
      child.stdout!.pipe(process.stderr);
      // The module's stderr (console.warn/error) is passed on once it has given a result; when it
      // crashes instead, only the last line goes into the one-line error (not a stack trace).
      const stderr: Buffer[] = [];
      child.stderr!.on('data', (d: Buffer) => stderr.push(d));
      let result: RunnerResult | undefined;
      let timedOut = false;
      const cancelTimer = after(options.timeoutMs, () => {
        timedOut = true;
        killGroup(pid);
        reject(new CliError(`${label}: the module did not finish within ${options.timeoutMs / 1000} s (is something waiting forever?)`));
      });
      child.on('error', (e) => {
        cancelTimer();
        reject(new CliError(`${label}: could not start the module runner: ${e.message}`));
      });
      child.on('message', (m) => { result = m as RunnerResult; });
      // 'close', not 'exit': the pipes have been read to the end, so no output is lost.
      child.on('close', (exitCode, signal) => {
        cancelTimer();
        if (timedOut) return;
        if (result) {
          if (stderr.length > 0) process.stderr.write(Buffer.concat(stderr));
          // With the files the bundle was made of: `diff` with no sides skips a module none of them changed.
          resolvePromise({ ...result, inputs });
        } else {
          const lastLine = Buffer.concat(stderr).toString('utf8').trim().split('\n').filter((l) => !/^\s+at /.test(l)).pop();
          reject(new CliError(`${label}: the module exited (${signal ?? `code ${exitCode}`}) without producing a DAG${lastLine ? `: ${lastLine}` : ''}`));
        }
      });
    });
  } finally {
    cleanup();
    removeExitHook();
  }
}
