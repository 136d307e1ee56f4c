// `npm run package`: the .vsix, offline. Builds the bundles (minified, no source maps), packages with
// `vsce package --no-dependencies` (everything the extension runs is bundled; .vscodeignore is an
// allow-list), then adds the TypeScript server plugin, which must sit at
// `node_modules/alamode-typescript-plugin/` inside the extension for VS Code to load it, but which vsce
// never packages with --no-dependencies (it skips every node_modules folder before reading .vscodeignore).
//
//   node client/package.mjs [--out FILE] [--skip-build]
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import yauzl from 'yauzl';
import yazl from 'yazl';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const { values } = parseArgs({ options: { out: { type: 'string' }, 'skip-build': { type: 'boolean' } } });
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const out = resolve(values.out ?? join(root, `${manifest.name}-${manifest.version}.vsix`));
/** Where the plugin's package is built (see client/build.mjs), and where VS Code looks for it. */
const PLUGIN_SOURCE = 'client/typescript-plugin';
const PLUGIN = 'node_modules/alamode-typescript-plugin';
const PLUGIN_FILES = ['package.json', 'index.js'];

const run = (file, args) => {
  try {
    execFileSync(file, args, { cwd: root, stdio: 'inherit' });
  } catch {
    // The tool has said why on stderr; one line more and a non-zero exit, not a stack trace.
    console.error(`package: ${args.slice(0, 2).join(' ')} failed`);
    process.exit(1);
  }
};

if (!values['skip-build']) run(process.execPath, ['esbuild.mjs', '--production']);
for (const f of PLUGIN_FILES) {
  if (!existsSync(join(root, PLUGIN_SOURCE, f))) throw new Error(`${PLUGIN_SOURCE}/${f} is missing: run npm run build`);
}

// vsce's own checks stay on (manifest, README, secrets scan). This repository names no public URL:
// --allow-missing-repository, and --no-rewrite-relative-links keeps the README's links to the
// repository's other files as they are (vsce would otherwise refuse, having no base URL to point them at).
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
rmSync(out, { force: true });
run(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links', '--no-update-package-json', '--out', out]);

/** Copies every entry of the .vsix into a new zip, plus the plugin's files, then replaces the .vsix. */
async function addPlugin() {
  const zip = new yazl.ZipFile();
  const reader = await new Promise((res, rej) => yauzl.open(out, { lazyEntries: true }, (e, z) => (e ? rej(e) : res(z))));
  let contentTypes = '';
  await new Promise((res, rej) => {
    reader.on('error', rej);
    reader.on('end', res);
    reader.on('entry', (entry) => {
      reader.openReadStream(entry, (e, stream) => {
        if (e) return rej(e);
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('error', rej);
        stream.on('end', () => {
          const data = Buffer.concat(chunks);
          if (entry.fileName === '[Content_Types].xml') contentTypes = data.toString('utf8');
          zip.addBuffer(data, entry.fileName, { mtime: entry.getLastModDate() });
          reader.readEntry();
        });
      });
    });
    reader.readEntry();
  });
  // The .vsix lists the content type of every file extension it holds; the plugin adds none new.
  for (const ext of ['.js', '.json']) {
    if (!contentTypes.includes(`Extension="${ext}"`)) throw new Error(`[Content_Types].xml has no ${ext} entry`);
  }
  for (const f of PLUGIN_FILES) zip.addFile(join(root, PLUGIN_SOURCE, f), `extension/${PLUGIN}/${f}`);
  zip.end();
  const tmp = `${out}.tmp`;
  await new Promise((res, rej) => zip.outputStream.pipe(createWriteStream(tmp)).on('close', res).on('error', rej));
  renameSync(tmp, out);
}

await addPlugin();
console.log(`${out}: ${(statSync(out).size / 1024).toFixed(0)} KiB (with ${PLUGIN}/)`);
