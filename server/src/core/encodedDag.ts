/**
 * Reading `.dag` files: bytes → a checked {@link EncodedDag}, and back to a definition that can be
 * re-encoded. A `.dag` is data from elsewhere (git, an engine, another tool), so its shape is checked
 * field by field and every complaint names where it is.
 */
import { decode, encode, BencodeDecodeError } from './bencode';
import { sha256Hex, type DagDefinition, type EncodedDag, type EncodedTask } from './outputIds';
import { formatPath, isPlainObject, type BencodeDict } from './values';

export class DagFileError extends Error {
  override name = 'DagFileError';
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Decodes and shape-checks a bencoded DAG. Throws {@link DagFileError} with a one-line reason. */
export function decodeDag(bytes: Uint8Array): EncodedDag {
  let value;
  try {
    value = decode(bytes);
  } catch (e) {
    if (e instanceof BencodeDecodeError) throw new DagFileError(`not a valid .dag file: ${e.message}`);
    throw e;
  }
  if (!isPlainObject(value)) throw new DagFileError('not a valid .dag file: the top level is not a dict');
  const top = value as BencodeDict;
  if (!isPlainObject(top.tasks)) throw new DagFileError("not a valid .dag file: it has no 'tasks' dict");
  const meta = top.meta === undefined ? {} : top.meta;
  if (!isPlainObject(meta)) throw new DagFileError("not a valid .dag file: 'meta' is not a dict");
  for (const [name, task] of Object.entries(top.tasks as BencodeDict)) {
    const where = formatPath('tasks', [name]);
    if (!isPlainObject(task)) throw new DagFileError(`not a valid .dag file: ${where} is not a dict`);
    const t = task as BencodeDict;
    if (typeof t.output !== 'string' || !HEX64.test(t.output)) throw new DagFileError(`not a valid .dag file: ${where}.output is not a sha256 hex ID`);
    if (!isPlainObject(t.inputs)) throw new DagFileError(`not a valid .dag file: ${where}.inputs is not a dict`);
    for (const [input, id] of Object.entries(t.inputs as BencodeDict)) {
      if (typeof id !== 'string' || !HEX64.test(id)) throw new DagFileError(`not a valid .dag file: ${formatPath(`${where}.inputs`, [input])} is not a sha256 hex ID`);
    }
  }
  return { meta: meta as BencodeDict, tasks: top.tasks as EncodedDag['tasks'] };
}

/**
 * Decodes a `.dag` and checks that it tells the truth: each stored output ID is the hash of its task's
 * spec and inputs, and each input ID is that input's output (see {@link inconsistentTasks}). A file
 * edited by hand would otherwise diff as unchanged. Throws {@link DagFileError} naming the tasks.
 */
export function decodeVerifiedDag(bytes: Uint8Array): EncodedDag {
  const dag = decodeDag(bytes);
  const bad = inconsistentTasks(dag);
  if (bad.length > 0) {
    const named = bad.slice(0, 5).map((n) => `'${n}'`).join(', ') + (bad.length > 5 ? ` and ${bad.length - 5} more` : '');
    throw new DagFileError(`not a consistent .dag file: the stored output ID of task${bad.length > 1 ? 's' : ''} ${named} does not match ${bad.length > 1 ? 'their' : 'its'} spec and inputs (edited by hand?); encode it again`);
  }
  return dag;
}

/** The definition an encoded DAG was made from: specs without `inputs`/`output`, inputs by name. */
export function definitionOf(dag: EncodedDag): DagDefinition {
  return {
    meta: dag.meta,
    tasks: Object.entries(dag.tasks).map(([name, task]) => {
      const { inputs, output: _output, ...spec } = task as EncodedTask;
      return { name, spec, inputs: Object.keys(inputs) };
    }),
  };
}

/**
 * Checks each task of an encoded DAG on its own: its stored output must be the hash of its spec and
 * stored inputs, and each stored input ID must be that input task's stored output. Returns the names
 * of tasks that fail (only the edited task itself, not everything downstream of it); empty means the
 * file is consistent.
 */
export function inconsistentTasks(dag: EncodedDag): string[] {
  const bad: string[] = [];
  for (const [name, task] of Object.entries(dag.tasks)) {
    const { output, ...hashed } = task as EncodedTask;
    const linksHold = Object.entries(task.inputs).every(([input, id]) => Object.prototype.hasOwnProperty.call(dag.tasks, input) && dag.tasks[input]!.output === id);
    if (!linksHold || sha256Hex(encode(hashed as BencodeDict)) !== output) bad.push(name);
  }
  return bad;
}
