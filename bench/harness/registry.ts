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
