import { chain, createApp, defineSet, ManualClock, Stage } from "@canopy/core";
import { describe, expect, it } from "vitest";
import type { PeerLink } from "../../src/time-sync/peerLink";
import { installTimeSyncClient, installTimeSyncServer } from "../../src/time-sync/systems";

const Receive = defineSet("Receive");
const Send = defineSet("Send");

/** Two apps joined by in-memory links that deliver at the next frame (no network). */
function pair(serverStart: number, clientStart: number) {
  const sClock = new ManualClock(serverStart);
  const cClock = new ManualClock(clientStart);
  const sApp = createApp({ clock: sClock, fixedHz: 60 });
  const cApp = createApp({ clock: cClock, fixedHz: 60 });
  for (const app of [sApp, cApp]) app.configureSets(Stage.PreUpdate, chain(Receive));
  const sets = { receive: Receive, send: Send };
  const server = installTimeSyncServer(sApp, sets);
  const client = installTimeSyncClient(cApp, sets);
  const conn = { up: true };
  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  const link = (out: Uint8Array[], maxPeers: number, primary: number | undefined): PeerLink => ({
    maxPeers,
    primary,
    isConnected: () => conn.up,
    canSend: () => conn.up,
    // A PeerLink copies what it sends (time sync reuses its ping/pong buffers).
    send: (_peer, _channel, data, length = data.length) => out.push(data.slice(0, length)),
  });
  server.link = link(toClient, 4, undefined);
  client.link = link(toServer, 1, 0);
  const step = (frames: number) => {
    for (let f = 0; f < frames; f++) {
      sClock.advance(1 / 60);
      for (const m of toServer.splice(0)) server.route(2, m);
      sApp.update();
      cClock.advance(1 / 60);
      for (const m of toClient.splice(0)) client.route(0, m);
      cApp.update();
    }
  };
  return { server, client, conn, step, sClock, cClock };
}

describe("time-sync systems", () => {
  it("synchronize two apps through the installed systems and their resources", () => {
    const p = pair(500, 3);
    p.step(120);
    expect(p.client.sync.timeSynchronized).toBe(true);
    expect(p.client.sync.clockOffset).toBeCloseTo(p.sClock.now() - p.cClock.now(), 1);
    expect(p.server.sync.peerStats(2)?.pings).toBeGreaterThan(10);
    expect(p.client.route(0, new Uint8Array([0x01]))).toBe(false);
  });

  it("a lost connection prunes the server's peer stats; a new one restarts the client's estimate", () => {
    const p = pair(500, 3);
    p.step(120);
    const sent = p.client.sync.counters.pingsSent;
    p.conn.up = false;
    p.step(5);
    expect(p.server.sync.peerStats(2)).toBeUndefined();
    expect(p.client.sync.counters.pingsSent).toBe(sent);
    p.conn.up = true;
    p.step(1);
    expect(p.client.sync.timeSynchronized).toBe(false);
    expect(p.client.sync.samples).toBe(0);
    p.step(120);
    expect(p.client.sync.timeSynchronized).toBe(true);
  });
});
