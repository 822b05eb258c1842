/**
 * The structured packet log (Traktor's `logPackets`): one JSON record per packet sent or received,
 * with time, direction, connection, connection-layer type and sequence, the reliability header and
 * each message with its channel and size. `npm run packets -- FILE` summarises a log file.
 *
 * `logPackets` is `true` (a file `canopy-packets-<role>.jsonl` in Node, the console elsewhere), a
 * file path (Node: pass `openPacketLogFile` from `@canopy/net-plugin/server` as `openPacketLog`), or
 * a callback receiving each record.
 */

/** One message inside a logged packet. */
export interface PacketLogMessage {
  channel: number;
  /** Payload bytes of the message (or fragment). */
  size: number;
}

/** The reliability header fields of a logged payload packet. */
export interface PacketLogHeader {
  sequence: number;
  ack: number;
  ackBits: number;
}

/** One line of the packet log. */
export interface PacketLogRecord {
  /** Seconds on the connection's clock. */
  time: number;
  direction: "in" | "out";
  /** `server` or `client`: which side wrote the record. */
  side: "server" | "client";
  /** Client index on the server (or the client's own slot); -1 before a slot exists. */
  connection: number;
  /** Remote address. */
  address: string;
  /** Connection packet type (`request`, `challenge`, `payload`, ...). */
  type: string;
  /** Wire size in bytes (after encryption). */
  size: number;
  /** Connection-layer (encryption) sequence, for encrypted packets. */
  sequence?: number;
  /** Reliability header, for payload packets. */
  header?: PacketLogHeader;
  /** Messages carried, for payload packets. */
  messages?: PacketLogMessage[];
  /** Disconnect or denial reason. */
  reason?: string;
  /** Why an inbound packet was dropped (`invalid`, `replayed`, `stale`, `rateLimited`). */
  dropped?: string;
}

/** Receives packet-log records. */
export type PacketLogSink = (record: PacketLogRecord) => void;

/** A sink that buffers (a file): flushed once per `sendPackets`, closed with the endpoint. */
export interface PacketLogWriter {
  write(record: PacketLogRecord): void;
  flush(): void;
  close(): void;
}

/** How a config asks for a packet log. */
export type LogPacketsOption = boolean | string | PacketLogSink;

/** Opens a file writer for a path (Node: `openPacketLogFile` from `@canopy/net-plugin/server`). */
export type PacketLogOpener = (path: string) => PacketLogWriter;

/** Turns a `logPackets` option into a writer, or `undefined` when logging is off. */
export function resolvePacketLog(
  option: LogPacketsOption | undefined,
  side: "server" | "client",
  open: PacketLogOpener | undefined,
): PacketLogWriter | undefined {
  if (option === undefined || option === false) return undefined;
  if (typeof option === "function") return { write: option, flush: noop, close: noop };
  const path = option === true ? `canopy-packets-${side}.jsonl` : option;
  if (open !== undefined) return open(path);
  if (option === true) return { write: (r) => console.debug(JSON.stringify(r)), flush: noop, close: noop };
  throw new Error(
    `logPackets: "${path}" names a file, which needs a file writer: in Node pass ` +
      `openPacketLog: openPacketLogFile (from "@canopy/net-plugin/server"), or pass a callback instead.`,
  );
}

function noop(): void {}
