import type { ResultRow } from "./types";

/** Formats a number for a table: 3 significant digits, thousands separated. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString("en-US");
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

/**
 * A markdown table of one scenario's rows, side by side: one line per system, one column per
 * metric (with its unit), in the order they were first recorded.
 */
export function markdownTable(rows: readonly ResultRow[]): string {
  const systems: string[] = [];
  const metrics: { metric: string; unit: string }[] = [];
  const cells = new Map<string, number>();
  for (const row of rows) {
    if (!systems.includes(row.system)) systems.push(row.system);
    if (!metrics.some((m) => m.metric === row.metric)) metrics.push({ metric: row.metric, unit: row.unit });
    cells.set(`${row.system}\u0000${row.metric}`, row.value);
  }
  const header = ["system", ...metrics.map((m) => `${m.metric} (${m.unit})`)];
  const lines = [header, header.map(() => "---")];
  for (const system of systems) {
    lines.push([
      system,
      ...metrics.map((m) => {
        const value = cells.get(`${system}\u0000${m.metric}`);
        return value === undefined ? "–" : formatValue(value);
      }),
    ]);
  }
  return lines.map((cols) => `| ${cols.join(" | ")} |`).join("\n");
}
