/**
 * `npm run packets -- FILE [--limit N] [--summary]`: reads a Canopy packet log (JSON lines written
 * with `logPackets`) and prints a summary table per connection and channel, then the records,
 * pretty-printed one per line. Malformed lines are counted, never fatal.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { PacketLogRecord } from "@canopy/net-plugin";

/** Totals of one connection (side + slot + address) in a log. */
export interface ConnectionSummary {
  side: string;
  connection: number;
  address: string;
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Dropped inbound packets by reason (`invalid`, `replayed`, ...). */
  dropped: Record<string, number>;
  /** Per channel: messages and payload bytes, both directions. */
  channels: Map<number, { messagesIn: number; messagesOut: number; bytesIn: number; bytesOut: number }>;
}

/** What a log file holds. */
export interface PacketLogSummary {
  records: PacketLogRecord[];
  malformedLines: number;
  connections: ConnectionSummary[];
}

/** Parses JSON-lines text and totals it per connection and channel. */
export function summarizePacketLog(text: string): PacketLogSummary {
  const records: PacketLogRecord[] = [];
  let malformedLines = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const record = JSON.parse(line) as PacketLogRecord;
      if (typeof record.time !== "number" || (record.direction !== "in" && record.direction !== "out")) {
        malformedLines++;
        continue;
      }
      records.push(record);
    } catch {
      malformedLines++;
    }
  }
  const byKey = new Map<string, ConnectionSummary>();
  for (const r of records) {
    const key = `${r.side} ${r.connection} ${r.address}`;
    let s = byKey.get(key);
    if (s === undefined) {
      s = {
        side: r.side,
        connection: r.connection,
        address: r.address,
        packetsIn: 0,
        packetsOut: 0,
        bytesIn: 0,
        bytesOut: 0,
        dropped: {},
        channels: new Map(),
      };
      byKey.set(key, s);
    }
    const inbound = r.direction === "in";
    if (r.dropped !== undefined) {
      s.dropped[r.dropped] = (s.dropped[r.dropped] ?? 0) + 1;
      continue;
    }
    if (inbound) {
      s.packetsIn++;
      s.bytesIn += r.size;
    } else {
      s.packetsOut++;
      s.bytesOut += r.size;
    }
    for (const m of r.messages ?? []) {
      let c = s.channels.get(m.channel);
      if (c === undefined) {
        c = { messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0 };
        s.channels.set(m.channel, c);
      }
      if (inbound) {
        c.messagesIn++;
        c.bytesIn += m.size;
      } else {
        c.messagesOut++;
        c.bytesOut += m.size;
      }
    }
  }
  return { records, malformedLines, connections: [...byKey.values()] };
}

/** The summary as an aligned text table. */
export function formatSummary(summary: PacketLogSummary): string {
  const rows: string[][] = [
    [
      "side",
      "conn",
      "address",
      "channel",
      "pkts in",
      "pkts out",
      "bytes in",
      "bytes out",
      "msgs in",
      "msgs out",
      "dropped",
    ],
  ];
  for (const s of summary.connections) {
    const dropped =
      Object.entries(s.dropped)
        .map(([k, v]) => `${k}:${v}`)
        .join(" ") || "-";
    rows.push([
      s.side,
      String(s.connection),
      s.address,
      "all",
      String(s.packetsIn),
      String(s.packetsOut),
      String(s.bytesIn),
      String(s.bytesOut),
      "",
      "",
      dropped,
    ]);
    for (const [channel, c] of [...s.channels].sort((a, b) => a[0] - b[0])) {
      rows.push([
        "",
        "",
        "",
        String(channel),
        "",
        "",
        String(c.bytesIn),
        String(c.bytesOut),
        String(c.messagesIn),
        String(c.messagesOut),
        "",
      ]);
    }
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const lines = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd(),
  );
  const total = `${summary.records.length} records, ${summary.connections.length} connections, ${summary.malformedLines} malformed lines`;
  return [total, ...lines].join("\n");
}

/** One record as a readable line; `t0` is the time of the first record. */
export function formatRecord(r: PacketLogRecord, t0: number): string {
  const parts = [
    `+${(r.time - t0).toFixed(3)}s`.padStart(10),
    r.direction === "in" ? "<-" : "->",
    `${r.side}#${r.connection}`,
    r.address,
    r.type,
    `${r.size}B`,
  ];
  if (r.sequence !== undefined) parts.push(`seq=${r.sequence}`);
  if (r.header !== undefined) {
    parts.push(
      `[rel seq=${r.header.sequence} ack=${r.header.ack} bits=${(r.header.ackBits >>> 0).toString(16).padStart(8, "0")}]`,
    );
  }
  if (r.messages !== undefined && r.messages.length > 0) {
    parts.push(r.messages.map((m) => `ch${m.channel}:${m.size}B`).join(" "));
  }
  if (r.reason !== undefined) parts.push(`reason=${r.reason}`);
  if (r.dropped !== undefined) parts.push(`DROPPED(${r.dropped})`);
  return parts.join(" ");
}

/** The CLI: summary table, then up to `--limit` records (default 200; `--summary` prints none). */
export function main(argv: readonly string[]): string {
  const file = argv.find((a) => !a.startsWith("--"));
  if (file === undefined) return "usage: npm run packets -- FILE.jsonl [--limit N] [--summary]";
  const limitAt = argv.indexOf("--limit");
  const limit = argv.includes("--summary") ? 0 : limitAt >= 0 ? Number(argv[limitAt + 1] ?? 200) : 200;
  const summary = summarizePacketLog(readFileSync(file, "utf8"));
  const t0 = summary.records[0]?.time ?? 0;
  const shown = summary.records.slice(0, limit).map((r) => formatRecord(r, t0));
  if (summary.records.length > limit && limit > 0)
    shown.push(`... ${summary.records.length - limit} more (use --limit N)`);
  return [formatSummary(summary), "", ...shown].join("\n");
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  const args = process.argv.slice(2);
  console.log(main(args));
  if (args.every((a) => a.startsWith("--"))) process.exitCode = 1;
}
