/** Result of {@link topologicalOrder}: an order, or one cycle found in the graph. */
export type TopologicalResult = { ok: true; order: number[] } | { ok: false; cycle: number[] };

/**
 * Stable topological sort of nodes `0..count-1` under `edges` (`[a, b]` means a before b).
 * Among nodes that are ready at the same time the lowest index goes first, so the result depends
 * only on insertion order. Self-edges and cycles are reported with the nodes of one cycle.
 */
export function topologicalOrder(
  count: number,
  edges: readonly (readonly [number, number])[],
): TopologicalResult {
  const successors: Set<number>[] = Array.from({ length: count }, () => new Set<number>());
  const indegree = new Array<number>(count).fill(0);
  for (const [a, b] of edges) {
    const next = successors[a] as Set<number>;
    if (next.has(b)) continue;
    next.add(b);
    indegree[b] = (indegree[b] as number) + 1;
  }

  const ready: number[] = [];
  for (let i = count - 1; i >= 0; i--) if (indegree[i] === 0) ready.push(i);
  const order: number[] = [];
  while (ready.length > 0) {
    // `ready` is kept sorted descending so pop() yields the smallest index.
    const node = ready.pop() as number;
    order.push(node);
    for (const next of successors[node] as Set<number>) {
      indegree[next] = (indegree[next] as number) - 1;
      if (indegree[next] === 0) ready.push(next);
    }
    ready.sort((x, y) => y - x);
  }
  if (order.length === count) return { ok: true, order };
  return { ok: false, cycle: findCycle(successors, indegree) };
}

function findCycle(successors: readonly Set<number>[], indegree: readonly number[]): number[] {
  // Nodes with remaining indegree are on or behind a cycle; walk predecessors-first via DFS.
  const state = new Array<number>(successors.length).fill(0); // 0 new, 1 on stack, 2 done
  const stack: number[] = [];
  const visit = (node: number): number[] | undefined => {
    state[node] = 1;
    stack.push(node);
    for (const next of successors[node] as Set<number>) {
      if ((indegree[next] as number) === 0) continue;
      if (state[next] === 1) return stack.slice(stack.indexOf(next));
      if (state[next] === 0) {
        const found = visit(next);
        if (found) return found;
      }
    }
    stack.pop();
    state[node] = 2;
    return undefined;
  };
  for (let i = 0; i < successors.length; i++) {
    if ((indegree[i] as number) > 0 && state[i] === 0) {
      const cycle = visit(i);
      if (cycle) return cycle;
    }
  }
  return [];
}
