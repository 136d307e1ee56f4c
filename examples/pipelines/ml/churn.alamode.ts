// Weekly churn model: features from the warehouse tables, then training and scoring.
import { Dag } from 'a-la-mode';
import * as shared from '../shared';
import tables from '../config/tables.json';

const dag = new Dag({ schedule: '0 6 * * 1', owner: 'ml-platform' });

const usedTables = tables.filter((table) => table !== 'products');
const features = dag.task('features', {
  ...shared.python('features.build', ...usedTables.map((table) => `--table=${table}`)),
  image: shared.SPARK_IMAGE,
});

const train = dag.task('train', shared.python('churn.train', '--epochs', '20', '--seed', '7')).addDep(features);
dag.task('score', shared.python('churn.score', '--threshold', '0.35')).addDep(train, features);

export default dag;
