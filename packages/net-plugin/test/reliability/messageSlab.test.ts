/**
 * Received-message copies: slab views are independent copies the app owns; large messages and
 * messages held for order get an exclusive buffer, so a peer cannot pin slabs with a few bytes.
 */
import { describe, expect, it } from "vitest";
import { asSeq16 } from "../../src/protocol/seq16";
import { MessageSlab } from "../../src/reliability/messageSlab";
import { ReceiveBudget } from "../../src/reliability/receiveBudget";
import { ReliableReceiver } from "../../src/reliability/reliableReceiver";

function bytes(length: number, first: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (first + i) & 0xff);
}

describe("MessageSlab", () => {
  it("copies into aligned, non-overlapping views that later copies and source writes do not touch", () => {
    const slab = new MessageSlab();
    const src = bytes(300, 1);
    const a = slab.copy(src, 10, 100);
    const b = slab.copy(src, 3, 5);
    const c = slab.copy(src, 0, 100);
    src.fill(0);
    expect(a).toEqual(bytes(100, 11));
    expect(b).toEqual(bytes(5, 4));
    expect(c).toEqual(bytes(100, 1));
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset % 8).toBe(0);
    expect(c.byteOffset % 8).toBe(0);
    expect(b.byteOffset).toBeGreaterThanOrEqual(a.byteOffset + a.length);
    a.fill(9);
    expect(b).toEqual(bytes(5, 4));
  });

  it("starts a new slab when one is full and gives large messages their own buffer", () => {
    const slab = new MessageSlab();
    const src = bytes(4000, 0);
    const first = slab.copy(src, 0, 1000);
    let last = first;
    for (let i = 0; i < 20; i++) last = slab.copy(src, i, 1000);
    expect(last.buffer).not.toBe(first.buffer);
    expect(last).toEqual(bytes(1000, 19));
    const big = slab.copy(src, 1, 3000);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(3000);
    expect(big).toEqual(bytes(3000, 1));
  });
});

describe("ReliableReceiver copies", () => {
  it("uses the slab only for messages delivered at once; held ones own their buffer", () => {
    const budget = new ReceiveBudget(1 << 20);
    const receiver = new ReliableReceiver(true, budget);
    const src = bytes(64, 0);
    receiver.accept(asSeq16(1), 0, 0, src, 0, 10); // held: id 0 is missing
    receiver.accept(asSeq16(0), 0, 0, src, 20, 10); // next in order: delivered at once
    const zero = receiver.queue.pop();
    const one = receiver.queue.pop();
    expect(zero).toEqual(bytes(10, 20));
    expect(one).toEqual(bytes(10, 0));
    expect(one?.buffer.byteLength).toBe(10);
    expect(zero?.buffer.byteLength).toBeGreaterThan(10);
    expect(budget.held).toBe(0);
  });
});
