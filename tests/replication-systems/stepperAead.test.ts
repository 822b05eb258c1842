/**
 * `StepperOptions.aead`: the packet AEAD handed to the Stepper seals and opens every packet of the
 * server and of each client (the bench uses it to run libsodium instead of @noble/ciphers), and
 * replication over it converges like over the default.
 */
import { loadSodiumAead, type PacketAead } from "@canopy/net-plugin";
import { describe, expect, it } from "vitest";
import { connectedStepper, gameOf, maxError, POSITION_PRECISION, replicatedCount, spawn } from "./game";

describe("Stepper aead option", () => {
  it("seals and opens every packet with the given AEAD and still replicates", async () => {
    const seed = 531;
    const sodium = await loadSodiumAead();
    const calls = { seal: 0, open: 0 };
    const counting: PacketAead = {
      seal: (...args) => {
        calls.seal++;
        return sodium.seal(...args);
      },
      open: (...args) => {
        calls.open++;
        return sodium.open(...args);
      },
    };
    await using s = await connectedStepper(seed, { clients: 2, aead: counting });
    const g = gameOf(s.server);
    spawn(g, 3, 4, 90);
    spawn(g, -8, 1.5, 60);
    for (const client of s.clients) {
      expect(await s.stepUntil(() => replicatedCount(client) === 2, 120), `seed ${seed}`).toBe(true);
    }
    await s.stepTicks(20);
    for (const client of s.clients) {
      expect(maxError(s.server, client), `seed ${seed}`).toBeLessThanOrEqual(POSITION_PRECISION);
    }
    // Both directions: the server seals snapshots that the clients open, and the other way round.
    expect(calls.seal).toBeGreaterThan(40);
    expect(calls.open).toBeGreaterThan(40);
  });
});
