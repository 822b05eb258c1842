/** One measured number: what was measured, on which system (Canopy or a peer), in which unit. */
export interface ResultRow {
  scenario: string;
  system: string;
  metric: string;
  value: number;
  unit: string;
}

/** What a scenario receives: where to report rows and progress. */
export interface ScenarioContext {
  /** Records one result row for this scenario. */
  record: (system: string, metric: string, value: number, unit: string) => void;
  /** Prints a progress line to stderr (benchmarks can take a while; users want to see them move). */
  progress: (message: string) => void;
}

/** A named benchmark scenario. `npm run bench -- NAME` runs only the named ones. */
export interface Scenario {
  name: string;
  /** One line saying what is measured and against which peers. */
  title: string;
  /** Targets to print under the table, e.g. "overhead ≤ 50 ns per system". */
  targets?: string[];
  run(context: ScenarioContext): Promise<void> | void;
}
