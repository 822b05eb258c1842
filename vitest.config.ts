import { defineConfig } from "vitest/config";

/**
 * One vitest project per package plus the system-level `tests/` folder. Every project resolves
 * workspace packages through their `source` export condition, so tests always run against the
 * TypeScript sources and never against a stale build.
 *
 * The steady-state allocation tests measure heap growth per update, which is only meaningful once
 * V8 has optimized the code: a hot function still in baseline (unoptimized) code boxes every double
 * it computes or stores (16 B each: Math.min/max, float fields, arithmetic). So they are projects of
 * their own, one file at a time (`maxWorkers: 1`) in a later group, and `npm test` runs each in a
 * vitest process of its own after the rest, with V8's optimizing compiler synchronous
 * (`ALLOCATION_EXEC_ARGV`, below) so every process reaches the same optimized code at the same tick.
 */
const shared = {
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
};

const ALLOCATION_TESTS = [
  "replication-systems/noAllocation.test.ts",
  "replication-systems/clientAuthorityAllocation.test.ts",
  "replication-systems/laterServerAllocation.test.ts",
];

/**
 * Node flags of the allocation projects. `--no-concurrent-recompilation`: V8 compiles a hot
 * function's optimized code on the main thread at once, instead of queueing a job for a background
 * thread. On a loaded machine those jobs took 150–310 ms each, the queue (8 jobs) filled during
 * the warm-up and V8 dropped further requests ("Compilation queue full, will retry later": 0–27
 * per process) until the function had run another interrupt budget's worth — hundreds of ticks
 * for a small function called a few times per tick. Which hot functions were still in baseline
 * code when measuring started so differed per process (TokenBucket.take and NetServer's receive
 * path, LinkDirection.enter, the clock filter's variance): 64–448 B per update, some
 * steady over all measured ticks, some stepping down to 0 as late jobs landed. Without the flag
 * system-alloc failed in 1 of 28 processes here, clientAuthorityAllocation with the wasm kernels
 * on in 4 of 9, and with jobs slowed on purpose (`--concurrent-recompilation-delay=30`) in 5 of 5;
 * with it in 0 of 25, 0 of 6 and 0 of 3. Tier-up then depends only on the code run, so every
 * process reaches the same optimized code; what optimized code allocates is unchanged, so a real
 * per-tick allocation still fails every run.
 */
const ALLOCATION_EXEC_ARGV = ["--no-concurrent-recompilation"];

/**
 * The WebAssembly kernels switched off for a project (codec/wasm/README.md): they are on by
 * default, so the JS kernels — the path of browsers that refuse wasm, and the reference — get
 * the replication system tests of their own.
 */
const wasmKernelsOff = { env: { CANOPY_WASM_KERNELS: "0" } };

/**
 * The test files of a worker share one module graph (`isolate: false`): a worker process runs file
 * after file without re-importing what the last one loaded. With isolation (a fresh process per file)
 * the suite spent more time starting processes and importing than running tests (8 min 47 s against
 * 4 min 26 s for the same files here). What a file changes process-wide is put back before the next
 * one by `kernelSwitches.setup.ts` (the codec's switches, stubbed globals, spies, fake timers).
 */
const sharedModules = { isolate: false };

/** The setup file of every project that runs replication code, from the net-plugin and the tests roots. */
const PLUGIN_SETUP = ["test/kernelSwitches.setup.ts"];
const SYSTEM_SETUP = ["../packages/net-plugin/test/kernelSwitches.setup.ts"];

/**
 * Files that need a process of their own (projects `net-plugin-fresh` and `system-fresh`, isolated):
 * they check what happens the first time something runs in a process (a generated kernel's compile
 * refused by a stubbed `Function`, a once-per-process warm-up), which another file of a shared
 * worker may have done already; or they count what the process-wide module cache holds (other
 * files fill it to its cap, and it evicts); or they measure heap growth per packet, which other
 * files' JIT feedback on the same functions can change; or they wait for the garbage collector to
 * free a state (in a shared worker it did not within 2 s once, in 1 of 3 shuffled runs).
 */
const FRESH_PLUGIN_TESTS = [
  "test/replication/wasm/codegenRefused.test.ts",
  "test/reliability/endpointWarmUp.test.ts",
  "test/replication/wasm/statePool.test.ts",
  "test/replication/wasm/wasmCompile.test.ts",
];
const FRESH_SYSTEM_TESTS = ["connection/heapPerPacket.test.ts"];

export default defineConfig({
  test: {
    projects: [
      {
        ...shared,
        // Isolated: six files, one of them measuring heap growth per draw.
        test: { name: "core", root: "packages/core", include: ["test/**/*.test.ts"] },
      },
      {
        ...shared,
        test: {
          name: "net-plugin",
          root: "packages/net-plugin",
          include: ["test/**/*.test.ts"],
          exclude: FRESH_PLUGIN_TESTS,
          setupFiles: PLUGIN_SETUP,
          ...sharedModules,
        },
      },
      {
        ...shared,
        test: {
          name: "net-plugin-fresh",
          root: "packages/net-plugin",
          include: FRESH_PLUGIN_TESTS,
          setupFiles: PLUGIN_SETUP,
        },
      },
      {
        ...shared,
        test: {
          name: "sample-game",
          root: "packages/sample-game",
          include: ["test/**/*.test.ts"],
          ...sharedModules,
        },
      },
      {
        ...shared,
        test: {
          name: "system",
          root: "tests",
          include: ["**/*.test.ts"],
          exclude: [...ALLOCATION_TESTS, ...FRESH_SYSTEM_TESTS],
          testTimeout: 60_000,
          setupFiles: SYSTEM_SETUP,
          ...sharedModules,
        },
      },
      {
        ...shared,
        test: {
          name: "system-fresh",
          root: "tests",
          include: FRESH_SYSTEM_TESTS,
          testTimeout: 60_000,
          setupFiles: SYSTEM_SETUP,
        },
      },
      // The replication system tests again with the WebAssembly kernels off (the JS kernels, what
      // runs where WebAssembly is missing or refused): the default path is wasm.
      {
        ...shared,
        test: {
          name: "system-js",
          root: "tests",
          include: ["replication-systems/**/*.test.ts", "replicator/**/*.test.ts"],
          exclude: ALLOCATION_TESTS,
          testTimeout: 60_000,
          setupFiles: SYSTEM_SETUP,
          ...wasmKernelsOff,
          ...sharedModules,
        },
      },
      // The replication system tests again where JS code generation is refused, as a browser with a
      // CSP of 'wasm-unsafe-eval' but no 'unsafe-eval' refuses it: no generated JS kernel exists and
      // the wasm kernels (or the generic path) run (codec/wasm/README.md "The switch and the fallbacks").
      {
        ...shared,
        test: {
          name: "system-csp",
          root: "tests",
          include: ["replication-systems/**/*.test.ts", "replicator/**/*.test.ts"],
          exclude: ALLOCATION_TESTS,
          testTimeout: 60_000,
          execArgv: ["--disallow-code-generation-from-strings"],
          setupFiles: SYSTEM_SETUP,
          ...sharedModules,
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
          execArgv: ALLOCATION_EXEC_ARGV,
        },
      },
      {
        ...shared,
        test: {
          name: "system-js-alloc",
          root: "tests",
          include: ALLOCATION_TESTS,
          testTimeout: 60_000,
          sequence: { groupOrder: 1 },
          maxWorkers: 1,
          execArgv: ALLOCATION_EXEC_ARGV,
          setupFiles: SYSTEM_SETUP,
          ...wasmKernelsOff,
        },
      },
    ],
  },
});
