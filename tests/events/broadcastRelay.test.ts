/**
 * A client's `broadcastEvent` reaches every peer (Traktor's model) in the client-server topology:
 * it goes to the server marked as a broadcast (0xE2), the server validates it like any event,
 * dispatches it, and relays it (0xE3) to every other connected client with `from` = the sender's
 * slot and `relayed` = true, on the channel it came in on (inOrder stays in order), with the
 * original eventTime. Never echoed to the sender; a rejected broadcast is not relayed. Over the
 * Stepper under a seeded lossy link.
 */
import type { App } from "@canopy/core";
import { ClientReplication, defineEvent, EventRegistry, Events } from "@canopy/net-plugin";
import { createStepper, type StepperSetup } from "@canopy/net-plugin/testing";
import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { makeGame } from "../replication-systems/game";

const Chat = defineEvent("Chat", Type.Object({ n: Type.Integer() }));

interface Got {
  n: number;
  tick: number;
  from: number;
  relayed: boolean;
}

const logs = new Map<App, Got[]>();

function setup(app: App): StepperSetup {
  const events = new EventRegistry();
  events.addEventType(Chat);
  const log: Got[] = [];
  logs.set(app, log);
  events.addEventListener(Chat, (tick, from, e, relayed) => log.push({ n: e.n, tick, from, relayed }));
  return { registry: makeGame(app).registry, events };
}

const LOSSY = { simulatedLatency: 30, jitter: 10, simulatedPacketLoss: 15 };
const slotOf = (c: App): number => c.getResource(ClientReplication).client.clientIndex;

describe("client broadcastEvent relayed by the server", () => {
  it("inOrder: every other client gets each event once, in order, from the sender's slot, with its tick; the sender gets no echo", async () => {
    const seed = 7301;
    await using s = await createStepper({ clients: 3, seed, setup });
    expect(await s.stepUntil(() => s.connected(), 300)).toBe(true);
    s.setConditions(LOSSY);
    const [sender, a, b] = s.clients as [App, App, App];
    const events = sender.getResource(Events);
    const sent: number[] = [];
    for (let n = 0; n < 60; n++) {
      expect(events.broadcastEvent(Chat, { n }, true)).toBe(1); // queued once, for the server
      sent.push(sender.tick);
      await s.stepTicks(1);
    }
    await s.stepTicks(240);
    const expected = sent.map((tick, n) => ({ n, tick, from: slotOf(sender), relayed: true }));
    expect(logs.get(a), `seed ${seed}`).toEqual(expected);
    expect(logs.get(b), `seed ${seed}`).toEqual(expected);
    expect(logs.get(sender), `seed ${seed}: no echo`).toEqual([]);
    expect(logs.get(s.server), `seed ${seed}`).toEqual(expected.map((g) => ({ ...g, relayed: false })));
    const counters = s.server.getResource(Events).counters;
    expect(counters.eventsRelayed).toBe(60);
    expect(counters.eventsInvalid).toBe(0);
  });

  it("a broadcast the server's validator rejects is not relayed and the sender is told", async () => {
    const seed = 7302;
    await using s = await createStepper({ clients: 2, seed, setup });
    expect(await s.stepUntil(() => s.connected(), 300)).toBe(true);
    s.setConditions(LOSSY);
    s.server
      .getResource(Events)
      .setEventValidator(Chat, (_from, e) => (e.n % 3 === 0 ? "no multiples of 3" : true));
    const [sender, other] = s.clients as [App, App];
    const reasons: string[] = [];
    sender
      .getResource(Events)
      .onEventRejected((type, _t, reason, from) => reasons.push(`${type}/${from}: ${reason}`));
    for (let n = 0; n < 30; n++) {
      sender.getResource(Events).broadcastEvent(Chat, { n }, true);
      await s.stepTicks(1);
    }
    await s.stepTicks(240);
    const accepted = Array.from({ length: 30 }, (_, n) => n).filter((n) => n % 3 !== 0);
    expect(
      logs.get(other)?.map((g) => g.n),
      `seed ${seed}`,
    ).toEqual(accepted);
    expect(
      logs.get(s.server)?.map((g) => g.n),
      `seed ${seed}`,
    ).toEqual(accepted);
    expect(reasons, `seed ${seed}`).toEqual(Array.from({ length: 10 }, () => "Chat/0: no multiples of 3"));
    const counters = s.server.getResource(Events).counters;
    expect(counters.eventsRejected).toBe(10);
    expect(counters.eventsRelayed).toBe(20);
  });

  it("unordered broadcasts are relayed unreliably: none duplicated, none echoed, the survivors in send order", async () => {
    const seed = 7303;
    await using s = await createStepper({ clients: 2, seed, setup });
    expect(await s.stepUntil(() => s.connected(), 300)).toBe(true);
    s.setConditions({ simulatedLatency: 20, simulatedPacketLoss: 20 });
    const [sender, other] = s.clients as [App, App];
    for (let n = 0; n < 100; n++) {
      sender.getResource(Events).broadcastEvent(Chat, { n }, false);
      await s.stepTicks(1);
    }
    await s.stepTicks(120);
    const got = (logs.get(other) ?? []).map((g) => g.n);
    expect(new Set(got).size, `seed ${seed}`).toBe(got.length);
    expect(got.length, `seed ${seed}: some arrive, some are lost`).toBeGreaterThan(30);
    expect(got.length, `seed ${seed}`).toBeLessThan(100);
    expect(got.every((n) => n >= 0 && n < 100)).toBe(true);
    expect(logs.get(sender)).toEqual([]);
    expect((logs.get(other) ?? []).every((g) => g.relayed && g.from === slotOf(sender))).toBe(true);
  });
});
