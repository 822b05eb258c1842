/**
 * Components allocated with `wasmComponents` (in the codec's wasm memory) through the whole
 * server → client path of the plugins: Position and Health in wasm memory, Speed a plain typed
 * array (mixed), on the server and on every client. Entities spawn, move every tick and despawn
 * over a lossy link; every client converges to the server's values within the quantization. With
 * the wasm kernels on (project `system`) the server's captured state and each client's states live
 * in the components' memory; with them off (`system-js`) the same components work as plain arrays.
 */
import type { App } from "@canopy/core";
import {
  ClientReplication,
  FloatTemplate,
  Networked,
  ReplicationRegistry,
  ServerReplication,
  Vec2Template,
  wasmComponents,
} from "@canopy/net-plugin";
import { createStepper } from "@canopy/net-plugin/testing";
import { addComponent, addEntity, removeEntity } from "bitecs";
import { describe, expect, it } from "vitest";
// Internal switch (not part of the package API): which path this project runs.
import { wasmKernels } from "../../packages/net-plugin/src/replication/codec/wasm/wasmKernels";

const N = 512;

function makeGame() {
  const { Position, Health } = wasmComponents(
    { entities: N },
    { Position: { x: Float32Array, y: Float32Array }, Health: Float32Array },
  );
  const Speed = new Float32Array(N);
  const registry = new ReplicationRegistry();
  registry.replicate(Position, Vec2Template({ min: -1000, max: 1000, precision: 0.01 }), {
    name: "position",
  });
  registry.replicate(Health, FloatTemplate({ min: 0, max: 100, precision: 0.5 }), { name: "health" });
  registry.replicate(Speed, FloatTemplate({ min: -1000, max: 1000, precision: 0.01 }), { name: "speed" });
  return { Position, Health, Speed, registry };
}
type Game = ReturnType<typeof makeGame>;

describe("components in wasm memory through the plugins", () => {
  it("replicate, move and despawn like plain ones over a lossy link (mixed with a plain component)", async () => {
    const seed = 7301;
    const games = new Map<App, Game>();
    await using s = await createStepper({
      clients: 2,
      conditions: "BROADBAND_60MS_1PCT",
      seed,
      setup: (app) => {
        const g = makeGame();
        games.set(app, g);
        return { registry: g.registry };
      },
    });
    expect(await s.stepUntil(() => s.connected(), 300), `seed ${seed}: connected`).toBe(true);
    const g = games.get(s.server) as Game;
    const world = s.server.world;
    const live: number[] = [];
    for (let i = 0; i < 60; i++) {
      const eid = addEntity(world);
      for (const c of [g.Position, g.Health, g.Speed, Networked]) addComponent(world, eid, c);
      live.push(eid);
    }
    for (let tick = 0; tick < 90; tick++) {
      for (const eid of live) {
        g.Position.x[eid] = Math.sin(tick * 0.05 + eid) * 300;
        g.Position.y[eid] = eid * 1.5 - tick;
        g.Health[eid] = (eid + tick) % 100;
        g.Speed[eid] = tick * 0.25 - eid;
      }
      if (tick === 30) for (const eid of live.splice(0, 10)) removeEntity(world, eid);
      await s.stepTicks(1);
    }
    await s.stepTicks(40); // the link heals the last losses
    const server = s.server.getResource(ServerReplication);
    if (wasmKernels.enabled) {
      const memory = g.Position.x.buffer === server.current.pool?.memory.buffer;
      expect(memory, "the server's state lives in the components' memory").toBe(true);
    }
    for (const client of s.clients) {
      const c = games.get(client) as Game;
      const map = client.getResource(ClientReplication).map;
      if (wasmKernels.enabled) {
        const pool = client.getResource(ClientReplication).ring.scratch.pool;
        expect(pool?.memory.buffer, "the client's states live in its components' memory").toBe(
          c.Position.x.buffer,
        );
      }
      for (const eid of live) {
        const ce = map.entityOf(server.allocator.map.netIdOf(eid));
        expect(ce, `seed ${seed}: entity ${eid} replicated`).toBeGreaterThanOrEqual(0);
        expect(Math.abs((c.Position.x[ce] as number) - (g.Position.x[eid] as number))).toBeLessThanOrEqual(
          0.006,
        );
        expect(Math.abs((c.Position.y[ce] as number) - (g.Position.y[eid] as number))).toBeLessThanOrEqual(
          0.006,
        );
        expect(Math.abs((c.Health[ce] as number) - (g.Health[eid] as number))).toBeLessThanOrEqual(0.25);
        expect(Math.abs((c.Speed[ce] as number) - (g.Speed[eid] as number))).toBeLessThanOrEqual(0.006);
      }
      let replicated = 0;
      for (let id = 0; id < server.capacity; id++) if (map.entityOf(id) >= 0) replicated++;
      expect(replicated, `seed ${seed}: despawns reached the client`).toBe(live.length);
    }
  });
});
