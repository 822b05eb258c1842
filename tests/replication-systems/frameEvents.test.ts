/**
 * FrameEvents: the receive systems copy a frame's connects, disconnects and snapshot-channel
 * messages out of the NetServer/NetClient's reused events; later systems read them by index.
 */
import { FrameEventKind, FrameEvents } from "@canopy/net-plugin";
import { describe, expect, it } from "vitest";

describe("FrameEvents", () => {
  it("keeps copies in order, with details, across slab and record growth; clear() starts a new frame", () => {
    const f = new FrameEvents<string>();
    const big = new Uint8Array(20_000).map((_, i) => i & 0xff); // past the 8 KiB initial slab
    f.pushEvent(FrameEventKind.connected, 3);
    f.pushMessage(3, big, 0, big.length);
    for (let i = 0; i < 100; i++) f.pushMessage(i, new Uint8Array([i, i + 1]), 1, 1); // past 64 records
    f.pushEvent(FrameEventKind.disconnected, 3, "timeout");
    big.fill(0); // the source may be reused at once
    expect(f.count).toBe(103);
    expect([f.kindOf(0), f.peerOf(0), f.detailOf(0)]).toEqual([FrameEventKind.connected, 3, undefined]);
    const at = f.offsetOf(1);
    expect(f.lengthOf(1)).toBe(20_000);
    expect(f.bytes[at + 300]).toBe(300 & 0xff);
    for (let i = 0; i < 100; i++) {
      expect(f.kindOf(2 + i)).toBe(FrameEventKind.message);
      expect(f.peerOf(2 + i)).toBe(i);
      expect([...f.bytes.subarray(f.offsetOf(2 + i), f.offsetOf(2 + i) + f.lengthOf(2 + i))]).toEqual([
        (i + 1) & 0xff,
      ]);
    }
    expect([f.kindOf(102), f.detailOf(102)]).toEqual([FrameEventKind.disconnected, "timeout"]);
    f.clear();
    expect(f.count).toBe(0);
    f.pushMessage(1, new Uint8Array([5]), 0, 1);
    expect([f.offsetOf(0), f.detailOf(0), f.bytes[0]]).toEqual([0, undefined, 5]);
  });

  it("copies every byte of long messages from any source offset and buffer, each at a 4-byte boundary", () => {
    const f = new FrameEvents();
    const backing = new Uint8Array(4096).map((_, i) => (i * 31 + 7) & 0xff);
    // A view with its own byteOffset, as a transport's packet buffer inside a larger pool.
    const pooled = new Uint8Array(backing.buffer, 3, 2000);
    const other = new Uint8Array(600).map((_, i) => (i * 13) & 0xff);
    const cases: [Uint8Array, number, number][] = [];
    for (const length of [31, 32, 33, 35, 64, 101, 560, 1500])
      for (const offset of [0, 1, 2, 3, 5])
        cases.push([pooled, offset, length], [other, offset, Math.min(length, other.length - offset)]);
    cases.forEach(([source, offset, length], i) => f.pushMessage(i, source, offset, length));
    const expected = cases.map(([source, offset, length]) => [...source.subarray(offset, offset + length)]);
    backing.fill(0); // the sources may be reused at once
    other.fill(0);
    cases.forEach((_, i) => {
      expect(f.offsetOf(i) % 4).toBe(0);
      expect([...f.bytes.subarray(f.offsetOf(i), f.offsetOf(i) + f.lengthOf(i))]).toEqual(expected[i]);
    });
  });

  it("copies from a SharedArrayBuffer and from a WebAssembly.Memory buffer replaced by growth (the cached view follows)", () => {
    const f = new FrameEvents();
    const fill = (a: Uint8Array, seed: number): Uint8Array => a.map((_, i) => (i * seed + 1) & 0xff);
    const shared = fill(new Uint8Array(new SharedArrayBuffer(256), 8, 200), 7);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    const before = fill(new Uint8Array(memory.buffer, 1, 100), 11);
    const want: number[][] = [];
    const push = (source: Uint8Array, offset: number, length: number): void => {
      f.pushMessage(want.length, source, offset, length);
      want.push([...source.subarray(offset, offset + length)]);
    };
    push(shared, 3, 97);
    push(before, 0, 64);
    memory.grow(1); // `before`'s buffer detached; the same bytes in a new buffer
    const after = fill(new Uint8Array(memory.buffer, 1, 100), 13);
    push(after, 2, 90);
    push(shared, 1, 40);
    shared.fill(0);
    after.fill(0);
    want.forEach((bytes, i) =>
      expect([...f.bytes.subarray(f.offsetOf(i), f.offsetOf(i) + f.lengthOf(i))], `message ${i}`).toEqual(
        bytes,
      ),
    );
  });
});
