// Builds every bundle of the project: the CLI, the language server, the `a-la-mode` runtime package
// and the VS Code client. `--watch` rebuilds on change; `--production` minifies the extension bundles.
// Type checking is separate (`npm run typecheck`), as in the VS Code extension samples.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { clientBuilds } from './client/build.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
// For profiling (`npm run bench lsp` with --cpu-prof): a server whose functions keep their names.
const unminifiedServer = process.argv.includes('--unminified-server');

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

const common = {
  define: { ALAMODE_VERSION: JSON.stringify(version) },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
};

const builds = [
  // The CLI runs pipeline modules by bundling them with esbuild at run time, so esbuild stays external.
  { entryPoints: ['server/src/cli/main.ts'], outfile: 'server/out/cli.cjs', external: ['esbuild'], banner: { js: '#!/usr/bin/env node' }, minify: false },
  { entryPoints: ['server/src/cli/moduleRunner.ts'], outfile: 'server/out/moduleRunner.cjs', minify: false },
  // The language server is minified in every build (what is measured and tested is what ships): the
  // bundle is mostly TypeScript's compiler, and minified it costs the server a third less memory (133 →
  // 96 MB idle). No `keepNames`: it would name every closure as it is made, in the analysis's hot
  // loops; the one place a class name shows in a message (the analysis's stand-ins for Dag and Task,
  // read through `constructor.name` in `core/values.ts`) names them through property keys instead.
  { entryPoints: ['server/src/lsp/main.ts'], outfile: 'server/out/languageServerMain.cjs', minify: !unminifiedServer },
  // What starts it (`alamode-language-server`): compiles the bundle above from a V8 code cache.
  { entryPoints: ['server/src/lsp/launch.ts'], outfile: 'server/out/languageServer.cjs', banner: { js: '#!/usr/bin/env node' }, minify: false },
  // The runtime package is what users' code runs and debugs: never minified (class names appear in
  // messages and stack traces), with source maps.
  { entryPoints: ['server/src/runtime/index.ts'], outfile: 'server/a-la-mode/dist/index.cjs', minify: false, sourcemap: 'linked' },
  { entryPoints: ['server/src/runtime/index.ts'], outfile: 'server/a-la-mode/dist/index.mjs', format: 'esm', minify: false, sourcemap: 'linked' },
  // The VS Code client: the extension, its webviews' scripts and styles, the TypeScript server plugin.
  ...clientBuilds,
];

/** The runtime package's type declarations come from `tsc -b server` (declarations only). */
function copyRuntimeTypes() {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-b', 'server'], { stdio: 'inherit' });
  rmSync('server/a-la-mode/dist/types', { recursive: true, force: true });
  for (const dir of ['runtime', 'core']) {
    mkdirSync(`server/a-la-mode/dist/types/${dir}`, { recursive: true });
    cpSync(`server/out/types/${dir}`, `server/a-la-mode/dist/types/${dir}`, { recursive: true, filter: (f) => !f.endsWith('.tsbuildinfo') });
  }
}

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context({ ...common, ...b })));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log('esbuild: watching');
} else {
  copyRuntimeTypes();
  await Promise.all(builds.map((b) => esbuild.build({ ...common, ...b })));
}
