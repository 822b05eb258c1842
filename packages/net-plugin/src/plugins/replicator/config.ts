/**
 * Replicator configuration: the topology (Traktor's `create(topology, config)` first argument —
 * here a dedicated server or a client of one, with its transport and connection settings) and
 * the config defaults.
 */
import type { IssuedConnectToken } from "../../protocol/connectToken";
import type { NetClientConfig } from "../../connection/clientConfig";
import type { NetServerConfig } from "../../connection/serverConfig";
import type { Transport } from "../../transport/transport";
import type { ServerReplicationOptions } from "../../replication/server/serverReplication";
import type { ClientReplicationOptions } from "../../replication/client/clientReplication";

/** The server side: listens on `transport` with `connection` (protocol id, key, addresses). */
export interface ServerTopology {
  role: "server";
  transport: Transport;
  connection: Omit<NetServerConfig, "protocolHash">;
  /** Replication options (capacity, bandwidth, interest, …). */
  replication?: ServerReplicationOptions;
}

/** The client side: reaches the server over `transport` and connects with `token`. */
export interface ClientTopology {
  role: "client";
  transport: Transport;
  /** Connect token from the matchmaker/backend (else connect through `app`'s ClientReplication). */
  token?: Uint8Array | string | IssuedConnectToken;
  connection?: Omit<NetClientConfig, "protocolHash">;
  replication?: ClientReplicationOptions;
}

/** Where a Replicator runs. */
export type ReplicatorTopology = ServerTopology | ClientTopology;

/** Options of `Replicator.create`. */
export interface ReplicatorConfig {
  /** Fixed tick rate of the inner App (server tick rate for time sync). */
  fixedHz?: number;
  /** Start time of the Replicator's ManualClock, seconds. */
  startTime?: number;
  /** Entity ids the state components hold (peers + the App's other entities). */
  maxEntities?: number;
}

/** Defaults of {@link ReplicatorConfig}, with why. */
export const ReplicatorDefaults: Required<ReplicatorConfig> = {
  /** Traktor games commonly step at 60 Hz. */
  fixedHz: 60,
  /** Non-zero so "time 0" never looks like an unset timestamp in time sync. */
  startTime: 1000,
  /** One state entity per peer: 1024 covers the largest server (65535 clients is not a facade use). */
  maxEntities: 1024,
};

/** Traktor's replicator-level time-sync figures (server and client time sync both have them). */
export interface SyncStats {
  readonly timeSynchronized: boolean;
  readonly timeVariance: number;
  readonly averageLatency: number;
  readonly bestLatency: number;
  readonly worstLatency: number;
  readonly averageReverseLatency: number;
}

/** Counters of a {@link Replicator}. */
export interface ReplicatorCounters {
  /** Client: upstream snapshots of its state sent (a changed state goes up once per tick). */
  statesSent: number;
  /** Server: client states applied (one per client entity per upstream snapshot that changed it). */
  statesReceived: number;
  /** Server: upstream snapshots that did not decode or named an entity the client has no authority over, dropped. */
  statesInvalid: number;
  /** Server: corrections sent to a client after `validateUpstream` refused its state (the server's values). */
  correctionsSent: number;
  /** Client: the server's corrections written into its own state (it snapped back to the server's values). */
  correctionsApplied: number;
  /** Client: corrections not applied: malformed, not its entity, older than one applied, or its inbox full. */
  correctionsDropped: number;
}
