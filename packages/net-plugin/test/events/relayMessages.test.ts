import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { EventWire } from "../../src/replication/events/constants";
import {
  decodeEventHeader,
  encodeEventMessage,
  encodeRelayedMessage,
  isEventKind,
  type EventHeader,
} from "../../src/replication/events/eventMessages";
import { EventRegistry } from "../../src/replication/events/eventRegistry";
import { defineEvent } from "../../src/replication/events/eventType";
import type { PeerLink } from "../../src/time-sync/peerLink";

const header = (): EventHeader => ({ kind: 0, typeId: 0, tick: 0, from: -1, bodyOffset: 0, bodyLength: 0 });
const Ping = defineEvent("Ping", Type.Object({ n: Type.Integer() }));

/** A link that records what it sends (copies, as the contract says). */
function recordingLink(primary: number | undefined, maxPeers: number) {
  const sent: { peer: number; channel: number; bytes: Uint8Array }[] = [];
  const link: PeerLink = {
    maxPeers,
    primary,
    relaysBroadcasts: primary !== undefined,
    isConnected: () => true,
    canSend: () => true,
    send: (peer, channel, data, length = data.length) =>
      sent.push({ peer, channel, bytes: data.slice(0, length) }),
  };
  return { link, sent };
}

describe("broadcast relay bytes", () => {
  it("a relayed message carries type, tick, sender slot and the payload, at any offset", () => {
    const payload = new Uint8Array([1, 2, 3]);
    const msg = encodeRelayedMessage(513, 0xfedcba98, 0x1234, payload);
    expect([...msg.subarray(0, EventWire.relayedHeaderBytes)]).toEqual([
      0xe3, 0x01, 0x02, 0x98, 0xba, 0xdc, 0xfe, 0x34, 0x12,
    ]);
    const padded = new Uint8Array(5 + msg.length);
    padded.set(msg, 5);
    const h = header();
    expect(decodeEventHeader(padded, h, 5, msg.length)).toBe(true);
    expect(h).toEqual({
      kind: 0xe3,
      typeId: 513,
      tick: 0xfedcba98,
      from: 0x1234,
      bodyOffset: 14,
      bodyLength: 3,
    });
    expect(decodeEventHeader(msg, h, 0, EventWire.relayedHeaderBytes - 1)).toBe(false); // truncated
    expect([0xdf, 0xe0, 0xe1, 0xe2, 0xe3, 0xe4].map(isEventKind)).toEqual([
      false,
      true,
      true,
      true,
      true,
      false,
    ]);
  });

  it("a client's broadcast goes to the server only, marked 0xE2; the server's goes to every client as 0xE0", () => {
    const client = new EventRegistry();
    client.addEventType(Ping);
    const c = recordingLink(0, 1);
    client.link = c.link;
    expect(client.broadcastEvent(Ping, { n: 1 }, true)).toBe(1);
    expect(c.sent.map((m) => [m.peer, m.bytes[0]])).toEqual([[0, EventWire.broadcastKind]]);
    const server = new EventRegistry();
    server.addEventType(Ping);
    const s = recordingLink(undefined, 3);
    server.link = s.link;
    expect(server.broadcastEvent(Ping, { n: 1 }, false)).toBe(3);
    expect(s.sent.map((m) => m.bytes[0])).toEqual([0xe0, 0xe0, 0xe0]);
  });

  it("wrong-direction kinds are malformed: a broadcast reaching a client, a relayed copy reaching a server", () => {
    const client = new EventRegistry();
    client.addEventType(Ping);
    client.link = recordingLink(0, 1).link;
    const server = new EventRegistry();
    server.addEventType(Ping);
    server.link = recordingLink(undefined, 2).link;
    const body = new Uint8Array([0x81, 0xa1, 0x6e, 0x01]); // msgpack {n: 1}
    client.route(0, encodeEventMessage(0, 1, body, EventWire.broadcastKind));
    server.route(1, encodeRelayedMessage(0, 1, 0, body));
    client.dispatch();
    server.dispatch();
    expect(client.counters.eventsInvalid).toBe(1);
    expect(server.counters.eventsInvalid).toBe(1);
    expect(client.counters.eventsReceived + server.counters.eventsReceived).toBe(0);
  });

  it("the server relays a broadcast to the other clients on the channel it came in on, after its listeners", () => {
    const server = new EventRegistry();
    server.addEventType(Ping);
    const s = recordingLink(undefined, 3);
    server.link = s.link;
    const order: string[] = [];
    server.addEventListener(Ping, (_t, from, e, relayed) => order.push(`listener ${from} ${e.n} ${relayed}`));
    const body = new Uint8Array([0x81, 0xa1, 0x6e, 0x07]);
    server.route(
      1,
      encodeEventMessage(0, 42, body, EventWire.broadcastKind),
      0,
      undefined,
      server.unreliableChannel,
    );
    server.dispatch();
    expect(order).toEqual(["listener 1 7 false"]);
    expect(s.sent.map((m) => [m.peer, m.channel])).toEqual([
      [0, server.unreliableChannel],
      [2, server.unreliableChannel],
    ]);
    const h = header();
    const relayed = s.sent[0]?.bytes ?? new Uint8Array(0);
    expect(decodeEventHeader(relayed, h)).toBe(true);
    expect([h.kind, h.tick, h.from]).toEqual([EventWire.relayedKind, 42, 1]);
    expect([...relayed.subarray(h.bodyOffset)]).toEqual([...body]);
  });

  it("the protocol hash input names the event wire version", () => {
    const r = new EventRegistry();
    r.addEventType(Ping);
    expect(r.describe().startsWith(`v${EventWire.version}|`)).toBe(true);
  });
});

describe("broadcast payload limit", () => {
  it("a client's unreliable broadcast leaves room for the relayed header (2 bytes less than a direct event)", () => {
    const Blob = defineEvent("Blob", Type.Object({ b: Type.String() }));
    const client = new EventRegistry();
    client.addEventType(Blob);
    client.link = recordingLink(0, 1).link;
    const size = (n: number): number => Blob.codec.encode({ b: "x".repeat(n) }).length;
    /** Longest string whose payload fits `max` bytes. */
    const longest = (max: number): number => {
      let n = 0;
      while (size(n + 1) <= max) n++;
      return n;
    };
    const direct = longest(EventWire.maxUnreliablePayload);
    const relayed = longest(EventWire.maxUnreliablePayload - 2);
    expect(size(direct)).toBeGreaterThan(EventWire.maxUnreliablePayload - 2);
    expect(() => client.sendEventToPrimary(Blob, { b: "x".repeat(direct) }, false)).not.toThrow();
    expect(() => client.broadcastEvent(Blob, { b: "x".repeat(direct) }, false)).toThrow(/limit/);
    expect(() => client.broadcastEvent(Blob, { b: "x".repeat(relayed) }, false)).not.toThrow();
  });
});
