/**
 * `alamode`: encode, diff and check A La Mode pipelines from a terminal, CI or a pre-commit hook, and run
 * them (the reference engine: run, run-task, status, export).
 * Every failure is one line on stderr and a non-zero exit; a stack trace means a bug in this tool.
 */
import { readFileSync, existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { diffDags } from '../core/diff';
import { bencodeDag } from '../core/outputIds';
import type { BencodeValue } from '../core/values';
import { CliError, runModule } from './loadModule';
import { toJson } from '../core/json';
import { describeProblems, diffTable, encodedOrThrow, repositoryMarkdown, repositoryTable, runFailure } from './report';
import { diffRepository, PIPELINE_SUFFIX, repositoryRoot, workingTreePipelines } from './repository';
import { dagPathFor, decodeDagFile, loadSide, moduleFile } from './sides';
import { EXIT_IO, isErrno, readFailure, sameFile, writeFileAtomic } from './files';
import { exportCommand, runCommand, runTaskCommand, statusCommand, type EngineOptions } from './engineCommands';

declare const ALAMODE_VERSION: string | undefined;

const USAGE = `usage: alamode <command> [options]

commands:
  encode <module> [--out FILE] [--json]   run a pipeline module and encode its default-export DAG
                                          (default: write <name>.dag beside <name>.alamode.ts)
  diff <base> <target> [--json] [--all] [--exit-code]
                                          what changed between two DAGs; each side is a .dag file,
                                          a module, or REV:path read through git (HEAD:pipelines/x.dag)
  diff [--base REV] [--json|--markdown] [--all] [--exit-code]
                                          every *.alamode.ts module of the repository, at REV (default
                                          HEAD, helpers included) against the working tree; a section
                                          per affected pipeline; --markdown for a pull-request comment
  check [<module>...] [--stale]           report cycles, missing inputs and bad values as
                                          file:line:col lines; --stale also fails when the .dag beside
                                          a module no longer matches it; no modules: every pipeline
                                          module of the repository (or below this folder)
  run <module|.dag> [--store DIR] [--jobs N] [--only TASK]... [--dry-run] [--keep-going]
      [--executor local|podman]           run the pipeline: every task whose output ID has no success
                                          record in the store, in dependency order
  run-task <dag> <task> [--store DIR] [--executor local|podman]
                                          one task, as another scheduler's job: reuse, or lock, run,
                                          commit and record it
  status <module|.dag> [--store DIR] [--json]
                                          per task: built (when, how long), failed, running, never built
  export <module|.dag> --to snakemake [--out DIR] [--store DIR] [--executor local|podman]
                                          a Snakefile whose jobs run \`alamode run-task\`, and the .dag

options:
  --timeout SECONDS   how long a module may run (default 30)
  --store DIR         the store (default: $ALAMODE_STORE, else .alamode/store at the repository root)
  -h, --help          this help
  -v, --version       the version`;

const EXIT_OK = 0;
const EXIT_PROBLEMS = 1;
const EXIT_USAGE = 2;

function usageError(message: string): never {
  throw Object.assign(new CliError(`${message} (see alamode --help)`), { exitCode: EXIT_USAGE });
}

/** Refuses `--out` naming one of the module's own files (`--out x.alamode.ts` would replace the source with bencode). */
function refuseOverwritingInput(out: string, modulePath: string, inputs: readonly string[]): void {
  const same = (a: string, b: string) => resolve(a) === resolve(b) || sameFile(a, b);
  const input = inputs.find((i) => same(i, out));
  if (input === undefined) return;
  usageError(`--out ${out} is ${same(input, modulePath) ? 'the module itself' : `one of the module's own files (${relative(process.cwd(), input) || input})`}; refusing to overwrite it`);
}

async function encodeCommand(positionals: string[], values: Options): Promise<number> {
  if (positionals.length !== 1) usageError('encode takes exactly one module');
  const modulePath = moduleFile(positionals[0]!);
  const out = values.out ?? dagPathFor(modulePath);
  // Before running anything; the module's imports are checked once the bundle names them.
  refuseOverwritingInput(out, modulePath, [modulePath]);
  const encoded = encodedOrThrow(await runModule({ path: modulePath }, {
    timeoutMs: values.timeoutMs,
    beforeRun: (inputs) => refuseOverwritingInput(out, modulePath, inputs),
  }), modulePath);
  if (values.json) {
    process.stdout.write(`${toJson(encoded as unknown as BencodeValue)}\n`);
    if (values.out === undefined) return EXIT_OK;
  }
  writeFileAtomic(out, bencodeDag(encoded));
  if (!values.json) process.stderr.write(`wrote ${relative(process.cwd(), out) || out} (${Object.keys(encoded.tasks).length} tasks)\n`);
  return EXIT_OK;
}

async function diffCommand(positionals: string[], values: Options): Promise<number> {
  if (positionals.length === 0) return diffRepositoryCommand(values);
  if (values.base !== undefined || values.markdown) usageError('--base and --markdown are for the whole repository: give no sides');
  if (positionals.length !== 2) usageError('diff takes a base and a target, or no sides for the whole repository');
  const [base, target] = await Promise.all(positionals.map((p) => loadSide(p, values.timeoutMs)));
  const diff = diffDags(base!, target!);
  if (values.json) process.stdout.write(`${toJson(diff as unknown as BencodeValue)}\n`);
  else process.stdout.write(`${diffTable(diff, values.all)}\n`);
  const differs = diff.counts.unchanged !== diff.tasks.length || diff.meta.length > 0;
  return values.exitCode && differs ? EXIT_PROBLEMS : EXIT_OK;
}

/** `alamode diff` with no sides: every pipeline module of the repository, REV against the working tree. */
async function diffRepositoryCommand(values: Options): Promise<number> {
  if (values.json && values.markdown) usageError('--json and --markdown are two ways to print one diff: give one');
  const repo = await diffRepository(process.cwd(), values.base ?? 'HEAD', values.timeoutMs);
  if (values.json) process.stdout.write(`${toJson({ base: repo.base, modules: repo.modules } as unknown as BencodeValue)}\n`);
  else if (values.markdown) process.stdout.write(`${repositoryMarkdown(repo)}\n`);
  else process.stdout.write(`${repositoryTable(repo, values.all)}\n`);
  // A pipeline that could not be run on one side is a failure whatever else differs.
  if (repo.modules.some((m) => m.status === 'error')) return EXIT_PROBLEMS;
  return values.exitCode && repo.modules.some((m) => m.status !== 'unchanged') ? EXIT_PROBLEMS : EXIT_OK;
}

async function checkCommand(positionals: string[], values: Options): Promise<number> {
  if (positionals.length === 0) {
    positionals = workingTreePipelines(process.cwd()).map((p) => relative(process.cwd(), p));
    if (positionals.length === 0) throw new CliError(`no pipeline modules (*${PIPELINE_SUFFIX}) in ${repositoryRoot(process.cwd()) ?? process.cwd()}`);
    process.stderr.write(`checking ${positionals.length} pipeline module${positionals.length === 1 ? '' : 's'}\n`);
  }
  let failed = false;
  for (const modulePath of positionals) {
    try {
      moduleFile(modulePath);
    } catch (e) {
      process.stderr.write(`${(e as Error).message.replace(/^([^:]+): /, '$1: error: ')}\n`);
      failed = true;
      continue;
    }
    const result = await runModule({ path: modulePath }, { timeoutMs: values.timeoutMs }).catch((e: unknown) => {
      if (e instanceof CliError) return e;
      throw e;
    });
    if (result instanceof CliError || result.kind !== 'ok') {
      const failure = result instanceof CliError ? result : runFailure(result, modulePath)!;
      // `where: message` becomes `where: error: message`, like the problem lines.
      process.stdout.write(`${failure.message.replace(/^([^:]+:\d+:\d+|[^:]+): /, '$1: error: ')}\n`);
      failed = true;
      continue;
    }
    for (const line of describeProblems(result.problems, modulePath)) process.stdout.write(`${line}\n`);
    if (result.problems.length > 0) failed = true;
    if (values.stale && result.encoded) {
      const dagPath = dagPathFor(modulePath);
      const shown = relative(process.cwd(), dagPath) || dagPath;
      if (!existsSync(dagPath)) {
        process.stdout.write(`${shown}: error: missing; run \`alamode encode ${modulePath}\` and commit it [stale]\n`);
        failed = true;
      } else {
        try {
          let committed: Buffer;
          try {
            committed = readFileSync(dagPath);
          } catch (e) {
            throw isErrno(e) ? readFailure(shown, e) : e;
          }
          if (!Buffer.from(bencodeDag(result.encoded)).equals(committed)) {
            const c = diffDags(decodeDagFile(committed, shown), result.encoded).counts;
            process.stdout.write(`${shown}: error: stale: the module now gives ${c.changed} changed, ${c.invalidated} invalidated, ${c.added} added, ${c.removed} removed, ${c.renamed} renamed task(s); run \`alamode encode ${modulePath}\` [stale]\n`);
            failed = true;
          }
        } catch (e) {
          // A corrupt or unreadable .dag is reported like any other problem, and the next module is checked.
          if (!(e instanceof CliError)) throw e;
          process.stdout.write(`${e.message.replace(/^([^:]+): /, '$1: error: ')}; run \`alamode encode ${modulePath}\` [stale]\n`);
          failed = true;
        }
      }
    }
  }
  return failed ? EXIT_PROBLEMS : EXIT_OK;
}

interface Options {
  engine: Omit<EngineOptions, 'usage'>;
  json: boolean;
  markdown: boolean;
  base?: string;
  all: boolean;
  stale: boolean;
  exitCode: boolean;
  out?: string;
  timeoutMs: number;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        json: { type: 'boolean' },
        markdown: { type: 'boolean' },
        base: { type: 'string' },
        all: { type: 'boolean' },
        stale: { type: 'boolean' },
        'exit-code': { type: 'boolean' },
        timeout: { type: 'string' },
        store: { type: 'string' },
        jobs: { type: 'string', short: 'j' },
        only: { type: 'string', multiple: true },
        'dry-run': { type: 'boolean', short: 'n' },
        'keep-going': { type: 'boolean', short: 'k' },
        executor: { type: 'string' },
        to: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    usageError((e as Error).message.split('\n')[0]!.replace(/\. To specify.*$/, ''));
  }
  const { values, positionals } = parsed;
  if (values.help) { process.stdout.write(`${USAGE}\n`); return EXIT_OK; }
  if (values.version) { process.stdout.write(`${typeof ALAMODE_VERSION === 'string' ? ALAMODE_VERSION : 'dev'}\n`); return EXIT_OK; }
  const [command, ...rest] = positionals;
  const timeout = values.timeout === undefined ? 30 : Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) usageError(`--timeout must be a number of seconds, got '${values.timeout}'`);
  const options: Options = {
    engine: {
      timeoutMs: timeout * 1000,
      ...(values.store !== undefined ? { store: values.store } : {}),
      ...(values.jobs !== undefined ? { jobs: values.jobs } : {}),
      only: values.only ?? [],
      dryRun: values['dry-run'] ?? false,
      keepGoing: values['keep-going'] ?? false,
      ...(values.executor !== undefined ? { executor: values.executor } : {}),
      json: values.json ?? false,
      ...(values.to !== undefined ? { to: values.to } : {}),
      ...(values.out !== undefined ? { out: values.out } : {}),
    },
    json: values.json ?? false,
    markdown: values.markdown ?? false,
    ...(values.base !== undefined ? { base: values.base } : {}),
    all: values.all ?? false,
    stale: values.stale ?? false,
    exitCode: values['exit-code'] ?? false,
    ...(values.out !== undefined ? { out: values.out } : {}),
    timeoutMs: timeout * 1000,
  };
  switch (command) {
    case 'encode': return encodeCommand(rest, options);
    case 'diff': return diffCommand(rest, options);
    case 'check': return checkCommand(rest, options);
    case 'run': return runCommand(rest, { ...options.engine, usage: usageError });
    case 'run-task': return runTaskCommand(rest, { ...options.engine, usage: usageError });
    case 'status': return statusCommand(rest, { ...options.engine, usage: usageError });
    case 'export': return exportCommand(rest, { ...options.engine, usage: usageError });
    case undefined: process.stderr.write(`${USAGE}\n`); return EXIT_USAGE;
    default: usageError(`unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    if (e instanceof CliError) {
      process.stderr.write(`alamode: ${e.message}\n`);
      process.exitCode = (e as { exitCode?: number }).exitCode ?? EXIT_PROBLEMS;
    } else if (isErrno(e)) {
      // An I/O failure no command anticipated: still the system's own words, on one line.
      process.stderr.write(`alamode: ${e.message}\n`);
      process.exitCode = EXIT_IO;
    } else {
      // A bug in alamode itself: still one line, with a pointer to more.
      process.stderr.write(`alamode: internal error: ${(e as Error)?.message ?? String(e)} (set ALAMODE_DEBUG=1 for a stack trace)\n`);
      if (process.env.ALAMODE_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
      process.exitCode = 70;
    }
  },
);
