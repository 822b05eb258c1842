/**
 * Per-entity snapshot history on the client: for each network id, a ring of the last `size`
 * confirmed (server-sent) states with their ticks, as quantized rows in registry layout. The
 * interpolation and prediction layers read it (`count`, `tickAt`, `rowAt` into `values`, newest
 * first). Preallocated: recording copies slots and never allocates.
 *
 * Client authority: the server's values of an entity this client is the authority for are not
 * its confirmed states (the client's own are newer, and the server may not even send them), so
 * `recordAll(state, client)` does not record such rows and forgets the entity's history instead;
 * once a state no longer gives the client authority, it is recorded again.
 */
import type { SnapshotState } from "../codec/snapshotState";
import type { ReplicatedField } from "../registry";
import { authorityInState } from "../server/ownership";

/** The ownership fields a history reads to skip the entities a client is the authority for. */
export interface HistoryAuthorityFields {
  readonly ownerField: ReplicatedField;
  readonly authorityField: ReplicatedField;
}

/** Recent confirmed states of every replicated entity. */
export class SnapshotHistory {
  /** `capacity × size × stride` quantized slots. */
  readonly values: Int32Array;
  /** `capacity × size` ticks. */
  readonly ticks: Float64Array;
  /** `capacity × size` field masks. */
  readonly masks: Uint32Array;
  private readonly head: Int32Array;
  private readonly counts: Int32Array;

  constructor(
    readonly capacity: number,
    readonly stride: number,
    readonly size: number,
    /** The ownership fields (else no entity is ever skipped as owned). */
    private readonly authority?: HistoryAuthorityFields,
  ) {
    if (!Number.isInteger(size) || size < 1)
      throw new RangeError(`SnapshotHistory: size must be ≥ 1, got ${size}.`);
    this.values = new Int32Array(capacity * size * Math.max(1, stride));
    this.ticks = new Float64Array(capacity * size);
    this.masks = new Uint32Array(capacity * size);
    this.head = new Int32Array(capacity);
    this.counts = new Int32Array(capacity);
  }

  /**
   * Records every entity present in `state` at `state.tick` (older-or-equal ticks are ignored),
   * except those `state` gives client slot `client` authority over (when the history knows the
   * ownership fields and `client` ≥ 0): their history is forgotten.
   */
  recordAll(state: SnapshotState, client = -1): void {
    const authority = client >= 0 ? this.authority : undefined;
    for (let id = 0; id < state.highWater; id++) {
      if (state.present[id] !== 1) continue;
      if (
        authority !== undefined &&
        authorityInState(state, authority.ownerField, authority.authorityField, id) === client
      )
        this.counts[id] = 0;
      else this.record(id, state);
    }
  }

  /** Records network id `id` from `state`. */
  record(id: number, state: SnapshotState): void {
    const n = this.counts[id] as number;
    if (n > 0 && (this.ticks[this.entry(id, 0)] as number) >= state.tick) return;
    const h = ((this.head[id] as number) + 1) % this.size;
    this.head[id] = h;
    if (n < this.size) this.counts[id] = n + 1;
    const e = id * this.size + h;
    this.ticks[e] = state.tick;
    this.masks[e] = state.mask[id] as number;
    // A loop, not set(subarray(...)): one view per entity per snapshot was ~94 KiB/tick per client at 1000 entities.
    const stride = this.stride;
    const from = id * stride;
    const to = e * stride;
    const src = state.values;
    const dst = this.values;
    for (let k = 0; k < stride; k++) dst[to + k] = src[from + k] as number;
  }

  /** Forgets network id `id` (despawned). */
  clear(id: number): void {
    this.counts[id] = 0;
  }

  /** Forgets everything (disconnected). */
  reset(): void {
    this.counts.fill(0);
  }

  /** States kept for `id`. */
  count(id: number): number {
    return this.counts[id] ?? 0;
  }

  /** Index (into `ticks`/`masks`; × stride into `values`) of the state `age` steps back (0 = newest). */
  entry(id: number, age: number): number {
    return id * this.size + (((this.head[id] as number) - age + this.size) % this.size);
  }

  /** Tick of the state `age` steps back. */
  tickAt(id: number, age: number): number {
    return this.ticks[this.entry(id, age)] as number;
  }

  /** Offset into `values` of the row `age` steps back (add a field's `offset`). */
  rowAt(id: number, age: number): number {
    return this.entry(id, age) * this.stride;
  }

  /**
   * The value of `field` for `id`, `age` steps back, dequantized into `out` (make it once with
   * `field.template.createValue()`); undefined when that state is not kept or lacks the field.
   */
  valueAt<T>(field: ReplicatedField, id: number, age: number, out: T): T | undefined {
    if (age < 0 || age >= this.count(id)) return undefined;
    const e = this.entry(id, age);
    if (((this.masks[e] as number) & (1 << field.index)) === 0) return undefined;
    return field.template.dequantize(this.values, e * this.stride + field.offset, out) as T;
  }
}
