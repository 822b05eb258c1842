/**
 * Reliable events waiting for a send window, per peer in order: a peer's later reliable events
 * queue behind its first held one, so `inOrder` events never overtake each other. Bounded by
 * `EventLimits.backlogCapacity` (past it sending throws instead of growing memory).
 */
import type { PeerLink } from "../../time-sync/peerLink";
import { EventLimits } from "./constants";

/** Reliable event messages held back because a peer's send window was full. */
export class EventBacklog {
  private readonly peers: number[] = [];
  private readonly data: Uint8Array[] = [];
  /** Per peer id: the flush pass that found it blocked (a peer's later events wait behind it). */
  private readonly blockedPass: number[] = [];
  private pass = 0;

  /** Messages waiting. */
  get length(): number {
    return this.data.length;
  }

  /** True if a reliable message to `peer` must queue behind held ones (any held at all keeps order simple). */
  mustWait(): boolean {
    return this.data.length > 0;
  }

  /** Holds `message` for `peer`; throws when the backlog is full (the game sends far faster than the link drains). */
  hold(peer: number, message: Uint8Array): void {
    if (this.data.length >= EventLimits.backlogCapacity)
      throw new RangeError(
        `EventRegistry: ${EventLimits.backlogCapacity} reliable events are waiting for the link; send fewer events or check registry.backlog.`,
      );
    this.peers.push(peer);
    this.data.push(message);
  }

  /** Sends what the windows now take, in order per peer; drops messages to departed peers. Returns how many went out. */
  flush(link: PeerLink, channel: number): number {
    if (this.data.length === 0) return 0;
    const pass = ++this.pass;
    let kept = 0;
    let sent = 0;
    for (let i = 0; i < this.data.length; i++) {
      const peer = this.peers[i] as number;
      const data = this.data[i] as Uint8Array;
      if (!link.isConnected(peer)) continue; // the peer left: nothing to deliver to
      if (this.blockedPass[peer] !== pass && link.canSend(peer, channel, data.length)) {
        link.send(peer, channel, data);
        sent++;
      } else {
        this.blockedPass[peer] = pass;
        this.peers[kept] = peer;
        this.data[kept++] = data;
      }
    }
    this.peers.length = kept;
    this.data.length = kept;
    return sent;
  }
}
