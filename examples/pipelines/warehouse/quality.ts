// Data-quality checks, added to any pipeline that loads tables.
import type { Dag } from 'a-la-mode';
import { python } from '../shared';

/** One `check_<table>` task per table, reading that table's load task, and a report over all of them. */
export function addQualityChecks(dag: Dag, tables: readonly string[]) {
  const checks = tables.map((table) =>
    dag.task(`check_${table}`, python('quality.check', '--table', table, '--max-null-ratio', '1%')).addDep(`load_${table}`),
  );
  return dag.task('quality_report', python('quality.report')).addDep(...checks);
}
