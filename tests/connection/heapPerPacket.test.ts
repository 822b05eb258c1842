/**
 * Steady-state heap allocation of the connection stack: a NetServer and 4 NetClients over the
 * loopback, exchanging unreliable and reliable messages every frame (rig: heapRig.ts), allocate
 * less than ~100 bytes per packet — pooled datagrams, message events and byte rings instead of a
 * copy, a view and an object or two per packet (≈ 1.9 KiB per packet before, ≈ 75 B after).
 */
import { describe, expect, it } from "vitest";
import { measureHeapPerPacket, median } from "./heapRig";

/** Bytes per packet allowed: a few boxed numbers, not a buffer or an event object. */
const LIMIT_BYTES_PER_PACKET = 100;

describe("heap per packet", () => {
  it("a NetServer/NetClient pair over loopback allocates < 100 B per packet in steady state", async () => {
    const result = await measureHeapPerPacket({ clients: 4, frames: 120, batches: 11, warmupFrames: 3000 });
    const perPacket = median(result.bytesPerPacket);
    expect(result.packetsPerBatch).toBeGreaterThan(500);
    expect(
      perPacket,
      `heap bytes per packet per batch: ${result.bytesPerPacket.map((b) => b.toFixed(0)).join(", ")}`,
    ).toBeLessThan(LIMIT_BYTES_PER_PACKET);
  });
});
