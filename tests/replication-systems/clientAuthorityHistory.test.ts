/**
 * The client's snapshot history and client authority, over the seeded lossy link (1 % loss, 30 ms
 * each way): the history of an entity this client is the authority for is forgotten when
 * authority begins and not recorded while it lasts (the server's values are not its confirmed
 * states), other clients keep recording it, and once authority ends it is recorded again with
 * the server's values.
 */
import { hasAuthority, setOwner } from "@canopy/net-plugin";
import { describe, expect, it } from "vitest";
import { gameOf, spawn } from "./game";
import { grant, moveOnOwner, netIdOf, open, slotOf } from "./clientAuthorityRig";

describe("snapshot history with client authority", () => {
  it("skips the entities this client is the authority for, and records them again after revoke", async () => {
    const seed = 5311;
    await using s = await open(seed);
    const [c0, c1] = [s.clients[0]!, s.clients[1]!];
    const gs = gameOf(s.server);
    const eid = spawn(gs, 1, -4.75);
    const other = spawn(gs, 5, 5);
    await s.stepTicks(20);
    const id = netIdOf(s, eid);
    const h0 = s.clientState(0).history;
    const h1 = s.clientState(1).history;
    const size = h0.size;
    expect(h0.count(id), `seed ${seed}`).toBe(size);

    const local = await grant(s, eid, c0);
    // Forgotten when authority began, and not recorded while the owner moves it.
    expect(h0.count(id)).toBe(0);
    const newest1 = h1.tickAt(id, 0);
    await moveOnOwner(s, c0, local, 30, 1);
    await s.stepTicks(10); // the owner's last moves reach the server and c1
    expect(h0.count(id)).toBe(0);
    expect(h0.count(netIdOf(s, other))).toBe(size); // other entities are recorded as before
    expect(h1.count(id)).toBe(size); // another client records it: the owner's moves, confirmed by the server
    expect(h1.tickAt(id, 0)).toBeGreaterThan(newest1);
    const field = gameOf(c1).registry.fieldOf(gameOf(c1).Position)!;
    const value = field.template.createValue() as { x: number; y: number };
    expect(h1.valueAt(field, id, 0, value)?.x).toBeCloseTo(gs.Position.x[eid]!, 1);

    // Revoked: recorded again, from the first snapshot without authority, with the server's values.
    setOwner(s.server.world, eid, slotOf(c0));
    expect(await s.stepUntil(() => !hasAuthority(c0.world, local), 60), `seed ${seed}`).toBe(true);
    const recorded = h0.count(id);
    expect(recorded).toBeGreaterThanOrEqual(1);
    gs.Position.x[eid] = 33;
    await s.stepTicks(20);
    expect(h0.count(id)).toBeGreaterThan(recorded);
    const mine = gameOf(c0).registry.fieldOf(gameOf(c0).Position)!;
    expect(h0.valueAt(mine, id, 0, value)?.x).toBeCloseTo(33, 1);
  });
});
