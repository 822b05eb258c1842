import type { Scenario } from "./types";

const scenarios: Scenario[] = [];

/** Registers a scenario; names must be unique. */
export function defineScenario(scenario: Scenario): Scenario {
  if (scenarios.some((s) => s.name === scenario.name)) {
    throw new Error(`Benchmark scenario "${scenario.name}" is defined twice.`);
  }
  scenarios.push(scenario);
  return scenario;
}

/** Every registered scenario, in registration order. */
export function allScenarios(): readonly Scenario[] {
  return scenarios;
}

/** The scenarios named (all when `names` is empty); throws listing the valid names on a typo. */
export function selectScenarios(names: readonly string[]): Scenario[] {
  if (names.length === 0) return [...scenarios];
  const unknown = names.filter((name) => !scenarios.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown benchmark scenario ${unknown.map((n) => `"${n}"`).join(", ")}. ` +
        `Known: ${scenarios.map((s) => s.name).join(", ")}.`,
    );
  }
  return scenarios.filter((s) => names.includes(s.name));
}
