/**
 * With the WebAssembly kernels on (`wasmKernels.enabled` when the server is built), every
 * snapshot state lives in the registry's wasm memory; a client that leaves gives its rings' blocks
 * back at once (handleConnections disposes its ClientView) instead of after garbage collection,
 * and the other client keeps replicating.
 */
import { describe, expect, it } from "vitest";
// Internal switch (not part of the package API), as the bench uses codecKernels.
import { wasmKernels } from "../../packages/net-plugin/src/replication/codec/wasm/wasmKernels";
import { clientEntity, connectedStepper, gameOf, spawn } from "./game";

describe("wasm-memory states", () => {
  it("a leaving client's rings give their blocks back; the others keep replicating", async () => {
    const seed = 4411;
    wasmKernels.enabled = true;
    try {
      await using s = await connectedStepper(seed, { clients: 2 });
      const g = gameOf(s.server);
      const e = spawn(g, 3, 4);
      await s.stepTicks(20);
      const slot1 = s.clientState(1).client.clientIndex;
      const view = s.serverState.clients[slot1];
      expect(view, `seed ${seed}`).toBeDefined();
      expect(view!.ring.scratch.block, "states are pool-backed").toBeGreaterThanOrEqual(0);
      s.clientState(1).client.disconnect();
      await s.stepTicks(30);
      expect(s.serverState.clients[slot1]).toBeUndefined();
      expect(view!.ring.scratch.block, "blocks given back on disconnect").toBe(-1);
      g.Position.x[e] = 7;
      await s.stepTicks(20);
      const c0 = s.clients[0]!;
      expect(gameOf(c0).Position.x[clientEntity(s.server, c0, e)]).toBeCloseTo(7, 2);
    } finally {
      wasmKernels.enabled = false;
    }
  });
});
