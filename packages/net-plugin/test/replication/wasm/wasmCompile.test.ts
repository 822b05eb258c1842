/**
 * codec/wasm/wasmCompile.ts: one compile per distinct module bytes, refusals not cached, a
 * replaced `WebAssembly.Module` (a CSP-refusal stub) always called, WebAssembly missing → null.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { compileCached, compiledModuleCount } from "../../../src/replication/codec/wasm/wasmCompile";
import { WasmModule } from "../../../src/replication/codec/wasm/wasmModule";

/** A module exporting `k() → value` (distinct bytes per value). */
function moduleBytes(value: number): Uint8Array<ArrayBuffer> {
  const mod = new WasmModule();
  const f = mod.function("k", [], ["i32"]);
  f.i32Const(value);
  mod.export("k", f);
  return mod.toBytes();
}

function run(module: WebAssembly.Module | null): number {
  if (module === null) throw new Error("not compiled");
  return (new WebAssembly.Instance(module).exports["k"] as () => number)();
}

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe("compileCached", () => {
  it("compiles equal bytes once (also from another buffer) and distinct bytes separately", () => {
    const before = compiledModuleCount();
    const a = compileCached(moduleBytes(7001));
    const again = compileCached(moduleBytes(7001).slice());
    expect(again).toBe(a);
    const b = compileCached(moduleBytes(7002));
    expect(b).not.toBe(a);
    expect(run(a)).toBe(7001);
    expect(run(b)).toBe(7002);
    expect(compiledModuleCount()).toBe(before + 2);
  });

  it("keeps its own copy of the bytes (the caller may reuse its buffer)", () => {
    const bytes = moduleBytes(7003);
    const a = compileCached(bytes);
    bytes.set(moduleBytes(7004).subarray(0, bytes.length));
    expect(compileCached(moduleBytes(7003))).toBe(a);
    expect(run(compileCached(moduleBytes(7004)))).toBe(7004);
  });

  it("returns null for bytes WebAssembly refuses, and does not cache the refusal", () => {
    const before = compiledModuleCount();
    const bad = moduleBytes(7005);
    bad[4] = 0x7f; // an unknown binary version
    expect(compileCached(bad)).toBeNull();
    expect(compiledModuleCount()).toBe(before);
  });

  it("calls a replaced WebAssembly.Module (a CSP refusal) even for cached bytes, and recompiles after", () => {
    const ok = compileCached(moduleBytes(7006));
    expect(ok).not.toBeNull();
    const refuse = vi.spyOn(WebAssembly, "Module").mockImplementation(() => {
      throw new WebAssembly.CompileError("Wasm code generation disallowed by embedder");
    });
    expect(compileCached(moduleBytes(7006))).toBeNull();
    expect(refuse).toHaveBeenCalledTimes(1);
    refuse.mockRestore();
    const again = compileCached(moduleBytes(7006));
    expect(run(again)).toBe(7006);
    expect(compileCached(moduleBytes(7006))).toBe(again);
  });

  it("returns null without WebAssembly", () => {
    vi.stubGlobal("WebAssembly", undefined);
    expect(compileCached(moduleBytes(7007))).toBeNull();
  });
});
