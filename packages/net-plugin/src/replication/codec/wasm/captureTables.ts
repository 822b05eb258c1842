/**
 * The tables the wasm gather (captureGatherEmit.ts) reads, copied per call into the capture
 * kernel's memory after its state block: the seen stamps (capacity u32, kept), the entity →
 * network id + 1 table of the EntityMap, per component its bitECS membership words, and per int
 * field (capturePlan.ts intArray) its values as f64. Each entity-indexed table is copied as far
 * as the largest listed entity id reaches (typed arrays: one `set` of a cached prefix view; bitECS's
 * plain membership arrays: one `set` of the whole array, or a loop to that id when the array is
 * much longer, skipped while the region holds it: captureMaskCopies.ts), and when that id is at or past the
 * source's length, the element at its length holds what a read past it gives JS (0: no network
 * id, not a member, `?? 0`); the gather clamps entity ids to that element. Addresses and lengths
 * go into the scratch header. Regions are sized to a power of two of elements, grown (with the
 * memory) when a table outgrows them; steady state allocates nothing.
 */
import type { EntityMap } from "../../entityMap";
import { FIELD_WORDS, fieldWord, HEADER, type CapturePlan } from "./capturePlan";
import { WASM_PAGE_BYTES, type CodecMemoryPool } from "./codecMemory";
import { MaskCopies } from "./captureMaskCopies";
import type { Prefixable } from "./prefixViews";

// Module-local references (tsx/esbuild's CommonJS output reads imported bindings through getters).
const H = HEADER;
const FW = FIELD_WORDS;
const wordOf = fieldWord;

/** What a copy or reservation did to the regions. */
export const Placed = {
  /** Where they were: views made before stay valid. */
  Same: 0,
  /** Placed anew (the memory may have grown): views are stale, the list must be copied again. */
  Moved: 1,
  /** No memory could be had: the caller falls back to another path. */
  Failed: 2,
} as const;
export type Placed = (typeof Placed)[keyof typeof Placed];

/**
 * A `place` for CaptureTables in a memory of one's own: the regions at `base`, growing the memory
 * to fit them.
 */
export function growingPlace(memory: WebAssembly.Memory, base: number): (bytes: number) => number {
  return (bytes) => {
    const have = memory.buffer.byteLength;
    if (base + bytes > have) memory.grow(Math.ceil((base + bytes - have) / WASM_PAGE_BYTES));
    return base;
  };
}

/** Smallest region, in elements. */
const MIN_ELEMENTS = 256;

/** The EntityMap's entity → network id + 1 table (read-only here). */
function netTable(map: EntityMap): Readonly<Int32Array> {
  return map.netIdTable;
}

/** One runner's table regions (see the file comment). */
export class CaptureTables {
  /** Elements per region. */
  private elements = 0;
  private generation = -1;
  private seenAt = 0;
  /** The list region (`listElements` i32; before the element-sized regions, so their growth keeps it). */
  private listAt = 0;
  private listElements = 0;
  private list = new Int32Array(0);
  private netAt = 0;
  /**
   * The gather's reuse copies (captureReuse.ts): the last gathered call's list (`listElements`)
   * and membership words (`elements`).
   */
  private prevListAt = 0;
  private prevMaskAt = 0;
  /** Per field: its membership region and (int fields) its f64 region. */
  private readonly maskAt: number[];
  /** The membership arrays' copies into their regions (skipped while a region holds its array). */
  readonly maskCopies: MaskCopies;
  private readonly intAt: number[];
  /** Per field, the int array's length the last `fill` wrote into the header (-1: none). */
  private readonly intLengths: Int32Array;
  /** The fields with an int array (intSource). */
  private readonly intFields: Int32Array;
  private net = new Int32Array(0);
  private masks: Int32Array[] = [];
  private ints: Float64Array[] = [];
  /** Cached prefix views per source slot (0: network ids, 1 + f: field f's int table). */
  private readonly prefixSource: (Prefixable | undefined)[] = [];
  private readonly prefixView: (Prefixable | undefined)[] = [];

  /** Byte address of the regions (from `place`). */
  private base = 0;
  /**
   * What the network id region holds: the map, its `revision` and table it was copied from, the
   * elements copied, and whether the element past the table's end was written (see `copyNet`).
   * Undefined map: nothing (placed anew).
   */
  private netMap: EntityMap | undefined;
  private netRevision = -1;
  private netSource: Int32Array | undefined;
  private netCopied = 0;
  private netPast = false;
  /**
   * True when the last `fill` found the network id region holding its map's table already (no
   * copy: the same map, revision and table) — the gather's reuse needs it (captureReuse.ts).
   */
  netSame = false;

  constructor(
    private readonly plan: CapturePlan,
    private readonly pool: CodecMemoryPool,
    /**
     * Where the regions go: the address of `bytes` of memory (the previous place given back, its
     * contents not kept), or -1 when none can be had (growing the memory when needed).
     */
    private readonly place: (bytes: number) => number,
    private readonly capacity: number,
  ) {
    this.maskAt = plan.fields.map(() => 0);
    this.intAt = plan.fields.map(() => 0);
    this.intLengths = new Int32Array(plan.fields.length).fill(-1);
    this.intFields = Int32Array.from(
      plan.fields.flatMap((_, f) => (this.intSource(f) === undefined ? [] : [f])),
    );
    this.maskCopies = new MaskCopies(plan.fields.length);
  }

  /**
   * Copies the listed entity ids into the list region and writes its address into `i32` (the
   * memory's view; Placed.Moved: the regions moved and the memory may have grown, views made
   * before are stale).
   */
  copyList(i32: Int32Array, entities: ArrayLike<number>): Placed {
    let placed: Placed = Placed.Same;
    if (entities.length > this.listElements) {
      let elements = Math.max(MIN_ELEMENTS, this.listElements);
      while (elements < entities.length) elements *= 2;
      this.listElements = elements;
      placed = this.layout(Math.max(this.elements, MIN_ELEMENTS));
      if (placed === Placed.Failed) return placed;
    }
    this.views();
    this.fillList(entities);
    const h = this.plan.header >> 2;
    (placed === Placed.Same ? i32 : new Int32Array(this.pool.memory.buffer))[h + H.listAt] = this.listAt;
    return placed;
  }

  /**
   * The steady path's copies (captureSteady.ts): the list into its region, and every int field's
   * values as `fill` copies them as far as `maxEid`, when the list fits its region, the views are
   * current and each int array has the length the last `fill` wrote (the header words stay as
   * written); false: nothing copied, take the whole path.
   */
  refill(entities: ArrayLike<number>, maxEid: number): boolean {
    if (entities.length > this.listElements || this.generation !== this.pool.generation) return false;
    const fields = this.intFields;
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k] as number;
      if ((this.intSource(f) as ArrayLike<number>).length !== this.intLengths[f]) return false;
    }
    this.fillList(entities);
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k] as number;
      this.copyInt(f, this.intSource(f) as ArrayLike<number>, maxEid);
    }
    return true;
  }

  private fillList(entities: ArrayLike<number>): void {
    if (ArrayBuffer.isView(entities) || Array.isArray(entities)) this.list.set(entities);
    else {
      // Another array-like (the server's EntityList): `set` would read it through the generic
      // property path (~20 ns an element); an indexed loop is ~1 ns.
      const list = this.list;
      for (let i = 0; i < entities.length; i++) list[i] = entities[i] as number;
    }
  }

  /**
   * Makes room for the tables of entity ids up to `maxEid` (Placed.Moved: the regions moved —
   * copy the list again — and views made before are stale).
   */
  reserve(map: EntityMap, hasMasks: readonly (readonly number[])[], maxEid: number): Placed {
    const net = netTable(map);
    let need = Math.min(net.length, maxEid + 1) + 1;
    for (let f = 0; f < this.plan.fields.length; f++) {
      need = Math.max(need, (hasMasks[f] as readonly number[]).length + 1);
      const int = this.intSource(f);
      if (int === undefined) continue;
      need = Math.max(need, Array.isArray(int) ? int.length + 1 : Math.min(int.length, maxEid + 1) + 1);
    }
    return need <= this.elements ? Placed.Same : this.layout(need);
  }

  /**
   * Copies the tables (after `reserve`) and writes their header words into `i32` (the memory's
   * view). True when the gather's fast form applies (captureGatherEmit.ts): every table reaches
   * past `maxEid` and all fields' membership words are one array.
   */
  fill(
    i32: Int32Array,
    map: EntityMap,
    hasMasks: readonly (readonly number[])[],
    hasFlags: readonly number[],
    maxEid: number,
    /** The world's membership revision (wasmCapture.ts captureWorld), or -1. */
    revision = -1,
  ): boolean {
    const net = netTable(map);
    const fields = this.plan.fields;
    const h = this.plan.header >> 2;
    let fast = net.length > maxEid;
    this.views();
    i32[h + H.seen] = this.seenAt;
    i32[h + H.listAt] = this.listAt;
    i32[h + H.capacity] = this.capacity;
    i32[h + H.netAt] = this.netAt;
    i32[h + H.netLength] = net.length;
    i32[h + H.prevListAt] = this.prevListAt;
    i32[h + H.prevMaskAt] = this.prevMaskAt;
    this.netSame = this.copyNet(map, net, maxEid);
    for (let f = 0; f < fields.length; f++) {
      const m = hasMasks[f] as readonly number[];
      const w = h + wordOf(f);
      // Fields of one bitECS generation share one membership array: copied once.
      let g = 0;
      while (hasMasks[g] !== m) g++;
      fast = fast && g === 0 && m.length > maxEid;
      if (g === f) this.maskCopies.copy(f, this.masks[f] as Int32Array, m, revision, maxEid + 1);
      i32[w + FW.maskAt] = this.maskAt[g] as number;
      i32[w + FW.maskLength] = m.length;
      i32[w + FW.flag] = hasFlags[f] as number;
      const int = this.intSource(f);
      if (int === undefined) continue;
      i32[w + FW.intAt] = this.intAt[f] as number;
      i32[w + FW.intLength] = int.length;
      this.intLengths[f] = int.length;
      fast = fast && int.length > maxEid;
      this.copyInt(f, int, maxEid);
    }
    return fast;
  }

  /** Copies int field `f`'s values (`int`, its array) into its region as far as `maxEid`. */
  private copyInt(f: number, int: ArrayLike<number>, maxEid: number): void {
    const region = this.ints[f] as Float64Array;
    if (!Array.isArray(int)) this.copyTyped(1 + f, region, int, maxEid, this.intPast(f));
    else {
      // A plain array: holes read as undefined there (`?? 0`), so no `set` (it would give NaN).
      const a = int as readonly (number | undefined)[];
      for (let e = 0; e < a.length; e++) region[e] = a[e] ?? 0;
      region[a.length] = 0;
    }
  }

  /**
   * The network id table as `copyTyped` would copy it (false), skipped while the region already holds it (true):
   * the same map at the same `EntityMap.revision` (bumped by every bind and unbind, and by the
   * table's growth) copied at least as far — a resting or moving world without spawns copies it
   * once, not per call.
   */
  private copyNet(map: EntityMap, net: Int32Array, maxEid: number): boolean {
    const n = Math.min(net.length, maxEid + 1);
    const past = net.length <= maxEid;
    if (
      this.netMap === map &&
      this.netRevision === map.revision &&
      this.netSource === net &&
      this.netCopied >= n &&
      (this.netPast || !past)
    ) {
      return true;
    }
    this.copyTyped(0, this.net, net, maxEid, 0);
    this.netMap = map;
    this.netRevision = map.revision;
    this.netSource = net;
    this.netCopied = n;
    this.netPast = past;
    return false;
  }

  /** Field `f`'s int array (capturePlan.ts intArray), if it has one. */
  private intSource(f: number): ArrayLike<number> | undefined {
    const field = this.plan.fields[f];
    return field?.kind === "generic" ? field.int?.array : undefined;
  }

  /**
   * What a read past field `f`'s typed array gives its quantizer: an int's `?? 0`; a bool's or
   * enum's undefined, as NaN (falsy; equal to no enum value: index 0, not the index of a value 0).
   */
  private intPast(f: number): number {
    const field = this.plan.fields[f];
    return field?.kind === "generic" && field.int?.kind === "int" ? 0 : Number.NaN;
  }

  /** Copies `source`'s prefix up to `maxEid` into `region`; the element at its length gets `past` when reached. */
  private copyTyped(
    slot: number,
    region: Int32Array | Float64Array,
    source: ArrayLike<number>,
    maxEid: number,
    past: number,
  ): void {
    const length = source.length;
    const n = Math.min(length, maxEid + 1);
    const typed = source as Prefixable;
    let view = this.prefixView[slot];
    // A view of at least n elements, not more than twice as many (more is harmless: the gather
    // reads listed entities only; a largest listed id that changes per call makes no view per call).
    if (
      this.prefixSource[slot] !== typed ||
      view === undefined ||
      view.length < n ||
      view.length > 2 * n + 256 ||
      view.length >= region.length
    ) {
      view = typed.subarray(0, Math.min(length, region.length - 1, Math.ceil(n / 256) * 256));
      this.prefixSource[slot] = typed;
      this.prefixView[slot] = view;
    }
    region.set(view);
    if (length <= maxEid) region[length] = past;
  }

  /** Places the regions for `need` elements each (a power of two). */
  private layout(need: number): Placed {
    let elements = Math.max(MIN_ELEMENTS, this.elements);
    while (elements < need) elements *= 2;
    let bytes = align16(this.capacity * 4) + this.listElements * 8 + elements * 8;
    for (let f = 0; f < this.plan.fields.length; f++) {
      bytes += elements * 4 + (this.intSource(f) === undefined ? 0 : elements * 8);
    }
    const base = this.place(bytes);
    this.generation = -1;
    this.netMap = undefined; // the regions' contents are not kept
    this.maskCopies.forget();
    if (base < 0) {
      this.elements = 0; // placed again (and all of it) by the next call
      this.listElements = 0;
      return Placed.Failed;
    }
    this.base = base;
    this.elements = elements;
    let at = base;
    this.seenAt = at;
    at += align16(this.capacity * 4);
    this.listAt = at;
    at += this.listElements * 4;
    this.prevListAt = at;
    at += this.listElements * 4;
    this.prevMaskAt = at;
    at += elements * 4;
    this.netAt = at;
    at += elements * 4;
    for (let f = 0; f < this.plan.fields.length; f++) {
      this.maskAt[f] = at;
      at += elements * 4;
      if (this.intSource(f) === undefined) continue;
      this.intAt[f] = at;
      at += elements * 8;
    }
    this.pool.refresh();
    return Placed.Moved;
  }

  /** Re-makes the region views after growth (the closures in `remake`, not here: see captureRunner.ts refreshViews). */
  private views(): void {
    // The caller's runner refreshed the pool at the start of the call (captureRunner.ts
    // refreshViews), and a growth since then came from this call's own `alloc`, which refreshes.
    if (this.generation !== this.pool.generation) this.remake();
  }

  private remake(): void {
    this.generation = this.pool.generation;
    const buffer = this.pool.memory.buffer;
    const e = this.elements;
    this.list = new Int32Array(buffer, this.listAt, this.listElements);
    this.net = new Int32Array(buffer, this.netAt, e);
    this.masks = this.plan.fields.map((_, f) => new Int32Array(buffer, this.maskAt[f], e));
    this.ints = this.plan.fields.map((_, f) =>
      this.intSource(f) === undefined ? new Float64Array(0) : new Float64Array(buffer, this.intAt[f], e),
    );
  }
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16;
