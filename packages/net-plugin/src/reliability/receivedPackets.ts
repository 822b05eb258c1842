/**
 * The peer's side of the packet acks: which of its packets we received (256-entry window for
 * duplicate and stale detection), which of them we may acknowledge, and how many packets with
 * messages arrived since we last sent one (so acks go back even on a one-way stream).
 */
import { Buffers } from "../protocol/constants";
import { asSeq16, seqGreaterThan, type Seq16 } from "../protocol/seq16";
import type { PacketHeader } from "./packetHeader";
import { ReceivedPacket } from "./packetRecords";
import { SequenceBuffer } from "./sequenceBuffer";

/** Records of the packets received from the peer. */
export class ReceivedPackets {
  private readonly buffer = new SequenceBuffer(Buffers.receivedPackets, () => new ReceivedPacket());
  private latestAckable = -1;
  /** Packets with messages received since we last sent a packet (they are owed an ack). */
  owed = 0;

  /** True if `seq` is too old to tell from a replay. */
  isStale(seq: Seq16): boolean {
    return this.buffer.isStale(seq);
  }

  /** True if `seq` was received already. */
  exists(seq: Seq16): boolean {
    return this.buffer.exists(seq);
  }

  /** Records packet `seq` (not stale, not a duplicate); unackable ones are never acknowledged. */
  record(seq: Seq16, ackable: boolean, hasMessages: boolean): void {
    (this.buffer.insert(seq) as ReceivedPacket).ackable = ackable;
    if (ackable && (this.latestAckable < 0 || seqGreaterThan(seq, this.latestAckable as Seq16))) {
      this.latestAckable = seq;
    }
    if (hasMessages) this.owed++;
  }

  /** Fills the ack fields of an outgoing header: newest ackable packet and the 32 before it. */
  writeAcks(h: PacketHeader): void {
    h.hasAcks = this.latestAckable >= 0;
    h.ack = asSeq16(this.latestAckable);
    let bits = 0;
    if (h.hasAcks) {
      for (let i = 0; i < Buffers.ackBits; i++) {
        const r = this.buffer.find(asSeq16(h.ack - 1 - i));
        if (r !== undefined && r.ackable) bits |= 1 << i;
      }
    }
    h.ackBits = bits >>> 0;
  }

  /** Forgets everything. */
  reset(): void {
    this.buffer.reset();
    this.latestAckable = -1;
    this.owed = 0;
  }
}
