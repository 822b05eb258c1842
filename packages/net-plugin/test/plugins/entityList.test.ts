import { describe, expect, it } from "vitest";
import { EntityList } from "../../src/replication/server/entityList";

describe("EntityList (reused id lists of the replication systems and the Replicator)", () => {
  it("pushes, reads by index, clears to length 0 and sorts ascending in place", () => {
    const list = new EntityList();
    for (const id of [5, 1, 4, 1, 9, 0]) list.push(id);
    expect(Array.from(list)).toEqual([5, 1, 4, 1, 9, 0]);
    list.sortAscending();
    expect(Array.from(list)).toEqual([0, 1, 1, 4, 5, 9]);
    list.length = 3; // the capture keeps a prefix this way
    expect(Array.from(list)).toEqual([0, 1, 1]);
    list.clear();
    expect(list.length).toBe(0);
    list.push(7);
    expect(Array.from(list)).toEqual([7]);
  });
});
