/**
 * Our side of the packet acks: a record per sent packet (send time, size, the messages it
 * carried) in a 256-entry sequence buffer, the newest sequence the peer acknowledged, and the
 * packet-loss judge that counts packets still unacked a couple of round trips after sending.
 */
import { Buffers, Timing } from "../protocol/constants";
import { seqDiff, seqGreaterThan, type Seq16 } from "../protocol/seq16";
import type { LinkEstimator } from "./linkEstimator";
import { SentPacket } from "./packetRecords";
import { SequenceBuffer } from "./sequenceBuffer";

/** Records of the packets one endpoint sent. */
export class SentPackets {
  private readonly buffer = new SequenceBuffer(Buffers.sentPackets, () => new SentPacket());
  /** Sequence the next packet gets. */
  sequence = 0;
  /** Newest of our sequences the peer acknowledged (−1 before any). */
  private highestAcked = -1;
  /**
   * Our oldest packet that may still be acked: every earlier one was acked or its record is gone,
   * so acks below it need no lookup (moved on by {@link SentPackets.advanceOldest}).
   */
  oldestUnacked = 0;
  private lossCursor = 0;
  private lost = 0;
  private judged = 0;

  /** Our packets newer than the newest one the peer acknowledged. */
  get unacked(): number {
    return (this.sequence - this.highestAcked - 1) & 0xffff;
  }

  /** Claims and clears the record of the next packet (its sequence is `sequence`). */
  begin(now: number, hasPayload: boolean): SentPacket {
    const p = this.buffer.insert(this.sequence as Seq16) as SentPacket;
    p.time = now;
    p.acked = false;
    p.hasPayload = hasPayload;
    p.messageCount = 0;
    p.bytes = 0;
    return p;
  }

  /** The packet was transmitted: the next one gets the next sequence. */
  commit(): void {
    this.sequence = (this.sequence + 1) & 0xffff;
  }

  /** The record of packet `seq`, if it is still kept. */
  find(seq: Seq16): SentPacket | undefined {
    return this.buffer.find(seq);
  }

  /** Moves {@link SentPackets.oldestUnacked} past packets acked (or no longer recorded). */
  advanceOldest(): void {
    let oldest = this.oldestUnacked;
    if (seqDiff(this.sequence as Seq16, oldest as Seq16) > Buffers.sentPackets)
      oldest = (this.sequence - Buffers.sentPackets) & 0xffff;
    while (oldest !== this.sequence) {
      const p = this.buffer.find(oldest as Seq16);
      if (p !== undefined && !p.acked) break;
      oldest = (oldest + 1) & 0xffff;
    }
    this.oldestUnacked = oldest;
  }

  /** The peer says `ack` is the newest packet it received from us. */
  noteAck(ack: Seq16): void {
    if (!this.buffer.exists(ack)) return; // forged, or too old to matter
    if (this.highestAcked < 0 || seqGreaterThan(ack, this.highestAcked as Seq16)) this.highestAcked = ack;
  }

  /**
   * Judges packets sent `Timing.lossAfterRtts` planning RTTs (at least `Timing.minResendSeconds`)
   * before `now` (seconds): each payload packet is acked or lost. Feeds a loss sample to
   * `estimator` every `Buffers.lossSamplePackets` judged packets. The horizon is computed here,
   * not passed in: a computed double argument to a call that is not inlined is boxed.
   */
  judgeLoss(now: number, estimator: LinkEstimator): void {
    const horizon = now - Math.max(Timing.lossAfterRtts * estimator.planningRtt, Timing.minResendSeconds);
    if (seqDiff(this.sequence as Seq16, this.lossCursor as Seq16) > Buffers.sentPackets) {
      this.lossCursor = (this.sequence - Buffers.sentPackets) & 0xffff;
    }
    while (this.lossCursor !== this.sequence) {
      const p = this.buffer.find(this.lossCursor as Seq16);
      if (p !== undefined) {
        if (p.time > horizon) break;
        if (p.hasPayload) {
          this.judged++;
          if (!p.acked) this.lost++;
        }
      }
      this.lossCursor = (this.lossCursor + 1) & 0xffff;
    }
    if (this.judged >= Buffers.lossSamplePackets) {
      estimator.addLossSample(this.lost, this.judged);
      this.lost = this.judged = 0;
    }
  }

  /** Forgets everything; sequences restart at 0. */
  reset(): void {
    this.buffer.reset();
    this.sequence = 0;
    this.highestAcked = -1;
    this.oldestUnacked = 0;
    this.lossCursor = 0;
    this.lost = this.judged = 0;
  }
}
