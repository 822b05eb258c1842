/**
 * The client-authority tests' rig: Steppers whose servers call a per-test upstream validator,
 * granting an entity to a client with client authority, moving it on the owner (checking no
 * server snapshot overwrote it), and forging or sending raw upstream snapshots.
 */
import type { App, AppWorld } from "@canopy/core";
import {
  BitWriter,
  ClientReplication,
  hasAuthority,
  setOwner,
  SnapshotEncoder,
  SnapshotState,
  type ClientReplicationOptions,
  type ServerReplicationOptions,
  type UpstreamIncoming,
} from "@canopy/net-plugin";
import type { Stepper } from "@canopy/net-plugin/testing";
import { expect } from "vitest";
import { clientEntity, connectedStepper, gameOf, makeGame } from "./game";

/** A server upstream validator (`ServerReplicationOptions.validateUpstream`). */
export type UpstreamHook = (
  world: AppWorld,
  client: number,
  eid: number,
  incoming: UpstreamIncoming,
) => boolean;

/** The server's upstream validator for the current test (undefined: accept everything). */
let hook: UpstreamHook | undefined;

/** Sets the validator the servers of `open` call (reset it with `setHook(undefined)` after each test). */
export function setHook(next: UpstreamHook | undefined): void {
  hook = next;
}

export function setupWith(server: ServerReplicationOptions, client: ClientReplicationOptions = {}) {
  return (app: App) => ({
    registry: makeGame(app).registry,
    client,
    server: {
      ...server,
      validateUpstream: (world: AppWorld, client: number, eid: number, incoming: UpstreamIncoming) =>
        hook === undefined || hook(world, client, eid, incoming),
    },
  });
}

export function open(
  seed: number,
  clients = 2,
  server: ServerReplicationOptions = {},
  client: ClientReplicationOptions = {},
): Promise<Stepper> {
  return connectedStepper(seed, { clients, setup: setupWith(server, client) });
}

export function slotOf(client: App): number {
  return client.getResource(ClientReplication).client.clientIndex;
}

/** Gives server entity `eid` to `client` with client authority and steps until that client knows. */
export async function grant(s: Stepper, eid: number, client: App): Promise<number> {
  setOwner(s.server.world, eid, slotOf(client), { authority: "client" });
  const known = await s.stepUntil(() => {
    const local = clientEntity(s.server, client, eid);
    return local >= 0 && hasAuthority(client.world, local);
  }, 120);
  expect(known).toBe(true);
  return clientEntity(s.server, client, eid);
}

/** Largest |position difference| between server entity `eid` and its copy on `client`. */
export function positionError(s: Stepper, client: App, eid: number): number {
  const gs = gameOf(s.server);
  const gc = gameOf(client);
  const local = clientEntity(s.server, client, eid);
  if (local < 0) return Number.POSITIVE_INFINITY;
  return Math.max(
    Math.abs((gs.Position.x[eid] as number) - (gc.Position.x[local] as number)),
    Math.abs((gs.Position.y[eid] as number) - (gc.Position.y[local] as number)),
  );
}

/** The owner moves its copy each tick (before the step); checks no server snapshot overwrote it. */
export async function moveOnOwner(
  s: Stepper,
  owner: App,
  local: number,
  ticks: number,
  from: number,
): Promise<void> {
  const g = gameOf(owner);
  for (let t = 0; t < ticks; t++) {
    const x = from + t * 0.37;
    const y = -5 + ((from + t) % 40) * 0.25;
    g.Position.x[local] = x;
    g.Position.y[local] = y;
    await s.stepTicks(1);
    expect(g.Position.x[local], `owner's x overwritten at tick ${t}`).toBe(Math.fround(x));
    expect(g.Position.y[local], `owner's y overwritten at tick ${t}`).toBe(Math.fround(y));
  }
}

/** An upstream snapshot (no baseline) that puts network id `netId` at (x, y), encoded with `client`'s registry. */
export function forgeUpstream(
  client: App,
  netId: number,
  sequence: number,
  x: number,
  y: number,
): Uint8Array {
  const g = gameOf(client);
  const registry = g.registry;
  const capacity = client.getResource(ClientReplication).capacity;
  const state = new SnapshotState(registry, capacity);
  const field = registry.fieldOf(g.Position)!;
  field.template.quantize({ x, y }, state.values, netId * state.stride + field.offset);
  state.setPresent(netId, 1 << field.index);
  const writer = new BitWriter(1200);
  new SnapshotEncoder(registry, capacity).encode(writer, {
    sequence,
    tick: 1,
    current: state,
    baseline: undefined,
    out: new SnapshotState(registry, capacity),
  });
  return writer.finish().slice();
}

export function sendRaw(client: App, bytes: Uint8Array): void {
  const st = client.getResource(ClientReplication);
  st.client.send(st.snapshotChannel, bytes);
}

export function netIdOf(s: Stepper, eid: number): number {
  return s.serverState.allocator.map.netIdOf(eid);
}

/**
 * A validateUpstream hook (speed limit): refuses an incoming position more than `maxStep` from the
 * server's `position` of the entity on either axis (corrections tests).
 */
export function speedLimit(position: { x: Float32Array; y: Float32Array }, maxStep: number): UpstreamHook {
  return (_world, _client, eid, incoming) =>
    !incoming.has(position) ||
    (Math.abs(incoming.read(position, "x") - (position.x[eid] as number)) <= maxStep &&
      Math.abs(incoming.read(position, "y") - (position.y[eid] as number)) <= maxStep);
}

/** `client`'s replication counters (corrections, upstream, snapshots). */
export function clientCounters(client: App) {
  return client.getResource(ClientReplication).counters;
}
