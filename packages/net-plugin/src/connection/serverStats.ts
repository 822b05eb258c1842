/**
 * A server's NetStats: the counters of every connection that ever lived (departed ones are kept as
 * a running sum) plus the handshake counters; latency and loss averaged over live connections,
 * best and worst over them, bytes per second summed.
 */
import {
  addCounters,
  createNetStats,
  type NetCounters,
  type NetStats,
  type ServerNetStats,
} from "./netStats";
import type { ServerConnection } from "./serverConnection";

/** Handshake-level counters a server keeps outside any connection. */
export interface ServerTotals {
  handshakesDenied: number;
  handshakesRateLimited: number;
  packetsInvalid: number;
}

/** Builds the server's statistics at `now`. */
export function sumServerStats(
  live: readonly ServerConnection[],
  departed: Readonly<NetCounters>,
  totals: Readonly<ServerTotals>,
  now: number,
): ServerNetStats {
  const perConnection = new Map<number, NetStats>();
  const total: ServerNetStats = {
    ...createNetStats(),
    connections: live.length,
    handshakesDenied: totals.handshakesDenied,
    handshakesRateLimited: totals.handshakesRateLimited,
    perConnection,
  };
  addCounters(total, departed);
  total.packetsInvalid += totals.packetsInvalid;
  for (const c of live) {
    const s = c.stats(now);
    perConnection.set(c.index, { ...s });
    addCounters(total, s);
    total.bytesInPerSecond += s.bytesInPerSecond;
    total.bytesOutPerSecond += s.bytesOutPerSecond;
    total.averageLatency += s.averageLatency / live.length;
    total.packetLoss += s.packetLoss / live.length;
    total.bestLatency = perConnection.size === 1 ? s.bestLatency : Math.min(total.bestLatency, s.bestLatency);
    total.worstLatency = Math.max(total.worstLatency, s.worstLatency);
  }
  return total;
}
