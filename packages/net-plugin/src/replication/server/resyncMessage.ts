/**
 * The resync message (client → server on the snapshot channel, 2 bytes: u16 sequence, LE): "I
 * could not decode snapshot `sequence`". Snapshot acks come from the reliability layer's packet
 * acks, which say a packet arrived, not that its snapshot decoded; a client that fails to decode
 * one (its baseline is missing) sends this so the server forgets every baseline and sends full
 * state again. See docs/ARCHITECTURE.md "Snapshot acks".
 *
 * The same message goes the other way for client authority: the server could not decode the
 * client's upstream snapshot `sequence`, so the client forgets its upstream baselines. A snapshot
 * is never 2 bytes long (its header alone is ≥ 28 bits), so the length tells them apart.
 */
import { seqDiff, type Seq16 } from "../../protocol/seq16";

/** Bytes of one resync message. */
export const RESYNC_MESSAGE_BYTES = 2;

/** Writes a resync message for `sequence` into `out` (≥ 2 bytes) and returns it. */
export function writeResyncMessage(sequence: number, out: Uint8Array): Uint8Array {
  out[0] = sequence & 0xff;
  out[1] = (sequence >>> 8) & 0xff;
  return out;
}

/**
 * The sequence the resync message `bytes[offset, offset + length)` names, or −1 for a message of
 * the wrong size (check on read).
 */
export function readResyncMessage(bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
  if (length !== RESYNC_MESSAGE_BYTES) return -1;
  return (bytes[offset] as number) | ((bytes[offset + 1] as number) << 8);
}

/**
 * True when a resync request for `sequence` names a snapshot sent before the last reset
 * (`floor`: the next sequence at that reset, or −1 for none): one failure burst resets once.
 */
export function isStaleResync(sequence: number, floor: number): boolean {
  return floor >= 0 && seqDiff(sequence as Seq16, floor as Seq16) < 0;
}
