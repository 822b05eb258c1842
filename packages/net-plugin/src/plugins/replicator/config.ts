/**
 * Replicator configuration: the topology (Traktor's `create(topology, config)` first argument —
 * here a dedicated server or a client of one, with its transport and connection settings), the
 * config defaults, and the internal event that uploads a client's state to the server.
 */
import type { IssuedConnectToken } from "../../protocol/connectToken";
import type { NetClientConfig } from "../../connection/clientConfig";
import type { NetServerConfig } from "../../connection/serverConfig";
import type { Transport } from "../../transport/transport";
import type { ServerReplicationOptions } from "../../replication/server/serverReplication";
import type { ClientReplicationOptions } from "../../replication/client/clientReplication";
import { defineEventWithCodec, type EventType } from "../../replication/events/eventType";

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

/** Internal: a client's packed state (template `pack` bits) uploaded unreliably to the server. */
export const STATE_UPLOAD: EventType<Uint8Array> = defineEventWithCodec<Uint8Array>(
  "canopy.replicator.state",
  {
    encode: (bytes) => bytes,
    // The body may view a receive buffer that is reused: keep a copy.
    decode: (bytes) => bytes.slice(),
    description: "replicator-state:template-pack-bits",
  },
);

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
  /** Client states uploaded (client) or applied (server). */
  statesSent: number;
  statesReceived: number;
  /** Uploaded states whose bytes did not unpack with the template (server), dropped. */
  statesInvalid: number;
}
