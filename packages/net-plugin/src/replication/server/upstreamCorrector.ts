/**
 * The server side of corrections (client authority): when `validateUpstream` refuses a client's
 * upstream state of an entity it is the authority for, `receiveOwnedState` calls
 * {@link sendCorrection}, which quantizes the server's own values of that entity's upstream
 * fields (the snapshot quantization, through the fields' bindings) and sends them to that client
 * in a correction message (correctionMessage.ts) on a reliable channel — at most one per entity
 * per client every `CorrectionWire.minIntervalSeconds` (the per-client times live in its
 * `UpstreamReceiver`). A refusal inside that interval is not dropped but owed: the client may
 * never send again (its refused state is unchanged), so {@link flushOwedCorrections} sends it once
 * the interval is over, unless the client's state matched the server's or was accepted since.
 * The resource holds the channel and the reused write buffers.
 */
import { defineResource } from "@canopy/core";
import { hasComponent, type World } from "bitecs";
import { BitWriter } from "../../protocol/bitWriter";
import { ChannelKind, type ChannelConfig } from "../../reliability/channels";
import type { ReplicationRegistry } from "../registry";
import { CorrectionWire, maxCorrectionBytes, writeCorrection } from "./correctionMessage";
import { NONE } from "../entityMap";
import { readAuthority } from "./ownership";
import type { ServerReplicationState } from "./serverReplication";
import type { UpstreamReceiver } from "./upstreamReceiver";

/** What the server needs to send corrections: the channel and reused buffers. */
export class UpstreamCorrector {
  readonly writer: BitWriter;
  /** One entity row (registry layout): the server's quantized values being sent. */
  readonly row: Int32Array;

  /** `channel`: a reliable channel index, or −1 for none (corrections are then never sent). */
  constructor(
    registry: ReplicationRegistry,
    readonly channel: number,
  ) {
    this.writer = new BitWriter(maxCorrectionBytes(registry));
    this.row = new Int32Array(Math.max(1, registry.stride));
  }

  /** True when some client may be owed a correction (flushOwedCorrections has work). */
  anyOwed = false;
}

/** Outcome of {@link sendCorrection}. */
export const CorrectionSend = {
  /** Sent (counted in `upstreamCorrections`). */
  Sent: 0,
  /** Not now: less than the interval since the last one, or the send window is full. */
  Later: 1,
  /** Nothing to send (no channel, client gone, or the entity has none of the upstream fields). */
  Never: 2,
} as const;

/** One of the {@link CorrectionSend} values. */
export type CorrectionSend = (typeof CorrectionSend)[keyof typeof CorrectionSend];

/** The server's correction sender (inserted by `NetServerPlugin`). */
export const UpstreamCorrections = defineResource<UpstreamCorrector>("UpstreamCorrections");

/**
 * The channel corrections go on: `requested` when given (it must be a reliable channel of
 * `channels`, else throws naming the fix), else the first reliable-unordered channel (in the
 * default layout channel 1, which nothing else uses), else the first reliable-ordered one
 * (shared with events: the kind byte tells them apart), else −1 (no reliable channel: none sent).
 */
export function correctionChannelOf(channels: readonly ChannelConfig[], requested?: number): number {
  if (requested !== undefined) {
    const kind = channels[requested]?.kind;
    if (kind !== ChannelKind.ReliableOrdered && kind !== ChannelKind.ReliableUnordered) {
      throw new RangeError(
        `NetServerPlugin: correctionChannel ${requested} must be a reliable channel of the connection's channels; pick a reliable-ordered or reliable-unordered one.`,
      );
    }
    return requested;
  }
  const unordered = channels.findIndex((c) => c.kind === ChannelKind.ReliableUnordered);
  return unordered >= 0 ? unordered : channels.findIndex((c) => c.kind === ChannelKind.ReliableOrdered);
}

/**
 * `validateUpstream` refused client `slot`'s state of entity `eid` (network id `netId`) at clock
 * seconds `now`: sends the correction now, or owes it when the interval since the last one is
 * not over (or the send window is full).
 */
export function correctRefused(
  world: World,
  s: ServerReplicationState,
  corrector: UpstreamCorrector,
  up: UpstreamReceiver,
  slot: number,
  eid: number,
  netId: number,
  now: number,
): void {
  const result = sendCorrection(world, s, corrector, up, slot, eid, netId, now);
  if (result === CorrectionSend.Later) {
    up.owe(netId);
    corrector.anyOwed = true;
  } else up.settle(netId);
}

/**
 * Sends the corrections owed whose interval is over (at clock seconds `now`); drops those settled
 * since or whose entity is gone or no longer the client's with client authority.
 */
export function flushOwedCorrections(
  world: World,
  s: ServerReplicationState,
  corrector: UpstreamCorrector,
  now: number,
): void {
  let any = false;
  const clients = s.clients;
  for (let slot = 0; slot < clients.length; slot++) {
    const up = clients[slot]?.upstream;
    if (up === undefined || up.owedCount === 0) continue;
    const ids = up.owedIds;
    const owed = up.owed;
    let kept = 0;
    for (let i = 0; i < up.owedCount; i++) {
      const id = ids[i] as number;
      if (owed[id] === 1) {
        const eid = s.allocator.map.entityOf(id);
        const live = eid !== NONE && readAuthority(world, s.owner, eid) === slot;
        if (live && sendCorrection(world, s, corrector, up, slot, eid, id, now) === CorrectionSend.Later) {
          ids[kept++] = id; // not due yet, or the window is full
          continue;
        }
      }
      owed[id] = 0;
    }
    up.owedCount = kept;
    if (kept > 0) any = true;
  }
  corrector.anyOwed = any;
}

/**
 * Sends client `slot` the server's values of the upstream fields of entity `eid` (network id
 * `netId`), unless one went to it for that entity less than `minIntervalSeconds` ago (at clock
 * seconds `now`) or its send window is full (`Later`).
 */
export function sendCorrection(
  world: World,
  s: ServerReplicationState,
  corrector: UpstreamCorrector,
  up: UpstreamReceiver,
  slot: number,
  eid: number,
  netId: number,
  now: number,
): CorrectionSend {
  const channel = corrector.channel;
  if (channel < 0 || !s.server.isConnected(slot)) return CorrectionSend.Never;
  if (now - (up.lastCorrection[netId] as number) < CorrectionWire.minIntervalSeconds)
    return CorrectionSend.Later;
  const row = corrector.row;
  const fields = s.registry.fields;
  // The upstream fields the server's entity has (its captured mask, which never holds ownership).
  const candidates = (s.current.mask[netId] as number) & s.upstreamMask;
  let mask = 0;
  for (let f = 0; f < fields.length; f++) {
    const field = fields[f];
    if (field === undefined || (candidates & (1 << field.index)) === 0) continue;
    if (!hasComponent(world, eid, field.component)) continue;
    field.binding.quantize(eid, row, field.offset);
    mask |= 1 << field.index;
  }
  if (mask === 0) return CorrectionSend.Never;
  const tick = s.lastTick < 0 ? 0 : s.lastTick;
  const length = writeCorrection(corrector.writer, s.registry, netId, tick, mask, row, 0);
  if (!s.server.canSend(slot, channel, length)) return CorrectionSend.Later;
  s.server.send(slot, channel, corrector.writer.bytes, length);
  up.lastCorrection[netId] = now;
  s.counters.upstreamCorrections++;
  return CorrectionSend.Sent;
}
