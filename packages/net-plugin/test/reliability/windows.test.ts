/**
 * The reliable send and receive windows at the 65535 → 0 edge of message ids, with a fragmented
 * message spanning the wrap, driven directly (no packets) so the edge is reached quickly.
 */
import { describe, expect, it } from "vitest";
import { asSeq16 } from "../../src/protocol/seq16";
import { ReceiveBudget, type ReceivedMessage } from "../../src/reliability/receiveBudget";
import { Accept, ReliableReceiver } from "../../src/reliability/reliableReceiver";
import { ReliableSender } from "../../src/reliability/reliableSender";

/** Moves every due id of `sender` into `receiver`, in the given order of window offsets. */
function transfer(sender: ReliableSender, receiver: ReliableReceiver, order: number[]): Accept[] {
  const results: Accept[] = [];
  for (const k of order) {
    const id = (sender.base + k) & 0xffff;
    const slot = id & 2047;
    if (sender.unacked[slot] === 0) continue;
    results.push(
      receiver.accept(
        asSeq16(id),
        sender.fragmentIndex[slot] as number,
        sender.fragmentCount[slot] as number,
        sender.ring.bytes,
        sender.offset[slot] as number,
        sender.size[slot] as number,
      ),
    );
  }
  return results;
}

/** Takes every message waiting in `receiver` as copies. */
function popAll(receiver: ReliableReceiver): Uint8Array[] {
  const got: Uint8Array[] = [];
  const m: ReceivedMessage = { buffer: new Uint8Array(0), offset: 0, length: 0 };
  while (receiver.queue.pop(m)) got.push(m.buffer.slice(m.offset, m.offset + m.length));
  return got;
}

function advanceTo(sender: ReliableSender, receiver: ReliableReceiver, id: number): void {
  const one = Uint8Array.of(0);
  while (sender.next !== id) {
    sender.send(one, 0, 1, 0);
    transfer(sender, receiver, [0]);
    sender.ack(asSeq16(sender.base));
    popAll(receiver);
  }
}

describe.each([true, false])("reliable windows across the id wrap (ordered: %s)", (ordered) => {
  it("fragments spanning 65535 → 0 reassemble, deliver once, and release the window", () => {
    const budget = new ReceiveBudget(4 << 20);
    const sender = new ReliableSender();
    const receiver = new ReliableReceiver(ordered, budget);
    advanceTo(sender, receiver, 65533);
    expect(sender.inFlight).toBe(0);
    const big = new Uint8Array(5000).map((_, i) => i & 0xff);
    sender.send(big, 0, big.length, 77); // ids 65533, 65534, 65535, 0, 1
    sender.send(Uint8Array.of(9), 0, 1, 78); // id 2
    expect(sender.next).toBe(3);
    expect(sender.inFlight).toBe(6);
    // Arrive backwards: the small message first, then fragments from the last to the first.
    const results = transfer(sender, receiver, [5, 4, 3, 2, 1, 0]);
    expect(results.every((r) => r === Accept.Stored)).toBe(true);
    const got = popAll(receiver);
    if (ordered) expect(got.map((m) => m.length)).toEqual([5000, 1]);
    else expect(got.map((m) => m.length)).toEqual([1, 5000]);
    expect(got.find((m) => m.length === 5000)).toEqual(big);
    expect(budget.held).toBe(0);
    // Resent copies are duplicates now.
    expect(transfer(sender, receiver, [0, 3, 5])).toEqual([
      Accept.Duplicate,
      Accept.Duplicate,
      Accept.Duplicate,
    ]);
    // Acks: the big message completes only with its last fragment acked, in any order.
    expect(sender.ack(asSeq16(2))).toBe(78); // the small message, acked first
    expect(sender.base).toBe(65533); // the window waits for the big one
    const tickets = [65535, 0, 65533, 1, 65534].map((id) => sender.ack(asSeq16(id)));
    expect(tickets).toEqual([-1, -1, -1, -1, 77]);
    expect(sender.inFlight).toBe(0);
    expect(sender.base).toBe(3);
  });
});
