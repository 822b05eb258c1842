/**
 * captureWorld's steady path (wasmCapture.ts): what the last whole call on a runner left in place
 * that the next call would only check and write again. After an in-place one-batch call whose
 * gather took its fast form (every table reaching past the largest listed id, one membership array),
 * the tables hold the network ids and membership words as far as the bound, and every header word
 * but the per-call ones is current. The next call with the same state (same block), EntityMap (same
 * revision and table), membership array (same length), flags and membership revision (≥ 0), on a
 * memory that has not grown and a stamp that does not wrap, needs only the list, the int fields'
 * values (arrays of the same lengths: CaptureTables.refill) and the columns copied, the per-call
 * header words and the one wasm call: `matches` says whether it is such a call. Anything else takes
 * the whole path, which arms the key again (`arm`) or leaves it disarmed.
 */
import type { EntityMap } from "../../entityMap";
import type { SnapshotState } from "../snapshotState";
import type { Runner } from "./captureRunner";

/** The last stamp before the seen stamps wrap (the whole path zeroes them then). */
const LAST_STAMP = 0xffffffff;

/** The inputs the steady path needs unchanged, and the state's row addresses (see the file comment). */
export class SteadyKey {
  /** The runner of the armed call, or undefined: disarmed. */
  private runner: Runner | undefined;
  private out: SnapshotState | undefined;
  private block = -1;
  private map: EntityMap | undefined;
  private mapRevision = -1;
  private net: Readonly<Int32Array> | undefined;
  private masks: readonly number[] | undefined;
  private masksLength = -1;
  private revision = -1;
  private readonly flags: Int32Array;
  /** Byte addresses of the state's values, present, mask and version rows (the armed call's). */
  values = 0;
  present = 0;
  mask = 0;
  version = 0;

  constructor(fields: number) {
    this.flags = new Int32Array(fields);
  }

  /** Notes the inputs of a whole call that left the tables as the file comment says. */
  arm(
    r: Runner,
    out: SnapshotState,
    map: EntityMap,
    hasMasks: readonly (readonly number[])[],
    hasFlags: readonly number[],
    revision: number,
    address: number,
  ): void {
    const layout = r.layout;
    this.runner = r;
    this.out = out;
    this.block = out.block;
    this.map = map;
    this.mapRevision = map.revision;
    this.net = map.netIdTable;
    this.masks = hasMasks[0];
    this.masksLength = (hasMasks[0] as readonly number[]).length;
    this.revision = revision;
    for (let f = 0; f < this.flags.length; f++) this.flags[f] = hasFlags[f] as number;
    this.values = address + layout.valuesOffset;
    this.present = address + layout.presentOffset;
    this.mask = address + layout.maskOffset;
    this.version = address + layout.versionOffset;
  }

  /** Forgets the armed call: the next call takes the whole path. */
  disarm(): void {
    this.runner = undefined;
    this.out = undefined;
    this.map = undefined;
    this.masks = undefined;
  }

  /** The armed runner when this call's inputs are the armed call's (see the file comment), else undefined. */
  matches(
    out: SnapshotState,
    map: EntityMap,
    hasMasks: readonly (readonly number[])[],
    hasFlags: readonly number[],
    revision: number,
  ): Runner | undefined {
    const r = this.runner;
    if (
      r === undefined ||
      out !== this.out ||
      out.block !== this.block ||
      map !== this.map ||
      map.revision !== this.mapRevision ||
      map.netIdTable !== this.net ||
      revision !== this.revision ||
      r.stamp === LAST_STAMP ||
      r.i32.length === 0 ||
      r.generation !== r.pool.generation
    ) {
      return undefined;
    }
    const masks = this.masks as readonly number[];
    if (masks.length !== this.masksLength) return undefined;
    const flags = this.flags;
    for (let f = 0; f < flags.length; f++) {
      if (hasMasks[f] !== masks || hasFlags[f] !== flags[f]) return undefined;
    }
    return r;
  }
}
