/**
 * `a-la-mode`: the DSL pipeline modules are written in.
 *
 * ```ts
 * import { Dag } from 'a-la-mode';
 * const dag = new Dag({ schedule: '@daily' });
 * const download = dag.task('download_images', { image: 'collage', sha: '1qe34', command: 'python dl_images.py' });
 * dag.task('blur', { image: 'collage', sha: '6f09d', command: 'python transform_images.py blur' }).addDep(download);
 * export default dag;
 * ```
 *
 * Defining tasks never throws: problems (a cycle, a missing input, a float in a spec) are collected
 * and reported together when the DAG is encoded, so tools can show all of them at once.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import {
  bencodeDag,
  decodeDag,
  definitionOf,
  encodeDag,
  inconsistentTasks,
  type BencodeValue,
  type DagEncoding,
  type EncodedDag,
  type EncodedTask,
} from '../core/index';
import { capture, firstFrame, type CallSite, type StackHolder } from './callSites';
import { AlamodeError, errorFor } from './errors';

export * from './errors';
export type { BencodeValue, EncodedDag, EncodedTask };
export type { Problem, ProblemCode } from '../core/problems';
export type { CallSite };

/** A value a spec or meta field may hold: strings, safe integers or bigints, booleans, bytes, lists, dicts. */
export type SpecValue = BencodeValue;
/** A task's fields: image, code sha, command, and anything else that determines its output. */
export type Spec = { readonly [field: string]: SpecValue };
export type Meta = { readonly [field: string]: SpecValue };

/** Marks objects made by this runtime, so the CLI recognises a Dag even across module copies. */
const DAG_BRAND = Symbol.for('a-la-mode.Dag');

export class Task {
  private readonly inputNames: string[] = [];
  private readonly inputSites: StackHolder[] = [];
  /** @internal */ readonly site: StackHolder;

  /** @internal Use {@link Dag.task}. */
  constructor(readonly dag: Dag, readonly name: string, readonly spec: Spec, site: StackHolder) {
    this.site = site;
  }

  /**
   * Makes each given task (or task name) an input of this one. Returns this task, so calls chain:
   * `dag.task('c', spec).addDep(a, 'b')`.
   */
  addDep(...deps: (Task | string)[]): this {
    const site = capture(Task.prototype.addDep);
    for (const dep of deps) {
      if (dep instanceof Task) {
        if (dep.dag !== this.dag) throw new TypeError(`task '${this.name}': addDep(${dep.name}) names a task of another Dag`);
        this.inputNames.push(dep.name);
      } else if (typeof dep === 'string') {
        this.inputNames.push(dep);
      } else {
        throw new TypeError(`task '${this.name}': addDep takes tasks or task names, got ${dep === null ? 'null' : typeof dep}`);
      }
      this.inputSites.push(site);
    }
    return this;
  }

  /** Names of this task's inputs, in the order they were added: a new array at each read, like `Dag.tasks`. */
  get inputs(): string[] {
    return this.inputNames.slice();
  }

  /** @internal Where `addDep(name)` was called, for error locations. */
  inputSite(name: string): CallSite | undefined {
    const i = this.inputNames.indexOf(name);
    return i < 0 ? undefined : firstFrame(this.inputSites[i]?.stack);
  }

  /** @internal Where `dag.task(...)` was called. */
  get definedAt(): CallSite | undefined {
    return firstFrame(this.site.stack);
  }
}

export class Dag {
  private readonly taskList: Task[] = [];
  /** @internal */ readonly site: StackHolder;

  constructor(readonly meta: Meta = {}) {
    this.site = capture(Dag);
    Object.defineProperty(this, DAG_BRAND, { value: true });
  }

  /** @internal Where `new Dag(...)` was called. */
  get definedAt(): CallSite | undefined {
    return firstFrame(this.site.stack);
  }

  /** True for a Dag made by any copy of this runtime. */
  static isDag(value: unknown): value is Dag {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[DAG_BRAND] === true;
  }

  /** Defines a task. Its output ID is computed when the DAG is encoded. */
  task(name: string, spec: Spec): Task {
    if (typeof name !== 'string') throw new TypeError(`dag.task: the task name must be a string, got ${typeof name}`);
    const task = new Task(this, name, spec, capture(Dag.prototype.task));
    this.taskList.push(task);
    return task;
  }

  /** The task with this name. Throws if there is none. */
  get(name: string): Task {
    const task = this.taskList.find((t) => t.name === name);
    if (!task) throw new Error(`dag.get: no task named '${name}'`);
    return task;
  }

  /**
   * Every task, in definition order: a new array at each read, so sorting or filtering it in place
   * leaves the Dag as it is (and the editor's analysis can follow it; the live list could be changed
   * behind the Dag's back).
   */
  get tasks(): Task[] {
    return this.taskList.slice();
  }

  /** Output IDs and problems, without throwing: what tools use. */
  analyse(): DagEncoding {
    return encodeDag({ meta: this.meta, tasks: this.taskList.map((t) => ({ name: t.name, spec: t.spec, inputs: t.inputs })) });
  }

  /**
   * The encoded DAG: `{meta, tasks: {name: {...spec, inputs, output}}}`, a copy that shares nothing with
   * the Dag. Throws an {@link AlamodeError} if the DAG is bad.
   */
  encode(): EncodedDag {
    const result = this.analyse();
    const [first] = result.problems;
    if (first) throw errorFor(first, result.problems);
    // A copy: the encoded DAG is a snapshot, so the code it is handed to cannot change this Dag's specs
    // or meta through it (and the editor's analysis can rely on that).
    return structuredClone(result.encoded!);
  }

  /** The encoded DAG as canonical bencode: the bytes of a `.dag` file. */
  bencode(): Uint8Array {
    return bencodeDag(this.encode());
  }

  /** Writes the `.dag` file. */
  save(path: string): void {
    writeFileSync(path, this.bencode());
  }

  /**
   * Reads a `.dag` file back into a Dag. Throws if the file is not a valid encoded DAG, or if an output
   * ID in it does not match its spec and inputs (it was not made by this algorithm, or was edited).
   */
  static load(path: string): Dag {
    return Dag.fromEncoded(decodeDag(readFileSync(path)), path);
  }

  /** A Dag from an encoded DAG (see {@link Dag.load}). */
  static fromEncoded(encoded: EncodedDag, source = 'the encoded DAG'): Dag {
    const bad = inconsistentTasks(encoded);
    if (bad.length > 0) {
      throw new Error(`${source}: the stored output ID of ${bad.map((n) => `'${n}'`).join(', ')} does not match its spec and inputs`);
    }
    const def = definitionOf(encoded);
    const dag = new Dag(def.meta as Meta);
    const tasks = new Map(def.tasks.map((t) => [t.name, dag.task(t.name, t.spec as Spec)]));
    for (const t of def.tasks) tasks.get(t.name)!.addDep(...t.inputs);
    return dag;
  }
}

export { AlamodeError };
