/**
 * One process per scenario. V8 state is process-wide: JIT feedback, GC debt, and protectors such
 * as the one that lets optimized code skip "is this ArrayBuffer detached?" checks — loading a
 * CommonJS module through tsx detached a buffer and made every typed-array access in the process
 * slower (≈ 15 % on the codec rows, session 6). With today's tsx its loader (`--import`,
 * module.register) already invalidates that protector at start in every process, scenario children
 * included (`node --trace-protector-invalidation`, session 12), so every row runs with the checks.
 * Running each scenario in a fresh child keeps one scenario's imports and leftovers out of another's
 * numbers.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { allScenarios } from "./registry";
import { runScenario, writeResults } from "./runner";
import type { ResultRow } from "./types";

/** Runs the named scenarios one after another, each in a child process of `script`; writes all rows. */
export async function runIsolated(
  names: readonly string[],
  script: string,
  resultsFile: string,
): Promise<void> {
  const started = performance.now();
  const dir = await mkdtemp(path.join(tmpdir(), "canopy-bench-"));
  const all: ResultRow[] = [];
  const failed: string[] = [];
  try {
    for (const [index, name] of names.entries()) {
      const rowsFile = path.join(dir, `${index}.json`);
      const tag = `[${index + 1}/${names.length} ${name}]`;
      const code = await runChild(script, ["--scenario", name, "--rows", rowsFile, "--tag", tag]);
      if (code !== 0) {
        failed.push(name);
        process.stderr.write(`${tag} failed (exit code ${code})\n`);
        continue;
      }
      all.push(...(JSON.parse(await readFile(rowsFile, "utf8")) as ResultRow[]));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  await writeResults(all, resultsFile, (performance.now() - started) / 1000);
  if (failed.length > 0) throw new Error(`Benchmark scenario(s) failed: ${failed.join(", ")}.`);
}

/** The child's side: loads only scenario `name`'s module, runs it, writes its rows to `rowsFile`. */
export async function runScenarioChild(
  name: string,
  rowsFile: string,
  modules: Readonly<Record<string, () => Promise<unknown>>>,
): Promise<void> {
  const load = modules[name];
  if (load === undefined || rowsFile === "") throw new Error(`bench child: unknown scenario "${name}".`);
  await load();
  const scenario = allScenarios().find((s) => s.name === name);
  if (scenario === undefined)
    throw new Error(`bench child: module of "${name}" defines no scenario of that name.`);
  const tagAt = process.argv.indexOf("--tag");
  const tag = tagAt >= 0 ? (process.argv[tagAt + 1] ?? `[${name}]`) : `[${name}]`;
  const rows = await runScenario(scenario, tag);
  await writeFile(rowsFile, JSON.stringify(rows));
}

/** Runs `script` with this process's Node flags (the tsx loader, `--conditions=source`) and `args`. */
export function runChild(script: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], { stdio: "inherit" });
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}
