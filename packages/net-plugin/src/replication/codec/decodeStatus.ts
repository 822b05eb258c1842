/** Outcomes of decoding a snapshot, and the counters the decoder keeps (check on read). */

/** Why a snapshot was or was not decoded. */
export const DecodeStatus = {
  /** Decoded and stored. */
  Ok: 0,
  /** Decoded and stored, but older than the newest decoded snapshot (do not apply it). */
  Stale: 1,
  /** Ran out of bits, or a malformed code. */
  Truncated: 2,
  /** The baseline it was encoded against is not held (lost, or overwritten in the ring). */
  MissingBaseline: 3,
  /** A network id, mask, count or value outside its valid range. */
  Invalid: 4,
  /** So old that it falls outside the ring (or a duplicate of the newest). */
  TooOld: 5,
} as const;
/** One of {@link DecodeStatus}. */
export type DecodeStatus = (typeof DecodeStatus)[keyof typeof DecodeStatus];

/** Counters of a snapshot decoder (never reset by it). */
export interface SnapshotDecodeCounters {
  snapshotsDecoded: number;
  /** Malformed: truncated or out-of-range content (`packetsInvalid` at this layer). */
  snapshotsInvalid: number;
  snapshotsMissingBaseline: number;
  /** Older than the newest decoded one (still stored as a possible baseline). */
  snapshotsStale: number;
  /** Duplicates and snapshots too old to keep. */
  snapshotsDropped: number;
}

/** Fresh zeroed counters. */
export function createDecodeCounters(): SnapshotDecodeCounters {
  return {
    snapshotsDecoded: 0,
    snapshotsInvalid: 0,
    snapshotsMissingBaseline: 0,
    snapshotsStale: 0,
    snapshotsDropped: 0,
  };
}
