/**
 * Per client, what the server keeps to decode its upstream state (client authority): a
 * `SnapshotDecoder` and a small `BaselineRing` of the upstream states decoded so far (the client
 * encodes against the ones whose packets were acked). Made only for clients that send upstream:
 * the ring costs `UpstreamDefaults.ringSize × capacity × (stride + 2) × 4` bytes.
 */
import { BaselineRing } from "../codec/baselineRing";
import { SnapshotDecoder } from "../codec/snapshotDecoder";
import type { ReplicationRegistry } from "../registry";
import { UpstreamDefaults } from "./upstreamFields";

/** One client's upstream decoder and baselines. */
export class UpstreamReceiver {
  readonly decoder: SnapshotDecoder;
  readonly ring: BaselineRing;
  /** Frame count at the last resync request sent, so at most one goes out per frame. */
  lastResyncFrame = -1;

  constructor(registry: ReplicationRegistry, capacity: number) {
    this.decoder = new SnapshotDecoder(registry, capacity);
    this.ring = new BaselineRing(registry, capacity, UpstreamDefaults.ringSize);
  }
}
