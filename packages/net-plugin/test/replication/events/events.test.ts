import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { EventWire } from "../../../src/replication/events/constants";
import { EventRegistry } from "../../../src/replication/events/eventRegistry";
import { encodeEventMessage } from "../../../src/replication/events/eventMessages";
import { defineEvent, type EventType } from "../../../src/replication/events/eventType";
import { EventsRig } from "./harness";
import { createProtocolHash } from "../../../src/protocol/protocolHash";

const Seq = defineEvent("Seq", Type.Object({ n: Type.Integer({ minimum: 0 }) }));
const Chat = defineEvent(
  "Chat",
  Type.Object({ text: Type.String({ maxLength: 100 }), team: Type.Optional(Type.Boolean()) }),
);
const Fire = defineEvent(
  "Fire",
  Type.Object({
    weapon: Type.Integer({ minimum: 0, maximum: 9 }),
    at: Type.Array(Type.Number(), { minItems: 2, maxItems: 2 }),
  }),
);
const TYPES = [Seq, Chat, Fire] as unknown as EventType<never>[];
const LOSSY = { simulatedLatency: 30, jitter: 10, simulatedPacketLoss: 25 };

describe("events over NetServer/NetClient", () => {
  it("inOrder events arrive exactly once, in order, at 25 % loss (both directions), stamped with their tick", () => {
    const rig = new EventsRig(TYPES, LOSSY, 1);
    const client = rig.clientEvents[0] as EventRegistry;
    const got: number[] = [];
    const ticks: number[] = [];
    const fromClient: number[] = [];
    client.addEventListener(Seq, (tick, from, e) => {
      expect(from).toBe(0);
      got.push(e.n);
      ticks.push(tick);
    });
    rig.serverEvents.addEventListener(Seq, (_t, from, e) => {
      expect(from).toBe(0); // slot 0
      fromClient.push(e.n);
    });
    const sentTicks: number[] = [];
    for (let i = 0; i < 300; i++) {
      expect(rig.serverEvents.broadcastEvent(Seq, { n: i }, true)).toBe(1);
      sentTicks.push(rig.tick);
      expect(client.sendEventToPrimary(Seq, { n: i }, true)).toBe(true);
      rig.step();
    }
    rig.step(300);
    const expected = Array.from({ length: 300 }, (_, i) => i);
    expect(got).toEqual(expected);
    expect(fromClient).toEqual(expected);
    expect(ticks).toEqual(sentTicks);
    expect(rig.unrouted).toBe(0);
    expect(client.counters.eventsInvalid).toBe(0);
  });

  it("unordered events under 25 % loss: some lost, none duplicated, nothing thrown", () => {
    const rig = new EventsRig(TYPES, { ...LOSSY, duplication: 10, reordering: 10 }, 2);
    const client = rig.clientEvents[0] as EventRegistry;
    const got: number[] = [];
    client.addEventListener(Seq, (_t, _f, e) => got.push(e.n));
    for (let i = 0; i < 400; i++) {
      rig.serverEvents.sendEventTo(0, Seq, { n: i }, false);
      rig.step();
    }
    rig.step(60);
    expect(new Set(got).size).toBe(got.length);
    expect(got.length).toBeLessThan(400);
    expect(got.length).toBeGreaterThan(400 * 0.5);
    expect(got.every((n) => n >= 0 && n < 400)).toBe(true);
  });

  it("the server's validator rejects an event: counted, listeners skipped, the sender told with the reason", () => {
    const rig = new EventsRig(TYPES, LOSSY, 3, 2);
    const [a, b] = rig.clientEvents as [EventRegistry, EventRegistry];
    rig.serverEvents.setEventValidator(Chat, (from, e) =>
      e.text.includes("cheat") ? `client ${from}: no cheating` : true,
    );
    const heard: string[] = [];
    rig.serverEvents.addEventListener(Chat, (_t, from, e) => heard.push(`${from}:${e.text}`));
    const rejections: string[] = [];
    a.onEventRejected((type, _tick, reason) => rejections.push(`${type}/${reason}`));
    b.onEventRejected((type, _tick, reason) => rejections.push(`b:${type}/${reason}`));
    a.sendEventToPrimary(Chat, { text: "hello" }, true);
    a.sendEventToPrimary(Chat, { text: "cheat codes" }, true);
    b.sendEventToPrimary(Chat, { text: "gg", team: true }, true);
    rig.step(120);
    expect(heard.sort()).toEqual(["0:hello", "1:gg"]);
    expect(rig.serverEvents.counters.eventsRejected).toBe(1);
    expect(rejections).toEqual(["Chat/client 0: no cheating"]);
    expect(a.counters.rejectionsReceived).toBe(1);
    expect(b.counters.rejectionsReceived).toBe(0);
  });

  it("malformed event bytes are dropped and counted, never thrown", () => {
    const rig = new EventsRig(TYPES, {}, 4);
    const server = rig.serverEvents;
    let heard = 0;
    server.addEventListener(Fire, () => heard++);
    const c = rig.clients[0];
    const send = (bytes: Uint8Array) => c?.send(0, bytes);
    send(new Uint8Array([EventWire.eventKind, 1])); // short header
    send(encodeEventMessage(999, 5, new Uint8Array([0x80]))); // unknown type id
    send(encodeEventMessage(2, 5, new Uint8Array([0xc1]))); // 0xc1 is never valid msgpack
    send(encodeEventMessage(2, 5, new Uint8Array([0x81, 0xa1, 0x78, 0x01]))); // {x:1}: wrong shape
    send(encodeEventMessage(2, 5, new Uint8Array(0))); // empty payload
    send(new Uint8Array([EventWire.rejectKind, 0, 0, 0, 0, 0, 0, 0xff, 0xfe])); // reason not UTF-8
    rig.step(10);
    rig.clientEvents[0]?.sendEventToPrimary(Fire, { weapon: 3, at: [1, 2] }, true);
    rig.step(10);
    expect(server.counters.eventsInvalid).toBe(5);
    expect(server.counters.eventsUnknownType).toBe(1);
    expect(heard).toBe(1);
    expect(server.counters.eventsReceived).toBe(1);
  });
});

describe("EventRegistry misuse and the protocol hash", () => {
  it("describe() changes with the registered types, their order and their schemas", () => {
    const d = (types: EventType<never>[]) => {
      const r = new EventRegistry();
      for (const t of types) r.addEventType(t);
      return r.describe();
    };
    const a = d([Seq, Chat] as unknown as EventType<never>[]);
    expect(d([Seq, Chat] as unknown as EventType<never>[])).toBe(a);
    expect(d([Chat, Seq] as unknown as EventType<never>[])).not.toBe(a);
    expect(d([Seq] as unknown as EventType<never>[])).not.toBe(a);
    const hash = (text: string) => createProtocolHash().add("events", text).digest();
    expect(hash(d([Seq, Chat] as unknown as EventType<never>[]))).toBe(hash(a));
    expect(hash(d([Seq, Fire] as unknown as EventType<never>[]))).not.toBe(hash(a));
    const Seq2 = defineEvent("Seq", Type.Object({ n: Type.Number() }));
    expect(d([Seq2, Chat] as unknown as EventType<never>[])).not.toBe(a);
  });

  it("local misuse throws naming the fix; values not matching the schema throw on send", () => {
    const r = new EventRegistry();
    r.addEventType(Seq);
    expect(() => r.addEventType(Seq)).toThrow(/already registered/);
    expect(() => r.addEventListener(Chat, () => undefined)).toThrow(/addEventType/);
    expect(() => r.broadcastEvent(Seq, { n: 1 }, true)).toThrow(/no connection/);
    r.link = { maxPeers: 1, primary: 0, isConnected: () => true, canSend: () => true, send: () => undefined };
    expect(() => r.broadcastEvent(Seq, { n: -1 }, true)).toThrow(/schema/);
    r.describe();
    expect(() => r.addEventType(Chat)).toThrow(/protocol hash/);
    expect(() => defineEvent("9bad", Type.Null())).toThrow(/name/);
    const Big = defineEvent("Big", Type.String());
    const r2 = new EventRegistry();
    r2.addEventType(Big);
    r2.link = r.link;
    expect(() => r2.broadcastEvent(Big, "x".repeat(2000), false)).toThrow(/inOrder/);
    expect(r2.broadcastEvent(Big, "x".repeat(2000), true)).toBe(1);
  });
});
