/**
 * Steady-state heap allocation of the connection stack: a NetServer and 4 NetClients over the
 * loopback, exchanging unreliable and reliable messages every frame (rig: heapRig.ts), allocate
 * (almost) nothing per packet — pooled datagrams, message events and byte rings instead of a copy,
 * a view and an object or two per packet (≈ 1.9 KiB per packet at first, ≈ 55–75 B after that),
 * and no heap number per packet either: times handed from call to call stay in tagged fields, the
 * planning RTT is a field, and computed doubles are never passed to or returned from a call that
 * may not be inlined (≈ 68 → 2.3 B per packet). Also through LinkConditioners holding datagrams
 * for latency, and reordering 5 % of them (not zero: a message held back for order on a
 * reliable-ordered channel takes an exclusive copy, and each datagram costs RNG draws).
 */
import { describe, expect, it } from "vitest";
import { measureHeapPerPacket, median } from "./heapRig";

/**
 * Bytes per packet allowed: a heap number is 16 B, so this is one boxed double every 2 packets
 * (≈ 2.3 B measured) — a number boxed per packet on one side alone reads ≈ 10 B and fails.
 */
const LIMIT_BYTES_PER_PACKET = 8;
/** Measured batches: the first few after the warm-up can carry JIT bookkeeping; the median skips them. */
const BATCHES = 21;
/**
 * Through LinkConditioners: the same plus the seeded jitter draw per datagram (core's createRng
 * keeps its 32-bit state in closure variables, boxed above the small-integer range: ≈ 28 B per
 * draw); ≈ 32 B measured.
 */
const CONDITIONED_LIMIT_BYTES_PER_PACKET = 44;
/**
 * With 5 % of datagrams reordered: the same plus a second RNG draw per datagram and the exclusive
 * copy of each reliable message held back for order; ≈ 73 B measured (≈ 218 B while the packet
 * views were dropped at every change of header length, which gaps in the acks cause).
 */
const REORDERED_LIMIT_BYTES_PER_PACKET = 120;

describe("heap per packet", () => {
  it("a NetServer/NetClient pair over loopback allocates < 8 B per packet in steady state (no boxed number per packet)", async () => {
    const result = await measureHeapPerPacket({
      clients: 4,
      frames: 120,
      batches: BATCHES,
      warmupFrames: 6000,
    });
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
      batches: BATCHES,
      warmupFrames: 6000,
      conditioned: true,
    });
    expect(result.packetsPerBatch).toBeGreaterThan(500);
    expect(
      median(result.bytesPerPacket),
      `heap bytes per packet per batch: ${result.bytesPerPacket.map((b) => b.toFixed(0)).join(", ")}`,
    ).toBeLessThan(CONDITIONED_LIMIT_BYTES_PER_PACKET);
  });

  it("and through LinkConditioners that reorder 5 % of datagrams (packet views kept across header lengths)", async () => {
    const result = await measureHeapPerPacket({
      clients: 4,
      frames: 120,
      batches: BATCHES,
      warmupFrames: 6000,
      conditioned: true,
      reordering: 5,
    });
    expect(result.packetsPerBatch).toBeGreaterThan(500);
    expect(
      median(result.bytesPerPacket),
      `heap bytes per packet per batch: ${result.bytesPerPacket.map((b) => b.toFixed(0)).join(", ")}`,
    ).toBeLessThan(REORDERED_LIMIT_BYTES_PER_PACKET);
  });
});
