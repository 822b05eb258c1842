/**
 * Which reliability ticket carried which snapshot, one entry per slot of a baseline ring: when the
 * packet carrying a ticket is acked, that snapshot's state becomes a baseline. Kept for downstream
 * snapshots (the server's `ClientView`) and upstream ones (the client's `UpstreamSender`).
 */
import type { BaselineRing } from "./codec/baselineRing";

/** Reliability tickets of the snapshots sent, by ring slot. */
export class SentTickets {
  /** Per ring slot (`sequence & (size − 1)`): the ticket of the snapshot sent, or −1. */
  private readonly tickets: Float64Array;
  /** Per ring slot: the sequence of that snapshot. */
  private readonly sequences: Int32Array;

  constructor(readonly ring: BaselineRing) {
    this.tickets = new Float64Array(ring.size).fill(-1);
    this.sequences = new Int32Array(ring.size);
  }

  /** Records that snapshot `sequence` went out under reliability `ticket` (undefined: dropped unsent). */
  sent(sequence: number, ticket: number | undefined): void {
    const slot = sequence & (this.ring.size - 1);
    this.tickets[slot] = ticket ?? -1;
    this.sequences[slot] = sequence;
  }

  /** The packet carrying `ticket` was acked: marks its snapshot as a baseline; false if none matches. */
  acked(ticket: number): boolean {
    const tickets = this.tickets;
    for (let slot = 0; slot < tickets.length; slot++) {
      if (tickets[slot] !== ticket) continue;
      tickets[slot] = -1;
      return this.ring.markAcked(this.sequences[slot] as number);
    }
    return false;
  }

  /** Forgets every ticket (acks still in flight then mark nothing). */
  clear(): void {
    this.tickets.fill(-1);
  }
}
