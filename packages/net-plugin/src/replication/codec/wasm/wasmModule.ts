/**
 * A minimal WebAssembly binary emitter for the codec's generated kernels: no dependency and no
 * toolchain at runtime. A module has function types (deduplicated), imported functions, one
 * imported memory, mutable or immutable globals, defined functions (built with WasmFunction, see
 * wasmFunction.ts) and exports; `toBytes()` yields a binary that `WebAssembly.Module` accepts.
 * Misuse (a second memory, imports after functions, a duplicate export) throws at once.
 */
import { ByteWriter } from "./wasmBytes";
import { WasmFunction, type Callable, type Global } from "./wasmFunction";
import { ValType, type ValTypeName } from "./wasmOpcodes";

export { WasmFunction, type Callable, type Global, type Label, type Local } from "./wasmFunction";
export { ValType, type LaneOp, type MemoryOp, type SimpleOp, type ValTypeName } from "./wasmOpcodes";

/** Limits of the imported memory, in 64 KiB pages. */
export interface MemoryLimits {
  readonly min: number;
  readonly max?: number;
  readonly shared?: boolean;
}

interface FunctionImport extends Callable {
  readonly module: string;
  readonly field: string;
  readonly type: number;
}

interface GlobalDef extends Global {
  readonly init: number | bigint;
}

/** Binary magic and version 1. */
const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** Section ids (spec §5.5.2). */
const SECTION = { type: 1, import: 2, function: 3, global: 6, export: 7, code: 10 } as const;
/** Custom sections' id, and the function-names subsection of the "name" section. */
const SECTION_CUSTOM = 0;
const NAME_FUNCTIONS = 1;
/** Import/export kinds. */
const KIND = { func: 0, memory: 2, global: 3 } as const;

/** Builds one module. */
export class WasmModule {
  private readonly types: string[] = [];
  private readonly typeSigs: [readonly ValTypeName[], readonly ValTypeName[]][] = [];
  private readonly imports: FunctionImport[] = [];
  private memory: { module: string; field: string; limits: MemoryLimits } | undefined;
  private readonly globals: GlobalDef[] = [];
  private readonly functions: WasmFunction[] = [];
  private readonly functionTypes: number[] = [];
  private readonly exports = new Map<string, [number, number]>();

  /** Imports a function; all imports come before the first defined function. */
  importFunction(
    module: string,
    field: string,
    params: readonly ValTypeName[],
    results: readonly ValTypeName[],
  ): Callable {
    if (this.functions.length > 0) {
      throw new Error(`WasmModule: import ${module}.${field} after a defined function; import first.`);
    }
    const imp: FunctionImport = {
      name: `${module}.${field}`,
      index: this.imports.length,
      owner: this,
      module,
      field,
      type: this.typeIndex(params, results),
    };
    this.imports.push(imp);
    return imp;
  }

  /** Imports the module's one linear memory as `module.field`. */
  importMemory(module: string, field: string, limits: MemoryLimits): this {
    if (this.memory !== undefined) throw new Error("WasmModule: the memory is already imported.");
    const { min, max } = limits;
    if (!Number.isInteger(min) || min < 0 || (max !== undefined && (!Number.isInteger(max) || max < min))) {
      throw new RangeError(`WasmModule: memory limits min ${min} max ${max} are not valid page counts.`);
    }
    if (limits.shared === true && max === undefined) {
      throw new RangeError("WasmModule: a shared memory needs a max.");
    }
    this.memory = { module, field, limits };
    return this;
  }

  /** Defines a global of `type` with initial value `init`. */
  global(type: Exclude<ValTypeName, "v128">, mutable: boolean, init: number | bigint): Global {
    const g: GlobalDef = { index: this.globals.length, type, mutable, owner: this, init };
    this.globals.push(g);
    return g;
  }

  /** Defines a function; build its body with the returned WasmFunction. */
  function(name: string, params: readonly ValTypeName[], results: readonly ValTypeName[]): WasmFunction {
    const fn = new WasmFunction(name, this.imports.length + this.functions.length, params, results, this);
    this.functions.push(fn);
    this.functionTypes.push(this.typeIndex(params, results));
    return fn;
  }

  /** Exports a function or global under `name`. */
  export(name: string, item: Callable | Global): this {
    if (this.exports.has(name)) throw new Error(`WasmModule: export "${name}" is already defined.`);
    if (item.owner !== this) throw new Error(`WasmModule: export "${name}" names an item of another module.`);
    const kind = "mutable" in item ? KIND.global : KIND.func;
    this.exports.set(name, [kind, item.index]);
    return this;
  }

  /** The module binary; every function must be complete (no open blocks). */
  toBytes(): Uint8Array<ArrayBuffer> {
    const out = new ByteWriter().append(HEADER);
    this.section(out, SECTION.type, this.typeSigs.length, (s) => {
      for (const [params, results] of this.typeSigs) {
        s.byte(0x60).u32(params.length);
        for (const p of params) s.byte(ValType[p]);
        s.u32(results.length);
        for (const r of results) s.byte(ValType[r]);
      }
    });
    const importCount = this.imports.length + (this.memory === undefined ? 0 : 1);
    this.section(out, SECTION.import, importCount, (s) => {
      for (const imp of this.imports) s.name(imp.module).name(imp.field).byte(KIND.func).u32(imp.type);
      const m = this.memory;
      if (m === undefined) return;
      s.name(m.module).name(m.field).byte(KIND.memory);
      const { min, max, shared } = m.limits;
      if (max === undefined) s.byte(0x00).u32(min);
      else
        s.byte(shared === true ? 0x03 : 0x01)
          .u32(min)
          .u32(max);
    });
    this.section(out, SECTION.function, this.functionTypes.length, (s) => {
      for (const t of this.functionTypes) s.u32(t);
    });
    this.section(out, SECTION.global, this.globals.length, (s) => {
      for (const g of this.globals) {
        s.byte(ValType[g.type]).byte(g.mutable ? 1 : 0);
        if (g.type === "i32") s.byte(0x41).s32(Number(g.init));
        else if (g.type === "i64") s.byte(0x42).s64(BigInt(g.init));
        else if (g.type === "f32") s.byte(0x43).f32(Number(g.init));
        else s.byte(0x44).f64(Number(g.init));
        s.byte(0x0b);
      }
    });
    this.section(out, SECTION.export, this.exports.size, (s) => {
      for (const [name, [kind, index]] of this.exports) s.name(name).byte(kind).u32(index);
    });
    this.section(out, SECTION.code, this.functions.length, (s) => {
      for (const fn of this.functions) {
        const body = fn.finish();
        s.u32(body.length).append(body);
      }
    });
    this.nameSection(out);
    return out.toBytes();
  }

  /**
   * The custom "name" section (function names, spec appendix 7.4.1): compile errors and CPU
   * profiles then name the generated function ("apply") instead of "#0".
   */
  private nameSection(out: ByteWriter): void {
    const named: Callable[] = [...this.imports, ...this.functions];
    if (named.length === 0) return;
    const names = new ByteWriter().u32(named.length);
    for (const fn of named) names.u32(fn.index).name(fn.name);
    const content = new ByteWriter().name("name").byte(NAME_FUNCTIONS).sized(names);
    out.byte(SECTION_CUSTOM).sized(content);
  }

  /** Compiles and instantiates the module with `imports` (synchronous; fine for kernel-sized modules). */
  instantiate(imports: WebAssembly.Imports): WebAssembly.Instance {
    return new WebAssembly.Instance(new WebAssembly.Module(this.toBytes()), imports);
  }

  private typeIndex(params: readonly ValTypeName[], results: readonly ValTypeName[]): number {
    const key = `${params.join(",")}->${results.join(",")}`;
    let i = this.types.indexOf(key);
    if (i < 0) {
      i = this.types.length;
      this.types.push(key);
      this.typeSigs.push([params, results]);
    }
    return i;
  }

  private section(out: ByteWriter, id: number, count: number, write: (s: ByteWriter) => void): void {
    if (count === 0) return;
    const s = new ByteWriter().u32(count);
    write(s);
    out.byte(id).sized(s);
  }
}
