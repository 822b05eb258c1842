/**
 * Shared pieces of the wasm capture parity tests (wasmCapture*.test.ts): the same components
 * replicated twice (JS kernels and wasm kernels), the state comparison, and the unmapped-entity
 * callback the kernels take.
 */
import { expect } from "vitest";
import { layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import { ReplicationRegistry, type SnapshotState } from "../../../src/replication/index";

/** The same components replicated twice: once with the wasm kernels (switch on), once without. */
export function twin(source: ReplicationRegistry): { js: ReplicationRegistry; wasm: ReplicationRegistry } {
  const copy = (): ReplicationRegistry => {
    const r = new ReplicationRegistry();
    for (const f of source.fields) r.replicate(f.component as object, f.template, { name: f.name });
    return r;
  };
  const js = copy();
  layoutOf(js);
  wasmKernels.enabled = true;
  const wasm = copy();
  layoutOf(wasm);
  wasmKernels.enabled = false;
  return { js, wasm };
}

/** `b` holds what `a` holds: high water, version counter, present, masks, versions and values. */
export function expectSameState(a: SnapshotState, b: SnapshotState, what: string): void {
  expect(b.highWater, `${what}: high water`).toBe(a.highWater);
  expect(b.versionCounter, `${what}: version counter`).toBe(a.versionCounter);
  expect(Array.from(b.present), `${what}: present`).toEqual(Array.from(a.present));
  expect(Array.from(b.mask), `${what}: mask`).toEqual(Array.from(a.mask));
  expect(Array.from(b.version), `${what}: version`).toEqual(Array.from(a.version));
  expect(Array.from(b.values), `${what}: values`).toEqual(Array.from(a.values));
}

/** The kernels' callback for a listed entity without a network id (throws as captureWorld does). */
export const missingNetId = (eid: number): never => {
  throw new Error(
    `captureWorld: entity ${eid} has no network id; allocate one with NetworkIdAllocator.allocate first.`,
  );
};
