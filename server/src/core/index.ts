/**
 * The pure core: canonical bencode, output IDs, graph checks and DAG diffs. Nothing here knows about
 * editors, the LSP or the file system; the runtime, the CLI, the analysis and the server all stand on it.
 */
export * from './values';
export * from './bencode';
export * from './problems';
export * from './graph';
export * from './outputIds';
export * from './diff';
export * from './encodedDag';
export * from './json';
