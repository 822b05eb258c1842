/**
 * The server capture loop (worldKernels.ts CaptureKernel) as a WebAssembly kernel generated per
 * registry. Two entries:
 *
 * - `captureWorld` (captureWorld's whole call, when the registry's generic fields are all ints on
 *   one array): the list is copied into the kernel's memory, `prepare`
 *   finds its largest entity id, the tables the gather reads are copied that far
 *   (captureTables.ts: entity → network id, bitECS membership words, int fields), `gather` fills
 *   the batch (network ids, seen stamps, masks, ints; a missing or too large network id refuses
 *   the batch and throws here as the JS kernel does), the state's rows (up to the larger of the
 *   largest listed id and the high water) and the component columns' prefixes are copied in, and
 *   `capture` quantizes, writes the rows and removes the present rows not listed; the rows are
 *   copied back when any was written or removed. No per-entity JS. In place, after such a call,
 *   one `runBoundFast` call does it all and skips the gather when its inputs are the last call's
 *   (captureReuse.ts); while the tables' inputs are the last call's, JS copies only the list, the
 *   int fields and the columns before that call (the steady path, captureSteady.ts).
 * - `capture` (the CaptureKernel contract, for captureEntities and every other registry; in the base
 *   class, captureCopies.ts): the JS gather (captureGather.ts) fills the batch, then the same
 *   `capture` without the removal.
 *
 * Either way the states are bit-identical to the JS kernel's: the same integers, present, masks,
 * versions (the same version numbers) and high water. Differences, on misuse only: nothing of a
 * batch is written when an entity has no network id or a binding throws (the JS kernel had
 * written the entities before it), and a network id beyond the state's capacity throws (the JS
 * kernel's typed-array writes there were no-ops). The kernel keeps no raw-value cache: it
 * quantizes every listed entity (the `shadow` argument is not used). The runners and the per-call
 * copies in and out are the base class's (captureCopies.ts).
 */
import type { EntityMap } from "../../entityMap";
import type { ReplicationRegistry } from "../../registry";
import type { SnapshotState } from "../snapshotState";
import { BOUND_EXCEEDED, captureModule } from "./captureEmit";
import { captureGather, outside, type Gather } from "./captureGather";
import { capturePlan, HEADER, type CapturePlan } from "./capturePlan";
import { CaptureCopies, PREFIX as PREFIX_BASE } from "./captureCopies";
import { gatherReusable } from "./captureReuse";
import { refreshViews } from "./captureRunner";
import { SteadyKey } from "./captureSteady";
import { Placed } from "./captureTables";
import type { RunBound, Runner } from "./captureRunner";
import { compileCached } from "./wasmCompile";

// Module-local references: tsx/esbuild's CommonJS output (tests, benches) reads every imported
// binding through a getter call (a few tenths of a µs per capture here).
const H = HEADER;
const PLACED = Placed;
const refresh = refreshViews;
const EXCEEDED = BOUND_EXCEEDED;
const PREFIX = PREFIX_BASE;

/** A registry's generated wasm capture kernel (see the file comment). */
export class WasmCaptureKernel extends CaptureCopies {
  /**
   * The largest listed entity id of the last in-place one-batch captureWorld (-1: none): the next
   * such call copies the tables and columns that far and runs `runBound`, which checks it.
   */
  private bound = -1;
  /** True when the gather may be reused (captureReuse.ts gatherReusable). */
  private readonly reusable: boolean;
  /** What the steady path needs unchanged (captureSteady.ts). */
  private readonly key: SteadyKey;

  /** Use wasmCaptureKernel(); `module` is the compiled captureModule(plan, simd). */
  constructor(
    registry: ReplicationRegistry,
    plan: CapturePlan,
    module: WebAssembly.Module,
    jsGather: Gather,
    /** True when the quantization runs in f64x2 lanes. */
    simd: boolean,
  ) {
    super(registry, plan, module, jsGather, simd);
    this.reusable = gatherReusable(plan, simd);
    this.key = new SteadyKey(plan.fields.length);
  }

  /**
   * captureWorld's whole call in wasm (see the file comment): makes `out` hold exactly `entities`.
   * False when this path does not apply (a generic field that is not an int on one array): the
   * caller then runs `capture` and removes unlisted rows itself.
   */
  captureWorld(
    entities: ArrayLike<number>,
    map: EntityMap,
    out: SnapshotState,
    hasMasks: readonly (readonly number[])[],
    hasFlags: readonly number[],
    missing: (eid: number) => void,
    /** 1 (captureWorld): present rows not listed are removed; 0 (captureEntities): they stay. */
    remove = 1,
    /**
     * The world's membership revision (membershipWatch.ts membershipRevision): while it and the
     * membership arrays are the last copy's, the words are not copied again; -1: copied.
     */
    revision = -1,
  ): boolean {
    const r = this.key.matches(out, map, hasMasks, hasFlags, revision);
    if (r !== undefined && entities.length <= r.plan.batch && r.tables.refill(entities, this.bound)) {
      return this.steady(r, entities, map, out, hasMasks, hasFlags, missing, remove, revision);
    }
    return (
      this.plan.wasmGather && this.whole(entities, map, out, hasMasks, hasFlags, missing, remove, revision)
    );
  }

  /**
   * captureWorld on the steady path (captureSteady.ts; the list already copied): `whole`'s in-place
   * bounded call without the steps whose inputs are the armed call's — the columns copied, the
   * per-call header words written, one `runBoundFast` call.
   */
  private steady(
    r: Runner,
    entities: ArrayLike<number>,
    map: EntityMap,
    out: SnapshotState,
    hasMasks: readonly (readonly number[])[],
    hasFlags: readonly number[],
    missing: (eid: number) => void,
    remove: number,
    revision: number,
  ): boolean {
    const h = r.h;
    const i32 = r.i32;
    const key = this.key;
    const bound = this.bound;
    const prev = r.stamp;
    // Not 0 (the key is not matched before a wrap) nor 1 (prev is a stamp of the armed call or later).
    const stamp = prev + 1;
    r.stamp = stamp;
    i32[h + H.stamp] = stamp;
    // As `whole`: the tables, flags and network ids are the last gathered call's by the key.
    const reuse = this.reusable && r.gathered;
    r.gathered = false;
    this.copyColumns(r, bound + 1, PREFIX);
    this.header(i32, h, out);
    i32[h + H.reuse] = reuse ? 1 : 0;
    i32[h + H.prevStamp] = prev;
    const n = entities.length;
    const top = (r.runBoundFast as RunBound)(
      key.values,
      key.present,
      key.mask,
      key.version,
      n,
      remove,
      bound,
    );
    if (top === EXCEEDED) {
      // A listed id past the bound: nothing was written; the whole path runs `prepare`.
      this.bound = -1;
      return this.whole(entities, map, out, hasMasks, hasFlags, missing, remove, revision);
    }
    if (reuse && i32[h + H.reuse] === 1) r.stamp = prev;
    r.gathered = this.reusable && top >= -1;
    this.bound = i32[h + H.maxEid] as number;
    if (top < -1) {
      key.disarm();
      this.refuse(entities, top, map, out.capacity, missing);
    }
    this.headerOut(i32, h, out);
    return true;
  }

  /** captureWorld's work (itself again, once, after a list past the bound). */
  private whole(
    entities: ArrayLike<number>,
    map: EntityMap,
    out: SnapshotState,
    hasMasks: readonly (readonly number[])[],
    hasFlags: readonly number[],
    missing: (eid: number) => void,
    remove: number,
    revision: number,
  ): boolean {
    const n = entities.length;
    const capacity = out.capacity;
    this.key.disarm();
    let r = this.placeFor(out);
    let maxEid = -1;
    let bounded = false;
    for (;;) {
      // Tables placed (in place: pool blocks); a pool that cannot give blocks retires its
      // in-place runner for good and the call goes on in a memory of the kernel's own.
      let placed = r.tables.copyList(r.i32, entities);
      if (placed === PLACED.Moved) r = refresh(r);
      if (placed !== PLACED.Failed) {
        // In place, one batch, after such a call: copied as far as its largest id, which runBound
        // checks (one wasm call); else `prepare` finds this list's.
        bounded = this.bound >= 0 && r.block < 0 && n <= r.plan.batch;
        maxEid = bounded ? this.bound : (r.prepare as (n: number) => number)(n);
        placed = r.tables.reserve(map, hasMasks, maxEid);
        if (placed === PLACED.Moved) {
          r = refresh(r);
          r.tables.copyList(r.i32, entities); // the list moved with the other tables
        }
      }
      if (placed !== PLACED.Failed) break;
      if (r.block >= 0 || out.pool === undefined) return false; // not in place: cannot happen
      this.retire(out.pool);
      r = this.runner(capacity);
    }
    const h = r.h;
    const i32 = r.i32;
    const fast = r.tables.fill(i32, map, hasMasks, hasFlags, maxEid, revision);
    const prev = r.stamp;
    r.stamp = (prev + 1) >>> 0;
    if (r.stamp === 0) {
      r.stamp = 1;
      new Uint32Array(r.pool.memory.buffer, i32[h + H.seen], capacity).fill(0);
    }
    i32[h + H.stamp] = r.stamp;
    // The gather's reuse (captureReuse.ts): after a runBoundFast on this runner, with the network
    // ids, membership table and flags unchanged since, and no stamp wrap (the seen stamps zeroed).
    const reusing = bounded && fast && this.reusable && r.stamp !== 1;
    const reuse = this.sameTables(r, hasMasks, hasFlags) && reusing && r.gathered && r.tables.netSame;
    r.gathered = false;
    const gather = (fast ? r.gatherFast : r.gather) as (start: number, n: number) => number;
    const batch = r.plan.batch;
    const inPlace = r.block < 0;
    const layout = r.layout;
    // In place (the state in this pool): no row copies; one batch: gather and capture in one call.
    if (inPlace && n <= batch) {
      this.copyColumns(r, maxEid + 1, PREFIX);
      this.header(i32, h, out);
      i32[h + H.reuse] = reuse ? 1 : 0;
      i32[h + H.prevStamp] = prev;
      const address = r.pool.address(out.block);
      const run = bounded ? (fast ? r.runBoundFast : r.runBound) : fast ? r.runFast : r.run;
      const top = (run as (...args: number[]) => number)(
        address + layout.valuesOffset,
        address + layout.presentOffset,
        address + layout.maskOffset,
        address + layout.versionOffset,
        n,
        remove,
        maxEid,
      );
      if (top === EXCEEDED) {
        // A listed id past the bound: nothing was written; again with `prepare`, which finds it.
        this.bound = -1;
        return this.whole(entities, map, out, hasMasks, hasFlags, missing, remove, revision);
      }
      // Reused: the listed ids' seen stamps are the last call's.
      if (reuse && i32[h + H.reuse] === 1) r.stamp = prev;
      r.gathered = reusing && top >= -1;
      // This list's largest id: runBound wrote it to the header.
      this.bound = bounded ? (i32[h + H.maxEid] as number) : maxEid;
      if (top < -1) this.refuse(entities, top, map, capacity, missing);
      this.headerOut(i32, h, out);
      if (fast && revision >= 0) this.key.arm(r, out, map, hasMasks, hasFlags, revision, address);
      return true;
    }
    this.bound = -1;
    // One batch: its gather gives the rows to copy in. Several: a scan first (gathers reuse the batch).
    const top = n <= batch ? gather(0, n) : (r.scan as (n: number) => number)(n);
    if (top < -1) this.refuse(entities, top, map, capacity, missing);
    // Else the rows up to the listed ids and the high water are copied in (and out when written).
    const rows = Math.max(top + 1, out.highWater);
    const b = inPlace ? undefined : r.pool.views(r.block);
    if (b !== undefined) this.copyIn(b, out, rows, PREFIX);
    this.copyColumns(r, maxEid + 1, PREFIX);
    this.header(i32, h, out);
    const address = inPlace ? r.pool.address(out.block) : r.pool.address(r.block);
    for (let start = 0; start < n || start === 0; start += batch) {
      const count = Math.min(batch, n - start);
      if (n > batch) gather(start, count);
      r.fn(
        address + layout.valuesOffset,
        address + layout.presentOffset,
        address + layout.maskOffset,
        address + layout.versionOffset,
        count,
        start + count >= n ? remove : 0,
        0,
      );
    }
    if (b !== undefined && rows > 0 && (i32[h + H.rows] !== 0 || i32[h + H.removed] !== 0)) {
      this.copyOut(b, out, rows);
    }
    this.headerOut(i32, h, out);
    return true;
  }

  /**
   * True when `hasMasks[0]` and the flags are the ones `r` noted last (then notes these): the
   * gather's reuse needs the membership table and flags of the call it reuses.
   */
  private sameTables(
    r: Runner,
    hasMasks: readonly (readonly number[])[],
    hasFlags: readonly number[],
  ): boolean {
    let same = r.gatherMasks === hasMasks[0];
    r.gatherMasks = hasMasks[0];
    const flags = r.gatherFlags;
    for (let f = 0; f < flags.length; f++) {
      same = same && flags[f] === hasFlags[f];
      flags[f] = hasFlags[f] as number;
    }
    return same;
  }

  /** Throws the JS kernel's error for the list entry a gather or scan refused (`-2 - j`). */
  private refuse(
    entities: ArrayLike<number>,
    top: number,
    map: EntityMap,
    capacity: number,
    missing: (eid: number) => void,
  ): never {
    const eid = entities[-2 - top] as number;
    return outside(eid, map.netIdOf(eid), capacity, missing);
  }
}

/** Compiled kernel modules per registry (null: not supported or refused here). */
const compiled = new WeakMap<ReplicationRegistry, { module: WebAssembly.Module; simd: boolean } | null>();

/**
 * The wasm capture kernel of `registry`, or undefined when a field is not inlined by the JS kernel
 * (capturePlan.ts) or WebAssembly is unavailable or refused (a CSP without 'wasm-unsafe-eval'): the
 * JS kernel (or generic path) then runs. Without JS code generation its gather is the plain loop.
 */
export function wasmCaptureKernel(
  registry: ReplicationRegistry,
  options: { simd?: boolean; batch?: number } = {},
): WasmCaptureKernel | undefined {
  if (typeof WebAssembly === "undefined") return undefined;
  const plan = capturePlan(registry, options.batch);
  if (plan === undefined) return undefined;
  const gather = captureGather(registry, plan);
  const cached = options.simd === undefined && options.batch === undefined;
  let entry = cached ? compiled.get(registry) : undefined;
  if (entry === undefined) {
    entry = null;
    // f64x2 unless told otherwise or the engine lacks SIMD; then the scalar kernel.
    for (const simd of options.simd === false ? [false] : [true, false]) {
      // null: refused (no SIMD, a CSP without 'wasm-unsafe-eval', a size limit)
      const module = compileCached(captureModule(plan, simd));
      if (module === null) continue;
      entry = { module, simd };
      break;
    }
    if (cached) compiled.set(registry, entry);
  }
  return entry === null ? undefined : new WasmCaptureKernel(registry, plan, entry.module, gather, entry.simd);
}
