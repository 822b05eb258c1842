/**
 * Check on read through the NetPlugin: a client whose registry differs from the server's is
 * refused with `protocolHashMismatch` and a message naming both hashes; malformed snapshots are
 * dropped and counted without touching the world, and replication carries on.
 */
import {
  BitWriter,
  ClientReplication,
  DEFAULT_CHANNELS,
  FrameEventKind,
  protocolHashOf,
  ReplicationDefaults,
  type ReplicationRegistry,
} from "@canopy/net-plugin";
import type { App } from "@canopy/core";
import { createStepper, type StepperSetup } from "@canopy/net-plugin/testing";
import { describe, expect, it } from "vitest";
import {
  gameOf,
  makeGame,
  maxError,
  POSITION_PRECISION,
  replicatedCount,
  spawn,
  connectedStepper,
} from "./game";

const hashOf = (r: ReplicationRegistry) =>
  protocolHashOf(r, DEFAULT_CHANNELS, undefined, ReplicationDefaults.capacity);

describe("protocol hash", () => {
  it("refuses a client whose network-id capacity differs", async () => {
    const seed = 903;
    const setup = (app: App, role: "server" | "client"): StepperSetup => ({
      registry: makeGame(app).registry,
      client: { capacity: role === "client" ? 512 : 1024 },
    });
    await using s = await createStepper({ clients: 1, seed, conditions: "BROADBAND_60MS_1PCT", setup });
    const st = s.clientState(0);
    expect(await s.stepUntil(() => st.lastDisconnect !== undefined, 600)).toBe(true);
    expect(st.lastDisconnect?.reason).toBe("protocolHashMismatch");
  });

  it("refuses a client with other replicated fields, with a readable reason", async () => {
    const seed = 901;
    const registries = new Map<string, number>();
    const setup = (app: App, role: "server" | "client"): StepperSetup => {
      const { registry } = makeGame(app, role === "client");
      return { registry };
    };
    await using s = await createStepper({ clients: 1, seed, conditions: "BROADBAND_60MS_1PCT", setup });
    const st = s.clientState(0);
    expect(await s.stepUntil(() => st.lastDisconnect !== undefined, 600)).toBe(true);
    expect(st.lastDisconnect?.reason).toBe("protocolHashMismatch");
    const hex = (h: number) => `0x${h.toString(16).padStart(8, "0")}`;
    registries.set("server", hashOf(gameOf(s.server).registry));
    registries.set("client", hashOf(gameOf(s.clients[0]!).registry));
    expect(registries.get("server")).not.toBe(registries.get("client"));
    expect(st.lastDisconnect?.message).toContain(hex(registries.get("server")!));
    expect(st.lastDisconnect?.message).toContain(hex(registries.get("client")!));
    expect(s.serverState.server.connectedClients).toBe(0);
  });
});

/** A snapshot header whose baseline is the snapshot itself (age 0): always invalid. */
function selfBaselineSnapshot(sequence: number): Uint8Array {
  const w = new BitWriter(16);
  w.writeBits(sequence & 0xffff, 16);
  w.writeBits(1, 1); // Exp-Golomb order 10 of tick 0: a one bit, then 10 zero bits
  w.writeBits(0, 10);
  w.writeBool(true); // has baseline
  w.writeBits(sequence & 0xffff, 16);
  return w.finish().slice();
}

describe("malformed snapshots", () => {
  it("are dropped and counted; the world is untouched and replication continues", async () => {
    const seed = 902;
    await using s = await connectedStepper(seed);
    const g = gameOf(s.server);
    const client = s.clients[0]!;
    const eids = Array.from({ length: 10 }, (_, i) => spawn(g, i, i));
    await s.stepTicks(30);
    expect(replicatedCount(client)).toBe(10);
    const st = client.getResource(ClientReplication);
    const before = { ...st.decoder.counters };
    const server = s.serverState.server;
    const slot = st.client.clientIndex;
    const channel = s.serverState.snapshotChannel;
    const bad = [
      new Uint8Array([0x01]), // truncated header
      new Uint8Array(0), // empty
      selfBaselineSnapshot(st.decoder.newestSequence + 1000),
      new Uint8Array([0xff, 0xff, 0xff]), // truncated Exp-Golomb tick
    ];
    for (const m of bad) server.send(slot, channel, m);
    for (let t = 0; t < 30; t++) {
      g.Position.x[eids[0]!] = t;
      await s.stepTicks(1);
    }
    await s.stepTicks(20); // the last move crosses the 30 ms link
    const c = st.decoder.counters;
    const rejected = c.snapshotsInvalid - before.snapshotsInvalid;
    expect(rejected, `seed ${seed}`).toBe(bad.length);
    expect(replicatedCount(client)).toBe(10);
    expect(maxError(s.server, client)).toBeLessThanOrEqual(POSITION_PRECISION);
  });

  it("an old snapshot replayed later is dropped as too old, counted, and never applied", async () => {
    const seed = 904;
    await using s = await connectedStepper(seed, { conditions: "PERFECT" });
    const g = gameOf(s.server);
    const client = s.clients[0]!;
    const st = client.getResource(ClientReplication);
    const eid = spawn(g, 1, 1);
    await s.stepTicks(5);
    // Keep a copy of a real snapshot from this frame's events (it shows the entity at x = 1).
    const f = st.frame;
    let bytes = new Uint8Array(0);
    for (let i = 0; i < f.count; i++)
      if (f.kindOf(i) === FrameEventKind.message)
        bytes = f.bytes.slice(f.offsetOf(i), f.offsetOf(i) + f.lengthOf(i));
    expect(bytes.length).toBeGreaterThan(0);
    g.Position.x[eid] = 50;
    await s.stepTicks(10);
    const dropped = st.decoder.counters.snapshotsDropped;
    const applied = st.counters.snapshotsApplied;
    s.serverState.server.send(st.client.clientIndex, s.serverState.snapshotChannel, bytes);
    await s.stepTicks(1);
    expect(st.decoder.counters.snapshotsDropped).toBe(dropped + 1);
    expect(st.counters.snapshotsApplied).toBe(applied + 1); // only this tick's real snapshot
    expect(maxError(s.server, client)).toBeLessThanOrEqual(POSITION_PRECISION);
  });
});
