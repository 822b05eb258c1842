/**
 * The function body builder of the WebAssembly emitter (wasmModule.ts). Instructions are appended
 * in order with typed helpers named as in the text format (structured control and branches by
 * label are in wasmCode.ts). Locals are handles owned by their function; using one elsewhere
 * throws, as do lanes out of range, over-aligned accesses and writes to immutable globals.
 */
import { ByteWriter } from "./wasmBytes";
import { WasmCode } from "./wasmCode";
import {
  LANE_OPS,
  MEMORY_OPS,
  PLAIN_OPS,
  PREFIXED_OPS,
  PREFIX_FC,
  PREFIX_SIMD,
  ValType,
  type LaneOp,
  type MemoryOp,
  type SimpleOp,
  type ValTypeName,
} from "./wasmOpcodes";

export type { Label } from "./wasmCode";

/** A parameter or local of one function. */
export interface Local {
  readonly index: number;
  readonly type: ValTypeName;
  readonly owner: WasmCode;
}

/** A module global (see WasmModule.global). */
export interface Global {
  readonly index: number;
  readonly type: ValTypeName;
  readonly mutable: boolean;
  readonly owner: object;
}

/** Anything `call` can target: a defined or imported function. */
export interface Callable {
  readonly name: string;
  readonly index: number;
  readonly owner: object;
}

/** A load instruction's name. */
export type LoadOp = Extract<MemoryOp, `${string}.load${string}`>;
/** A store instruction's name. */
export type StoreOp = Extract<MemoryOp, `${string}.store${string}`>;

/** One function's signature, locals and body under construction. */
export class WasmFunction extends WasmCode implements Callable {
  /** The parameters, as locals 0..n-1. */
  readonly params: readonly Local[];
  private readonly localTypes: ValTypeName[] = [];
  private body: Uint8Array<ArrayBuffer> | undefined;

  constructor(
    name: string,
    readonly index: number,
    readonly paramTypes: readonly ValTypeName[],
    readonly resultTypes: readonly ValTypeName[],
    readonly owner: object,
  ) {
    super(name);
    this.params = paramTypes.map((type, i) => ({ index: i, type, owner: this }));
  }

  /** Declares a new local of `type`. */
  local(type: ValTypeName): Local {
    this.open();
    const local: Local = { index: this.paramTypes.length + this.localTypes.length, type, owner: this };
    this.localTypes.push(type);
    return local;
  }

  /** Parameter `i`. */
  param(i: number): Local {
    const p = this.params[i];
    if (p === undefined) {
      throw new RangeError(`wasm ${this.name}: no parameter ${i} (it has ${this.params.length}).`);
    }
    return p;
  }

  /** Appends an instruction without immediates (`"i32.add"`, `"f32x4.mul"`, `"drop"`, ...). */
  op(name: SimpleOp): this {
    this.open();
    const plain = (PLAIN_OPS as Record<string, number>)[name];
    if (plain !== undefined) {
      this.code.byte(plain);
      return this;
    }
    const prefixed = (PREFIXED_OPS as Record<string, readonly [number, number]>)[name];
    if (prefixed === undefined) throw new Error(`wasm ${this.name}: unknown instruction "${name}".`);
    this.code.byte(prefixed[0]).u32(prefixed[1]);
    return this;
  }

  /** `i32.const v` (v in -2^31..2^32-1). */
  i32Const(v: number): this {
    this.open().code.byte(0x41).s32(v);
    return this;
  }

  /** `i64.const v`. */
  i64Const(v: bigint | number): this {
    this.open().code.byte(0x42).s64(BigInt(v));
    return this;
  }

  /** `f32.const v` (rounded to float32). */
  f32Const(v: number): this {
    this.open().code.byte(0x43).f32(v);
    return this;
  }

  /** `f64.const v`. */
  f64Const(v: number): this {
    this.open().code.byte(0x44).f64(v);
    return this;
  }

  /** `v128.const` from 16 bytes. */
  v128Const(bytes: Uint8Array): this {
    if (bytes.length !== 16) throw new RangeError(`wasm ${this.name}: v128.const needs 16 bytes.`);
    this.open().code.byte(PREFIX_SIMD).u32(0x0c).append(bytes);
    return this;
  }

  /** `v128.const` from four i32 lanes. */
  v128ConstI32(a: number, b: number, c: number, d: number): this {
    return this.v128Const(new Uint8Array(Int32Array.of(a, b, c, d).buffer));
  }

  /** `v128.const` from four f32 lanes. */
  v128ConstF32(a: number, b: number, c: number, d: number): this {
    return this.v128Const(new Uint8Array(Float32Array.of(a, b, c, d).buffer));
  }

  /** A load: address on the stack, plus `offset`; `alignLog2` defaults to natural alignment. */
  load(name: LoadOp, offset = 0, alignLog2?: number): this {
    return this.memoryAccess(name, offset, alignLog2);
  }

  /** A store: address and value on the stack, plus `offset`; `alignLog2` defaults to natural. */
  store(name: StoreOp, offset = 0, alignLog2?: number): this {
    return this.memoryAccess(name, offset, alignLog2);
  }

  private memoryAccess(name: MemoryOp, offset: number, alignLog2: number | undefined): this {
    const entry = (MEMORY_OPS as Record<string, readonly [number, number, number]>)[name];
    if (entry === undefined) throw new Error(`wasm ${this.name}: unknown memory instruction "${name}".`);
    const [prefix, opcode, natural] = entry;
    const align = alignLog2 ?? natural;
    if (!Number.isInteger(align) || align < 0 || align > natural) {
      throw new RangeError(
        `wasm ${this.name}: ${name} alignment 2^${align} exceeds its natural 2^${natural}.`,
      );
    }
    this.open();
    if (prefix < 0) this.code.byte(opcode);
    else this.code.byte(prefix).u32(opcode);
    this.code.u32(align).u32(offset);
    return this;
  }

  /** A SIMD lane extract/replace with lane index `lane`. */
  lane(name: LaneOp, lane: number): this {
    const entry = (LANE_OPS as Record<string, readonly [number, number]>)[name];
    if (entry === undefined) throw new Error(`wasm ${this.name}: unknown lane instruction "${name}".`);
    if (!Number.isInteger(lane) || lane < 0 || lane >= entry[1]) {
      throw new RangeError(`wasm ${this.name}: ${name} lane ${lane} is outside 0..${entry[1] - 1}.`);
    }
    this.open().code.byte(PREFIX_SIMD).u32(entry[0]).byte(lane);
    return this;
  }

  /** `i8x16.shuffle` with 16 lane indices in 0..31. */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => !Number.isInteger(l) || l < 0 || l > 31)) {
      throw new RangeError(`wasm ${this.name}: i8x16.shuffle needs 16 lane indices in 0..31.`);
    }
    this.open().code.byte(PREFIX_SIMD).u32(0x0d).append(lanes);
    return this;
  }

  /** `local.get`. */
  localGet(l: Local): this {
    const index = this.own(l, "local.get");
    this.open().code.byte(0x20).u32(index);
    return this;
  }

  /** `local.set`. */
  localSet(l: Local): this {
    const index = this.own(l, "local.set");
    this.open().code.byte(0x21).u32(index);
    return this;
  }

  /** `local.tee`. */
  localTee(l: Local): this {
    const index = this.own(l, "local.tee");
    this.open().code.byte(0x22).u32(index);
    return this;
  }

  /** `global.get`. */
  globalGet(g: Global): this {
    this.ownGlobal(g, "global.get");
    this.open().code.byte(0x23).u32(g.index);
    return this;
  }

  /** `global.set` (the global must be mutable). */
  globalSet(g: Global): this {
    this.ownGlobal(g, "global.set");
    if (!g.mutable) throw new Error(`wasm ${this.name}: global.set of immutable global ${g.index}.`);
    this.open().code.byte(0x24).u32(g.index);
    return this;
  }

  /** `call`. */
  call(fn: Callable): this {
    if (fn.owner !== this.owner) {
      throw new Error(`wasm ${this.name}: call to ${fn.name}, a function of another module.`);
    }
    this.open().code.byte(0x10).u32(fn.index);
    return this;
  }

  /** `memory.size` (pages). */
  memorySize(): this {
    this.open().code.byte(0x3f).byte(0);
    return this;
  }

  /** `memory.grow` (pages on the stack; pushes the old size or -1). */
  memoryGrow(): this {
    this.open().code.byte(0x40).byte(0);
    return this;
  }

  /** `memory.copy` (dest, src, n on the stack). */
  memoryCopy(): this {
    this.open().code.byte(PREFIX_FC).u32(10).byte(0).byte(0);
    return this;
  }

  /** `memory.fill` (dest, byte, n on the stack). */
  memoryFill(): this {
    this.open().code.byte(PREFIX_FC).u32(11).byte(0);
    return this;
  }

  /** The finished body (locals + code + final end); throws while blocks are open. */
  finish(): Uint8Array<ArrayBuffer> {
    if (this.body !== undefined) return this.body;
    const open = this.openBlocks();
    if (open !== "") {
      throw new Error(`wasm ${this.name}: function finished with open blocks (${open}); end them.`);
    }
    const out = new ByteWriter();
    const groups: [number, ValTypeName][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    out.u32(groups.length);
    for (const [n, t] of groups) out.u32(n).byte(ValType[t]);
    out.append(this.code.toBytes()).byte(0x0b);
    this.body = out.toBytes();
    this.finished = true;
    return this.body;
  }

  private own(l: Local, what: string): number {
    if (l.owner !== this) {
      throw new Error(`wasm ${this.name}: ${what} of local ${l.index} of function ${l.owner.name}.`);
    }
    return l.index;
  }

  private ownGlobal(g: Global, what: string): void {
    if (g.owner !== this.owner) throw new Error(`wasm ${this.name}: ${what} of a global of another module.`);
  }
}
