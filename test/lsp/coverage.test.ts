/**
 * Enums, classes, `node:path` and comparator sorts in a helper module and the pipeline that imports it,
 * through the LSP: every lens shows the ID `alamode encode` computes, with no diagnostic; a class
 * instance put into a spec is the error the CLI reports, on the same task.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DiagnosticSeverity } from 'vscode-languageserver-protocol';
import { alamode } from '../support/cli';
import { scratchFolder } from '../support/paths';
import { lensIdsByTask, startTestClient, type TestClient } from './lspClient';

let client: TestClient;
const scratch = scratchFolder('alamode-lsp-coverage-');
const { write } = scratch;
before(async () => {
  client = await startTestClient();
});
after(() => {
  client.close();
  scratch.remove();
});

const lensIds = (uri: string) => lensIdsByTask(client, uri);

const HELPER = `import * as path from 'node:path';
import { basename } from 'path';

export enum Tier { Gold = 'gold', Silver = 'silver' }
export enum Priority { Low = 1, Normal, High = Normal * 2 }

export class JobSpec {
  static made = 0;
  readonly env: Record<string, string> = {};
  args: string[] = [];
  constructor(private readonly image: string, public tier: Tier = Tier.Silver) {
    JobSpec.made++;
  }
  withArg(...args: string[]): this {
    this.args.push(...args);
    return this;
  }
  get command(): string {
    return ['run', ...this.args].join(' ');
  }
  output(name: string): string {
    return path.join('/warehouse', this.tier, basename(name) + '.parquet');
  }
  toSpec() {
    return { image: this.image, command: this.command, tier: this.tier, env: { ...this.env } };
  }
}

export class SparkJob extends JobSpec {
  executors = 2;
  constructor(image: string) {
    super('spark/' + image, Tier.Gold);
    this.env.SPARK_HOME = '/opt/spark';
  }
  override toSpec() {
    return { ...super.toSpec(), executors: this.executors, priority: Priority[Priority.High] };
  }
}

export const byPriority = <T extends { priority: Priority; name: string }>(xs: T[]) =>
  [...xs].sort((a, b) => b.priority - a.priority || (a.name < b.name ? -1 : 1));
`;

describe('a helper with enums, classes, node:path and a comparator sort', () => {
  test('every lens shows the ID alamode encode computes, and there is no diagnostic', async () => {
    write('lib/jobs.ts', HELPER);
    const path = write('pipelines/warehouse.alamode.ts', `import { Dag } from 'a-la-mode';
import { join } from 'node:path';
import { JobSpec, Priority, SparkJob, Tier, byPriority } from '../lib/jobs';

const dag = new Dag();
const tables = [{ name: 'orders', priority: Priority.High }, { name: 'users', priority: Priority.Low }, { name: 'events', priority: Priority.High }];
const extract = dag.task('extract', new JobSpec('extract:1').withArg('--all').toSpec());
for (const t of byPriority(tables)) {
  const job = new JobSpec('load:2', t.priority === Priority.High ? Tier.Gold : Tier.Silver).withArg(t.name);
  dag.task('load_' + t.name, { ...job.toSpec(), out: job.output(t.name) }).addDep(extract);
}
dag.task('aggregate', { ...new SparkJob('agg').toSpec(), script: join('/jobs', 'agg.py'), made: JobSpec.made })
  .addDep(...tables.map((t) => 'load_' + t.name));
export default dag;
`);
    const cli = JSON.parse(alamode(['encode', path, '--json']).stdout) as { tasks: Record<string, { output: string }> };
    const uri = await client.open(path);
    assert.deepEqual(await client.diagnostics(uri), []);
    const ids = await lensIds(uri);
    assert.equal(Object.keys(ids).length, 5);
    assert.deepEqual(ids, Object.fromEntries(Object.entries(cli.tasks).map(([task, t]) => [task, t.output])));
  });

  test('a class instance in a spec: the error alamode check reports, on the same task', async () => {
    write('lib/jobs.ts', HELPER);
    const path = write('pipelines/mistake.alamode.ts', `import { Dag } from 'a-la-mode';
import { JobSpec } from '../lib/jobs';

const dag = new Dag();
dag.task('fine', new JobSpec('ok:1').toSpec());
dag.task('mistake', { job: new JobSpec('oops:1') });
export default dag;
`);
    const check = alamode(['check', path]);
    assert.equal(check.status, 1);
    assert.match(check.stdout + check.stderr, /mistake.*invalid-value|invalid-value[\s\S]*mistake/);
    const uri = await client.open(path);
    const errors = (await client.diagnostics(uri)).filter((d) => d.severity === DiagnosticSeverity.Error);
    assert.deepEqual(errors.map((d) => [d.code, d.range.start.line]), [['invalid-value', 5]]);
    assert.match(String(errors[0]!.message), /spec\.job is an instance of/);
    const ids = await lensIds(uri);
    assert.ok(ids.fine, 'the other task keeps its ID');
  });
});
