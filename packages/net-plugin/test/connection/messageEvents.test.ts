/**
 * The zero-allocation message API (SHARED-API 2–3): `send(…, data, length)` copies `data[0,
 * length)` before returning; message events are pooled, carry buffer/offset/length, keep `data`
 * as a lazily made copy, and events the app did not drain survive the next receivePackets().
 */
import { describe, expect, it } from "vitest";
import { ClientState } from "../../src/connection/clientState";
import type { NetServerEvent } from "../../src/connection/netEvents";
import type { NetServer } from "../../src/connection/netServer";
import { makeWorld } from "./harness";

const RELIABLE = 0;
const UNRELIABLE = 3;

function connected() {
  const w = makeWorld();
  const client = w.addClient();
  client.connect(w.token());
  w.step(1 / 60, 30);
  expect(client.state).toBe(ClientState.connected);
  return { w, client };
}

/** Drives the client to send and the server to receive, without draining the server's events. */
function deliver(w: ReturnType<typeof makeWorld>, server: NetServer): void {
  w.clock.advance(1 / 60);
  const now = w.clock.now();
  for (const c of w.clients) {
    c.update(now);
    c.sendPackets();
  }
  server.update(now);
  server.receivePackets();
}

function bytesOf(e: NetServerEvent): number[] {
  if (e.type !== "message") return [];
  return [...e.buffer.subarray(e.offset, e.offset + e.length)];
}

describe("message API without allocation", () => {
  it("send copies data[0, length) at once: the caller may reuse its buffer", () => {
    const { w, client } = connected();
    const scratch = Uint8Array.of(1, 2, 3, 4, 5);
    client.send(UNRELIABLE, scratch, 3);
    scratch.fill(9);
    client.send(RELIABLE, scratch, 2);
    scratch.fill(7);
    deliver(w, w.server);
    const got: number[][] = [];
    for (let e = w.server.pollEvent(); e; e = w.server.pollEvent())
      if (e.type === "message") got.push(bytesOf(e));
    expect(got.sort((a, b) => a.length - b.length)).toEqual([
      [9, 9],
      [1, 2, 3],
    ]);
    expect(() => client.send(UNRELIABLE, scratch, 6)).toThrow(/length 6/);
  });

  it("events carry buffer/offset/length, data is a copy made once, and objects are reused", () => {
    const { w, client } = connected();
    client.send(UNRELIABLE, Uint8Array.of(10, 11, 12));
    deliver(w, w.server);
    const first = w.server.pollEvent();
    expect(first?.type).toBe("message");
    if (first?.type !== "message") return;
    expect(bytesOf(first)).toEqual([10, 11, 12]);
    const data = first.data;
    expect([...data]).toEqual([10, 11, 12]);
    expect(first.data).toBe(data);
    expect(data.buffer).not.toBe(first.buffer.buffer); // the app's own copy
    expect(w.server.pollEvent()).toBeUndefined();
    client.send(UNRELIABLE, Uint8Array.of(20));
    deliver(w, w.server);
    const second = w.server.pollEvent();
    expect(second).toBe(first); // pooled: valid only until the next pollEvent/receivePackets
    expect(bytesOf(second as NetServerEvent)).toEqual([20]);
    expect([...data]).toEqual([10, 11, 12]); // the copy taken before is untouched
  });

  it("events not drained before the next receivePackets keep their bytes", () => {
    const { w, client } = connected();
    client.send(UNRELIABLE, Uint8Array.of(1, 1));
    deliver(w, w.server);
    client.send(UNRELIABLE, Uint8Array.of(2, 2, 2));
    deliver(w, w.server); // the first message's event is still queued
    const got: number[][] = [];
    for (let e = w.server.pollEvent(); e; e = w.server.pollEvent())
      if (e.type === "message") got.push(bytesOf(e));
    expect(got).toEqual([
      [1, 1],
      [2, 2, 2],
    ]);
  });
});
