/**
 * Graph checks over task names. Edges point from a task to its inputs (dependency direction); cycles
 * are reported in data-flow order (input → task), which is how a pipeline reads.
 */
import type { Edge } from './problems';

export interface Cycle {
  /** Data-flow order, first task repeated at the end. */
  readonly path: readonly string[];
  /** One `addDep` edge per arrow in `path`. */
  readonly edges: readonly Edge[];
  /** Every task in the strongly connected component (all have no output). */
  readonly members: readonly string[];
}

/**
 * Finds every strongly connected component that contains a cycle (Tarjan's algorithm, iterative) and,
 * for each, one concrete cycle through its first-listed member. `nodes` fixes the order reports come in.
 */
export function findCycles(nodes: readonly string[], inputsOf: (node: string) => readonly string[]): Cycle[] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;

  for (const start of nodes) {
    if (index.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    index.set(start, counter);
    low.set(start, counter++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const [v, i] = frame;
      const edges = inputsOf(v);
      if (i < edges.length) {
        frame[1] = i + 1;
        const w = edges[i]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push([w, 0]);
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]![0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || inputsOf(v).includes(v)) components.push(component);
      }
    }
  }

  const order = new Map(nodes.map((n, i) => [n, i]));
  return components
    .map((members) => members.sort((a, b) => order.get(a)! - order.get(b)!))
    .sort((a, b) => order.get(a[0]!)! - order.get(b[0]!)!)
    .map((members) => cycleThrough(members, inputsOf));
}

/** A shortest cycle from the component's first member back to itself (BFS along dependency edges). */
function cycleThrough(members: string[], inputsOf: (node: string) => readonly string[]): Cycle {
  const inComponent = new Set(members);
  const start = members[0]!;
  const parent = new Map<string, string>();
  const queue = [start];
  let found = false;
  for (let q = 0; q < queue.length && !found; q++) {
    const v = queue[q]!;
    for (const w of inputsOf(v)) {
      if (!inComponent.has(w)) continue;
      if (w === start) {
        parent.set(start, v);
        found = true;
        break;
      }
      if (!parent.has(w)) {
        parent.set(w, v);
        queue.push(w);
      }
    }
  }
  // Walk back from start's predecessor: the dependency path start → … → start, reversed, is data flow.
  const dependencyPath = [start];
  for (let v = parent.get(start)!; v !== start; v = parent.get(v)!) dependencyPath.push(v);
  dependencyPath.push(start);
  // dependencyPath is start ← … in reverse BFS order, which already reads as data flow (input → task).
  const path = dependencyPath;
  const edges: Edge[] = [];
  for (let k = 0; k + 1 < path.length; k++) edges.push({ task: path[k + 1]!, input: path[k]! });
  return { path, edges, members };
}
