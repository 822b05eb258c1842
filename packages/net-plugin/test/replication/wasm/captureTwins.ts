/**
 * Shared pieces of the wasm capture parity tests (wasmCapture*.test.ts): the same components
 * replicated twice (JS kernels and wasm kernels), the kernel under test counting its whole calls,
 * the state comparison, and the unmapped-entity callback the kernels take.
 */
import { expect } from "vitest";
import { layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { wasmCaptureKernel, type WasmCaptureKernel } from "../../../src/replication/codec/wasm/wasmCapture";
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

/**
 * `wasm`'s capture kernel (its layout's, or, `direct`, a fresh one with `batch` or, `scalar`, SIMD
 * off, which the test calls itself) whose captureWorld counts in `calls.whole` the calls that ran
 * the whole-call path; `check` sees each call's arguments.
 */
export function countedKernel(
  wasm: ReplicationRegistry,
  options: { batch?: number; scalar?: boolean },
  check?: (args: Parameters<WasmCaptureKernel["captureWorld"]>) => void,
): { kernel: WasmCaptureKernel | undefined; direct: boolean; calls: { whole: number } } {
  const direct = options.batch !== undefined || options.scalar === true;
  const kernel = direct
    ? wasmCaptureKernel(wasm, { batch: options.batch, simd: options.scalar === true ? false : undefined })
    : layoutOf(wasm).wasmCapture;
  const calls = { whole: 0 };
  if (kernel === undefined) return { kernel, direct, calls };
  const original = kernel.captureWorld.bind(kernel);
  kernel.captureWorld = (...args) => {
    check?.(args);
    const whole = original(...args);
    if (whole) calls.whole++;
    return whole;
  };
  return { kernel, direct, calls };
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
