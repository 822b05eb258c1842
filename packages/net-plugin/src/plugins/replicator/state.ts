/**
 * `State` (Traktor's `jungle.State`): the values of one peer's state in template order. Pack a
 * state to send with `packBegin()` + `pack(value)` per declared value; read a received one with
 * `unpackBegin()` + `unpack()` in the same order.
 *
 * ```ts
 * const state = new State().packBegin().pack({ x: 1, y: 0, z: 2 }).pack(75);
 * replicator.setSendState(state);
 * const got = proxy.getState();
 * got?.unpackBegin();
 * const position = got?.unpack<{ x: number; y: number; z: number }>();
 * ```
 */

/** Packed values of one peer's state. */
export class State {
  private readonly items: unknown[] = [];
  private cursor = 0;

  /** The packed values (in order). */
  get values(): readonly unknown[] {
    return this.items;
  }

  /** Clears the state to pack values from the first declared one; returns `this`. */
  packBegin(): this {
    this.items.length = 0;
    this.cursor = 0;
    return this;
  }

  /** Appends the next value (object values are copied); returns `this`. */
  pack(value: unknown): this {
    this.items.push(typeof value === "object" && value !== null ? { ...value } : value);
    return this;
  }

  /** A new State with the same values (object values copied). */
  copy(): State {
    const out = new State();
    for (const v of this.items) out.pack(v);
    return out;
  }

  /** Rewinds to read values from the first one; returns `this`. */
  unpackBegin(): this {
    this.cursor = 0;
    return this;
  }

  /** The next value; throws when every value was read (the templates of both ends differ). */
  unpack<T = unknown>(): T {
    if (this.cursor >= this.items.length)
      throw new RangeError(
        `State.unpack: all ${this.items.length} values were read; unpack as many values as the StateTemplate declares.`,
      );
    return this.items[this.cursor++] as T;
  }
}
