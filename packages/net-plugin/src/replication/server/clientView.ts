/**
 * The server's per-client replication state (one `ClientView` per connected slot, in
 * `ServerReplicationState.clients`): the baseline ring of the snapshots sent to it and their
 * reliability tickets, its priority accumulators, interest mask and budget, and — once it sends
 * upstream state (client authority) — its upstream decoder.
 */
import { BaselineRing } from "../codec/baselineRing";
import { PriorityAccumulator } from "../priorityAccumulator";
import type { ReplicationRegistry } from "../registry";
import { SentTickets } from "../sentTickets";
import type { UpstreamReceiver } from "./upstreamReceiver";

/** Per connected client. */
export class ClientView {
  readonly ring: BaselineRing;
  readonly priorities: PriorityAccumulator;
  /** 1 where the network id is relevant to this client this tick. */
  readonly relevant: Uint8Array;
  /** With spatial interest: per network id, 1 near a viewpoint down to 1 − NEAR_FALLOFF at the radius (priority scale). */
  readonly nearness: Float32Array;
  nextSequence = 0;
  /** The reliability ticket of each snapshot sent (its ack makes the snapshot a baseline). */
  readonly tickets: SentTickets;
  /** `nextSequence` at the last resync (older resync requests are stale), or −1. */
  resyncFloor = -1;
  /**
   * Budget bytes available now. Declared with a fractional value: a field that starts `undefined`
   * (a declared-only class field) or as a small integer can end up generic in V8, and then every
   * fractional value stored in it, each tick, is a new heap number.
   */
  tokens = 0.5;
  /** This client's budget in bytes/s when set (`setClientBandwidth`), else the server's. */
  bandwidth: number | undefined = undefined;
  snapshotsSent = 0;
  bytesSent = 0;
  /** Client authority: its upstream decoder and baselines, made when it first sends upstream. */
  upstream: UpstreamReceiver | undefined = undefined;
  /**
   * Client authority: the fields this client has sent up for entities it is the authority for
   * (read from its decoded upstream states by prepareSnapshots). Only these of the server's
   * upstream fields are left out of its snapshots: a field it does not send up (its own
   * `upstreamFields` may be narrower than the server's) is still the server's to send it.
   */
  upstreamFieldsSeen = 0;

  constructor(
    readonly slot: number,
    registry: ReplicationRegistry,
    capacity: number,
    startTokens: number,
    ringSize?: number,
  ) {
    this.ring = new BaselineRing(registry, capacity, ringSize);
    this.tickets = new SentTickets(this.ring);
    this.priorities = new PriorityAccumulator(registry, capacity);
    this.relevant = new Uint8Array(capacity);
    this.nearness = new Float32Array(capacity);
    this.tokens = startTokens;
  }

  /** Gives the memory of its rings and upstream decoder back (pool-backed: their blocks at once); the view must not be used afterwards. */
  dispose(): void {
    this.ring.dispose();
    this.upstream?.ring.dispose();
    this.upstream?.decoder.dispose();
  }
}
