/**
 * The Node file writer for the packet log: JSON lines appended to a file, buffered in memory and
 * written synchronously on `flush()` (once per `sendPackets`) or when the buffer passes 64 KiB, so
 * the update path never awaits.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import type { PacketLogRecord, PacketLogWriter } from "../packetLog";

/** Buffered bytes that trigger a write before the next flush. */
const FLUSH_AT_CHARS = 64 * 1024;

/** Opens (truncates) `path` for a packet log. */
export function openPacketLogFile(path: string): PacketLogWriter {
  const fd = openSync(path, "w");
  let pending: string[] = [];
  let pendingChars = 0;
  let closed = false;
  const flush = (): void => {
    if (pending.length === 0 || closed) return;
    writeSync(fd, pending.join(""));
    pending = [];
    pendingChars = 0;
  };
  return {
    write(record: PacketLogRecord): void {
      if (closed) return;
      const line = JSON.stringify(record) + "\n";
      pending.push(line);
      pendingChars += line.length;
      if (pendingChars >= FLUSH_AT_CHARS) flush();
    },
    flush,
    close(): void {
      if (closed) return;
      flush();
      closed = true;
      closeSync(fd);
    },
  };
}
