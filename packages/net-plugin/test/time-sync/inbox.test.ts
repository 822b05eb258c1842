import { describe, expect, it } from "vitest";
import { MessageInbox } from "../../src/time-sync/inbox";

const drain = (inbox: MessageInbox): { peer: number; bytes: number[]; tag: number }[] => {
  const out: { peer: number; bytes: number[]; tag: number }[] = [];
  while (inbox.next())
    out.push({
      peer: inbox.peer,
      bytes: [...inbox.bytes.subarray(inbox.offset, inbox.offset + inbox.length)],
      tag: inbox.tag,
    });
  return out;
};

describe("MessageInbox", () => {
  it("copies each message (the source may be reused at once) and hands them back in order with peer and tag", () => {
    const inbox = new MessageInbox(8, 1024);
    const source = new Uint8Array([9, 1, 2, 3, 9]);
    expect(inbox.push(4, source, 1, 3, 7)).toBe(true);
    source.fill(0);
    expect(inbox.push(5, new Uint8Array([6]))).toBe(true);
    expect(inbox.size).toBe(2);
    expect(drain(inbox)).toEqual([
      { peer: 4, bytes: [1, 2, 3], tag: 7 },
      { peer: 5, bytes: [6], tag: 0 },
    ]);
    expect(inbox.size).toBe(0);
    // Drained means empty: the next frame starts at the front of the slab again.
    inbox.push(1, new Uint8Array([42]));
    expect(inbox.next()).toBe(true);
    expect([inbox.peer, inbox.offset, inbox.length, inbox.bytes[0]]).toEqual([1, 0, 1, 42]);
    expect(inbox.next()).toBe(false);
  });

  it("counts and drops messages beyond its message or byte capacity; grows its slab up to maxBytes", () => {
    const inbox = new MessageInbox(2, 64 * 1024);
    expect(inbox.push(0, new Uint8Array(40_000).fill(1))).toBe(true); // grows past the 16 KiB start
    expect(inbox.push(0, new Uint8Array(30_000).fill(2))).toBe(false); // 70,000 > maxBytes
    expect(inbox.push(0, new Uint8Array(10).fill(3))).toBe(true);
    expect(inbox.push(0, new Uint8Array(1))).toBe(false); // third message: over capacity
    expect(inbox.dropped).toBe(2);
    const got = drain(inbox);
    expect(got.map((m) => m.bytes.length)).toEqual([40_000, 10]);
    expect(got[0]?.bytes.every((b) => b === 1)).toBe(true);
    expect(got[1]?.bytes.every((b) => b === 3)).toBe(true);
    expect(() => new MessageInbox(0, 10)).toThrow(/capacity/);
    expect(() => new MessageInbox(1, 0)).toThrow(/maxBytes/);
  });
});
