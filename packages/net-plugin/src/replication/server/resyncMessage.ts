/**
 * The resync message (client → server on the snapshot channel, 2 bytes: u16 sequence, LE): "I
 * could not decode snapshot `sequence`". Snapshot acks come from the reliability layer's packet
 * acks, which say a packet arrived, not that its snapshot decoded; a client that fails to decode
 * one (its baseline is missing) sends this so the server forgets every baseline and sends full
 * state again. See docs/ARCHITECTURE.md "Snapshot acks".
 */

/** Bytes of one resync message. */
export const RESYNC_MESSAGE_BYTES = 2;

/** Writes a resync message for `sequence` into `out` (≥ 2 bytes) and returns it. */
export function writeResyncMessage(sequence: number, out: Uint8Array): Uint8Array {
  out[0] = sequence & 0xff;
  out[1] = (sequence >>> 8) & 0xff;
  return out;
}

/** The sequence a resync message names, or −1 for a message of the wrong size (check on read). */
export function readResyncMessage(message: Uint8Array): number {
  if (message.length !== RESYNC_MESSAGE_BYTES) return -1;
  return (message[0] as number) | ((message[1] as number) << 8);
}
