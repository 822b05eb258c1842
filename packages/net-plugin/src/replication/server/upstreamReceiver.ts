/**
 * Per client, what the server keeps to decode its upstream state (client authority): a
 * `SnapshotDecoder` and a small `BaselineRing` of the upstream states decoded so far (the client
 * encodes against the ones whose packets were acked). Made only for clients that send upstream:
 * the ring costs `UpstreamDefaults.ringSize × capacity × (stride + 2) × 4` bytes. Also the rate
 * limit of corrections (upstreamCorrector.ts): per network id, the clock time of the last one sent
 * to this client and whether one is owed (a refusal within `CorrectionWire.minIntervalSeconds` of
 * the last: sent once the interval is over, unless the client's state matched the server's or was
 * accepted since); 13 bytes per id.
 */
import { BaselineRing } from "../codec/baselineRing";
import { SnapshotDecoder } from "../codec/snapshotDecoder";
import type { ReplicationRegistry } from "../registry";
import { UpstreamDefaults } from "./upstreamFields";

/** One client's upstream decoder and baselines, and its corrections' rate limit. */
export class UpstreamReceiver {
  readonly decoder: SnapshotDecoder;
  readonly ring: BaselineRing;
  /** Frame count at the last resync request sent, so at most one goes out per frame. */
  lastResyncFrame = -1;
  /** Per network id, clock seconds of the last correction sent to this client (−∞: none yet). */
  readonly lastCorrection: Float64Array;
  /**
   * Per network id: 0 not listed, 1 a correction is owed (refused within the interval, not yet
   * sent), 2 listed but settled since (dropped from the list by the next flush).
   */
  readonly owed: Uint8Array;
  /** Network ids listed (`owed` 1 or 2), each once, `owedCount` of them. */
  readonly owedIds: Int32Array;
  owedCount = 0;

  constructor(registry: ReplicationRegistry, capacity: number) {
    this.decoder = new SnapshotDecoder(registry, capacity);
    this.ring = new BaselineRing(registry, capacity, UpstreamDefaults.ringSize);
    this.lastCorrection = new Float64Array(capacity).fill(Number.NEGATIVE_INFINITY);
    this.owed = new Uint8Array(capacity);
    this.owedIds = new Int32Array(capacity);
  }

  /** Notes that `netId` is owed a correction once the interval since the last is over. */
  owe(netId: number): void {
    if (this.owed[netId] === 0) this.owedIds[this.owedCount++] = netId;
    this.owed[netId] = 1;
  }

  /** The client's state of `netId` now matches the server's (or was accepted): nothing is owed. */
  settle(netId: number): void {
    if (this.owed[netId] === 1) this.owed[netId] = 2;
  }
}
