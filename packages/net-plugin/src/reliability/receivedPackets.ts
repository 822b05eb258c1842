/**
 * The peer's side of the packet acks: which of its packets we received (256-entry window for
 * duplicate and stale detection), which of them we may acknowledge, and how many packets with
 * messages arrived since we last sent one (so acks go back even on a one-way stream).
 */
import { Buffers } from "../protocol/constants";
import { asSeq16, seqDiff, seqGreaterThan, type Seq16 } from "../protocol/seq16";
import type { PacketHeader } from "./packetHeader";
import { ReceivedPacket } from "./packetRecords";
import { SequenceBuffer } from "./sequenceBuffer";

/** Records of the packets received from the peer. */
export class ReceivedPackets {
  private readonly buffer = new SequenceBuffer(Buffers.receivedPackets, () => new ReceivedPacket());
  private latestAckable = -1;
  /** Bit i set ⇒ ackable packet `latestAckable - 1 - i` was received (kept as packets arrive). */
  private ackBits = 0;
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
    if (ackable) this.noteAckable(seq);
    if (hasMessages) this.owed++;
  }

  /** Folds ackable packet `seq` into the newest ackable sequence and the bits of the 32 before it. */
  private noteAckable(seq: Seq16): void {
    if (this.latestAckable < 0) {
      this.latestAckable = seq;
      this.ackBits = 0;
      return;
    }
    if (seqGreaterThan(seq, this.latestAckable as Seq16)) {
      const d = seqDiff(seq, this.latestAckable as Seq16);
      // JS shifts count mod 32: shifting by ≥ 32 must clear, not wrap.
      let bits = d >= Buffers.ackBits ? 0 : this.ackBits << d;
      if (d - 1 < Buffers.ackBits) bits |= 1 << (d - 1); // the previous newest
      this.ackBits = bits >>> 0;
      this.latestAckable = seq;
      return;
    }
    const i = seqDiff(this.latestAckable as Seq16, seq) - 1;
    if (i >= 0 && i < Buffers.ackBits) this.ackBits = (this.ackBits | (1 << i)) >>> 0;
  }

  /** Fills the ack fields of an outgoing header: newest ackable packet and the 32 before it. */
  writeAcks(h: PacketHeader): void {
    h.hasAcks = this.latestAckable >= 0;
    h.ack = asSeq16(this.latestAckable);
    h.ackBits = h.hasAcks ? this.ackBits : 0;
  }

  /** Forgets everything. */
  reset(): void {
    this.buffer.reset();
    this.latestAckable = -1;
    this.ackBits = 0;
    this.owed = 0;
  }
}
