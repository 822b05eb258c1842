/**
 * `npm run bench [-- NAME...]`: runs the benchmark scenarios (all, or the named ones), prints a
 * markdown table per scenario with Canopy and its peers side by side, and writes every row to
 * bench/results/latest.json as `{ scenario, system, metric, value, unit }`.
 */
import path from "node:path";
import { selectScenarios } from "./harness/registry";
import { runScenarios } from "./harness/runner";
import "./scenarios/index";

const names = process.argv.slice(2).filter((arg) => !arg.startsWith("-"));
try {
  const selected = selectScenarios(names);
  await runScenarios(selected, path.join(import.meta.dirname, "results", "latest.json"));
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
