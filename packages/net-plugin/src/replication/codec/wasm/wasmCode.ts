/**
 * Structured control flow of a WebAssembly function body (the base of WasmFunction, see
 * wasmFunction.ts): blocks, loops and ifs hand out `Label` objects, and branches name a label
 * instead of a raw depth, so the relative depth is computed here and a branch to a block that has
 * ended (or belongs to another function) throws at once, as do a stray `end` or `else`.
 */
import { ByteWriter } from "./wasmBytes";
import { ValType, type ValTypeName } from "./wasmOpcodes";

/** An open (or ended) block, loop or if; branch targets. */
export interface Label {
  readonly kind: "block" | "loop" | "if";
  readonly owner: WasmCode;
}

interface OpenLabel {
  readonly label: Label;
  elseSeen: boolean;
}

/** Block type byte of a block without results. */
const BLOCK_EMPTY = 0x40;

/** A function body's instruction bytes and its open blocks. */
export abstract class WasmCode {
  /** The instruction bytes so far. */
  protected readonly code = new ByteWriter();
  /** Set once the body is finished: no more code. */
  protected finished = false;
  private readonly labels: OpenLabel[] = [];

  constructor(readonly name: string) {}

  /** Opens a `block` (a forward branch target) with an optional result type. */
  block(result?: ValTypeName): Label {
    return this.enter("block", 0x02, result);
  }

  /** Opens a `loop` (a backward branch target). */
  loop(result?: ValTypeName): Label {
    return this.enter("loop", 0x03, result);
  }

  /** Opens an `if` (condition on the stack). */
  if(result?: ValTypeName): Label {
    return this.enter("if", 0x04, result);
  }

  /** `else` of the innermost open `if`. */
  else(): this {
    const top = this.labels[this.labels.length - 1];
    if (top?.label.kind !== "if" || top.elseSeen) {
      throw new Error(`wasm ${this.name}: else outside an if (or a second else).`);
    }
    top.elseSeen = true;
    this.code.byte(0x05);
    return this;
  }

  /** Ends the innermost open block; pass its label to check that it is the one being ended. */
  end(label?: Label): this {
    const top = this.labels[this.labels.length - 1];
    if (top === undefined) throw new Error(`wasm ${this.name}: end without an open block.`);
    if (label !== undefined && top.label !== label) {
      throw new Error(`wasm ${this.name}: end of a ${label.kind} while an inner ${top.label.kind} is open.`);
    }
    this.labels.pop();
    this.code.byte(0x0b);
    return this;
  }

  /** `br` to an open label. */
  br(label: Label): this {
    const depth = this.depth(label, "br");
    this.open().code.byte(0x0c).u32(depth);
    return this;
  }

  /** `br_if` to an open label (condition on the stack). */
  brIf(label: Label): this {
    const depth = this.depth(label, "br_if");
    this.open().code.byte(0x0d).u32(depth);
    return this;
  }

  /** `br_table`: index on the stack selects `targets[i]`, else `fallback`. */
  brTable(targets: readonly Label[], fallback: Label): this {
    const depths = targets.map((t) => this.depth(t, "br_table"));
    const fallbackDepth = this.depth(fallback, "br_table");
    this.open().code.byte(0x0e).u32(depths.length);
    for (const d of depths) this.code.u32(d);
    this.code.u32(fallbackDepth);
    return this;
  }

  /** The kinds of the open blocks, outermost first ("" when none). */
  protected openBlocks(): string {
    return this.labels.map((l) => l.label.kind).join(" > ");
  }

  /** Throws once the function is finished. */
  protected open(): this {
    if (this.finished) throw new Error(`wasm ${this.name}: function is finished; no more code.`);
    return this;
  }

  private enter(kind: Label["kind"], opcode: number, result: ValTypeName | undefined): Label {
    this.open();
    const label: Label = { kind, owner: this };
    this.labels.push({ label, elseSeen: false });
    this.code.byte(opcode).byte(result === undefined ? BLOCK_EMPTY : ValType[result]);
    return label;
  }

  private depth(label: Label, what: string): number {
    for (let i = this.labels.length - 1; i >= 0; i--) {
      if (this.labels[i]?.label === label) return this.labels.length - 1 - i;
    }
    throw new Error(
      `wasm ${this.name}: ${what} to a ${label.kind} that is not open here (ended, or of another function).`,
    );
  }
}
