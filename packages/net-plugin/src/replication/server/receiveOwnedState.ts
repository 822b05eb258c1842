/**
 * Server `receiveOwnedState` (PreUpdate, Receive, after receiveResyncs): client authority. An
 * upstream message on the snapshot channel (longer than a 2-byte resync request) is an ordinary
 * snapshot of the entities its sender is the authority for, keyed by network id. From a client
 * that has no entity with client authority it is refused unread (`upstreamRejected`); otherwise
 * it is decoded against that client's upstream baselines (never throws: a malformed or
 * baseline-less one is counted in `upstreamInvalid` and answered with one resync request per
 * frame, after which the client sends full state). For each entity whose incoming values differ from the server's last
 * capture, the sender must own it with client authority (else `upstreamRejected`: a client never
 * moves someone else's entity, and never spawns, despawns or changes ownership this way) and pass
 * the `validateUpstream` hook; the accepted fields are written into the server's components
 * through their bindings (dequantized exactly as a client's apply writes them). The next capture
 * replicates them to every client (with `changeDetection: "marked"`, the entity is marked).
 * When the hook refuses an entity, its owner is sent a correction: the server's values of its
 * upstream fields, at most one per entity per client every `CorrectionWire.minIntervalSeconds`
 * (a refusal inside the interval is owed and sent when it is over, each frame's end; see
 * upstreamCorrector.ts); a state refused as "not yours" gets none.
 */
import { getResource, Time, tryGetResource, type AppWorld } from "@canopy/core";
import { hasComponent } from "bitecs";
import { DecodeStatus } from "../codec/decodeStatus";
import type { SnapshotState } from "../codec/snapshotState";
import { NONE } from "../entityMap";
import { FrameEventKind } from "./frameEvents";
import { markChanged } from "./markChanged";
import { readAuthority } from "./ownership";
import { RESYNC_MESSAGE_BYTES, writeResyncMessage } from "./resyncMessage";
import { ServerReplication, type ServerReplicationState } from "./serverReplication";
import { UpstreamReceiver } from "./upstreamReceiver";
import { correctRefused, flushOwedCorrections, UpstreamCorrections } from "./upstreamCorrector";

/** Decodes, checks and applies this frame's upstream snapshots. */
export function receiveOwnedState(world: AppWorld): void {
  const s = getResource(world, ServerReplication);
  s.frameCount++;
  const frame = s.frame;
  for (let i = 0; i < frame.count; i++) {
    if (frame.kindOf(i) !== FrameEventKind.message) continue;
    const length = frame.lengthOf(i);
    if (length <= RESYNC_MESSAGE_BYTES) continue; // resync requests (receiveResyncs)
    const slot = frame.peerOf(i);
    const view = s.clients[slot];
    if (view === undefined) continue;
    s.counters.upstreamReceived++;
    if (view.upstream === undefined) {
      // The decoder and its ring are made only for a client the server gave client authority, so
      // no other client can make the server allocate them.
      if (!hasClientAuthority(s, slot)) {
        s.counters.upstreamRejected++;
        continue;
      }
      view.upstream = new UpstreamReceiver(s.registry, s.capacity);
    }
    const up = view.upstream;
    const status = up.decoder.decode(frame.bytes, up.ring, frame.offsetOf(i), length);
    if (status === DecodeStatus.Ok) {
      const state = up.decoder.lastDecoded;
      if (state !== undefined) applyUpstream(world, s, slot, state, up);
    } else if (
      status === DecodeStatus.MissingBaseline ||
      status === DecodeStatus.Invalid ||
      status === DecodeStatus.Truncated
    ) {
      s.counters.upstreamInvalid++;
      if (up.lastResyncFrame !== s.frameCount && s.server.isConnected(slot)) {
        up.lastResyncFrame = s.frameCount;
        const sequence =
          (frame.bytes[frame.offsetOf(i)] as number) | ((frame.bytes[frame.offsetOf(i) + 1] as number) << 8);
        s.server.send(slot, s.snapshotChannel, writeResyncMessage(sequence, s.resyncBytes));
      }
    }
    // Stale (older than one already applied) and TooOld snapshots are kept or dropped, not applied.
  }
  const corrector = tryGetResource(world, UpstreamCorrections);
  if (corrector?.anyOwed === true) flushOwedCorrections(world, s, corrector, getResource(world, Time).now);
}

/** Checks and applies every entity of `state` whose incoming values differ from the server's. */
function applyUpstream(
  world: AppWorld,
  s: ServerReplicationState,
  slot: number,
  state: SnapshotState,
  up: UpstreamReceiver,
): void {
  const current = s.current;
  const stride = state.stride;
  const fields = s.registry.fields;
  const map = s.allocator.map;
  const validate = s.options.validateUpstream;
  const counters = s.counters;
  for (let id = 0; id < state.highWater; id++) {
    if (state.present[id] !== 1) continue;
    const mask = (state.mask[id] as number) & s.upstreamMask;
    const eid = map.entityOf(id);
    if (eid === NONE || current.present[id] !== 1) {
      counters.upstreamRejected++;
      continue;
    }
    // Only fields the server's entity has: a client cannot add components this way.
    const fieldsIn = mask & (current.mask[id] as number);
    if (fieldsIn === 0) continue;
    if (state.sameFields(current, id, fieldsIn)) {
      up.settle(id); // the client holds the server's values: no correction owed
      continue;
    }
    if (readAuthority(world, s.owner, eid) !== slot) {
      counters.upstreamRejected++;
      continue;
    }
    if (validate !== undefined) {
      s.incoming.set(state, id, fieldsIn);
      if (!validate(world, slot, eid, s.incoming)) {
        counters.upstreamRejected++;
        correct(world, s, up, slot, eid, id);
        continue;
      }
    }
    const row = id * stride;
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f];
      if (field === undefined || (fieldsIn & (1 << field.index)) === 0) continue;
      if (!hasComponent(world, eid, field.component)) continue;
      field.binding.apply(eid, state.values, row + field.offset);
    }
    counters.upstreamApplied++;
    up.settle(id);
    // "marked" change detection captures only what is marked: this entity changed.
    markChanged(world, eid);
  }
}

/** Sends `slot` the server's values of refused entity `eid` (rate-limited; none without the plugin's corrector). */
function correct(
  world: AppWorld,
  s: ServerReplicationState,
  up: UpstreamReceiver,
  slot: number,
  eid: number,
  id: number,
): void {
  const corrector = tryGetResource(world, UpstreamCorrections);
  if (corrector !== undefined)
    correctRefused(world, s, corrector, up, slot, eid, id, getResource(world, Time).now);
}

/**
 * True when the last capture has an entity owned by client `slot` with client authority: the
 * per-id authority table prepareSnapshots keeps in step with that capture (its ids only).
 */
function hasClientAuthority(s: ServerReplicationState, slot: number): boolean {
  return s.authority.hasClient(s.ownFields.bySlot, slot);
}
