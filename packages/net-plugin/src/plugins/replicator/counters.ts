/**
 * The Replicator's counters, mirrored after each update from the replication counters underneath
 * (`ServerReplication` on a server, `ClientReplication` on a client): the Traktor-level view of
 * the upstream states and of the corrections of refused ones (client authority).
 */
import type { ServerReplicationCounters } from "../../replication/server/serverReplication";
import type { ClientReplicationCounters } from "../../replication/client/clientReplication";
import type { ReplicatorCounters } from "./config";

/** All-zero Replicator counters. */
export function createReplicatorCounters(): ReplicatorCounters {
  return {
    statesSent: 0,
    statesReceived: 0,
    statesInvalid: 0,
    correctionsSent: 0,
    correctionsApplied: 0,
    correctionsDropped: 0,
  };
}

/** Copies a server's replication counters into `out` (its client-side counters stay 0). */
export function mirrorServerCounters(out: ReplicatorCounters, c: ServerReplicationCounters): void {
  out.statesReceived = c.upstreamApplied;
  out.statesInvalid = c.upstreamInvalid + c.upstreamRejected;
  out.correctionsSent = c.upstreamCorrections;
}

/** Copies a client's replication counters into `out` (its server-side counters stay 0). */
export function mirrorClientCounters(out: ReplicatorCounters, c: ClientReplicationCounters): void {
  out.statesSent = c.upstreamSent;
  out.correctionsApplied = c.correctionsApplied;
  out.correctionsDropped =
    c.correctionsInvalid + c.correctionsIgnored + c.correctionsStale + c.correctionsDropped;
}
