/**
 * `ReplicatorProxy` (Traktor's `jungle.ReplicatorProxy`): one remote peer as a Replicator sees it —
 * whether it is connected, its latest received State, and one-way latencies (seconds).
 *
 * ```ts
 * for (const proxy of replicator.proxies) {
 *   const state = proxy.connected ? proxy.getState() : undefined;
 *   state?.unpackBegin();
 * }
 * ```
 */
import type { State } from "./state";

/** Where a proxy reads its peer from (the Replicator). */
export interface ProxySource {
  isConnected(peer: number): boolean;
  stateOf(peer: number): State | undefined;
  latencyOf(peer: number, which: LatencyKind): number;
}

/** Which latency figure. */
export type LatencyKind = "average" | "best" | "worst" | "reverse";

/** Traktor's four one-way latency figures (seconds). */
export interface LatencyFigures {
  readonly averageLatency: number;
  readonly bestLatency: number;
  readonly worstLatency: number;
  readonly averageReverseLatency: number;
}

/** The `which` figure of `stats`. */
export function pickLatency(stats: LatencyFigures, which: LatencyKind): number {
  if (which === "average") return stats.averageLatency;
  if (which === "best") return stats.bestLatency;
  return which === "worst" ? stats.worstLatency : stats.averageReverseLatency;
}

/** One remote peer: `peer` is its client slot, or −1 (`SERVER_OWNER`) for the server. */
export class ReplicatorProxy {
  constructor(
    /** Client slot of the peer, or −1 for the server. */
    readonly peer: number,
    private readonly source: ProxySource,
  ) {}

  /** True while the peer is connected (for another client: while its state entity exists). */
  get connected(): boolean {
    return this.source.isConnected(this.peer);
  }
  /** The peer's latest received State (values within quantization), or undefined before one arrived. */
  getState(): State | undefined {
    return this.source.stateOf(this.peer);
  }
  /** Average one-way latency to the peer (s); NaN when not measured (another client, via the server). */
  get averageLatency(): number {
    return this.source.latencyOf(this.peer, "average");
  }
  /** Best one-way latency to the peer (s); NaN when not measured. */
  get bestLatency(): number {
    return this.source.latencyOf(this.peer, "best");
  }
  /** Worst one-way latency to the peer (s); NaN when not measured. */
  get worstLatency(): number {
    return this.source.latencyOf(this.peer, "worst");
  }
  /** Average one-way latency from the peer back to us (s); NaN when not measured. */
  get averageReverseLatency(): number {
    return this.source.latencyOf(this.peer, "reverse");
  }
}
