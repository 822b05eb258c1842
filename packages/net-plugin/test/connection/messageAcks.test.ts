import { describe, expect, it } from "vitest";
import { ClientState } from "../../src/connection/clientState";
import { Buffers } from "../../src/protocol/constants";
import { makeWorld } from "./harness";

describe("message acks through NetServer and NetClient", () => {
  it("send returns the ticket that onMessageAcked reports once the packet is acked, both ways", () => {
    const serverAcks: [number, number, number][] = [];
    const clientAcks: [number, number][] = [];
    const w = makeWorld({
      onMessageAcked: (client, channel, ticket) => serverAcks.push([client, channel, ticket]),
    });
    const client = w.addClient({ onMessageAcked: (channel, ticket) => clientAcks.push([channel, ticket]) });
    client.connect(w.token());
    w.step(1 / 60, 30);
    expect(client.state).toBe(ClientState.connected);
    const t1 = w.server.send(0, 2, new Uint8Array([1, 2, 3])); // unreliable-sequenced
    const t2 = w.server.send(0, 0, new Uint8Array([4])); // reliable-ordered
    const c1 = client.send(2, new Uint8Array([5]));
    expect(t1).toBeTypeOf("number");
    expect(t2).toBe((t1 as number) + 1);
    expect(serverAcks).toEqual([]);
    expect(w.server.queued(0, 2)).toBe(1); // unreliable: held until written
    expect(w.server.queued(0, 0)).toBe(1); // reliable: held until acked
    expect(w.server.queued(3, 2)).toBe(0); // empty slot
    w.step(1 / 60, 6);
    expect(serverAcks).toEqual(
      expect.arrayContaining([
        [0, 2, t1],
        [0, 0, t2],
      ]),
    );
    expect(serverAcks).toHaveLength(2);
    expect(w.server.queued(0, 2)).toBe(0);
    expect(w.server.queued(0, 0)).toBe(0);
    expect(clientAcks).toEqual([[2, c1]]);
  });

  it("a message a full unreliable queue dropped returns undefined and is never acked", () => {
    const acked: number[] = [];
    const w = makeWorld({ onMessageAcked: (_client, _channel, ticket) => acked.push(ticket) });
    const client = w.addClient();
    client.connect(w.token());
    w.step(1 / 60, 30);
    const tickets: (number | undefined)[] = [];
    const total = Buffers.maxUnreliableQueue + 10;
    for (let i = 0; i < total; i++) tickets.push(w.server.send(0, 2, new Uint8Array([i & 0xff])));
    const dropped = tickets.filter((t) => t === undefined).length;
    expect(dropped).toBe(10);
    w.step(1 / 60, 60);
    for (const t of acked) expect(tickets).toContain(t);
    expect(acked.length).toBeLessThanOrEqual(total - dropped);
  });
});
