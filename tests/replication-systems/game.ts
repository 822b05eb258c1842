/**
 * The test game for replication system tests: per app (server and clients in one process must
 * not share component storage) a Position (Vec2), a Health and a high-priority Speed component,
 * a registry declaring them, and helpers to spawn and compare entities.
 */
import { type App } from "@canopy/core";
import {
  ClientReplication,
  FloatTemplate,
  Networked,
  ReplicationRegistry,
  ServerReplication,
  Vec2Template,
} from "@canopy/net-plugin";
import {
  createStepper,
  type Stepper,
  type StepperOptions,
  type StepperSetup,
} from "@canopy/net-plugin/testing";
import { addComponent, addEntity, query } from "bitecs";

const N = 4096;
export const POSITION_PRECISION = 0.01;

export interface Game {
  app: App;
  Position: { x: Float32Array; y: Float32Array };
  Health: Float32Array;
  Speed: Float32Array;
  registry: ReplicationRegistry;
}

const games = new Map<App, Game>();

/** The game of `app` (made by `makeGame`). */
export function gameOf(app: App): Game {
  const g = games.get(app);
  if (g === undefined) throw new Error("gameOf: this app was not set up with makeGame.");
  return g;
}

/** Declares the game on `app`; `extraField` changes the registry (for the protocol-hash test). */
export function makeGame(app: App, extraField = false): Game {
  const Position = { x: new Float32Array(N), y: new Float32Array(N) };
  const Health = new Float32Array(N);
  const Speed = new Float32Array(N);
  const registry = new ReplicationRegistry();
  registry.replicate(Position, Vec2Template({ min: -1000, max: 1000, precision: POSITION_PRECISION }), {
    name: "position",
  });
  registry.replicate(Health, FloatTemplate({ min: 0, max: 100, precision: 0.5 }), { name: "health" });
  registry.replicate(Speed, FloatTemplate({ min: -1000, max: 1000, precision: 0.01 }), {
    name: "speed",
    priority: 100,
    latencyTolerance: 0.01,
  });
  if (extraField) registry.replicate(new Float32Array(N), FloatTemplate({ min: 0, max: 1, precision: 0.1 }));
  const game = { app, Position, Health, Speed, registry };
  games.set(app, game);
  return game;
}

/** A setup for createStepper that only declares the game (plus options). */
export function simpleSetup(options: Omit<StepperSetup, "registry"> = {}) {
  return (app: App, _role: "server" | "client"): StepperSetup => ({
    ...options,
    registry: makeGame(app).registry,
  });
}

/** Options of {@link connectedStepper}: the Stepper's, all optional, plus how long to wait. */
export interface ConnectedStepperOptions extends Partial<Omit<StepperOptions, "seed">> {
  /** Most ticks to wait for every client to connect (default 300). */
  connectTicks?: number;
}

/**
 * The set-up most system tests share: a Stepper (default 1 client over BROADBAND_60MS_1PCT with
 * `simpleSetup()`) stepped until every client is connected. Use with `await using`.
 */
export async function connectedStepper(
  seed: number,
  options: ConnectedStepperOptions = {},
): Promise<Stepper> {
  const { connectTicks = 300, ...rest } = options;
  const s = await createStepper({
    clients: 1,
    conditions: "BROADBAND_60MS_1PCT",
    setup: simpleSetup(),
    ...rest,
    seed,
  });
  if (!(await s.stepUntil(() => s.connected(), connectTicks))) {
    await s[Symbol.asyncDispose]();
    throw new Error(`connectedStepper: clients not connected after ${connectTicks} ticks (seed ${seed}).`);
  }
  return s;
}

/** Spawns a networked server entity at (x, y) with `health`. */
export function spawn(g: Game, x: number, y: number, health = 100): number {
  const world = g.app.world;
  const eid = addEntity(world);
  addComponent(world, eid, g.Position);
  addComponent(world, eid, g.Health);
  g.Position.x[eid] = x;
  g.Position.y[eid] = y;
  g.Health[eid] = health;
  addComponent(world, eid, Networked);
  return eid;
}

/** The client entity replicating server entity `serverEid`, or -1. */
export function clientEntity(server: App, client: App, serverEid: number): number {
  const netId = getNetId(server, serverEid);
  return netId < 0 ? -1 : clientMap(client).entityOf(netId);
}

function getNetId(server: App, eid: number): number {
  return server.getResource(ServerReplication).allocator.map.netIdOf(eid);
}

function clientMap(client: App) {
  return client.getResource(ClientReplication).map;
}

/** Largest |difference| of position and health between server and client over every networked entity, or Infinity when one is missing. */
export function maxError(server: App, client: App, only?: (eid: number) => boolean): number {
  const gs = gameOf(server);
  const gc = gameOf(client);
  let worst = 0;
  for (const eid of query(server.world, [Networked])) {
    if (only !== undefined && !only(eid)) continue;
    const c = clientEntity(server, client, eid);
    if (c < 0) return Number.POSITIVE_INFINITY;
    worst = Math.max(
      worst,
      Math.abs((gs.Position.x[eid] ?? 0) - (gc.Position.x[c] ?? 0)),
      Math.abs((gs.Position.y[eid] ?? 0) - (gc.Position.y[c] ?? 0)),
      Math.abs((gs.Health[eid] ?? 0) - (gc.Health[c] ?? 0)) / 50,
    );
  }
  return worst;
}

/** Replicated entities on `client`. */
export function replicatedCount(client: App): number {
  return client.getResource(ClientReplication).map.size;
}
