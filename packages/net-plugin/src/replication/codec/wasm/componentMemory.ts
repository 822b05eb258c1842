/**
 * Components in the codec's WebAssembly memory (opt-in). `wasmComponents` allocates bitECS SoA
 * components (objects of typed arrays indexed by entity id) and scalar components (one typed
 * array) as views on one WebAssembly.Memory, made for one registry's states of one capacity: the
 * registry's state pool (statePool.ts) then lives in that same memory, and the wasm capture and
 * apply kernels read and write those columns at their addresses instead of copying them in and
 * out per tick (capturePlan.ts / applyPlan.ts `inPlace`). Plain components keep working as before
 * and may be mixed in one registry.
 *
 * Layout: `[0, stateBytes)` holds the pool (the kernels' scratch, then state blocks); the columns
 * follow, each `entities + 1` elements (element `entities` is the kernels' "read past the end"
 * slot, outside the user's view), 16-byte aligned. The memory's size is fixed at creation
 * (`initial` = `maximum`): it never grows, so growth can never detach a column view the game
 * holds (`Position.x`). A pool on it cannot grow either: when its blocks run out, further states
 * keep plain typed arrays and the calls on them run the JS kernels (correct, slower) — raise
 * `stateBytes` then. Pages never touched cost address space only.
 */
import type { ReplicationRegistry } from "../../registry";
import { WASM_PAGE_BYTES } from "./codecMemory";

/** Column types the kernels read and write (the apply kernel's element types). */
export type WasmColumnType =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor;

/** A component's declaration: one column type (a scalar component) or SoA keys → column types. */
export type WasmComponentSchema = WasmColumnType | Readonly<Record<string, WasmColumnType>>;

/** The component `wasmComponents` makes for one schema. */
export type WasmComponentOf<S extends WasmComponentSchema> = S extends WasmColumnType
  ? InstanceType<S>
  : { -readonly [K in keyof S]: S[K] extends WasmColumnType ? InstanceType<S[K]> : never };

/** Options of `wasmComponents`. */
export interface WasmComponentsOptions {
  /** Elements per column: entity ids 0 … entities − 1 (as a plain `new Float32Array(entities)`). */
  readonly entities: number;
  /**
   * Network ids per snapshot state of the registry these components replicate in: the
   * replication `capacity` (ReplicationDefaults.capacity, 1024, unless configured). States of
   * another capacity keep a pool of their own (the columns are then copied, as plain ones).
   */
  readonly capacity?: number;
  /**
   * Bytes reserved for that registry's kernel scratch and state blocks (fixed: see the file
   * comment). Default 64 MiB of address space (a client's baseline ring at 1024 ids × 7 slots is
   * ~2.4 MiB; untouched pages are not backed).
   */
  readonly stateBytes?: number;
}

/** ReplicationDefaults.capacity (server/serverReplication.ts; a higher layer, so restated here). */
const DEFAULT_CAPACITY = 1024;
/**
 * Default state region (address space; pages untouched until used): a baseline ring at 1024 ids ×
 * 7 slots is 65 blocks ≈ 2.4 MiB, so ≈ 26 clients' rings on a server, or any client.
 */
const DEFAULT_STATE_BYTES = 64 * 1024 * 1024;
/** Column alignment: one v128. */
const COLUMN_ALIGN = 16;
/** A 32-bit memory's bytes. */
const MAX_BYTES = 65536 * WASM_PAGE_BYTES;

/** One memory made by `wasmComponents` (internal: statePool.ts binds a registry's pool to it). */
export class WasmComponentMemory {
  /** The registry whose state pool lives here (the first one asking with this capacity). */
  owner: ReplicationRegistry | undefined;

  constructor(
    readonly memory: WebAssembly.Memory,
    readonly capacity: number,
    readonly stateBytes: number,
  ) {}
}

/** Memories by their (never replaced) buffer: a column's `buffer` finds its memory. */
const byBuffer = new WeakMap<ArrayBufferLike, WasmComponentMemory>();

/** The memory `wasmComponents` allocated `column` in, or undefined for any other array. */
export function componentMemoryOf(column: unknown): WasmComponentMemory | undefined {
  return ArrayBuffer.isView(column) ? byBuffer.get(column.buffer) : undefined;
}

const align = (n: number): number => Math.ceil(n / COLUMN_ALIGN) * COLUMN_ALIGN;

function isColumnType(t: unknown): t is WasmColumnType {
  return (
    t === Float32Array ||
    t === Float64Array ||
    t === Int32Array ||
    t === Uint32Array ||
    t === Int16Array ||
    t === Uint16Array ||
    t === Int8Array ||
    t === Uint8Array ||
    t === Uint8ClampedArray
  );
}

function columnTypes(name: string, schema: unknown): [string | undefined, WasmColumnType][] {
  if (isColumnType(schema)) return [[undefined, schema]];
  const entries = typeof schema === "object" && schema !== null ? Object.entries(schema) : [];
  if (entries.length === 0 || !entries.every(([, t]) => isColumnType(t))) {
    throw new TypeError(
      `wasmComponents: component "${name}" must be a typed-array constructor (Float32Array, …) or an object of them ({ x: Float32Array, … }).`,
    );
  }
  return entries as [string, WasmColumnType][];
}

/**
 * Allocates components whose typed arrays live in one fixed WebAssembly memory the codec's wasm
 * kernels read and write in place: replicate them in one registry (with the states' `capacity`).
 */
export function wasmComponents<T extends Readonly<Record<string, WasmComponentSchema>>>(
  options: WasmComponentsOptions,
  schemas: T,
): { -readonly [C in keyof T]: WasmComponentOf<T[C]> } {
  const { entities } = options;
  const capacity = options.capacity ?? DEFAULT_CAPACITY;
  const stateBytes = align(options.stateBytes ?? DEFAULT_STATE_BYTES);
  if (!Number.isInteger(entities) || entities < 1) {
    throw new RangeError(
      `wasmComponents: entities ${entities} must be an integer ≥ 1 (elements per column).`,
    );
  }
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(
      `wasmComponents: capacity ${capacity} must be an integer ≥ 1 (the replication capacity).`,
    );
  }
  if (!Number.isFinite(stateBytes) || stateBytes < WASM_PAGE_BYTES) {
    throw new RangeError(
      `wasmComponents: stateBytes ${options.stateBytes} must be at least ${WASM_PAGE_BYTES}.`,
    );
  }
  if (typeof WebAssembly === "undefined") {
    throw new Error("wasmComponents: WebAssembly is not available here; declare plain typed arrays instead.");
  }
  const plan = Object.entries(schemas).map(([name, schema]) => ({
    name,
    columns: columnTypes(name, schema),
  }));
  let end = stateBytes;
  const at = plan.map(({ columns }) =>
    columns.map(([, type]) => {
      const address = end;
      end = align(end + (entities + 1) * type.BYTES_PER_ELEMENT);
      return address;
    }),
  );
  if (end > MAX_BYTES) {
    throw new RangeError(
      `wasmComponents: ${end} bytes exceed a 4 GiB WebAssembly memory; lower entities or stateBytes.`,
    );
  }
  const pages = Math.ceil(end / WASM_PAGE_BYTES);
  // initial = maximum: the memory can never grow, so no view of it is ever detached.
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  byBuffer.set(memory.buffer, new WasmComponentMemory(memory, capacity, stateBytes));
  const out: Record<string, unknown> = {};
  plan.forEach(({ name, columns }, i) => {
    const arrays = columns.map(([, type], c) => new type(memory.buffer, at[i]?.[c] as number, entities));
    const first = columns[0];
    out[name] =
      first !== undefined && first[0] === undefined
        ? arrays[0]
        : Object.fromEntries(columns.map(([key], c) => [key, arrays[c]]));
  });
  return out as { -readonly [C in keyof T]: WasmComponentOf<T[C]> };
}
