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
});
