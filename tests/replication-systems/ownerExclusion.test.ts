/**
 * Client authority, downstream: the server does not send the authority client the fields it
 * sends up (its upstream fields) — over the seeded lossy link (1 % loss, 30 ms each way) the
 * owner of a moving entity receives fewer snapshot bytes than a client watching it, the watcher
 * still converges, the owner is never overwritten, its other fields still reach it, spawns are
 * complete, and when authority is revoked or moves to another client the former owner converges
 * to the server's values.
 */
import type { App } from "@canopy/core";
import { hasAuthority, setOwner, type ServerReplicationOptions } from "@canopy/net-plugin";
import type { Stepper } from "@canopy/net-plugin/testing";
import { describe, expect, it } from "vitest";
import { clientEntity, gameOf, maxError, POSITION_PRECISION, spawn } from "./game";
import { grant, moveOnOwner, open, positionError, slotOf } from "./clientAuthorityRig";

/** Snapshot bytes and count the server has sent `client` so far. */
function sentTo(s: Stepper, client: App): { bytes: number; snapshots: number } {
  const view = s.serverState.clients[slotOf(client)]!;
  return { bytes: view.bytesSent, snapshots: view.snapshotsSent };
}

/** Mean snapshot bytes sent to `client` since `from`. */
function bytesPerSnapshot(s: Stepper, client: App, from: { bytes: number; snapshots: number }): number {
  const now = sentTo(s, client);
  return (now.bytes - from.bytes) / (now.snapshots - from.snapshots);
}

/**
 * One moving client-authority entity (and two resting ones): bytes per snapshot to its owner and
 * to a watching client while the owner moves it; checks the watcher converges.
 */
async function ownerAndWatcher(seed: number, server: ServerReplicationOptions = {}) {
  await using s = await open(seed, 2, server);
  const [c0, c1] = [s.clients[0]!, s.clients[1]!];
  const gs = gameOf(s.server);
  const eid = spawn(gs, 1, 1);
  spawn(gs, 20, 20);
  spawn(gs, -20, 5);
  await s.stepTicks(10);
  const local = await grant(s, eid, c0);
  await s.stepTicks(10);
  const from0 = sentTo(s, c0);
  const from1 = sentTo(s, c1);
  await moveOnOwner(s, c0, local, 90, 10); // fails if a snapshot overwrote the owner's copy
  const owner = bytesPerSnapshot(s, c0, from0);
  const watcher = bytesPerSnapshot(s, c1, from1);
  await s.stepTicks(20); // the last move crosses the 30 ms links both ways
  expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION / 2 + 1e-4);
  expect(maxError(s.server, c1), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
  expect(gs.Position.x[eid]).toBeCloseTo(10 + 89 * 0.37, 1);
  console.log(
    `downstream while the owner moves (${server.changeDetection ?? "scan"}, seed ${seed}): ` +
      `${owner.toFixed(1)} bytes per snapshot to the owner, ${watcher.toFixed(1)} to a watcher`,
  );
  return { owner, watcher };
}

describe("client authority: the owner is not sent its own fields", () => {
  it("the owner gets fewer snapshot bytes than a watcher; the watcher converges, the owner is never overwritten", async () => {
    const { owner, watcher } = await ownerAndWatcher(5201);
    // A moving Vec2 costs the watcher its update (≈ 5 bytes: flags, k table, deltas); the owner
    // gets the header only.
    expect(owner).toBeLessThan(watcher * 0.75);
    expect(watcher - owner).toBeGreaterThan(3);
  });

  it("the same with marked change detection", async () => {
    const { owner, watcher } = await ownerAndWatcher(5202, { changeDetection: "marked" });
    expect(owner).toBeLessThan(watcher * 0.75);
    expect(watcher - owner).toBeGreaterThan(3);
  });

  it.each([
    ["both sides", { upstreamFields: ["position"] }],
    ["the client only (the server accepts every field)", {}],
  ] as const)(
    "fields the owner does not send up still reach it (upstreamFields on %s)",
    async (_, server: ServerReplicationOptions) => {
      const seed = 5203;
      await using s = await open(seed, 2, server, { upstreamFields: ["position"] });
      const [c0, c1] = [s.clients[0]!, s.clients[1]!];
      const gs = gameOf(s.server);
      const eid = spawn(gs, 1, 1, 100);
      await s.stepTicks(10);
      const local = await grant(s, eid, c0);
      await moveOnOwner(s, c0, local, 20, 10);
      const from0 = sentTo(s, c0);
      const from1 = sentTo(s, c1);
      gs.Health[eid] = 40; // the server's: the owner does not send health up
      await moveOnOwner(s, c0, local, 40, 20);
      expect(gameOf(c0).Health[local], `seed ${seed}`).toBe(40);
      expect(hasAuthority(c0.world, local)).toBe(true);
      // Its position (sent up) is still left out of its snapshots.
      expect(bytesPerSnapshot(s, c0, from0)).toBeLessThan(bytesPerSnapshot(s, c1, from1) * 0.75);
    },
  );

  it("an entity spawned already owned arrives complete on its owner", async () => {
    const seed = 5204;
    await using s = await open(seed, 2);
    const c0 = s.clients[0]!;
    const gs = gameOf(s.server);
    await s.stepTicks(5);
    const eid = spawn(gs, 12.5, -7.25, 60);
    setOwner(s.server.world, eid, slotOf(c0), { authority: "client" });
    const arrived = await s.stepUntil(() => clientEntity(s.server, c0, eid) >= 0, 120);
    expect(arrived, `seed ${seed}`).toBe(true);
    const local = clientEntity(s.server, c0, eid);
    const g0 = gameOf(c0);
    expect(hasAuthority(c0.world, local)).toBe(true);
    expect(g0.Position.x[local]).toBeCloseTo(12.5, 2);
    expect(g0.Position.y[local]).toBeCloseTo(-7.25, 2);
    expect(g0.Health[local]).toBe(60);
  });

  it("revoking authority, or moving it to another client, brings the former owner the server's values", async () => {
    const seed = 5205;
    await using s = await open(seed, 2);
    const [c0, c1] = [s.clients[0]!, s.clients[1]!];
    const gs = gameOf(s.server);
    const eid = spawn(gs, 1, 1);
    await s.stepTicks(10);
    const local0 = await grant(s, eid, c0);
    await moveOnOwner(s, c0, local0, 30, 0);
    await s.stepTicks(10);
    // Revoke and move it on the server in the same tick: c0's copy (its own, never sent back)
    // differs from its baseline's, so the next snapshots carry the server's values.
    setOwner(s.server.world, eid, slotOf(c0));
    gs.Position.x[eid] = 300;
    gs.Position.y[eid] = -300;
    const back = await s.stepUntil(() => positionError(s, c0, eid) <= POSITION_PRECISION, 120);
    expect(back, `seed ${seed}: revoked owner never got the server's position`).toBe(true);
    expect(hasAuthority(c0.world, local0)).toBe(false);
    // Authority moves to c1; c1 moves it; c0 (now a watcher) follows c1's moves.
    const local1 = await grant(s, eid, c1);
    await moveOnOwner(s, c1, local1, 40, 50);
    await s.stepTicks(20);
    expect(gs.Position.x[eid]).toBeCloseTo(50 + 39 * 0.37, 1);
    expect(positionError(s, c0, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(positionError(s, c1, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION / 2 + 1e-4);
    // Back to c0 with client authority: c1 converges to what c0 sends.
    const again = await grant(s, eid, c0);
    await moveOnOwner(s, c0, again, 30, -40);
    await s.stepTicks(20);
    expect(positionError(s, c1, eid), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
  });
});
