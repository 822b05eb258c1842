import { defineConfig } from "vitest/config";

/**
 * One vitest project per package plus the system-level `tests/` folder. Every project resolves
 * workspace packages through their `source` export condition, so tests always run against the
 * TypeScript sources and never against a stale build.
 */
const shared = {
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
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
        test: { name: "system", root: "tests", include: ["**/*.test.ts"], testTimeout: 60_000 },
      },
    ],
  },
});
