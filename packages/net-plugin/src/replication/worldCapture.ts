/**
 * The server half of the bridge between a bitECS world and snapshot states: the server quantizes
 * its replicated entities into a {@link SnapshotState} once per tick (shared by every client's
 * encoder). Capture runs the wasm capture kernel when `wasmKernels.enabled` is on and the registry
 * has one (codec/kernels/worldLayout.ts picks it), else the generated JS kernel, else the generic
 * per-entity path below — the same state either way.
 */
import { hasComponent, type World } from "bitecs";
import { NONE, type EntityMap } from "./entityMap";
import type { ReplicationRegistry } from "./registry";
import type { ComponentBinding } from "./componentBinding";
import type { SnapshotState } from "./codec/snapshotState";
import {
  componentMasksOf,
  layoutOf,
  seenStamps,
  shadowOf,
  type FieldLayout,
} from "./codec/kernels/worldLayout";
import { worldKernels, type CaptureKernel } from "./codec/kernels/worldKernels";
import { membershipRevision } from "./membershipWatch";
// Hot loops call module-local references: in tsx/esbuild's CommonJS output (tests, benches) every
// call of an imported function (or read of an imported constant) is a getter call.
const NO_ENTITY = NONE;
const hasComponentLocal = hasComponent;
const layoutOfLocal = layoutOf;
const componentMasksLocal = componentMasksOf;
const worldKernelsLocal = worldKernels;
const membershipRevisionLocal = membershipRevision;

/**
 * The registry captureWorld last captured and its layout: a server captures one registry per tick,
 * and this skips layoutOf's WeakMap lookup (≈ 0.04–0.06 µs a capture with membershipWatch.ts's
 * same-world check; its layout is rebuilt, and looked up again, when the field count changes). It
 * keeps that registry reachable until a capture of another, as membershipWatch.ts keeps its world.
 */
let lastRegistry: ReplicationRegistry | undefined;
let lastLayout: FieldLayout | undefined;

/** layoutOf(registry) through the one-entry cache above. */
function captureLayout(registry: ReplicationRegistry): FieldLayout {
  const last = lastLayout;
  if (registry === lastRegistry && last !== undefined && last.components.length === registry.fields.length) {
    return last;
  }
  const layout = layoutOfLocal(registry);
  lastRegistry = registry;
  lastLayout = layout;
  return layout;
}

/**
 * Makes `out` hold the replicated components of exactly `entities` (quantized), keeping it from
 * tick to tick: a row that did not change keeps its version, a changed or new one gets a new
 * version, and entities no longer listed are removed. Every entity needs a network id in `map`
 * (allocate one when it becomes networked); a missing one throws.
 */
export function captureWorld(
  world: World,
  registry: ReplicationRegistry,
  entities: ArrayLike<number>,
  map: EntityMap,
  out: SnapshotState,
  tick: number,
): void {
  const plan = captureLayout(registry);
  const wasm = plan.wasmCapture;
  // Before componentMasks: watching may register the components in the world.
  const revision = wasm === undefined ? -1 : membershipRevisionLocal(world, plan.components);
  if (wasm !== undefined && componentMasksLocal(world, plan)) {
    // The whole call in wasm (listing, removal), when that path applies (codec/wasm/wasmCapture.ts).
    out.tick = tick;
    out.versioned = true;
    if (wasm.captureWorld(entities, map, out, plan.hasMasks, plan.hasFlags, missingNetId, 1, revision)) {
      out.revision++; // values written without the JS kernel's shadow (see captureEntities)
      return;
    }
  }
  const stamp = captureListed(world, registry, entities, map, out, tick);
  const seen = seenStamps(out);
  for (let id = 0; id < out.highWater; id++) {
    if (out.present[id] === 1 && seen[id] !== stamp) out.remove(id);
  }
}

/**
 * Re-captures only `entities` into `out` (for callers that track which entities changed); others
 * are left as they are; remove despawned ones with `out.remove(netId)`. With the wasm kernels: a
 * sparse list (fewer than a SPARSE-th of the state's ids: "marked" change detection's movers)
 * runs the generated JS kernel — one pass per entity, where the wasm path copies the tables and
 * columns as far as the largest listed id and reads them in a second pass (memory-bound: at 50 k
 * entities, 5 k listed, in the server 0.35–0.45 ms against 0.55–0.65) —, a dense one captureWorld's
 * whole-call path in wasm (in place, no per-entity JS); else as `captureListed`.
 */
export function captureEntities(
  world: World,
  registry: ReplicationRegistry,
  entities: ArrayLike<number>,
  map: EntityMap,
  out: SnapshotState,
  tick: number,
): void {
  const plan = layoutOfLocal(registry);
  const wasm = plan.wasmCapture;
  const revision = wasm === undefined ? -1 : membershipRevisionLocal(world, plan.components);
  if (wasm !== undefined && componentMasksLocal(world, plan)) {
    out.tick = tick;
    out.versioned = true;
    const js = entities.length * SPARSE + 256 < out.highWater ? worldKernelsLocal(registry) : undefined;
    if (js !== undefined) {
      captureWith(js.capture, world, plan, entities, map, out);
      return;
    }
    if (wasm.captureWorld(entities, map, out, plan.hasMasks, plan.hasFlags, missingNetId, 0, revision)) {
      out.revision++; // values written without the JS kernel's shadow
      return;
    }
  }
  captureListed(world, registry, entities, map, out, tick);
}

/**
 * A list is sparse for captureEntities when the state's high water exceeds this many times its
 * length (+ 256).
 */
const SPARSE = 4;

/** Runs a generated capture kernel (JS, with its raw-value shadow) over `entities`; returns the stamp. */
function captureWith(
  kernel: CaptureKernel,
  world: World,
  plan: ReturnType<typeof layoutOf>,
  entities: ArrayLike<number>,
  map: EntityMap,
  out: SnapshotState,
): number {
  const seen = seenStamps(out);
  const stamp = (seen.stamp = (seen.stamp + 1) >>> 0 || 1);
  const shadow = shadowOf(out, plan.singleShadow);
  kernel(world, entities, map, out, seen, stamp, plan.hasMasks, plan.hasFlags, shadow, missingNetId);
  return stamp;
}

/**
 * captureEntities through the generated kernel (the JS one, or the wasm one with the JS gather)
 * or the generic per-entity path; marks every listed network id in `seenStamps(out)` with the
 * returned stamp (captureWorld removes the rows not marked).
 */
function captureListed(
  world: World,
  registry: ReplicationRegistry,
  entities: ArrayLike<number>,
  map: EntityMap,
  out: SnapshotState,
  tick: number,
): number {
  out.tick = tick;
  out.versioned = true;
  const stride = out.stride;
  const plan = layoutOfLocal(registry);
  const fieldCount = plan.components.length;
  const { components, bindings, offsets, widths, fullMask } = plan;
  const values = out.values;
  const present = out.present;
  const masks = out.mask;
  const kernel = plan.kernels?.capture;
  if (kernel !== undefined && componentMasksLocal(world, plan)) {
    const stamp = captureWith(kernel, world, plan, entities, map, out);
    // The wasm kernel in the JS kernel's place keeps no shadow: forget it.
    if (plan.wasmCapture !== undefined) out.revision++;
    return stamp;
  }
  out.revision++; // values written without the shadow: forget it
  const row = scratchRow(stride);
  const seen = seenStamps(out);
  const stamp = (seen.stamp = (seen.stamp + 1) >>> 0 || 1);
  for (let i = 0; i < entities.length; i++) {
    const eid = entities[i] as number;
    const netId = map.netIdOf(eid);
    if (netId === NO_ENTITY) missingNetId(eid);
    seen[netId] = stamp;
    let mask = 0;
    for (let f = 0; f < fieldCount; f++) {
      if (!hasComponentLocal(world, eid, components[f])) continue;
      mask |= 1 << f;
      (bindings[f] as ComponentBinding).quantize(eid, row, offsets[f] as number);
    }
    const o = netId * stride;
    // Write the changed slots in place; a row that was present with the same mask and no changed
    // slot keeps its version.
    let changed = present[netId] !== 1 || masks[netId] !== mask;
    if (mask === fullMask) {
      for (let s = 0; s < stride; s++) {
        const v = row[s] as number;
        if (values[o + s] !== v) {
          values[o + s] = v;
          changed = true;
        }
      }
    } else {
      for (let f = 0; f < fieldCount; f++) {
        if ((mask & (1 << f)) === 0) continue;
        const end = (offsets[f] as number) + (widths[f] as number);
        for (let s = offsets[f] as number; s < end; s++) {
          const v = row[s] as number;
          if (values[o + s] !== v) {
            values[o + s] = v;
            changed = true;
          }
        }
      }
    }
    if (!changed) continue;
    out.setPresent(netId, mask);
    out.versionCounter = (out.versionCounter + 1) >>> 0 || 1;
    out.version[netId] = out.versionCounter;
  }
  return stamp;
}

function missingNetId(eid: number): never {
  throw new Error(
    `captureWorld: entity ${eid} has no network id; allocate one with NetworkIdAllocator.allocate first.`,
  );
}

let scratch = new Int32Array(64);
function scratchRow(stride: number): Int32Array {
  if (scratch.length < stride) scratch = new Int32Array(stride);
  return scratch;
}
