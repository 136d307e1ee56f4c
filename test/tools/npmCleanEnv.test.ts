// The test-tool installer's nested `npm install`s run through npm-clean-env.sh, so they read no
// configuration from an outer `npm test` (code-server's postinstall once took the Node version from the
// outer npm's user agent and refused to install). `npm run test:fresh` checks the whole install from
// nothing under npm; this checks the environment it hands on, in a second.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
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
