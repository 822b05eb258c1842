/**
 * The server's replication state, one ECS resource: the NetServer, the frame's inbox of
 * connection events, the registry and the shared world state captured once per tick, and per
 * connected client its baseline ring, priority accumulators, interest mask and bandwidth budget.
 * Systems in replication/server/ read and write it; nothing here runs on its own.
 */
import { defineResource, type AppWorld } from "@canopy/core";
import type { Query } from "bitecs";
import { BitWriter } from "../../protocol/bitWriter";
import type { NetServer } from "../../connection/netServer";
import { MAX_UNRELIABLE_MESSAGE_BYTES } from "../../reliability/channels";
import { DEFAULT_BASELINE_RING_SIZE } from "../codec/baselineRing";
import {
  createEncodeInput,
  SnapshotEncoder,
  type EncodeSnapshotInput,
  type FieldExclusion,
} from "../codec/snapshotEncoder";
import { SnapshotState } from "../codec/snapshotState";
import { NetworkIdAllocator } from "../entityMap";
import type { ReplicatedField, ReplicationRegistry } from "../registry";
import { AuthorityTable } from "./authorityTable";
import type { ClientView } from "./clientView";
import { EntityList } from "./entityList";
import { FrameEvents } from "./frameEvents";
import { ownerInState, SERVER_OWNER, type OwnerComponent } from "./ownership";
import { SpatialGrid } from "./spatialGrid";
import { RESYNC_MESSAGE_BYTES } from "./resyncMessage";
import { upstreamFieldMask } from "./upstreamFields";
import { UpstreamIncoming } from "./upstreamIncoming";

export { ClientView } from "./clientView";

/** Replication defaults, each with its reason. */
export const ReplicationDefaults = {
  /** Network ids (entities replicated at once); each client's ring holds 64 states of this size. */
  capacity: 1024,
  /** Per-client snapshot budget in bytes/s: 32 KiB/s ≈ 256 kbit/s, the cube demo's target. */
  bandwidthBytesPerSecond: 32 * 1024,
  /** Seconds of unused budget a client may save up (one snapshot can still be a full MTU). */
  burstSeconds: 0.1,
  /** Snapshot channel (client → server: resync requests, upstream state): DEFAULT_CHANNELS[2], unreliable-sequenced (older ones are useless). */
  snapshotChannel: 2,
  /**
   * A snapshot waits until the client's budget holds this many bytes (the floor of its budget):
   * the header alone is 6–12 bytes (sequence, tick, baseline, reference, section counts) and the
   * first update adds its columns' widths. With 16, a 60 B/s client of a busy world got headers
   * only (6 B each, nothing else fitted) and an entity spawned then never arrived.
   */
  minSnapshotBytes: 20,
  /** Confirmed states kept per entity on the client (interpolation reads them). */
  historySize: 16,
  /** Viewpoints per client and tick under spatial interest (`InterestOptions.maxViewpoints`). */
  maxViewpoints: 64,
} as const;

/** A user relevance filter: return false to hide entity `eid` from client slot `client`. */
export type RelevanceFilter = (world: AppWorld, client: number, eid: number) => boolean;

/** Built-in spatial interest: entities within `radius` of the client's viewpoints are relevant. */
export interface InterestOptions {
  /** Grid cell size in world units (about the radius is a good start). */
  cellSize: number;
  /** Relevance radius in world units. */
  radius: number;
  /** Writes the 2D position of `eid` to `out`; return false for entities without one (always relevant). */
  position(eid: number, out: { x: number; y: number }): boolean;
  /**
   * Writes the `index`-th viewpoint of client `client` to `out`; return false when there are no
   * more. Default: the positions of the entities the client owns.
   */
  viewpoint?(world: AppWorld, client: number, index: number, out: { x: number; y: number }): boolean;
  /**
   * Most viewpoints one client may have per tick (default `ReplicationDefaults.maxViewpoints`). A
   * `viewpoint` callback still returning true at this index throws (a callback that never returns
   * false would otherwise hang the tick); the send systems' error handler gets it.
   */
  maxViewpoints?: number;
}

/**
 * Client authority: return false to reject client `client`'s incoming upstream state of entity
 * `eid` (counted in `upstreamRejected`); `incoming.read(component, key)` gives the incoming values.
 */
export type UpstreamValidator = (
  world: AppWorld,
  client: number,
  eid: number,
  incoming: UpstreamIncoming,
) => boolean;

/** Server replication options (every field optional; see {@link ReplicationDefaults}). */
export interface ServerReplicationOptions {
  /** Network ids available (entities replicated at once), ≥ 1. */
  capacity?: number;
  /**
   * Per-client snapshot budget, bytes per second (> 0). A snapshot goes out only once the budget
   * holds `ReplicationDefaults.minSnapshotBytes` (20 B), so below 20 B × the tick rate (1200 B/s at
   * 60 Hz) snapshots go out every few ticks rather than every tick (reported once at
   * configuration), and an entity whose spawn or update is larger than what a snapshot has left
   * after its header waits while smaller ones fit (a full spawn of many fields at 60 B/s may not
   * arrive). A snapshot's despawns are never held back: one may exceed its budget by them, and
   * the overshoot is taken from the next ticks' budget.
   */
  bandwidthBytesPerSecond?: number;
  /** Channel index carrying snapshots and acks (reserved for them). */
  snapshotChannel?: number;
  /** Spatial interest; without it every entity is relevant to every client. */
  interest?: InterestOptions;
  /** Extra relevance filter applied after interest. */
  filter?: RelevanceFilter;
  /**
   * `"scan"` (default): every tick, compare every `Networked` entity's quantized state. `"marked"`:
   * capture only entities that became `Networked` and those passed to `markChanged(world, eid)`
   * this tick (mark every value or component change), so unchanged entities cost nothing.
   */
  changeDetection?: "scan" | "marked";
  /**
   * Sent states kept per client (power of two, 2..64; default 64 ≈ 1 s at 60 Hz). Each costs
   * `capacity × (stride + 2) × 4` bytes; smaller rings save memory on big servers, but acks older
   * than the ring force full-state snapshots.
   */
  baselineRingSize?: number;
  /**
   * Velocity prediction (default true): each snapshot names an older acknowledged state of that
   * client as its reference (`BaselineRing.referenceFor`), and positions and other slots fields
   * are coded as residuals from the velocity between the two (docs/REPLICATION.md). `false` codes
   * every update against the baseline alone (≈ 16 % more bits for steadily moving entities).
   */
  prediction?: boolean;
  /** Client authority: checks each entity's incoming upstream state before it is applied. */
  validateUpstream?: UpstreamValidator;
  /**
   * Client authority: registered names of the fields the server accepts from the authority
   * client (default: every field but `canopy.owner` / `canopy.authority`, never accepted).
   */
  upstreamFields?: readonly string[];
  /**
   * Client authority: answer a `validateUpstream` refusal with a correction (the server's values,
   * so the owner snaps back; default true). `false` sends none: the owner keeps the refused
   * values. In the protocol hash: the clients' option must be the same.
   */
  corrections?: boolean;
}

/** Server-side counters (never reset). */
export interface ServerReplicationCounters {
  snapshotsSent: number;
  snapshotBytesSent: number;
  /** Largest snapshot message so far, bytes (never above one MTU's unreliable message). */
  largestSnapshotBytes: number;
  /** Ticks a client got no snapshot because its budget was spent. */
  snapshotsSkipped: number;
  /** Changed or new entities that waited for a later snapshot (budget or MTU). */
  entitiesDeferred: number;
  /** Snapshots whose packet the client acknowledged (each makes a baseline). */
  snapshotsAcked: number;
  /** Resync requests acted on (the client's baselines were forgotten). */
  resyncs: number;
  /** Resync messages of the wrong size. */
  resyncsInvalid: number;
  /** Messages off the snapshot channel that no router (time sync, events) took. */
  messagesUnrouted: number;
  /** Client authority: upstream snapshots received (decoded or not). */
  upstreamReceived: number;
  /** Entity states from upstream written into the world. */
  upstreamApplied: number;
  /** Entity states refused: not the sender's with client authority, unknown, or `validateUpstream` said no. */
  upstreamRejected: number;
  /** Upstream snapshots that did not decode (malformed, truncated, baseline missing); each frame's first sends a resync. */
  upstreamInvalid: number;
  /** Client authority: corrections sent to an authority client after its upstream state was refused. */
  upstreamCorrections: number;
}

/**
 * Takes a received message for another system (time sync, events): the message is
 * `buffer[offset, offset + length)`, valid only during the call (copy what you keep); true when
 * it was its kind.
 */
export type MessageRouter = (
  peer: number,
  buffer: Uint8Array,
  offset: number,
  length: number,
  channel: number,
) => boolean;

/** The server replication resource's value. */
export class ServerReplicationState {
  readonly capacity: number;
  readonly bandwidth: number;
  readonly burstBytes: number;
  readonly snapshotChannel: number;
  readonly allocator: NetworkIdAllocator;
  /** This tick's quantized world (shared by every client's encoder). */
  readonly current: SnapshotState;
  readonly encoder: SnapshotEncoder;
  /** The encoder's input, refilled per client by sendSnapshots (one object, not one per client per tick). */
  readonly encodeInput: EncodeSnapshotInput;
  /** Snapshot bytes of the client being encoded (`send` copies them out, so one serves all). */
  readonly writer = new BitWriter(MAX_UNRELIABLE_MESSAGE_BYTES);
  /** Per slot, the client's replication state (undefined for empty slots). */
  readonly clients: (ClientView | undefined)[];
  /**
   * This frame's connects, disconnects and snapshot-channel messages (resync requests), copied out
   * of the NetServer's reused events by `receivePackets` for every Receive system.
   */
  readonly frame = new FrameEvents();
  /** Entities that lost `Networked` since the last capture (their ids are released first). */
  readonly pendingRelease = new EntityList();
  /** Entities that gained `Networked` since the last capture ("marked" change detection). */
  readonly pendingAdd = new EntityList();
  /** Entities marked changed this tick ("marked" change detection). */
  readonly dirty = new EntityList();
  readonly changeDetection: "scan" | "marked";
  /** Snapshots name a prediction reference (options.prediction). */
  readonly prediction: boolean;
  /** Baseline ring size of each client view. */
  readonly ringSize: number;
  /** Viewpoints per client and tick under spatial interest (options.interest.maxViewpoints, validated). */
  readonly maxViewpoints: number;
  readonly grid: SpatialGrid | undefined;
  readonly counters: ServerReplicationCounters = {
    snapshotsSent: 0,
    snapshotBytesSent: 0,
    largestSnapshotBytes: 0,
    snapshotsSkipped: 0,
    entitiesDeferred: 0,
    snapshotsAcked: 0,
    resyncs: 0,
    resyncsInvalid: 0,
    messagesUnrouted: 0,
    upstreamReceived: 0,
    upstreamApplied: 0,
    upstreamRejected: 0,
    upstreamInvalid: 0,
    upstreamCorrections: 0,
  };
  /** Field mask accepted from upstream (never the ownership fields). */
  readonly upstreamMask: number;
  /** Reused by receiveOwnedState for the `validateUpstream` hook. */
  readonly incoming: UpstreamIncoming;
  /**
   * Client authority: the entities `setOwner` gave client authority and the ids they hold with it
   * in `current` (which `ownFields.bySlot` names; refreshed by prepareSnapshots).
   */
  readonly authority: AuthorityTable;
  /**
   * Client authority: the upstream fields left out of each owner's own snapshots (its values are
   * its own): `bySlot` per network id the authority client's slot or −1, kept in step with
   * `current` by `authority`; `client` and `mask` (`upstreamMask` ∩ the client's
   * `upstreamFieldsSeen`) are set per client by sendSnapshots.
   */
  readonly ownFields: FieldExclusion;
  /** Bytes of a resync request for an upstream snapshot (copied by `send`). */
  readonly resyncBytes = new Uint8Array(RESYNC_MESSAGE_BYTES);
  /** Frames run (receiveOwnedState sends at most one resync per client per frame). */
  frameCount = 0;
  /** Routers tried in order for messages off the snapshot channel (set by the NetPlugin). */
  readonly routers: MessageRouter[] = [];
  /** Tick of the last capture, or −1 (snapshots go out once per new tick). */
  lastTick = -1;
  /** Clock seconds of the last send (for the budget refill). */
  lastSendTime = -1.5;
  /** True when PrepareSend captured a new tick this frame. */
  sendDue = false;
  /** The live `[Networked]` query of the world (registered on first use; "scan" mode reads it per tick). */
  networkedQuery: Query | undefined = undefined;

  constructor(
    readonly server: NetServer,
    readonly registry: ReplicationRegistry,
    readonly owner: OwnerComponent,
    readonly ownerField: ReplicatedField,
    readonly authorityField: ReplicatedField,
    readonly options: ServerReplicationOptions,
  ) {
    this.capacity = options.capacity ?? ReplicationDefaults.capacity;
    this.bandwidth = options.bandwidthBytesPerSecond ?? ReplicationDefaults.bandwidthBytesPerSecond;
    if (!(this.bandwidth > 0)) {
      throw new RangeError(`NetServerPlugin: bandwidthBytesPerSecond must be > 0, got ${this.bandwidth}.`);
    }
    this.burstBytes = Math.max(
      MAX_UNRELIABLE_MESSAGE_BYTES,
      this.bandwidth * ReplicationDefaults.burstSeconds,
    );
    this.snapshotChannel = options.snapshotChannel ?? ReplicationDefaults.snapshotChannel;
    this.changeDetection = options.changeDetection ?? "scan";
    this.prediction = options.prediction ?? true;
    const ring = options.baselineRingSize ?? DEFAULT_BASELINE_RING_SIZE;
    if (!(ring <= DEFAULT_BASELINE_RING_SIZE)) {
      throw new RangeError(
        `NetServerPlugin: baselineRingSize must be at most ${DEFAULT_BASELINE_RING_SIZE} (the client's ring), got ${ring}.`,
      );
    }
    this.ringSize = ring;
    this.maxViewpoints = options.interest?.maxViewpoints ?? ReplicationDefaults.maxViewpoints;
    if (!(Number.isInteger(this.maxViewpoints) && this.maxViewpoints >= 1)) {
      throw new RangeError(
        `NetServerPlugin: interest.maxViewpoints must be an integer ≥ 1, got ${this.maxViewpoints}.`,
      );
    }
    this.allocator = new NetworkIdAllocator(this.capacity);
    this.current = new SnapshotState(registry, this.capacity);
    this.encoder = new SnapshotEncoder(registry, this.capacity);
    this.encodeInput = createEncodeInput(this.current);
    this.clients = new Array<ClientView | undefined>(server.maxClients).fill(undefined);
    this.grid = options.interest ? new SpatialGrid(this.capacity, options.interest.cellSize) : undefined;
    this.upstreamMask = upstreamFieldMask(registry, [ownerField, authorityField], options.upstreamFields);
    this.incoming = new UpstreamIncoming(registry);
    this.authority = new AuthorityTable(this.capacity);
    const bySlot = new Int32Array(this.capacity).fill(SERVER_OWNER);
    this.ownFields = { bySlot, client: SERVER_OWNER, mask: this.upstreamMask };
  }

  /** NetServer `onMessageAcked`: a snapshot's packet reached `client`, so its state is a baseline. */
  messageAcked(client: number, channel: number, ticket: number): void {
    if (channel !== this.snapshotChannel) return;
    if (this.clients[client]?.tickets.acked(ticket) === true) this.counters.snapshotsAcked++;
  }

  /** The client slot owning network id `netId` in this tick's state (−1 = server). */
  ownerOfNetId(netId: number): number {
    return ownerInState(this.current, this.ownerField, netId);
  }
}

/** The server replication resource (inserted by `NetServerPlugin`). */
export const ServerReplication = defineResource<ServerReplicationState>("ServerReplication");
