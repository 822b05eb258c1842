import { defineConfig } from "vitest/config";

/**
 * One vitest project per package plus the system-level `tests/` folder. Every project resolves
 * workspace packages through their `source` export condition, so tests always run against the
 * TypeScript sources and never against a stale build.
 *
 * The steady-state allocation tests measure heap growth per update, which is only meaningful once
 * V8 has optimized the code. In one vitest run with everything else (worker processes busy with, or
 * reused after, other test files) their measured code sometimes stays unoptimized (boxing doubles):
 * the owner's update in clientAuthorityAllocation read 320–448 B per tick in such runs (also right
 * after a run with the wasm kernels on in the same worker) and 32 B on its own. So they are
 * projects of their own, one file at a time (`maxWorkers: 1`) in a later group, and `npm test` runs
 * each in a vitest process of its own after the rest. That state is per process and it still comes
 * up in some processes (clientAuthorityAllocation's owner update at 320–336 B/tick instead of 32,
 * or its server update at 160–370 B instead of 0, steady over all measured ticks; the failure
 * message lists the allocating systems; see the issue 5 notes), so `npm test`
 * runs a failed allocation project again in a fresh process (system-alloc up to three times, about
 * a quarter of its processes fail): a real per-tick allocation fails every run.
 */
const shared = {
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
};

const ALLOCATION_TESTS = [
  "replication-systems/noAllocation.test.ts",
  "replication-systems/clientAuthorityAllocation.test.ts",
];

/** The WebAssembly kernels forced on for a project (codec/wasm/README.md). */
const wasmKernelsOn = {
  setupFiles: ["../packages/net-plugin/test/replication/wasm/wasmKernelsOn.setup.ts"],
  env: { CANOPY_WASM_KERNELS: "1" },
};

export default defineConfig({
  test: {
    projects: [
      { ...shared, test: { name: "core", root: "packages/core", include: ["test/**/*.test.ts"] } },
      {
        ...shared,
        test: { name: "net-plugin", root: "packages/net-plugin", include: ["test/**/*.test.ts"] },
      },
      {
        ...shared,
        test: { name: "sample-game", root: "packages/sample-game", include: ["test/**/*.test.ts"] },
      },
      {
        ...shared,
        test: {
          name: "system",
          root: "tests",
          include: ["**/*.test.ts"],
          exclude: ALLOCATION_TESTS,
          testTimeout: 60_000,
        },
      },
      // The replication system tests again with the WebAssembly kernels on (states in wasm memory;
      // capture, collect, the updates reader and apply in wasm): the switch is off by default while
      // that path is built, so this keeps it working wherever the JS path is tested.
      {
        ...shared,
        test: {
          name: "system-wasm",
          root: "tests",
          include: ["replication-systems/**/*.test.ts", "replicator/**/*.test.ts"],
          exclude: ALLOCATION_TESTS,
          testTimeout: 60_000,
          ...wasmKernelsOn,
        },
      },
      {
        ...shared,
        test: {
          name: "system-alloc",
          root: "tests",
          include: ALLOCATION_TESTS,
          testTimeout: 60_000,
          sequence: { groupOrder: 1 },
          maxWorkers: 1,
        },
      },
      {
        ...shared,
        test: {
          name: "system-wasm-alloc",
          root: "tests",
          // Not clientAuthorityAllocation yet: with the wasm kernels on, the server's update with
          // client authority allocates 64 B per tick (site not found yet; issue 5 notes).
          include: ["replication-systems/noAllocation.test.ts"],
          testTimeout: 60_000,
          sequence: { groupOrder: 1 },
          maxWorkers: 1,
          ...wasmKernelsOn,
        },
      },
    ],
  },
});
