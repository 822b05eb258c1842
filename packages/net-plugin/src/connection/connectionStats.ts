/**
 * Builds the NetStats of one connection from its two layers: the encrypted link (wire bytes,
 * replays, rate limiting, outer invalid/stale) and the reliability endpoint (latency, loss,
 * duplicates, inner invalid/stale).
 */
import type { ReliableEndpoint } from "../reliability/reliableEndpoint";
import type { NetStats } from "./netStats";
import type { SecureLink } from "./secureLink";

/** Writes the combined statistics of `link` and `endpoint` at `now` into `into` and returns it. */
export function reportConnectionStats(
  into: NetStats,
  link: SecureLink,
  endpoint: ReliableEndpoint,
  now: number,
): NetStats {
  link.refreshRates(now);
  Object.assign(into, link.stats);
  const e = endpoint.stats;
  const c = endpoint.counters;
  into.packetsInvalid += c.packetsInvalid;
  into.packetsStale += c.packetsStale;
  into.packetsDuplicate += c.packetsDuplicate;
  into.averageLatency = e.rttSmoothed / 2;
  into.bestLatency = e.rttBest / 2;
  into.worstLatency = e.rttWorst / 2;
  into.packetLoss = e.packetLossPercent;
  return into;
}
