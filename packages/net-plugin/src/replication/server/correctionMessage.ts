/**
 * The correction message (server → the authority client; client authority): after
 * `validateUpstream` refused a client's upstream state of an entity, the server's own quantized
 * values of that entity's upstream fields, so the owner snaps back to them
 * (docs/REPLICATION.md "Corrections of refused upstream state"). Bytes, in the snapshots' bit
 * order (LSB-first): kind u8 (`0xD0`), network id u16, server tick u32, field mask u32, then each
 * field of the mask in registry order, written by its template's `packQuantized` (the snapshot
 * quantization), zero bits up to the byte end. Reading checks every part and never throws.
 */
import type { BitReader } from "../../protocol/bitReader";
import type { BitWriter } from "../../protocol/bitWriter";
import type { ReplicationRegistry } from "../registry";

/** Correction message layout and limits, each with its reason. */
export const CorrectionWire = {
  /**
   * First byte of a correction. 0xD0 is reserved for it among the plugin's message kinds (events
   * 0xE0–0xE3, time sync 0xF0–0xF1), so it can share a reliable channel and a router tells it apart.
   */
  kind: 0xd0,
  /** kind u8, network id u16, server tick u32, field mask u32. */
  headerBytes: 1 + 2 + 4 + 4,
  /**
   * Fewest seconds between two corrections of one entity to one client: a client that keeps
   * sending refused state (every tick) gets at most 10 corrections per entity per second, so it
   * cannot make the server flood its reliable channel; 100 ms is still a prompt snap-back.
   */
  minIntervalSeconds: 0.1,
} as const;

/**
 * The correction format's protocol-hash descriptor (its kind byte and header; the values are
 * packed by the fields' templates, which the registry already feeds the hash), or `"off"` for a
 * peer that neither sends nor applies corrections (`corrections: false`). Both ends must agree:
 * a server correcting a client that drops its corrections would leave that client holding refused
 * state, so a difference is refused at the handshake (`protocolHashMismatch`).
 */
export function describeCorrectionWire(corrections = true): string {
  if (!corrections) return "off";
  const kind = CorrectionWire.kind.toString(16);
  return `kind 0x${kind}, header ${CorrectionWire.headerBytes} B: id u16, tick u32, mask u32; values packQuantized`;
}

/** Outcome of {@link readCorrection}. */
export const CorrectionStatus = {
  /** Decoded into the reader's output. */
  Ok: 0,
  /** Not a correction: too short, another kind, bad mask, invalid values or wrong length. */
  Invalid: 1,
} as const;

/** One of the {@link CorrectionStatus} values. */
export type CorrectionStatus = (typeof CorrectionStatus)[keyof typeof CorrectionStatus];

/** A decoded correction: `values` holds the fields of `mask` at their registry row offsets. */
export class Correction {
  netId = 0;
  tick = 0;
  mask = 0;
  /** One entity row (registry layout), quantized. */
  readonly values: Int32Array;

  constructor(stride: number) {
    this.values = new Int32Array(Math.max(1, stride));
  }
}

/** Bytes of the longest correction `registry` can produce (every field at its most bits). */
export function maxCorrectionBytes(registry: ReplicationRegistry): number {
  let bits = 0;
  for (const f of registry.fields) bits += f.template.maxPackedBits;
  return CorrectionWire.headerBytes + Math.ceil(bits / 8);
}

/**
 * Writes a correction for `netId` at server `tick` with the fields of `mask`, whose quantized
 * values are at their field offsets of `row[rowOffset …]`, into `writer` (reset first). Returns
 * the bytes written (`writer.bytes[0, n)`); throws when the writer is too small (local misuse).
 */
export function writeCorrection(
  writer: BitWriter,
  registry: ReplicationRegistry,
  netId: number,
  tick: number,
  mask: number,
  row: Int32Array,
  rowOffset: number,
): number {
  writer.reset();
  writer.writeUint8(CorrectionWire.kind);
  writer.writeUint16(netId);
  writer.writeUint32(tick >>> 0);
  writer.writeUint32(mask >>> 0);
  const fields = registry.fields;
  for (let f = 0; f < fields.length; f++) {
    const field = fields[f];
    if (field !== undefined && (mask & (1 << field.index)) !== 0)
      field.template.packQuantized(writer, row, rowOffset + field.offset);
  }
  if (writer.overflowed) {
    throw new RangeError(
      `writeCorrection: the writer holds ${writer.capacityBytes} bytes; make it maxCorrectionBytes(registry) long.`,
    );
  }
  return writer.bytesWritten;
}

/**
 * Reads the correction `bytes[offset, offset + length)` into `out` with `reader` (check on read:
 * the kind, a network id below `capacity`, a non-empty mask of registered fields none of which is
 * in `forbidden`, every value valid for its template, and exactly the bytes those fields take).
 */
export function readCorrection(
  reader: BitReader,
  registry: ReplicationRegistry,
  capacity: number,
  forbidden: number,
  bytes: Uint8Array,
  offset: number,
  length: number,
  out: Correction,
): CorrectionStatus {
  if (length < CorrectionWire.headerBytes || bytes[offset] !== CorrectionWire.kind)
    return CorrectionStatus.Invalid;
  reader.resetRange(bytes, offset, length);
  reader.readUint8();
  const netId = reader.readUint16();
  const tick = reader.readUint32();
  const mask = reader.readUint32();
  const fields = registry.fields;
  // Registered fields only (a mask bit past them is garbage), and never a forbidden one.
  const known = fields.length >= 32 ? 0xffffffff : (1 << fields.length) - 1;
  if (netId >= capacity || mask === 0 || (mask & ~known) !== 0 || (mask & forbidden) !== 0)
    return CorrectionStatus.Invalid;
  for (let f = 0; f < fields.length; f++) {
    const field = fields[f];
    if (field === undefined || (mask & (1 << field.index)) === 0) continue;
    if (!field.template.unpackQuantized(reader, out.values, field.offset)) return CorrectionStatus.Invalid;
  }
  if (reader.overflowed || (reader.bitsRead + 7) >>> 3 !== length) return CorrectionStatus.Invalid;
  out.netId = netId;
  out.tick = tick;
  out.mask = mask;
  return CorrectionStatus.Ok;
}
