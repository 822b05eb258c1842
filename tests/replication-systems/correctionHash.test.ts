/**
 * The correction format is in the protocol hash (client authority): a client that does not take
 * the server's corrections of refused upstream state (`corrections: false`, as a build without
 * them) is refused at the handshake with `protocolHashMismatch` and a message naming both hashes,
 * instead of silently keeping the values the server refused; with both sides off they connect and a
 * refusal is answered by no correction.
 */
import { DEFAULT_CHANNELS, protocolHashOf, ReplicationDefaults } from "@canopy/net-plugin";
import { createStepper } from "@canopy/net-plugin/testing";
import { afterEach, describe, expect, it } from "vitest";
import { gameOf, spawn } from "./game";
import { clientCounters, grant, open, setHook, setupWith, speedLimit } from "./clientAuthorityRig";

afterEach(() => {
  setHook(undefined);
});

const hex = (h: number) => `0x${h.toString(16).padStart(8, "0")}`;

describe("corrections in the protocol hash", () => {
  it("refuses a client without corrections, with a readable reason naming both hashes", async () => {
    const seed = 5331;
    await using s = await createStepper({
      clients: 1,
      seed,
      conditions: "BROADBAND_60MS_1PCT",
      setup: setupWith({}, { corrections: false }),
    });
    const st = s.clientState(0);
    expect(await s.stepUntil(() => st.lastDisconnect !== undefined, 600), `seed ${seed}`).toBe(true);
    expect(st.lastDisconnect?.reason).toBe("protocolHashMismatch");
    const registry = gameOf(s.server).registry;
    const capacity = ReplicationDefaults.capacity;
    const serverHash = protocolHashOf(registry, DEFAULT_CHANNELS, undefined, capacity);
    const clientHash = protocolHashOf(registry, DEFAULT_CHANNELS, undefined, capacity, false);
    expect(serverHash).not.toBe(clientHash);
    expect(st.lastDisconnect?.message).toContain(hex(serverHash));
    expect(st.lastDisconnect?.message).toContain(hex(clientHash));
    expect(s.serverState.server.connectedClients).toBe(0);
  });

  it("refuses a server without corrections to a default client", async () => {
    const seed = 5332;
    await using s = await createStepper({
      clients: 1,
      seed,
      setup: setupWith({ corrections: false }),
    });
    const st = s.clientState(0);
    expect(await s.stepUntil(() => st.lastDisconnect !== undefined, 600), `seed ${seed}`).toBe(true);
    expect(st.lastDisconnect?.reason).toBe("protocolHashMismatch");
  });

  it("both sides without corrections connect; a refused upstream state gets no correction", async () => {
    const seed = 5333;
    await using s = await open(seed, 1, { corrections: false }, { corrections: false });
    const c0 = s.clients[0]!;
    const gs = gameOf(s.server);
    const eid = spawn(gs, 0, 0);
    await s.stepTicks(10);
    const local = await grant(s, eid, c0);
    setHook(speedLimit(gs.Position, 1));
    const g0 = gameOf(c0);
    for (let t = 0; t < 30; t++) {
      g0.Position.x[local] = 50 + t;
      await s.stepTicks(1);
    }
    await s.stepTicks(30);
    const server = s.serverState.counters;
    expect(server.upstreamRejected, `seed ${seed}`).toBeGreaterThan(0);
    expect(server.upstreamCorrections).toBe(0);
    expect(clientCounters(c0).correctionsApplied).toBe(0);
    // Not snapped back: the owner keeps the values the server refused.
    expect(g0.Position.x[local]).toBe(79);
  });
});
