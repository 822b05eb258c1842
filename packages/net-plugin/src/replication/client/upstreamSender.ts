/**
 * The client's upstream state (client authority, docs/REPLICATION.md "Client authority"): the
 * replicated fields of the entities this client is the authority for, captured once per fixed
 * tick into `current` (keyed by network id) and encoded by the ordinary `SnapshotEncoder` against
 * the newest upstream state the server acknowledged (the reliability layer's packet acks on the
 * snapshot channel, as the server's `ClientView` does for downstream snapshots). Made on first
 * use: a client that never has authority pays nothing.
 */
import { BitWriter } from "../../protocol/bitWriter";
import { MAX_UNRELIABLE_MESSAGE_BYTES } from "../../reliability/channels";
import { BaselineRing } from "../codec/baselineRing";
import { createEncodeInput, SnapshotEncoder, type EncodeSnapshotInput } from "../codec/snapshotEncoder";
import { SnapshotState } from "../codec/snapshotState";
import type { ReplicationRegistry } from "../registry";
import { SentTickets } from "../sentTickets";
import { UpstreamDefaults } from "../server/upstreamFields";

/** Per connection, what this client sends up. */
export class UpstreamSender {
  /** States sent, by sequence: what the server holds once it decodes each. */
  readonly ring: BaselineRing;
  /** This tick's upstream fields of the entities this client has authority over. */
  readonly current: SnapshotState;
  readonly encoder: SnapshotEncoder;
  readonly input: EncodeSnapshotInput;
  readonly writer = new BitWriter(MAX_UNRELIABLE_MESSAGE_BYTES);
  /** The reliability ticket of each upstream snapshot sent (its ack makes the state a baseline). */
  readonly tickets: SentTickets;
  nextSequence = 0;
  /** Sequence of the newest upstream snapshot sent, or −1. */
  lastSent = -1;
  /** `nextSequence` at the last resync the server asked for (older requests are stale), or −1. */
  resyncFloor = -1;
  /**
   * Budget bytes available now. Integers only (whole bytes per tick plus a carried remainder): this
   * runs once per frame, long unoptimized, where every fractional result is a new heap number.
   */
  tokens = 0;
  /** Most budget bytes saved up: one full message, or 0.1 s of budget when that is more. */
  readonly burstBytes: number;
  /** Budget in whole bytes per second. */
  private readonly rate: number;
  /** Fixed ticks per second (set on the first refill), whole bytes per tick, and the carried remainder (in 1/hz bytes). */
  private hz = 0;
  private perTick = 0;
  private carry = 0;
  /** Fixed tick of the last capture, or −1. */
  lastTick = -1;

  constructor(
    registry: ReplicationRegistry,
    capacity: number,
    readonly bytesPerSecond: number,
  ) {
    this.ring = new BaselineRing(registry, capacity, UpstreamDefaults.ringSize);
    this.current = new SnapshotState(registry, capacity);
    this.encoder = new SnapshotEncoder(registry, capacity);
    this.input = createEncodeInput(this.current);
    this.tickets = new SentTickets(this.ring);
    this.rate = Math.max(1, Math.round(bytesPerSecond));
    this.burstBytes = Math.max(MAX_UNRELIABLE_MESSAGE_BYTES, Math.floor(this.rate / 10));
    this.tokens = this.burstBytes;
  }

  /** Adds the budget of the ticks since the last capture (at `hz` fixed ticks per second) and records `tick`. */
  refill(tick: number, hz: number): void {
    if (hz !== this.hz) {
      this.hz = hz;
      this.perTick = Math.floor(this.rate / hz);
      this.carry = 0;
    }
    if (this.lastTick >= 0) {
      // At most one second's worth (the burst caps it anyway); usually one tick.
      const ticks = Math.min(tick - this.lastTick, hz);
      const remainder = this.rate - this.perTick * hz;
      let tokens = this.tokens;
      for (let t = 0; t < ticks; t++) {
        tokens += this.perTick;
        this.carry += remainder;
        if (this.carry >= hz) {
          this.carry -= hz;
          tokens++;
        }
      }
      this.tokens = Math.min(tokens, this.burstBytes);
    }
    this.lastTick = tick;
  }

  /** Forgets every baseline (the server could not decode one): the next upstream state is full. */
  forgetBaselines(): void {
    this.ring.reset();
    this.tickets.clear();
    this.resyncFloor = this.nextSequence;
    this.lastSent = -1;
  }

  /** Starts over for a new connection. */
  reset(): void {
    this.forgetBaselines();
    this.resyncFloor = -1;
    this.nextSequence = 0;
    this.current.clear();
    this.lastTick = -1;
    this.carry = 0;
    this.tokens = this.burstBytes;
  }
}
