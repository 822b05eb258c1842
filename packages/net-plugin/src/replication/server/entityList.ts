/**
 * A reusable list of entity ids that keeps its storage when cleared. A JS array emptied with
 * `length = 0` gives its backing store back to V8, so refilling it next tick reallocates (about
 * 2 KiB per tick for 100 marked entities); here `length` is a plain field over indexed elements
 * that only ever grow, so steady-state ticks allocate nothing. Array-like: pass it where an
 * `ArrayLike<number>` of entity ids is read.
 */

/** Entity ids `this[0..length)`. */
export class EntityList implements ArrayLike<number> {
  /** Ids in the list. */
  length = 0;
  [index: number]: number;

  /** Appends `eid`. */
  push(eid: number): void {
    this[this.length++] = eid;
  }

  /** Sorts the ids ascending in place (insertion sort, no comparator: meant for short lists). */
  sortAscending(): void {
    for (let i = 1; i < this.length; i++) {
      const v = this[i] as number;
      let j = i - 1;
      while (j >= 0 && (this[j] as number) > v) {
        this[j + 1] = this[j] as number;
        j--;
      }
      this[j + 1] = v;
    }
  }

  /** Empties the list (its storage is kept). */
  clear(): void {
    this.length = 0;
  }
}
