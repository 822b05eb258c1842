/**
 * The NetPlugin assembles time sync and events on the same connection as replication: the
 * receive systems route their messages, the client's server-tick estimate converges to the
 * server's tick, and events broadcast in order arrive all and in order under loss.
 */
import type { App } from "@canopy/core";
import { defineEvent, EventRegistry, Events, TimeSyncClientResource } from "@canopy/net-plugin";
import { createStepper, type StepperSetup } from "@canopy/net-plugin/testing";
import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { makeGame } from "./game";

const Shot = defineEvent("Shot", Type.Object({ n: Type.Integer() }));
const received = new Map<App, { n: number; tick: number }[]>();

function setup(app: App): StepperSetup {
  const events = new EventRegistry();
  events.addEventType(Shot);
  const log: { n: number; tick: number }[] = [];
  received.set(app, log);
  events.addEventListener(Shot, (tick, _from, e) => log.push({ n: e.n, tick }));
  return { registry: makeGame(app).registry, events };
}

describe("time sync and events through the NetPlugin", () => {
  it("converges the server-tick estimate and delivers ordered events under loss", async () => {
    const seed = 1101;
    await using s = await createStepper({ clients: 2, seed, conditions: "BROADBAND_60MS_1PCT", setup });
    expect(await s.stepUntil(() => s.connected(), 300)).toBe(true);
    const events = s.server.getResource(Events);
    s.setConditions({ simulatedPacketLoss: 10, simulatedLatency: 30, jitter: 5 });
    for (let n = 0; n < 50; n++) {
      events.broadcastEvent(Shot, { n }, true);
      await s.stepTicks(1);
    }
    await s.stepTicks(120);
    for (const c of s.clients) {
      const log = received.get(c) ?? [];
      expect(
        log.map((e) => e.n),
        `seed ${seed}`,
      ).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(log.every((e, i) => i === 0 || e.tick > (log[i - 1]?.tick ?? 0))).toBe(true);
      const sync = c.getResource(TimeSyncClientResource).sync;
      expect(sync.timeSynchronized).toBe(true);
      const estimate = sync.serverTick(s.clock.now());
      expect(Math.abs(estimate - s.server.tick), `seed ${seed}`).toBeLessThanOrEqual(1);
    }
    expect(s.serverState.counters.messagesUnrouted).toBe(0);
  });

  it("keeps the server-tick estimate within ±1 tick under 50 ms jitter", async () => {
    const seed = 1102;
    await using s = await createStepper({
      clients: 1,
      seed,
      conditions: { simulatedLatency: 40, jitter: 50, simulatedPacketLoss: 1 },
      setup,
    });
    expect(await s.stepUntil(() => s.connected(), 300)).toBe(true);
    const client = s.clients[0]!;
    const sync = client.getResource(TimeSyncClientResource).sync;
    expect(await s.stepUntil(() => sync.timeSynchronized, 120), `seed ${seed}`).toBe(true);
    let worst = 0;
    for (let t = 0; t < 300; t++) {
      await s.stepTicks(1);
      worst = Math.max(worst, Math.abs(sync.serverTick(s.clock.now()) - s.server.tick));
    }
    expect(worst, `seed ${seed}`).toBeLessThanOrEqual(1);
  });

  it("a client event the server's validator refuses is counted there and reported to the sender", async () => {
    const seed = 1103;
    await using s = await createStepper({ clients: 1, seed, conditions: "BROADBAND_60MS_1PCT", setup });
    expect(await s.stepUntil(() => s.connected(), 300)).toBe(true);
    const serverEvents = s.server.getResource(Events);
    serverEvents.setEventValidator(Shot, (_from, e) => (e.n >= 0 ? true : "n must be ≥ 0"));
    const client = s.clients[0]!;
    const clientEvents = client.getResource(Events);
    const reasons: string[] = [];
    clientEvents.onEventRejected((type, _tick, reason) => reasons.push(`${type}: ${reason}`));
    clientEvents.sendEventToPrimary(Shot, { n: 5 }, true);
    clientEvents.sendEventToPrimary(Shot, { n: -1 }, true);
    await s.stepTicks(60);
    expect(received.get(s.server)?.map((e) => e.n)).toEqual([5]);
    expect(serverEvents.counters.eventsRejected).toBe(1);
    expect(reasons).toEqual(["Shot: n must be ≥ 0"]);
  });
});
