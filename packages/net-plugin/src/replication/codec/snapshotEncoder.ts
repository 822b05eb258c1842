/**
 * Encodes one snapshot for one client: the entities of `current` (filtered by `relevant`) as a
 * delta against the state that client acknowledged (`baseline`), within a bit budget.
 *
 * Wire layout (docs/REPLICATION.md): header (sequence, tick, baseline sequence), despawns (relative
 * id list), spawns (relative id list; field mask + full quantized values), updates (relative id
 * list or one bit per baseline entity, whichever is shorter; per-field changed bits; per-group
 * Exp-Golomb deltas with a per-snapshot order k). Unchanged entities cost nothing (at rest = free).
 *
 * When the budget is short, spawns and updates are taken by `priority` (highest first) and the rest
 * wait: `out` (what the client will hold) keeps their baseline state, so they count as changed
 * again next time. `written` lists what went out so the caller can reset priority accumulators.
 * Encoding allocates nothing per entity.
 */
import type { BitWriter } from "../../protocol/bitWriter";
import { expGolombBits } from "../../protocol/quantize";
import { chooseIdK, ID_K_BITS } from "./idList";
import { writeExpGolomb } from "./expGolomb";
import {
  accumulateKCosts,
  chooseK,
  codedGroupLayout,
  fieldDeltaBits,
  K_BITS,
  K_BUCKETS,
  writeFieldDelta,
} from "./fieldDelta";
import { WordWriter } from "./wordBits";
import type { ReplicatedField, ReplicationRegistry } from "../registry";
import type { SnapshotState } from "./snapshotState";

/** What to encode. */
export interface EncodeSnapshotInput {
  /** Sequence (0..65535) of this snapshot. */
  sequence: number;
  /** Simulation tick of `current`. */
  tick: number;
  /** The quantized world state this tick (shared by every client). */
  current: SnapshotState;
  /** The client's newest acknowledged state, or undefined (everything is then a spawn). */
  baseline: SnapshotState | undefined;
  /** Receives what the client holds after decoding this snapshot (store it by `sequence`). */
  out: SnapshotState;
  /** Per network id: 0 = not relevant to this client (treated as absent). All relevant when omitted. */
  relevant?: Uint8Array;
  /** Per network id: higher goes first when the budget is short. Spawns then ids order when omitted. */
  priority?: Float32Array | Float64Array;
  /** Most bytes this snapshot may take (default: what the writer has left). */
  budgetBytes?: number;
}

/** What one `encode` did (one reused object). */
export interface EncodeSnapshotResult {
  bits: number;
  despawns: number;
  spawns: number;
  updates: number;
  /** Changed or new entities that did not fit the budget. */
  deferred: number;
}

/** Exp-Golomb order of the tick in the header (ticks below 2^10 take 11 bits; an hour at 60 Hz, 25). */
export const TICK_K = 10;

/** Longest Exp-Golomb code this codec writes (values < 2^31, k ≤ 15), plus a quat flag bit. */
const CODE_BOUND = 64;

/** Estimated id-coding bits per entity while selecting under a budget (exact total checked after). */
const ID_ESTIMATE_BITS = 12;

/** Reusable snapshot encoder for one registry and capacity. */
export class SnapshotEncoder {
  /** Network ids written (spawns and updates) by the last `encode`. */
  readonly written: Int32Array;
  writtenCount = 0;
  /** Exp-Golomb order per coded group chosen by the last `encode`. */
  readonly ks: Uint8Array;
  private readonly fields: readonly ReplicatedField[];
  private readonly groupBase: Int32Array;
  private readonly codedGroups: number;
  private readonly kCosts: Float64Array;
  private readonly spawnIds: Int32Array;
  private readonly updateIds: Int32Array;
  private readonly despawnIds: Int32Array;
  private readonly order: Int32Array;
  private readonly changedMask: Uint32Array;
  private readonly cost: Float64Array;
  private readonly selected: Uint8Array;
  /** 1 for spawn candidates already present in the baseline (field mask changed). */
  private readonly respawn: Uint8Array;
  private spawnCount = 0;
  private updateCount = 0;
  private despawnCount = 0;
  private baselineCount = 0;
  /** Where the snapshot is packed before it is copied into the caller's writer. */
  private readonly bits = new WordWriter();
  private readonly result: EncodeSnapshotResult = {
    bits: 0,
    despawns: 0,
    spawns: 0,
    updates: 0,
    deferred: 0,
  };

  constructor(
    readonly registry: ReplicationRegistry,
    readonly capacity: number,
  ) {
    registry.close();
    this.fields = registry.fields;
    const layout = codedGroupLayout(registry);
    this.groupBase = layout.groupBase;
    this.codedGroups = layout.codedGroups;
    this.ks = new Uint8Array(layout.codedGroups);
    this.kCosts = new Float64Array(layout.codedGroups * K_BUCKETS);
    this.written = new Int32Array(capacity);
    this.spawnIds = new Int32Array(capacity);
    this.updateIds = new Int32Array(capacity);
    this.despawnIds = new Int32Array(capacity);
    this.order = new Int32Array(capacity);
    this.changedMask = new Uint32Array(capacity);
    this.cost = new Float64Array(capacity);
    this.selected = new Uint8Array(capacity);
    this.respawn = new Uint8Array(capacity);
  }

  /** Encodes `input` after whatever `writer` already holds; returns what was written. */
  encode(writer: BitWriter, input: EncodeSnapshotInput): EncodeSnapshotResult {
    const { current, baseline, out } = input;
    if (current.registry !== this.registry || current.capacity !== this.capacity) {
      throw new Error("SnapshotEncoder.encode: `current` was made for another registry or capacity.");
    }
    this.collect(current, baseline, input.relevant);
    const budget = Math.min(
      (input.budgetBytes ?? Number.POSITIVE_INFINITY) * 8,
      writer.capacityBytes * 8 - writer.bitsWritten,
    );
    if (this.upperBound(current) > budget) {
      this.costUpdates(current, baseline);
      if (this.measure(input, baseline) > budget) this.fitBudget(input, baseline, budget);
    }
    const bits = this.bits;
    bits.reset();
    this.write(bits, input);
    bits.copyTo(writer);
    this.fillOut(current, baseline, out, input);
    const r = this.result;
    r.bits = bits.bitsWritten;
    r.despawns = this.despawnCount;
    r.spawns = 0;
    r.updates = 0;
    for (let i = 0; i < this.spawnCount; i++) r.spawns += this.selected[this.spawnIds[i] as number] as number;
    for (let i = 0; i < this.updateCount; i++)
      r.updates += this.selected[this.updateIds[i] as number] as number;
    r.deferred = this.spawnCount + this.updateCount - r.spawns - r.updates;
    return r;
  }

  /** Sorts every id into despawn / spawn / update candidates and chooses the k table. */
  private collect(
    current: SnapshotState,
    baseline: SnapshotState | undefined,
    relevant: Uint8Array | undefined,
  ): void {
    const stride = current.stride;
    const hw = Math.max(current.highWater, baseline?.highWater ?? 0);
    const cur = current.values;
    this.spawnCount = this.updateCount = this.despawnCount = this.baselineCount = 0;
    this.kCosts.fill(0);
    for (let id = 0; id < hw; id++) {
      this.selected[id] = 0;
      this.respawn[id] = 0;
      const curP = current.present[id] === 1 && (relevant === undefined || relevant[id] === 1);
      const baseP = baseline !== undefined && baseline.present[id] === 1;
      if (baseP) this.baselineCount++;
      if (!curP) {
        if (baseP) this.despawnIds[this.despawnCount++] = id;
        continue;
      }
      const mask = current.mask[id] as number;
      const row = id * stride;
      if (baseline === undefined || !baseP || baseline.mask[id] !== mask) {
        let bits = this.fields.length;
        for (const f of this.fields)
          if (mask & (1 << f.index)) bits += f.template.packedBits(cur, row + f.offset);
        this.cost[id] = bits;
        this.respawn[id] = baseP ? 1 : 0;
        this.selected[id] = 1;
        this.spawnIds[this.spawnCount++] = id;
        continue;
      }
      const base = baseline.values;
      let changed = 0;
      for (const f of this.fields) {
        if ((mask & (1 << f.index)) === 0) continue;
        const o = row + f.offset;
        if (f.template.changed(cur, o, base, o)) {
          changed |= 1 << f.index;
          accumulateKCosts(f.template, cur, o, base, o, this.kCosts, this.groupBase[f.index] as number);
        }
      }
      if (changed === 0) continue;
      this.changedMask[id] = changed;
      this.selected[id] = 1;
      this.updateIds[this.updateCount++] = id;
    }
    for (let g = 0; g < this.codedGroups; g++) this.ks[g] = chooseK(this.kCosts, g);
  }

  /** A quick upper bound of the snapshot's bits (every code at its longest), to skip exact costs. */
  private upperBound(current: SnapshotState): number {
    let bits = 16 + 64 + 1 + 16 + 3 * (CODE_BOUND + ID_K_BITS) + 1 + K_BITS * this.codedGroups;
    bits += this.despawnCount * CODE_BOUND;
    for (let i = 0; i < this.spawnCount; i++)
      bits += CODE_BOUND + (this.cost[this.spawnIds[i] as number] as number);
    bits += this.updateCount * (CODE_BOUND + this.fields.length + current.stride * CODE_BOUND);
    return bits;
  }

  /** Exact bits of every update candidate's data (ids excluded), for budgeting. */
  private costUpdates(current: SnapshotState, baseline: SnapshotState | undefined): void {
    if (baseline === undefined) return;
    const stride = current.stride;
    const cur = current.values;
    for (let i = 0; i < this.updateCount; i++) {
      const id = this.updateIds[i] as number;
      const mask = current.mask[id] as number;
      const changed = this.changedMask[id] as number;
      let bits = popcount(mask) > 1 ? popcount(mask) : 0;
      const row = id * stride;
      for (const f of this.fields) {
        if ((changed & (1 << f.index)) === 0) continue;
        const o = row + f.offset;
        bits += fieldDeltaBits(
          f.template,
          cur,
          o,
          baseline.values,
          o,
          this.ks,
          this.groupBase[f.index] as number,
        );
      }
      this.cost[id] = bits;
    }
  }

  /** Exact bits of the snapshot with the current selection. */
  private measure(input: EncodeSnapshotInput, baseline: SnapshotState | undefined): number {
    let bits = 16 + expGolombBits(input.tick, TICK_K) + 1 + (baseline ? 16 : 0);
    bits += expGolombBits(this.despawnCount, 0);
    if (this.despawnCount > 0)
      bits += ID_K_BITS + Math.floor(chooseIdK(this.despawnIds, this.despawnCount, undefined) / 8);
    let spawns = 0;
    let respawns = 0;
    for (let i = 0; i < this.spawnCount; i++) {
      const id = this.spawnIds[i] as number;
      if (this.selected[id] !== 1) continue;
      spawns++;
      respawns += this.respawn[id] as number;
      bits += this.cost[id] as number;
    }
    bits += expGolombBits(spawns, 0);
    if (spawns > 0)
      bits += ID_K_BITS + Math.floor(chooseIdK(this.spawnIds, this.spawnCount, this.selected) / 8);
    let updates = 0;
    for (let i = 0; i < this.updateCount; i++) {
      const id = this.updateIds[i] as number;
      if (this.selected[id] !== 1) continue;
      updates++;
      bits += this.cost[id] as number;
    }
    bits += expGolombBits(updates, 0);
    if (updates > 0) {
      const list = ID_K_BITS + Math.floor(chooseIdK(this.updateIds, this.updateCount, this.selected) / 8);
      const bitmap = this.baselineCount - this.despawnCount - respawns;
      bits += 1 + K_BITS * this.codedGroups + Math.min(list, bitmap);
    }
    return bits;
  }

  /** Keeps the highest-priority candidates that fit `budget` bits; the others wait. */
  private fitBudget(input: EncodeSnapshotInput, baseline: SnapshotState | undefined, budget: number): void {
    let n = 0;
    for (let i = 0; i < this.spawnCount; i++) this.order[n++] = this.spawnIds[i] as number;
    for (let i = 0; i < this.updateCount; i++) this.order[n++] = this.updateIds[i] as number;
    const priority = input.priority;
    if (priority !== undefined) {
      this.order.subarray(0, n).sort((a, b) => (priority[b] as number) - (priority[a] as number) || a - b);
    }
    for (let i = 0; i < n; i++) this.selected[this.order[i] as number] = 0;
    let used = this.measure(input, baseline);
    let last = -1;
    for (let i = 0; i < n; i++) {
      const id = this.order[i] as number;
      const c = (this.cost[id] as number) + ID_ESTIMATE_BITS;
      if (used + c > budget) continue;
      used += c;
      this.selected[id] = 1;
      last = i;
    }
    let total = this.measure(input, baseline);
    while (total > budget && last >= 0) {
      let excess = total - budget;
      for (; last >= 0 && excess > 0; last--) {
        const id = this.order[last] as number;
        if (this.selected[id] !== 1) continue;
        this.selected[id] = 0;
        excess -= this.cost[id] as number;
      }
      total = this.measure(input, baseline);
    }
  }

  private write(w: WordWriter, input: EncodeSnapshotInput): void {
    const { current, baseline } = input;
    const cur = current.values;
    const stride = current.stride;
    const fieldCount = this.fields.length;
    w.writeBits(input.sequence & 0xffff, 16);
    writeExpGolomb(w, input.tick, TICK_K);
    w.writeBool(baseline !== undefined);
    if (baseline !== undefined) w.writeBits(baseline.sequence & 0xffff, 16);

    writeExpGolomb(w, this.despawnCount, 0);
    if (this.despawnCount > 0) writeIds(w, this.despawnIds, this.despawnCount, undefined);

    let spawns = 0;
    let respawns = 0;
    for (let i = 0; i < this.spawnCount; i++) {
      const id = this.spawnIds[i] as number;
      spawns += this.selected[id] as number;
      if (this.selected[id] === 1) respawns += this.respawn[id] as number;
    }
    writeExpGolomb(w, spawns, 0);
    if (spawns > 0) {
      const k = chooseIdK(this.spawnIds, this.spawnCount, this.selected) % 8;
      w.writeBits(k, ID_K_BITS);
      let prev = -1;
      for (let i = 0; i < this.spawnCount; i++) {
        const id = this.spawnIds[i] as number;
        if (this.selected[id] !== 1) continue;
        writeExpGolomb(w, id - prev - 1, k);
        prev = id;
        const mask = current.mask[id] as number;
        if (fieldCount > 0) w.writeBits(mask, fieldCount);
        const row = id * stride;
        for (const f of this.fields)
          if (mask & (1 << f.index)) f.template.packQuantized(w, cur, row + f.offset);
      }
    }

    let updates = 0;
    for (let i = 0; i < this.updateCount; i++)
      updates += this.selected[this.updateIds[i] as number] as number;
    writeExpGolomb(w, updates, 0);
    if (updates === 0 || baseline === undefined) return;
    const listChoice = chooseIdK(this.updateIds, this.updateCount, this.selected);
    const listBits = ID_K_BITS + Math.floor(listChoice / 8);
    const bitmapBits = this.baselineCount - this.despawnCount - respawns;
    const bitmap = bitmapBits < listBits;
    w.writeBool(bitmap);
    for (let g = 0; g < this.codedGroups; g++) w.writeBits(this.ks[g] as number, K_BITS);
    if (bitmap) {
      const hw = baseline.highWater;
      for (let id = 0; id < hw; id++) {
        if (baseline.present[id] !== 1) continue;
        if (current.present[id] !== 1 || (input.relevant !== undefined && input.relevant[id] !== 1)) continue;
        if (this.respawn[id] === 1 && this.selected[id] === 1) continue;
        const isUpdate =
          this.selected[id] === 1 && this.respawn[id] === 0 && baseline.mask[id] === current.mask[id];
        w.writeBool(isUpdate);
        if (isUpdate) this.writeUpdate(w, id, current, baseline);
      }
      return;
    }
    const k = listChoice % 8;
    w.writeBits(k, ID_K_BITS);
    let prev = -1;
    for (let i = 0; i < this.updateCount; i++) {
      const id = this.updateIds[i] as number;
      if (this.selected[id] !== 1) continue;
      writeExpGolomb(w, id - prev - 1, k);
      prev = id;
      this.writeUpdate(w, id, current, baseline);
    }
  }

  private writeUpdate(w: WordWriter, id: number, current: SnapshotState, baseline: SnapshotState): void {
    const mask = current.mask[id] as number;
    const changed = this.changedMask[id] as number;
    const multi = popcount(mask) > 1;
    const row = id * current.stride;
    for (const f of this.fields) {
      const bit = 1 << f.index;
      if ((mask & bit) === 0) continue;
      if (multi) w.writeBool((changed & bit) !== 0);
      if ((changed & bit) === 0) continue;
      const o = row + f.offset;
      writeFieldDelta(
        w,
        f.template,
        current.values,
        o,
        baseline.values,
        o,
        this.ks,
        this.groupBase[f.index] as number,
      );
    }
  }

  /** `out` = baseline + what was written (what the client holds after decoding). */
  private fillOut(
    current: SnapshotState,
    baseline: SnapshotState | undefined,
    out: SnapshotState,
    input: EncodeSnapshotInput,
  ): void {
    if (baseline !== undefined) out.copyFrom(baseline);
    else out.clear();
    out.sequence = input.sequence & 0xffff;
    out.tick = input.tick;
    const stride = current.stride;
    const cur = current.values;
    const dst = out.values;
    for (let i = 0; i < this.despawnCount; i++) out.remove(this.despawnIds[i] as number);
    this.writtenCount = 0;
    for (let i = 0; i < this.spawnCount; i++) {
      const id = this.spawnIds[i] as number;
      if (this.selected[id] !== 1) continue;
      this.written[this.writtenCount++] = id;
      out.setPresent(id, current.mask[id] as number);
      const row = id * stride;
      for (let s = 0; s < stride; s++) dst[row + s] = cur[row + s] as number;
    }
    for (let i = 0; i < this.updateCount; i++) {
      const id = this.updateIds[i] as number;
      if (this.selected[id] !== 1) continue;
      this.written[this.writtenCount++] = id;
      const changed = this.changedMask[id] as number;
      const row = id * stride;
      for (const f of this.fields) {
        if ((changed & (1 << f.index)) === 0) continue;
        const o = row + f.offset;
        for (let s = 0; s < f.template.width; s++) dst[o + s] = cur[o + s] as number;
      }
    }
  }
}

function writeIds(w: WordWriter, ids: Int32Array, count: number, keep: Uint8Array | undefined): void {
  const k = chooseIdK(ids, count, keep) % 8;
  w.writeBits(k, ID_K_BITS);
  let prev = -1;
  for (let i = 0; i < count; i++) {
    const id = ids[i] as number;
    if (keep !== undefined && keep[id] !== 1) continue;
    writeExpGolomb(w, id - prev - 1, k);
    prev = id;
  }
}

/** Set bits of a 32-bit mask. */
export function popcount(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
