/**
 * The server's per-network-id authority table (client authority: `ownFields.bySlot`, which
 * `sendSnapshots` passes to the encoder so an owner's own upstream fields are left out of its
 * snapshots, and which tells `receiveOwnedState` whether a client may send upstream at all): after
 * every tick it names, for each network id, the client slot with client authority over that
 * entity in this tick's capture, and −1 for every other id — through random grants, revokes, moves
 * to the other client, despawns, `Networked` removed and re-added, in both change-detection modes.
 */
import { createRng, type App } from "@canopy/core";
import { ClientReplication, Networked, SERVER_OWNER, serverAuthorityOf, setOwner } from "@canopy/net-plugin";
import { addComponent, entityExists, hasComponent, removeComponent, removeEntity } from "bitecs";
import { describe, expect, it } from "vitest";
import { connectedStepper, gameOf, simpleSetup, spawn } from "./game";

const TICKS = 300;

describe("per-id authority table", () => {
  it.each(["scan", "marked"] as const)(
    "names exactly the client-authority owner of every captured id, tick after tick (%s)",
    async (changeDetection) => {
      const seed = changeDetection === "scan" ? 5341 : 5342;
      await using s = await connectedStepper(seed, {
        clients: 2,
        setup: simpleSetup({ server: { changeDetection } }),
      });
      const rng = createRng(seed);
      const server = s.server;
      const g = gameOf(server);
      const slots = s.clients.map((c: App) => c.getResource(ClientReplication).client.clientIndex);
      const st = s.serverState;
      const live: number[] = [];
      const detached: number[] = []; // entities that lost Networked (may get it back)
      for (let i = 0; i < 40; i++) live.push(spawn(g, i, 0));
      let granted = 0;
      for (let t = 0; t < TICKS; t++) {
        for (let op = 0; op < 3; op++) {
          const r = rng.int(0, 99);
          const pick = live.length > 0 ? rng.int(0, live.length - 1) : -1;
          const eid = pick >= 0 ? (live[pick] as number) : -1;
          if (r < 30 && eid >= 0) {
            setOwner(server.world, eid, slots[rng.int(0, slots.length - 1)] as number, {
              authority: "client",
            });
            granted++;
          } else if (r < 45 && eid >= 0) setOwner(server.world, eid, slots[0] as number);
          else if (r < 55 && eid >= 0) setOwner(server.world, eid, SERVER_OWNER);
          else if (r < 65 && eid >= 0) {
            removeEntity(server.world, eid);
            live.splice(pick, 1);
          } else if (r < 75 && eid >= 0) {
            removeComponent(server.world, eid, Networked);
            live.splice(pick, 1);
            detached.push(eid);
          } else if (r < 85 && detached.length > 0) {
            const back = detached.splice(rng.int(0, detached.length - 1), 1)[0] as number;
            addComponent(server.world, back, Networked);
            live.push(back);
          } else if (r < 95) live.push(spawn(g, rng.int(0, 99), 1));
        }
        await s.stepTicks(1);
        const bySlot = st.ownFields.bySlot;
        const want = new Int32Array(bySlot.length).fill(SERVER_OWNER);
        for (const eid of live) {
          if (!entityExists(server.world, eid) || !hasComponent(server.world, eid, Networked)) continue;
          const id = st.allocator.map.netIdOf(eid);
          if (id >= 0) want[id] = serverAuthorityOf(server.world, eid);
        }
        for (let id = 0; id < bySlot.length; id++) {
          if (bySlot[id] !== want[id])
            expect(bySlot[id], `seed ${seed}, tick ${t}, network id ${id}`).toBe(want[id]);
        }
      }
      expect(granted, `seed ${seed}`).toBeGreaterThan(100);
    },
  );
});
