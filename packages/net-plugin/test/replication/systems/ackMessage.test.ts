/** The snapshot ack message: tracker masks across the 65535 → 0 wrap, and check-on-read. */
import { describe, expect, it } from "vitest";
import { AckTracker, ACK_MESSAGE_BYTES, readAckMessage } from "../../../src/replication/server/ackMessage";

function acked(message: Uint8Array): number[] {
  const out: number[] = [];
  expect(readAckMessage(message, (s) => out.push(s))).toBe(true);
  return out.sort((a, b) => a - b);
}

describe("AckTracker", () => {
  it("acks the newest and the 32 before it, out of order too", () => {
    const t = new AckTracker();
    for (const s of [10, 12, 11, 15]) t.record(s);
    expect(acked(t.write())).toEqual([10, 11, 12, 15]);
  });

  it("wraps at 65535 → 0", () => {
    const t = new AckTracker();
    for (const s of [65534, 65535, 0, 2]) t.record(s);
    expect(t.newest).toBe(2);
    expect(acked(t.write())).toEqual([0, 2, 65534, 65535]);
  });

  it("forgets sequences more than 32 behind, and after a jump of exactly 32", () => {
    const t = new AckTracker();
    t.record(100);
    t.record(132);
    expect(acked(t.write())).toEqual([100, 132]);
    t.record(200);
    expect(acked(t.write())).toEqual([200]);
    t.record(150); // 50 behind: outside the mask
    expect(acked(t.write())).toEqual([200]);
  });

  it("rejects messages of the wrong size without calling back", () => {
    const calls: number[] = [];
    expect(readAckMessage(new Uint8Array(ACK_MESSAGE_BYTES - 1), (s) => calls.push(s))).toBe(false);
    expect(readAckMessage(new Uint8Array(ACK_MESSAGE_BYTES + 1), (s) => calls.push(s))).toBe(false);
    expect(calls).toEqual([]);
  });
});
