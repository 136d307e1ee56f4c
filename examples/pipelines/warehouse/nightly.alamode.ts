// The nightly warehouse load: extract each source table, load it, check it, then build the marts.
import { Dag } from 'a-la-mode';
import { dbt, python } from '../shared/index';
import tables from '../config/tables.json';
import { addQualityChecks } from './quality';

const dag = new Dag({ schedule: '0 3 * * *', owner: 'data-eng' });

for (const table of tables) {
  const extract = dag.task(`extract_${table}`, python('extract', '--source', 'shop_db', '--table', table));
  dag.task(`load_${table}`, python('load', '--table', table, '--mode', 'merge')).addDep(extract);
}

const report = addQualityChecks(dag, tables);

dag.task('marts', dbt('marts', { fullRefresh: false }))
  .addDep(report, ...tables.map((table) => `load_${table}`));

export default dag;
