/**
 * Interest and ownership through the NetPlugin systems: each client sees the entities within the
 * radius of the entity it owns (plus what the user filter lets through), entities move in and out
 * of view (despawned, then spawned again in full), and every client sees who owns what.
 */
import { ownerOf, isLocallyOwned, setOwner, SERVER_OWNER } from "@canopy/net-plugin";
import type { App } from "@canopy/core";
import { type StepperSetup } from "@canopy/net-plugin/testing";
import { hasComponent } from "bitecs";
import { describe, expect, it } from "vitest";
import {
  clientEntity,
  gameOf,
  makeGame,
  POSITION_PRECISION,
  maxError,
  spawn,
  connectedStepper,
} from "./game";

/** The client slot the secret is hidden from (set once the clients have slots). */
const secret = { hiddenFrom: -2 };

function interestSetup(app: App, role: "server" | "client"): StepperSetup {
  const game = makeGame(app);
  if (role === "client") return { registry: game.registry };
  return {
    registry: game.registry,
    server: {
      interest: {
        cellSize: 50,
        radius: 100,
        position(eid, out) {
          if (!hasComponent(app.world, eid, game.Position)) return false;
          out.x = game.Position.x[eid] ?? 0;
          out.y = game.Position.y[eid] ?? 0;
          return true;
        },
      },
      // Health 13 marks a secret that one client slot must never see.
      filter: (_world, client, eid) => !(client === secret.hiddenFrom && game.Health[eid] === 13),
    },
  };
}

describe("interest", () => {
  it("relevance follows the owned entity's neighbourhood, and the filter hides", async () => {
    const seed = 801;
    await using s = await connectedStepper(seed, { clients: 2, setup: interestSetup });
    const g = gameOf(s.server);
    const w = s.server.world;
    const slot0 = s.clientState(0).client.clientIndex;
    const slot1 = s.clientState(1).client.clientIndex;
    secret.hiddenFrom = slot1;
    const p0 = spawn(g, 0, 0);
    const p1 = spawn(g, 500, 0);
    setOwner(w, p0, slot0);
    setOwner(w, p1, slot1);
    const near0 = spawn(g, 60, 0);
    const near1 = spawn(g, 540, 30, 13); // secret: hidden from slot 1 by the filter
    const far = spawn(g, -600, -600);
    await s.stepTicks(40);
    const [c0, c1] = s.clients as [App, App];
    const sees = (c: App, eid: number) => clientEntity(s.server, c, eid) >= 0;
    expect([p0, p1, near0, near1, far].map((e) => sees(c0, e))).toEqual([true, false, true, false, false]);
    expect([p0, p1, near0, near1, far].map((e) => sees(c1, e))).toEqual([false, true, false, false, false]);

    // near0 walks to client 1's side; far comes to client 0.
    g.Position.x[near0] = 520;
    g.Position.x[far] = -40;
    g.Position.y[far] = 10;
    await s.stepTicks(40);
    expect(sees(c0, near0)).toBe(false);
    expect(sees(c1, near0)).toBe(true);
    expect(sees(c0, far)).toBe(true);
    // What each client sees is exact (spawned again in full after leaving view).
    expect(maxError(s.server, c0, (e) => e === far || e === p0)).toBeLessThanOrEqual(POSITION_PRECISION);
    expect(maxError(s.server, c1, (e) => e === near0 || e === p1)).toBeLessThanOrEqual(POSITION_PRECISION);
    // Lifting the filter shows the secret: it was the filter, not the grid, that hid it.
    secret.hiddenFrom = -2;
    await s.stepTicks(40);
    expect(sees(c1, near1)).toBe(true);
  });
});

describe("ownership", () => {
  it("every client sees the owner; it changes and returns to the server on disconnect", async () => {
    const seed = 802;
    await using s = await connectedStepper(seed, { clients: 2 });
    const g = gameOf(s.server);
    const w = s.server.world;
    const [c0, c1] = s.clients as [App, App];
    const slot0 = s.clientState(0).client.clientIndex;
    const slot1 = s.clientState(1).client.clientIndex;
    const a = spawn(g, 1, 1);
    const b = spawn(g, 2, 2);
    setOwner(w, a, slot0);
    await s.stepTicks(30);
    const a0 = clientEntity(s.server, c0, a);
    const a1 = clientEntity(s.server, c1, a);
    const b1 = clientEntity(s.server, c1, b);
    expect(ownerOf(c0.world, a0)).toBe(slot0);
    expect(isLocallyOwned(c0.world, a0)).toBe(true);
    expect(ownerOf(c1.world, a1)).toBe(slot0);
    expect(isLocallyOwned(c1.world, a1)).toBe(false);
    expect(ownerOf(c1.world, b1)).toBe(SERVER_OWNER);

    setOwner(w, a, slot1);
    setOwner(w, b, slot1);
    await s.stepTicks(30);
    expect(isLocallyOwned(c0.world, a0)).toBe(false);
    expect(isLocallyOwned(c1.world, a1)).toBe(true);
    expect(isLocallyOwned(c1.world, clientEntity(s.server, c1, b))).toBe(true);

    s.clientState(1).client.disconnect();
    await s.stepTicks(30);
    expect(ownerOf(c0.world, a0)).toBe(SERVER_OWNER);
    expect(ownerOf(c0.world, clientEntity(s.server, c0, b))).toBe(SERVER_OWNER);
  });
});
