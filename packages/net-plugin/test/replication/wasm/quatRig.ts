/**
 * Shared pieces of the rotation tests (quatFloat32*.test.ts, quatFuzz*.test.ts): one Quat field
 * (or a Transform, its rotation in channels 3..6) over columns of one type, and a capture kernel
 * run as captureWorld runs it.
 */
import type { World } from "bitecs";
import { expect } from "vitest";
import type { WorldKernels } from "../../../src/replication/codec/kernels/worldKernels";
import { wasmComponents } from "../../../src/replication/codec/wasm/componentMemory";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  componentMasks,
  layoutOf,
  seenStamps,
  shadowOf,
} from "../../../src/replication/codec/kernels/worldLayout";
import {
  type NetworkIdAllocator,
  QuatTemplate,
  ReplicationRegistry,
  type SnapshotState,
  TransformTemplate,
} from "../../../src/replication/index";
import { missingNetId } from "./captureTwins";

/** A rotation column type. */
export type RotationColumnType = typeof Float32Array | typeof Float64Array;
type Column = Float32Array | Float64Array;

/**
 * A registry replicating one field "r" of `kind` (a Transform of -8..8 at 0.01) at `bits` over
 * `length`-element columns of `type`: its component, every column, the rotation's four and the
 * rotation's first slot in a row. With `memory` (states of `capacity` ids), the columns live in the
 * codec's wasm memory (`wasmComponents`: the kernels read and write them in place) and the registry
 * is built with the wasm kernels switched on (its states pool-backed when built with it on).
 */
export function rotationField(
  kind: "quat" | "transform",
  type: RotationColumnType,
  bits: number,
  length: number,
  memory?: { capacity: number },
) {
  const registry = new ReplicationRegistry();
  const keys = kind === "quat" ? ["x", "y", "z", "w"] : ["x", "y", "z", "qx", "qy", "qz", "qw"];
  const component =
    memory === undefined
      ? (Object.fromEntries(keys.map((k) => [k, new type(length)])) as Record<string, Column>)
      : wasmComponents(
          { entities: length, capacity: memory.capacity, stateBytes: 1024 * 1024 },
          { r: Object.fromEntries(keys.map((k) => [k, type])) },
        ).r;
  wasmKernels.enabled = memory !== undefined;
  try {
    if (kind === "quat") registry.replicate(component, QuatTemplate({ bits }), { name: "r" });
    else
      registry.replicate(
        component,
        TransformTemplate({ min: -8, max: 8, precision: 0.01, rotationBits: bits }),
        { name: "r" },
      );
  } finally {
    wasmKernels.enabled = false;
  }
  const columns = keys.map((k) => component[k] as Column);
  return { registry, component, columns, rotation: columns.slice(-4), first: kind === "quat" ? 0 : 3 };
}

/** Runs `capture` over `list` into `out` as captureWorld does (wasmCapture.test.ts runCapture). */
export function runCapture(
  capture: WorldKernels["capture"],
  world: World,
  registry: ReplicationRegistry,
  list: readonly number[],
  allocator: NetworkIdAllocator,
  out: SnapshotState,
): void {
  const layout = layoutOf(registry);
  expect(componentMasks(world, layout)).toBe(true);
  const seen = seenStamps(out);
  const stamp = (seen.stamp = (seen.stamp + 1) >>> 0 || 1);
  const shadow = shadowOf(out, layout.singleShadow);
  capture(
    world,
    list,
    allocator.map,
    out,
    seen,
    stamp,
    layout.hasMasks,
    layout.hasFlags,
    shadow,
    missingNetId,
  );
}
