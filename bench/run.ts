/**
 * `npm run bench [-- NAME...]`: runs the benchmark scenarios (all, or the named ones), each in its
 * own Node process, prints a markdown table per scenario with Canopy and its peers side by side,
 * and writes every row to bench/results/latest.json as `{ scenario, system, metric, value, unit }`.
 * `--scenario NAME --rows FILE` is the child's form (one scenario, rows written to FILE).
 */
import path from "node:path";
import { runIsolated, runScenarioChild } from "./harness/isolate";
import { SCENARIO_MODULES } from "./scenarios/index";

const args = process.argv.slice(2);
try {
  const child = args.indexOf("--scenario");
  if (child >= 0) {
    const rows = args[args.indexOf("--rows") + 1];
    await runScenarioChild(args[child + 1] ?? "", rows ?? "", SCENARIO_MODULES);
  } else {
    const names = args.filter((arg) => !arg.startsWith("-"));
    const known = Object.keys(SCENARIO_MODULES);
    const unknown = names.filter((name) => !known.includes(name));
    if (unknown.length > 0) {
      throw new Error(
        `Unknown benchmark scenario ${unknown.map((n) => `"${n}"`).join(", ")}. Known: ${known.join(", ")}.`,
      );
    }
    const selected = names.length === 0 ? known : known.filter((name) => names.includes(name));
    await runIsolated(
      selected,
      import.meta.filename,
      path.join(import.meta.dirname, "results", "latest.json"),
    );
  }
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
