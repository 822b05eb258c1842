/**
 * Steady-state heap allocation of the connection stack: a NetServer and 4 NetClients over the
 * loopback, exchanging unreliable and reliable messages every frame (rig: heapRig.ts), allocate
 * less than ~100 bytes per packet — pooled datagrams, message events and byte rings instead of a
 * copy, a view and an object or two per packet (≈ 1.9 KiB per packet before, ≈ 55–75 B after); also
 * through LinkConditioners holding datagrams for latency. (Reordering or loss is not steady state:
 * a message held back for order on a reliable-ordered channel takes an exclusive copy.)
 */
import { describe, expect, it } from "vitest";
import { measureHeapPerPacket, median } from "./heapRig";

/** Bytes per packet allowed: a few boxed numbers, not a buffer or an event object. */
const LIMIT_BYTES_PER_PACKET = 100;
/**
 * Through LinkConditioners: the same, plus the times each held datagram carries through the
 * conditioner's calls (boxed doubles, ≈ 15 B per datagram and direction); ≈ 90–105 B measured.
 */
const CONDITIONED_LIMIT_BYTES_PER_PACKET = 150;

describe("heap per packet", () => {
  it("a NetServer/NetClient pair over loopback allocates < 100 B per packet in steady state", async () => {
    const result = await measureHeapPerPacket({ clients: 4, frames: 120, batches: 15, warmupFrames: 6000 });
    const perPacket = median(result.bytesPerPacket);
    expect(result.packetsPerBatch).toBeGreaterThan(500);
    expect(
      perPacket,
      `heap bytes per packet per batch: ${result.bytesPerPacket.map((b) => b.toFixed(0)).join(", ")}`,
    ).toBeLessThan(LIMIT_BYTES_PER_PACKET);
  });

  it("so does the same traffic through LinkConditioners (20 ms latency and jitter: held datagrams)", async () => {
    const result = await measureHeapPerPacket({
      clients: 4,
      frames: 120,
      batches: 15,
      warmupFrames: 6000,
      conditioned: true,
    });
    expect(result.packetsPerBatch).toBeGreaterThan(500);
    expect(
      median(result.bytesPerPacket),
      `heap bytes per packet per batch: ${result.bytesPerPacket.map((b) => b.toFixed(0)).join(", ")}`,
    ).toBeLessThan(CONDITIONED_LIMIT_BYTES_PER_PACKET);
  });
});
