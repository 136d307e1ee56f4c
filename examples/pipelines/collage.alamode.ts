// The seed's example pipeline (README of the original Python a_la_mode).
import { Dag } from 'a-la-mode';

const dag = new Dag({ schedule: '@daily' });

const download = dag.task('download_images', {
  image: 'collage',
  sha: '1qe34',
  command: 'python dl_images.py',
});

const blur = dag.task('blur', {
  image: 'collage',
  sha: '6f09d',
  command: 'python transform_images.py blur',
});

const edgeEnhance = dag.task('edge_enhance', {
  image: 'collage',
  sha: '1qe34',
  command: 'python transform_images.py edge_enhance',
});

blur.addDep(download);
edgeEnhance.addDep(download);

dag.task('collage', {
  image: 'collage',
  sha: '1qe34',
  command: 'python collage.py',
}).addDep(blur, edgeEnhance);

export default dag;
