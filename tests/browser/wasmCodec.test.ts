/**
 * The snapshot codec's WebAssembly kernels in a real browser (headless Chromium, main thread):
 * the bench's trace codec runs on the JS path and with the wasm kernels switched on over the same
 * seeded trace, and must give the same packets byte for byte and the same client floats bit for
 * bit — under three Content-Security-Policies: none (wasm and generated JS kernels both run),
 * `'wasm-unsafe-eval'` only (`new Function` is refused: no generated JS kernel, the JS side runs
 * the generic path, and the wasm side's capture, encode, decode and apply still run in wasm), and
 * neither (every compile is refused: both sides on the generic JS path). A counting wrapper around
 * `WebAssembly.Module`/`Instance`, installed before the bundle, shows which kernels were really
 * compiled; the fixture counts the calls each wasm kernel ran.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleFixture, type FixtureBundle } from "./bundle";
import { launchChromium } from "./chromium";
import type { CanopyCodecFixture, CodecReport, WasmCalls } from "./fixtures/codec";

const TICKS = 180;
/** Per-axis bound: half the fixture's 1/512 m step, plus float32 rounding of the client's SoA (≈ 4e-6 at 50 m). */
const MAX_POSITION_ERROR = 1 / 1024 + 1e-5;

/** Counts compiled modules, refused compiles and instances; runs before the bundle. */
const COUNT_WASM = `(() => {
  const stats = { modules: 0, refused: 0, instances: 0, largestModule: 0 };
  globalThis.canopyWasmStats = stats;
  const W = globalThis.WebAssembly;
  if (W === undefined) return;
  W.Module = class extends W.Module {
    constructor(bytes) {
      try { super(bytes); } catch (error) { stats.refused++; throw error; }
      stats.modules++;
      stats.largestModule = Math.max(stats.largestModule, bytes.byteLength);
    }
  };
  W.Instance = class extends W.Instance {
    constructor(module, imports) { super(module, imports); stats.instances++; }
  };
})();`;

interface WasmStats {
  modules: number;
  refused: number;
  instances: number;
  largestModule: number;
}

let browser: Browser;
let bundle: FixtureBundle;
beforeAll(async () => {
  [browser, bundle] = await Promise.all([launchChromium(), bundleFixture("codec.ts")]);
}, 30_000);
afterAll(async () => {
  await browser?.close();
});

/** Runs the fixture in a fresh page under `csp` (undefined: no policy). */
async function runUnder(
  csp: string | undefined,
): Promise<{ report: CodecReport; stats: WasmStats; errors: string[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  try {
    const meta = csp === undefined ? "" : `<meta http-equiv="Content-Security-Policy" content="${csp}">`;
    await page.setContent(`<!doctype html>${meta}<title>canopy codec</title>`);
    await page.addScriptTag({ content: COUNT_WASM });
    await page.addScriptTag({ content: bundle.code });
    // The fixture runs in a task of its own, not inside the DevTools call: code run by CDP's
    // evaluate (and scripts it inserts) may use eval whatever the CSP says
    // (`allowUnsafeEvalBlockedByCSP`), so `new Function` would never be refused there.
    await page.evaluate((ticks) => {
      const g = globalThis as unknown as {
        canopyCodecFixture: CanopyCodecFixture;
        canopyReport?: CodecReport;
      };
      setTimeout(() => (g.canopyReport = g.canopyCodecFixture.run(ticks)), 0);
    }, TICKS);
    const report = (await (
      await page.waitForFunction(() => (globalThis as unknown as { canopyReport?: CodecReport }).canopyReport)
    ).jsonValue()) as CodecReport;
    const stats = await page.evaluate(
      () => (globalThis as unknown as { canopyWasmStats: WasmStats }).canopyWasmStats,
    );
    return { report, stats, errors };
  } finally {
    await page.close();
  }
}

function expectSameResults(report: CodecReport, errors: string[]): void {
  expect(errors).toEqual([]);
  expect(report.error).toBeUndefined();
  expect(report.bytes).toBeGreaterThan(0);
  expect(report.packetsDiffering).toBe(0);
  expect(report.maxClientDifference).toBe(0);
  expect(report.maxPositionError).toBeLessThanOrEqual(MAX_POSITION_ERROR);
}

/** Every wasm kernel ran every tick it could: capture and encode every tick, decode and apply once there are updates. */
function expectAllInWasm(calls: WasmCalls): void {
  expect(calls.capture, "wasm captures").toBe(TICKS);
  expect(calls.encode, "wasm encodes").toBe(TICKS);
  // Updates (the reader's part) from the first ack on (the fixture's ACK_DELAY: 6 ticks).
  expect(calls.decode, "wasm decodes").toBe(TICKS - 6);
  expect(calls.apply, "wasm applies").toBeGreaterThanOrEqual(TICKS - 6);
}

describe("WebAssembly codec kernels in Chromium", () => {
  it("compile on the main thread and match the JS path byte for byte", async () => {
    const { report, stats, errors } = await runUnder(undefined);
    console.log("wasm modules compiled on the main thread:", stats);
    expectSameResults(report, errors);
    expect(stats.refused).toBe(0);
    expect(stats.modules).toBeGreaterThan(0);
    expect(stats.instances).toBeGreaterThan(0);
    expect(report.evalRefused).toBe(false);
    expect(report.wasmCalls.jsKernels).toBe(true);
    expectAllInWasm(report.wasmCalls);
  }, 60_000);

  it("run under a CSP that allows only 'wasm-unsafe-eval': no JS kernels, capture/encode/decode/apply in wasm", async () => {
    const { report, stats, errors } = await runUnder("script-src 'unsafe-inline' 'wasm-unsafe-eval'");
    expectSameResults(report, errors);
    expect(stats.refused).toBe(0);
    expect(stats.instances).toBeGreaterThan(0);
    expect(report.evalRefused, "the CSP refuses new Function").toBe(true);
    expect(report.wasmCalls.jsKernels, "no generated JS kernel").toBe(false);
    expectAllInWasm(report.wasmCalls);
  }, 60_000);

  it("fall back to JS under a CSP that refuses all code generation, with the same results", async () => {
    const { report, stats, errors } = await runUnder("script-src 'unsafe-inline'");
    expectSameResults(report, errors);
    expect(stats.refused).toBeGreaterThan(0);
    expect(stats.instances).toBe(0);
    expect(report.evalRefused).toBe(true);
    expect(report.wasmCalls).toEqual({ capture: 0, encode: 0, decode: 0, apply: 0, jsKernels: false });
  }, 60_000);
});
