/**
 * The snapshot ack message (client → server on the snapshot channel): the newest snapshot
 * sequence the client decoded and a 32-bit mask of the 32 before it (bit i = sequence
 * newest − 1 − i), sent redundantly every frame a snapshot arrived, so a lost ack costs nothing.
 * NetServer does not expose the reliability layer's packet acks yet, hence this explicit message.
 */
import { seqDiff, type Seq16 } from "../../protocol/seq16";

/** Bytes of one ack message: u16 newest sequence, u32 mask (little-endian). */
export const ACK_MESSAGE_BYTES = 6;
/** Earlier sequences one ack message also confirms. */
export const ACK_MASK_BITS = 32;

/** Client side: which snapshot sequences were decoded, as (newest, mask). */
export class AckTracker {
  newest = -1;
  mask = 0;

  /** Records that `sequence` was decoded. */
  record(sequence: number): void {
    if (this.newest < 0) {
      this.newest = sequence;
      this.mask = 0;
      return;
    }
    const d = seqDiff(sequence as Seq16, this.newest as Seq16);
    if (d > 0) {
      this.mask =
        d > ACK_MASK_BITS ? 0 : d === ACK_MASK_BITS ? 0x80000000 : ((this.mask << d) | (1 << (d - 1))) >>> 0;
      this.newest = sequence;
    } else if (d < 0 && -d <= ACK_MASK_BITS) {
      this.mask = (this.mask | (1 << (-d - 1))) >>> 0;
    }
  }

  /** Forgets everything (new connection). */
  reset(): void {
    this.newest = -1;
    this.mask = 0;
  }

  /** A fresh message for the current state (the endpoint keeps the array, so it is not reused). */
  write(): Uint8Array {
    const m = new Uint8Array(ACK_MESSAGE_BYTES);
    m[0] = this.newest & 0xff;
    m[1] = (this.newest >>> 8) & 0xff;
    m[2] = this.mask & 0xff;
    m[3] = (this.mask >>> 8) & 0xff;
    m[4] = (this.mask >>> 16) & 0xff;
    m[5] = (this.mask >>> 24) & 0xff;
    return m;
  }
}

/**
 * Server side: calls `acked(sequence)` for every sequence in `message`. Returns false (nothing
 * called) for a message of the wrong size — check on read.
 */
export function readAckMessage(message: Uint8Array, acked: (sequence: number) => void): boolean {
  if (message.length !== ACK_MESSAGE_BYTES) return false;
  const newest = (message[0] as number) | ((message[1] as number) << 8);
  const mask =
    ((message[2] as number) |
      ((message[3] as number) << 8) |
      ((message[4] as number) << 16) |
      ((message[5] as number) << 24)) >>>
    0;
  acked(newest);
  for (let i = 0; i < ACK_MASK_BITS; i++) if ((mask >>> i) & 1) acked((newest - 1 - i) & 0xffff);
  return true;
}
