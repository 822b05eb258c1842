/**
 * The snapshot codec's WebAssembly kernels in a real browser (headless Chromium, main thread):
 * the bench's trace codec runs on the JS path and with the wasm kernels switched on over the same
 * seeded trace, and must give the same packets byte for byte and the same client floats bit for
 * bit — under three Content-Security-Policies: none (wasm and generated JS kernels both run),
 * `'wasm-unsafe-eval'` only (wasm runs; `new Function` is refused, so the JS side falls back to the
 * generic path), and neither (every compile is refused: both sides on the generic JS path). A
 * counting wrapper around `WebAssembly.Module`/`Instance`, installed before the bundle, shows
 * which kernels were really compiled.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleFixture, type FixtureBundle } from "./bundle";
import { launchChromium } from "./chromium";
import type { CanopyCodecFixture, CodecReport } from "./fixtures/codec";

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
    const report = await page.evaluate(
      (ticks) =>
        (globalThis as unknown as { canopyCodecFixture: CanopyCodecFixture }).canopyCodecFixture.run(ticks),
      TICKS,
    );
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

describe("WebAssembly codec kernels in Chromium", () => {
  it("compile on the main thread and match the JS path byte for byte", async () => {
    const { report, stats, errors } = await runUnder(undefined);
    console.log("wasm modules compiled on the main thread:", stats);
    expectSameResults(report, errors);
    expect(stats.refused).toBe(0);
    expect(stats.modules).toBeGreaterThan(0);
    expect(stats.instances).toBeGreaterThan(0);
  }, 60_000);

  it("run under a CSP that allows only 'wasm-unsafe-eval' (the JS kernels fall back to the generic path)", async () => {
    const { report, stats, errors } = await runUnder("script-src 'unsafe-inline' 'wasm-unsafe-eval'");
    expectSameResults(report, errors);
    expect(stats.refused).toBe(0);
    expect(stats.instances).toBeGreaterThan(0);
  }, 60_000);

  it("fall back to JS under a CSP that refuses all code generation, with the same results", async () => {
    const { report, stats, errors } = await runUnder("script-src 'unsafe-inline'");
    expectSameResults(report, errors);
    expect(stats.refused).toBeGreaterThan(0);
    expect(stats.instances).toBe(0);
  }, 60_000);
});
