/**
 * The client's replication state, one ECS resource: the NetClient, the frame's inbox of
 * connection events, the snapshot decoder and its ring of decoded states (the baselines the
 * server may encode against), the entity map (network id ↔ local entity), the last applied state,
 * the per-entity history. Snapshot acks are the reliability layer's packet acks (nothing to send),
 * except a resync request when a snapshot fails to decode. Client authority: the upstream sender
 * and the inbox of the server's corrections of refused upstream state.
 */
import { defineResource } from "@canopy/core";
import type { NetClient } from "../../connection/netClient";
import { BitReader } from "../../protocol/bitReader";
import { MessageInbox } from "../../time-sync/inbox";
import type { DisconnectReasonName } from "../../connection/disconnectReasons";
import { BaselineRing } from "../codec/baselineRing";
import { warmUpCodec } from "../codec/codecWarmUp";
import { SnapshotDecoder } from "../codec/snapshotDecoder";
import { SnapshotState } from "../codec/snapshotState";
import { EntityMap } from "../entityMap";
import type { ReplicatedField, ReplicationRegistry } from "../registry";
import type { ApplyHooks, ApplyResult } from "../worldApply";
import { RESYNC_MESSAGE_BYTES } from "../server/resyncMessage";
import type { OwnerComponent } from "../server/ownership";
import { FrameEvents } from "../server/frameEvents";
import { Correction, CorrectionWire } from "../server/correctionMessage";
import { ReplicationDefaults, type MessageRouter } from "../server/serverReplication";
import { SnapshotHistory } from "./snapshotHistory";
import { UpstreamSender } from "./upstreamSender";
import { UpstreamDefaults, upstreamFieldMask } from "../server/upstreamFields";

/** Client replication options. */
export interface ClientReplicationOptions {
  /** Network ids; must equal the server's (it is in the protocol hash). */
  capacity?: number;
  /** Channel carrying snapshots and acks (same as the server's). */
  snapshotChannel?: number;
  /** Confirmed states kept per entity (≥ 1). */
  historySize?: number;
  /** Client authority: upstream budget in bytes/s (> 0; default `UpstreamDefaults.bytesPerSecond`). */
  upstreamBytesPerSecond?: number;
  /**
   * Client authority: registered names of the fields sent up for entities this client is the
   * authority for (default: every field but `canopy.owner` / `canopy.authority`, never sent).
   */
  upstreamFields?: readonly string[];
  /**
   * Client authority: apply the server's corrections of refused upstream state (default true).
   * Must equal the server's option (it is in the protocol hash).
   */
  corrections?: boolean;
}

/** Client-side counters (never reset); decode outcomes are in `decoder.counters`. */
export interface ClientReplicationCounters {
  snapshotsReceived: number;
  snapshotsApplied: number;
  /** Resync requests sent (a snapshot failed to decode; the server then sends full state). */
  resyncsSent: number;
  spawned: number;
  despawned: number;
  updated: number;
  /** Messages off the snapshot channel that no router (time sync, events, corrections) took. */
  messagesUnrouted: number;
  /** Client authority: upstream snapshots sent, their bytes, and those whose packet the server acked. */
  upstreamSent: number;
  upstreamBytesSent: number;
  upstreamAcked: number;
  /** Ticks with upstream state to send but too little budget. */
  upstreamSkipped: number;
  /** Resync requests from the server acted on (it could not decode an upstream snapshot). */
  upstreamResyncs: number;
  /** Corrections (the server refused this client's upstream state) written into the owned entity. */
  correctionsApplied: number;
  /** Correction messages that did not decode (malformed, truncated, bad mask or values): dropped. */
  correctionsInvalid: number;
  /** Corrections for an unknown id or an entity this client is not the authority for: ignored. */
  correctionsIgnored: number;
  /** Corrections older than one already applied to the same entity (reordered): ignored. */
  correctionsStale: number;
  /** Corrections dropped because the frame's correction inbox was full. */
  correctionsDropped: number;
}

/** Bounds of the client's correction inbox, each with its reason. */
export const CorrectionInboxLimits = {
  /**
   * Correction messages held until `applyCorrections` (one frame). The server sends at most one
   * per owned entity every `CorrectionWire.minIntervalSeconds`, so a frame brings a few.
   */
  messages: 256,
  /** Their bytes: 64 KiB, far above 256 corrections of a few transforms each. */
  bytes: 64 * 1024,
} as const;

/** Why a connection ended: the reason's name and a readable message. */
export interface ConnectionEnd {
  reason: DisconnectReasonName;
  message: string;
}

/** The client replication resource's value. */
export class ClientReplicationState {
  readonly capacity: number;
  readonly snapshotChannel: number;
  readonly decoder: SnapshotDecoder;
  readonly ring: BaselineRing;
  readonly map: EntityMap;
  /** Copy of the state last applied to the world (diffed against the next one). */
  readonly applied: SnapshotState;
  hasApplied = false;
  readonly history: SnapshotHistory;
  /** The resync message's bytes (at most one per frame; unreliable messages are written the same frame). */
  readonly resyncBytes = new Uint8Array(RESYNC_MESSAGE_BYTES);
  /** Sequence of a decoded snapshot newer than the applied one, or −1. */
  pendingApply = -1;
  /**
   * This frame's connects, disconnects (detail: reason and message) and snapshots, copied out of
   * the NetClient's reused events by `receivePackets`.
   */
  readonly frame = new FrameEvents<ConnectionEnd>();
  readonly counters: ClientReplicationCounters = {
    snapshotsReceived: 0,
    snapshotsApplied: 0,
    resyncsSent: 0,
    spawned: 0,
    despawned: 0,
    updated: 0,
    messagesUnrouted: 0,
    upstreamSent: 0,
    upstreamBytesSent: 0,
    upstreamAcked: 0,
    upstreamSkipped: 0,
    upstreamResyncs: 0,
    correctionsApplied: 0,
    correctionsInvalid: 0,
    correctionsIgnored: 0,
    correctionsStale: 0,
    correctionsDropped: 0,
  };
  /** Routers tried in order for messages off the snapshot channel (set by the NetPlugin). */
  readonly routers: MessageRouter[] = [];
  /** Why the last connection ended, with a readable message, or undefined. */
  lastDisconnect: ConnectionEnd | undefined;
  readonly applyResult: ApplyResult = { spawned: 0, despawned: 0, updated: 0 };
  hooks: ApplyHooks = {};
  /** Client authority: 1 per network id this client was the authority for at the last apply. */
  readonly authoritative: Uint8Array;
  /** Client authority: those network ids, `authorityCount` of them. */
  authorityIds: Int32Array;
  authorityCount = 0;
  /** Scratch list swapped with `authorityIds` by applySnapshots. */
  nextAuthorityIds: Int32Array;
  /** Row slots (registry layout) of the upstream fields, ascending. */
  readonly upstreamSlots: Int32Array;
  /** The upstream fields, in registry order. */
  readonly upstreamFields: readonly ReplicatedField[];
  /** Bit `i` set when field `i` is sent up (never the ownership fields). */
  readonly upstreamMask: number;
  readonly upstreamBytesPerSecond: number;
  /** What this client sends up; made the first time it has authority over an entity. */
  upstream: UpstreamSender | undefined = undefined;
  /** Correction messages routed this frame (copied), drained by `applyCorrections`. */
  readonly correctionInbox = new MessageInbox(CorrectionInboxLimits.messages, CorrectionInboxLimits.bytes);
  /** The correction being applied (decoded in place) and its reader. */
  readonly correction: Correction;
  readonly correctionReader = new BitReader();
  /** Per network id, server tick of the last correction applied (−1: none since authority began). */
  readonly correctionTicks: Float64Array;
  /** Field bits a correction may never carry (the ownership fields). */
  readonly ownershipMask: number;

  constructor(
    readonly client: NetClient,
    readonly registry: ReplicationRegistry,
    readonly owner: OwnerComponent,
    readonly ownerField: ReplicatedField,
    readonly authorityField: ReplicatedField,
    options: ClientReplicationOptions,
  ) {
    this.capacity = options.capacity ?? ReplicationDefaults.capacity;
    this.snapshotChannel = options.snapshotChannel ?? ReplicationDefaults.snapshotChannel;
    // Every rare codec branch runs once now, not first in a hot decode (see codecWarmUp.ts).
    warmUpCodec(registry);
    this.decoder = new SnapshotDecoder(registry, this.capacity);
    this.ring = new BaselineRing(registry, this.capacity);
    this.map = new EntityMap(this.capacity);
    this.applied = new SnapshotState(registry, this.capacity);
    this.history = new SnapshotHistory(
      this.capacity,
      registry.stride,
      options.historySize ?? ReplicationDefaults.historySize,
      { ownerField, authorityField },
    );
    this.authoritative = new Uint8Array(this.capacity);
    this.authorityIds = new Int32Array(this.capacity);
    this.nextAuthorityIds = new Int32Array(this.capacity);
    this.upstreamMask = upstreamFieldMask(registry, [ownerField, authorityField], options.upstreamFields);
    this.correction = new Correction(registry.stride);
    this.correctionTicks = new Float64Array(this.capacity).fill(-1);
    this.ownershipMask = (1 << ownerField.index) | (1 << authorityField.index);
    const slots: number[] = [];
    for (const f of registry.fields)
      if ((this.upstreamMask & (1 << f.index)) !== 0)
        for (let i = 0; i < f.template.width; i++) slots.push(f.offset + i);
    this.upstreamSlots = Int32Array.from(slots);
    this.upstreamFields = registry.fields.filter((f) => (this.upstreamMask & (1 << f.index)) !== 0);
    this.upstreamBytesPerSecond = options.upstreamBytesPerSecond ?? UpstreamDefaults.bytesPerSecond;
    if (!(this.upstreamBytesPerSecond > 0)) {
      throw new RangeError(
        `NetClientPlugin: upstreamBytesPerSecond must be > 0, got ${this.upstreamBytesPerSecond}.`,
      );
    }
  }

  /** NetClient `onMessageAcked`: an upstream snapshot's packet reached the server, so its state is a baseline. */
  messageAcked(channel: number, ticket: number): void {
    if (channel !== this.snapshotChannel || this.upstream === undefined) return;
    if (this.upstream.tickets.acked(ticket)) this.counters.upstreamAcked++;
  }

  /**
   * Router for messages off the snapshot channel: copies a correction (first byte
   * `CorrectionWire.kind`) into the inbox and returns true; anything else is left to other routers.
   */
  routeCorrection(buffer: Uint8Array, offset: number, length: number): boolean {
    if (length < 1 || buffer[offset] !== CorrectionWire.kind) return false;
    if (!this.correctionInbox.push(0, buffer, offset, length)) this.counters.correctionsDropped++;
    return true;
  }

  /** The upstream sender, made on first use. */
  upstreamSender(): UpstreamSender {
    this.upstream ??= new UpstreamSender(this.registry, this.capacity, this.upstreamBytesPerSecond);
    return this.upstream;
  }
}

/** The client replication resource (inserted by `NetClientPlugin`). */
export const ClientReplication = defineResource<ClientReplicationState>("ClientReplication");
