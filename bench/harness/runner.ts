import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { markdownTable } from "./report";
import type { ResultRow, Scenario } from "./types";

/** Runs one scenario, printing progress (tagged `tag`) to stderr and its table to stdout; returns its rows. */
export async function runScenario(scenario: Scenario, tag: string): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  process.stderr.write(`${tag} ${scenario.title}\n`);
  const scenarioStart = performance.now();
  await scenario.run({
    record: (system, metric, value, unit) =>
      rows.push({ scenario: scenario.name, system, metric, value, unit }),
    progress: (message) => process.stderr.write(`${tag} ${message}\n`),
  });
  const seconds = ((performance.now() - scenarioStart) / 1000).toFixed(1);
  process.stderr.write(`${tag} done in ${seconds} s\n`);
  process.stdout.write(`\n## ${scenario.name}: ${scenario.title}\n\n${markdownTable(rows)}\n`);
  if (scenario.targets?.length) process.stdout.write(`\nTargets: ${scenario.targets.join("; ")}\n`);
  return rows;
}

/** Writes every row to `resultsFile` as JSON and says so on stderr. */
export async function writeResults(
  rows: readonly ResultRow[],
  resultsFile: string,
  seconds: number,
): Promise<void> {
  await mkdir(path.dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, `${JSON.stringify(rows, null, 2)}\n`);
  process.stderr.write(
    `\nWrote ${rows.length} rows to ${path.relative(process.cwd(), resultsFile)} (${seconds.toFixed(1)} s)\n`,
  );
}
