/**
 * Decodes snapshots written by {@link SnapshotEncoder} against the baseline they name, held in the
 * client's {@link BaselineRing}. Check on read: a truncated, malformed or out-of-range snapshot,
 * or one whose baseline is gone, returns a {@link DecodeStatus} and bumps a counter; it never
 * throws and never changes a stored state. A decoded snapshot is stored in the ring under its
 * sequence (older ones too: the server may pick any acknowledged one as the next baseline).
 */
import { seqDiff, type Seq16 } from "../../protocol/seq16";
import type { ReplicatedField, ReplicationRegistry } from "../registry";
import type { BaselineRing } from "./baselineRing";
import { createDecodeCounters, DecodeStatus, type SnapshotDecodeCounters } from "./decodeStatus";
import {
  codedGroupLayout,
  FIELD_QUAT,
  FIELD_SLOTS,
  fieldCodecPlan,
  K_BITS,
  readFieldDelta,
  type FieldCodecPlan,
} from "./fieldDelta";
import { ID_K_BITS } from "./idList";
import { TICK_K } from "./encodePlan";
import {
  canPredict,
  predictField,
  predictionRatio,
  REFERENCE_AGE_BITS,
  type PredictionRatio,
} from "./predict";
import type { SnapshotState } from "./snapshotState";
import { WordReader } from "./wordBits";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function is a getter call.

const readFieldDeltaLocal = readFieldDelta;
const SLOTS = FIELD_SLOTS;
const QUAT = FIELD_QUAT;
const canPredictLocal = canPredict;
const predictFieldLocal = predictField;
const predictionRatioLocal = predictionRatio;
const seqDiffLocal = seqDiff;

/** Reusable snapshot decoder for one registry and capacity. */
export class SnapshotDecoder {
  readonly counters: SnapshotDecodeCounters = createDecodeCounters();
  /** Sequence of the newest decoded snapshot, or -1. */
  newestSequence = -1;
  /** The state of the last successfully decoded snapshot. */
  lastDecoded: SnapshotState | undefined;
  private readonly reader = new WordReader();
  /** The prediction reference of the snapshot being decoded, if it names one. */
  private reference: SnapshotState | undefined;
  private readonly ratio: PredictionRatio = { num: 0, den: 0 };
  /** One predicted entity row (fields at their registry offsets). */
  private readonly predRow: Int32Array;
  private readonly fields: readonly ReplicatedField[];
  private readonly codecPlan: FieldCodecPlan;
  private readonly ks: Uint8Array;
  /** Per id: 1 = despawned, 2 = spawned in the snapshot being decoded. */
  private readonly mark: Uint8Array;
  private readonly marked: Int32Array;
  private markedCount = 0;

  constructor(
    readonly registry: ReplicationRegistry,
    readonly capacity: number,
  ) {
    registry.close();
    this.fields = registry.fields;
    const layout = codedGroupLayout(registry);
    this.codecPlan = fieldCodecPlan(registry);
    this.ks = new Uint8Array(layout.codedGroups);
    this.mark = new Uint8Array(capacity);
    this.predRow = new Int32Array(Math.max(1, registry.stride));
    this.marked = new Int32Array(capacity * 2);
  }

  /** Decodes one snapshot's bytes into `ring` (a message payload: the snapshot starts at byte 0). */
  decode(bytes: Uint8Array, ring: BaselineRing): DecodeStatus {
    this.reader.reset(bytes);
    const status = this.run(this.reader, ring);
    for (let i = 0; i < this.markedCount; i++) this.mark[this.marked[i] as number] = 0;
    this.markedCount = 0;
    const c = this.counters;
    if (status === DecodeStatus.Ok || status === DecodeStatus.Stale) {
      c.snapshotsDecoded++;
      if (status === DecodeStatus.Stale) c.snapshotsStale++;
    } else if (status === DecodeStatus.MissingBaseline) c.snapshotsMissingBaseline++;
    else if (status === DecodeStatus.TooOld) c.snapshotsDropped++;
    else c.snapshotsInvalid++;
    return status;
  }

  private fail(r: WordReader): DecodeStatus {
    return r.overflowed ? DecodeStatus.Truncated : DecodeStatus.Invalid;
  }

  private setMark(id: number, value: number): void {
    this.mark[id] = value;
    this.marked[this.markedCount++] = id;
  }

  private run(r: WordReader, ring: BaselineRing): DecodeStatus {
    const sequence = r.readBits(16);
    const tick = r.readExpGolomb(TICK_K);
    const hasBaseline = r.readBool();
    const baseSequence = hasBaseline ? r.readBits(16) : -1;
    const hasReference = hasBaseline && r.readBool();
    const referenceAge = hasReference ? r.readBits(REFERENCE_AGE_BITS) : 0;
    if (r.overflowed || tick < 0) return DecodeStatus.Truncated;
    let stale = false;
    if (this.newestSequence >= 0) {
      const d = seqDiffLocal(sequence as Seq16, this.newestSequence as Seq16);
      if (d === 0 || -d >= ring.size || ring.get(sequence) !== undefined) return DecodeStatus.TooOld;
      stale = d < 0;
    }
    let base: SnapshotState | undefined;
    if (hasBaseline) {
      const age = seqDiffLocal(sequence as Seq16, baseSequence as Seq16);
      if (age <= 0 || age >= ring.size) return DecodeStatus.Invalid;
      base = ring.get(baseSequence);
      if (base === undefined) return DecodeStatus.MissingBaseline;
    }
    this.reference = undefined;
    if (hasReference) {
      if (referenceAge === 0 || base === undefined) return DecodeStatus.Invalid;
      const reference = ring.get((baseSequence - referenceAge) & 0xffff);
      if (reference === undefined) return DecodeStatus.MissingBaseline;
      if (predictionRatioLocal(base, reference, tick, this.ratio) === undefined) return DecodeStatus.Invalid;
      this.reference = reference;
    }
    const work = ring.scratch;
    if (base !== undefined) work.copyFrom(base);
    else work.clear();
    work.sequence = sequence;
    work.tick = tick;
    const capacity = this.capacity;
    const stride = work.stride;
    const fieldCount = this.fields.length;

    const despawns = r.readExpGolomb(0);
    if (despawns < 0 || despawns > capacity) return this.fail(r);
    if (despawns > 0) {
      const k = r.readBits(ID_K_BITS);
      let prev = -1;
      for (let i = 0; i < despawns; i++) {
        const gap = r.readExpGolomb(k);
        const id = prev + 1 + gap;
        if (gap < 0 || id >= capacity || base === undefined || base.present[id] !== 1) return this.fail(r);
        work.remove(id);
        this.setMark(id, 1);
        prev = id;
      }
    }

    const spawns = r.readExpGolomb(0);
    if (spawns < 0 || spawns > capacity) return this.fail(r);
    if (spawns > 0) {
      const k = r.readBits(ID_K_BITS);
      let prev = -1;
      for (let i = 0; i < spawns; i++) {
        const gap = r.readExpGolomb(k);
        const id = prev + 1 + gap;
        if (gap < 0 || id >= capacity || this.mark[id] !== 0) return this.fail(r);
        prev = id;
        const mask = fieldCount > 0 ? r.readBits(fieldCount) : 0;
        work.setPresent(id, mask);
        this.setMark(id, 2);
        const row = id * stride;
        for (const f of this.fields) {
          if ((mask & (1 << f.index)) !== 0 && !f.template.unpackQuantized(r, work.values, row + f.offset)) {
            return this.fail(r);
          }
        }
      }
    }

    const updates = r.readExpGolomb(0);
    if (updates < 0 || updates > capacity || r.overflowed) return this.fail(r);
    if (updates > 0) {
      if (base === undefined) return DecodeStatus.Invalid;
      const bitmap = r.readBool();
      for (let g = 0; g < this.ks.length; g++) this.ks[g] = r.readBits(K_BITS);
      if (bitmap) {
        let seen = 0;
        for (let id = 0; id < base.highWater; id++) {
          if (base.present[id] !== 1 || this.mark[id] !== 0) continue;
          if (!r.readBool()) {
            if (r.overflowed) return DecodeStatus.Truncated;
            continue;
          }
          if (++seen > updates || !this.readUpdate(r, id, base, work)) return this.fail(r);
        }
        if (seen !== updates) return this.fail(r);
      } else {
        const k = r.readBits(ID_K_BITS);
        let prev = -1;
        for (let i = 0; i < updates; i++) {
          const gap = r.readExpGolomb(k);
          const id = prev + 1 + gap;
          if (gap < 0 || id >= capacity || base.present[id] !== 1 || this.mark[id] !== 0) return this.fail(r);
          prev = id;
          if (!this.readUpdate(r, id, base, work)) return this.fail(r);
        }
      }
    }
    if (r.overflowed) return DecodeStatus.Truncated;
    const stored = ring.commit();
    this.lastDecoded = stored;
    if (!stale) this.newestSequence = sequence;
    return stale ? DecodeStatus.Stale : DecodeStatus.Ok;
  }

  /**
   * One update's field flags and deltas. Flags and short Exp-Golomb codes of slots and quat
   * fields are read straight from the reader's words with a local bit position (the same checks
   * as WordReader's); anything else goes through the reader.
   */
  private readUpdate(r: WordReader, id: number, base: SnapshotState, work: SnapshotState): boolean {
    const { codes, offsets, widths, slotMax, slotBits, groupBase } = this.codecPlan;
    const mask = base.mask[id] as number;
    const multi = (mask & (mask - 1)) !== 0;
    const row = id * work.stride;
    const out = work.values;
    const b = base.values;
    const ks = this.ks;
    const reference = this.reference;
    const predicted = reference !== undefined && canPredictLocal(base, reference, id);
    const fieldCount = codes.length;
    const words = r.data;
    const total = r.bitLength;
    let pos = r.position;
    let any = false;
    for (let f = 0; f < fieldCount; f++) {
      const bit = 1 << f;
      if ((mask & bit) === 0) continue;
      if (multi) {
        if (pos >= total) {
          r.position = pos;
          r.readBits(1);
          return false;
        }
        const flag = ((words[pos >>> 5] as number) >>> (pos & 31)) & 1;
        pos++;
        if (flag === 0) continue;
      }
      any = true;
      const so = offsets[f] as number;
      const o = row + so;
      const code = codes[f] as number;
      if (code !== SLOTS && code !== QUAT) {
        r.position = pos;
        const t = (this.fields[f] as ReplicatedField).template;
        let from = b;
        let fo = o;
        if (predicted) {
          predictFieldLocal(t, b, o, reference.values, o, this.ratio, this.predRow, so);
          from = this.predRow;
          fo = so;
        }
        if (!readFieldDeltaLocal(r, t, out, o, from, fo, ks, groupBase[f] as number)) return false;
        pos = r.position;
        continue;
      }
      let first = 0;
      if (code === QUAT) {
        // Rotations are not predicted: deltas are against the baseline.
        if (pos >= total) {
          r.position = pos;
          r.readBits(1);
          return false;
        }
        const same = ((words[pos >>> 5] as number) >>> (pos & 31)) & 1;
        pos++;
        if (same === 0) {
          r.position = pos;
          for (let s = 0; s < 4; s++) {
            const bits = slotBits[so + s] as number;
            out[o + s] = bits > 0 ? r.readBits(bits) : 0;
          }
          pos = r.position;
          for (let s = 0; s < 4; s++) {
            const v = out[o + s] as number;
            if (v < 0 || v > (slotMax[so + s] as number)) return false;
          }
          continue;
        }
        out[o] = b[o] as number;
        first = 1;
      }
      const width = widths[f] as number;
      const k = ks[groupBase[f] as number] as number;
      for (let s = first; s < width; s++) {
        let from = b[o + s] as number;
        if (predicted && code === SLOTS) {
          // Velocity prediction (predict.ts), clamped to the slot's range.
          const ref = reference.values[o + s] as number;
          from += Math.round(((from - ref) * this.ratio.num) / this.ratio.den);
          const max = slotMax[so + s] as number;
          if (from < 0) from = 0;
          else if (from > max) from = max;
        }
        // Order-k Exp-Golomb (WordReader.readExpGolomb's short form).
        const index = pos >>> 5;
        const shift = pos & 31;
        let peek = (words[index] as number) >>> shift;
        if (shift > 0) peek |= (words[index + 1] as number) << (32 - shift);
        const n = 31 - Math.clz32(peek & -peek);
        const size = 2 * n + 1 + k;
        let u: number;
        if (peek !== 0 && size < 32 && pos + size <= total) {
          const rest = peek >>> (n + 1);
          const q = (rest & ((1 << n) - 1)) + (1 << n);
          u = (((q - 1) << k) | ((rest >>> n) & ((1 << k) - 1))) >>> 0;
          pos += size;
        } else {
          r.position = pos;
          u = r.readExpGolomb(k);
          pos = r.position;
          if (u < 0) return false;
        }
        const v = from + ((u >>> 1) ^ -(u & 1));
        if (v < 0 || v > (slotMax[so + s] as number)) return false;
        out[o + s] = v;
      }
    }
    r.position = pos;
    return any && !r.overflowed;
  }
}
