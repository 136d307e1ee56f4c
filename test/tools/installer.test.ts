// The test-tool installers. Their nested `npm install`s run through npm-clean-env.sh, so they read no
// configuration from an outer `npm test` (code-server's postinstall once took the Node version from the
// outer npm's user agent and refused to install). `npm run test:fresh` checks the whole install from
// nothing under npm; this checks the environment it hands on, in a second.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot as root } from '../support/paths';

const script = join(root, 'test', 'tools', 'npm-clean-env.sh');

function envOf(output: string): Map<string, string> {
  return new Map(output.split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
}

test('under npm, the nested command sees none of the outer npm run’s configuration', () => {
  // A real npm run: whatever variables this npm version exports are the ones that must go.
  const outer = envOf(execFileSync('npm', ['exec', '--offline', '-c', 'env -0'], { cwd: root, encoding: 'utf8' }));
  assert.match(outer.get('npm_config_user_agent') ?? '', /node\/v\d+/, 'npm exports its user agent to scripts (the variable that broke the install)');
  const inner = envOf(execFileSync('npm', ['exec', '--offline', '-c', `bash ${JSON.stringify(script)} env -0`], { cwd: root, encoding: 'utf8' }));
  const leaked = [...inner.keys()].filter((k) => /^npm_/i.test(k) && !/^npm_config_(registry|cafile|cache|userconfig|globalconfig|noproxy)$/i.test(k));
  assert.deepEqual(leaked, [], 'npm_* variables reach the nested install');
  assert.equal(inner.has('INIT_CWD'), false);
  assert.equal(inner.has('NODE'), false);
  assert.equal(inner.get('PATH'), outer.get('PATH'), 'everything else is kept');
});

test('the registry settings a user set on purpose are kept, and assignments before the command apply', () => {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    npm_config_registry: 'http://registry.internal.example/',
    npm_config_https_proxy: 'http://proxy.example:3128',
    NPM_CONFIG_USER_AGENT: 'npm/11 node/v20.0.0',
    npm_config_nodedir: '/usr',
    npm_lifecycle_event: 'test',
    KEEP_ME: 'yes',
  };
  const inner = envOf(execFileSync('bash', [script, 'npm_config_nodedir=/opt/node24', 'env', '-0'], { env, encoding: 'utf8' }));
  assert.equal(inner.get('npm_config_registry'), 'http://registry.internal.example/');
  assert.equal(inner.get('npm_config_https_proxy'), 'http://proxy.example:3128');
  assert.equal(inner.get('npm_config_nodedir'), '/opt/node24', 'an explicit assignment wins over the removed outer value');
  assert.equal(inner.has('NPM_CONFIG_USER_AGENT'), false, 'upper-case spellings go too (npm reads both)');
  assert.equal(inner.has('npm_lifecycle_event'), false);
  assert.equal(inner.get('KEEP_ME'), 'yes');
});

/** The installers' one-line reason for a failed step, from the log of that step. */
function whyFailed(log: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'alamode-why-'));
  try {
    writeFileSync(join(dir, 'install.log'), log);
    return execFileSync('bash', ['-c', `TOOL_NAME=t CACHE=${JSON.stringify(dir)}; source ${JSON.stringify(join(root, 'test', 'tools', 'lib.sh'))}; why_failed ${JSON.stringify(join(dir, 'install.log'))}`], { encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a failed install is one line saying why and what to do', () => {
  // What code-server's postinstall printed when it read Node 20 from the outer npm's user agent.
  const nodeVersion = whyFailed('npm http fetch GET 200 https://registry.npmjs.org/x 12ms\n\nERROR: code-server currently requires node v24.\nWe have detected that you are on node v20\nnpm error code 1\nnpm error path /c/node_modules/code-server\n');
  assert.match(nodeVersion, /^ERROR: code-server currently requires node v24\.; full log: .*install\.log \(fix it and run again: finished tools are kept\)$/);
  const offline = whyFailed('npm http fetch GET https://registry.npmjs.org/code-server attempt 1 failed with ENOTFOUND\nnpm error code ENOTFOUND\nnpm error network request to https://registry.npmjs.org/code-server failed\n');
  assert.match(offline, /^a package server could not be reached \(npm error code ENOTFOUND\); check the network .*then run it again; log: /);
  const apt = whyFailed('Reading package lists...\nE: Unable to locate package chromium\n');
  assert.match(apt, /^E: Unable to locate package chromium; full log: /);
  const disk = whyFailed('npm error code ENOSPC\nnpm error syscall write\n');
  assert.match(disk, /^the disk is full; free space under .* and run it again$/);
  for (const line of [nodeVersion, offline, apt, disk]) assert.equal(line.includes('\n'), false);
});
