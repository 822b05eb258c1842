import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { markdownTable } from "./report";
import type { ResultRow, Scenario } from "./types";

/** Runs scenarios one after another, printing progress to stderr and each table to stdout. */
export async function runScenarios(selected: readonly Scenario[], resultsFile: string): Promise<ResultRow[]> {
  const all: ResultRow[] = [];
  const started = performance.now();
  for (const [index, scenario] of selected.entries()) {
    const rows: ResultRow[] = [];
    const tag = `[${index + 1}/${selected.length} ${scenario.name}]`;
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
    all.push(...rows);
  }
  await mkdir(path.dirname(resultsFile), { recursive: true });
  await writeFile(resultsFile, `${JSON.stringify(all, null, 2)}\n`);
  const total = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    `\nWrote ${all.length} rows to ${path.relative(process.cwd(), resultsFile)} (${total} s)\n`,
  );
  return all;
}
