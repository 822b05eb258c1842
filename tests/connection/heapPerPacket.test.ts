/**
 * Steady-state heap allocation of the connection stack: a NetServer and 4 NetClients over the
 * loopback, exchanging unreliable and reliable messages every frame (rig: heapRig.ts), allocate
 * (almost) nothing per packet — pooled datagrams, message events and byte rings instead of a copy,
 * a view and an object or two per packet (≈ 1.9 KiB per packet at first, ≈ 55–75 B after that),
 * and no heap number per packet either: times handed from call to call stay in tagged fields, the
 * planning RTT is a field, and computed doubles are never passed to or returned from a call that
 * may not be inlined (≈ 68 → 2.3 B per packet). Also through LinkConditioners holding datagrams
 * for latency, and reordering 5 % of them (not zero: a message held back for order on a
 * reliable-ordered channel takes an exclusive copy).
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
 * Through LinkConditioners: the same plus the held datagrams' bookkeeping; ≈ 4 B measured (≈ 32 B
 * while core's createRng kept its 32-bit state in closure variables, a heap number per draw).
 */
const CONDITIONED_LIMIT_BYTES_PER_PACKET = 16;
/**
 * With 5 % of datagrams reordered: the same plus the exclusive copy of each reliable message held
 * back for order; ≈ 15 B measured (≈ 218 B while the packet views were dropped at every change of
 * header length, which gaps in the acks cause; ≈ 73 B with the boxed RNG state).
 */
const REORDERED_LIMIT_BYTES_PER_PACKET = 40;

describe("heap per packet", () => {
  it.each([
    {
      name: "a NetServer/NetClient pair over loopback allocates < 8 B per packet in steady state (no boxed number per packet)",
      limit: LIMIT_BYTES_PER_PACKET,
      options: {},
    },
    {
      name: "so does the same traffic through LinkConditioners (20 ms latency and jitter: held datagrams)",
      limit: CONDITIONED_LIMIT_BYTES_PER_PACKET,
      options: { conditioned: true },
    },
    {
      name: "and through LinkConditioners that reorder 5 % of datagrams (packet views kept across header lengths)",
      limit: REORDERED_LIMIT_BYTES_PER_PACKET,
      options: { conditioned: true, reordering: 5 },
    },
  ])("$name", async ({ limit, options }) => {
    const result = await measureHeapPerPacket({
      clients: 4,
      frames: 120,
      batches: BATCHES,
      warmupFrames: 6000,
      ...options,
    });
    expect(result.packetsPerBatch).toBeGreaterThan(500);
    expect(
      median(result.bytesPerPacket),
      `heap bytes per packet per batch: ${result.bytesPerPacket.map((b) => b.toFixed(0)).join(", ")}`,
    ).toBeLessThan(limit);
  });
});
