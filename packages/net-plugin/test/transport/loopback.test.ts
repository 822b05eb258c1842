import { describe, expect, it } from "vitest";
import { createLoopbackNetwork } from "../../src/transport/loopback";

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe("createLoopbackNetwork", () => {
  it("delivers synchronously, in order, with the sender's address", () => {
    const net = createLoopbackNetwork();
    const server = net.bind("loopback://server");
    const client = net.bind();
    expect(client.localAddress).toBe("loopback://peer-1");
    client.send(server.localAddress, bytes(1, 2));
    client.send(server.localAddress, bytes(3));
    // A polled datagram is valid until the next poll: read each one before polling again.
    const a = server.poll();
    expect(a?.from).toBe("loopback://peer-1");
    expect([...(a?.data ?? [])]).toEqual([1, 2]);
    const b = server.poll();
    expect([...(b?.data ?? [])]).toEqual([3]);
    expect(server.poll()).toBeUndefined();
    expect(client.counters).toMatchObject({ datagramsSent: 2, bytesSent: 3, datagramsDropped: 0 });
    expect(server.counters).toMatchObject({ datagramsReceived: 2, bytesReceived: 3 });
  });

  it("reuses its storage: a full inbox cycle never overwrites the datagram last polled", () => {
    const net = createLoopbackNetwork({ inboxCapacity: 2 });
    const server = net.bind("server");
    const client = net.bind("client");
    client.send("loopback://server", bytes(1));
    client.send("loopback://server", bytes(2));
    const first = server.poll();
    client.send("loopback://server", bytes(3));
    client.send("loopback://server", bytes(4)); // inbox full again (2, 3): dropped
    expect(first?.data[0]).toBe(1);
    expect(server.poll()?.data[0]).toBe(2);
    expect(server.poll()?.data[0]).toBe(3);
    expect(server.poll()).toBeUndefined();
    expect(server.counters.datagramsDropped).toBe(1);
  });

  it("copies data so the sender can reuse its buffer", () => {
    const net = createLoopbackNetwork();
    const server = net.bind("server");
    const client = net.bind("client-1");
    const buffer = bytes(7, 7);
    client.send("loopback://server", buffer);
    buffer.fill(0);
    expect([...(server.poll()?.data ?? [])]).toEqual([7, 7]);
  });

  it("counts datagrams to unknown addresses, oversize ones and a full inbox as dropped", () => {
    const net = createLoopbackNetwork({ maxDatagramSize: 8, inboxCapacity: 2 });
    const server = net.bind("server");
    const client = net.bind();
    client.send("loopback://nobody", bytes(1));
    client.send(server.localAddress, new Uint8Array(9));
    expect(client.counters.datagramsDropped).toBe(2);
    expect(client.counters.datagramsSent).toBe(0);
    client.send(server.localAddress, new Uint8Array(8));
    client.send(server.localAddress, bytes(1));
    client.send(server.localAddress, bytes(2));
    expect(server.counters.datagramsDropped).toBe(1);
    expect(server.poll()?.data.byteLength).toBe(8);
    expect(server.poll()?.data[0]).toBe(1);
    expect(server.poll()).toBeUndefined();
  });

  it("frees the address on close and drops sends to and from closed endpoints", async () => {
    const net = createLoopbackNetwork();
    const server = net.bind("server");
    const client = net.bind();
    await server.close();
    expect(server.closed).toBe(true);
    expect(net.addresses).toEqual([client.localAddress]);
    client.send("loopback://server", bytes(1));
    expect(client.counters.datagramsDropped).toBe(1);
    const again = net.bind("server");
    client.send("loopback://server", bytes(2));
    expect(again.poll()?.data[0]).toBe(2);
    await client.close();
    client.send(again.localAddress, bytes(3));
    expect(client.counters.datagramsDropped).toBe(2);
  });

  it("throws on local misuse with the fix in the message", () => {
    const net = createLoopbackNetwork();
    net.bind("server");
    expect(() => net.bind("server")).toThrow(/already bound/);
    expect(() => net.bind("loopback://")).toThrow(/no name/);
    expect(() => createLoopbackNetwork({ maxDatagramSize: 0 })).toThrow(/maxDatagramSize/);
    expect(() => createLoopbackNetwork({ inboxCapacity: 0 })).toThrow(/inboxCapacity/);
  });
});
