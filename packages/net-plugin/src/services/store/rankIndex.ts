/**
 * An order-statistics index over one leaderboard: rank of an entry, entry at a rank, insert and
 * remove in O(log n + B). Entries live in sorted blocks of at most {@link MAX_BLOCK} entries (a
 * "sorted list of lists"); a Fenwick tree over block sizes turns block positions into ranks.
 * Order: ascending `key` (the store passes `-score` for descending boards), then ascending `seq`
 * (who reached the score first). Pure TS, so the embedded store keeps one per board in memory.
 */

/** One indexed entry; the index owns it until removed (do not mutate `key`/`seq` while indexed). */
export interface RankEntry {
  key: number;
  seq: number;
  userId: string;
}

/** Blocks split above this size: 2 × LOAD keeps splice costs (memmove) under a microsecond. */
const MAX_BLOCK = 1024;
/** Size of blocks built by bulk loads and splits. */
const LOAD = MAX_BLOCK >> 1;

function before(a: RankEntry, b: RankEntry): boolean {
  return a.key < b.key || (a.key === b.key && a.seq < b.seq);
}

/** A sorted multiset of entries keyed by user, with rank ↔ position lookups. */
export class RankIndex<E extends RankEntry = RankEntry> {
  private blocks: E[][] = [];
  /** Fenwick tree (1-based) over `blocks[i].length`. */
  private tree = new Float64Array(1);
  private readonly byUser = new Map<string, E>();

  /** Number of entries. */
  get size(): number {
    return this.byUser.size;
  }

  /** The user's entry, if indexed. */
  get(userId: string): E | undefined {
    return this.byUser.get(userId);
  }

  /** Replaces the contents with entries already sorted by (key, seq), unique per user. */
  loadSorted(entries: readonly E[]): void {
    this.byUser.clear();
    this.blocks = [];
    for (let i = 0; i < entries.length; i += LOAD) this.blocks.push(entries.slice(i, i + LOAD));
    for (const entry of entries) {
      if (this.byUser.has(entry.userId)) throw new Error(`RankIndex.loadSorted: user ${entry.userId} twice.`);
      this.byUser.set(entry.userId, entry);
    }
    this.rebuild();
  }

  /** Adds an entry; its user must not be indexed yet (remove the old entry first). */
  insert(entry: E): void {
    if (this.byUser.has(entry.userId)) throw new Error(`RankIndex.insert: user ${entry.userId} is indexed.`);
    this.byUser.set(entry.userId, entry);
    if (this.blocks.length === 0) {
      this.blocks.push([entry]);
      this.rebuild();
      return;
    }
    let b = this.blockFor(entry);
    if (b === this.blocks.length) b--;
    const block = this.blocks[b] as E[];
    block.splice(this.positionIn(block, entry), 0, entry);
    if (block.length > MAX_BLOCK) {
      this.blocks.splice(b + 1, 0, block.splice(LOAD));
      this.rebuild();
    } else this.add(b, 1);
  }

  /** Removes the user's entry; returns it, or undefined if the user was not indexed. */
  remove(userId: string): E | undefined {
    const entry = this.byUser.get(userId);
    if (entry === undefined) return undefined;
    this.byUser.delete(userId);
    const b = this.blockFor(entry);
    const block = this.blocks[b] as E[];
    block.splice(this.positionIn(block, entry), 1);
    if (block.length === 0) {
      this.blocks.splice(b, 1);
      this.rebuild();
    } else this.add(b, -1);
    return entry;
  }

  /** 0-based rank of the user's entry (0 = best), or -1 if not indexed. */
  rankOf(userId: string): number {
    const entry = this.byUser.get(userId);
    if (entry === undefined) return -1;
    const b = this.blockFor(entry);
    return this.prefix(b) + this.positionIn(this.blocks[b] as RankEntry[], entry);
  }

  /** The entry at 0-based `rank`, or undefined past the end. */
  at(rank: number): E | undefined {
    if (rank < 0 || rank >= this.byUser.size) return undefined;
    // Fenwick descent: the largest block index whose prefix sum is ≤ rank.
    let pos = 0;
    let rest = rank;
    const n = this.blocks.length;
    for (let step = highestPowerOfTwo(n); step > 0; step >>= 1) {
      const next = pos + step;
      if (next <= n && (this.tree[next] as number) <= rest) {
        pos = next;
        rest -= this.tree[next] as number;
      }
    }
    return (this.blocks[pos] as E[])[rest];
  }

  /** Calls `visit` for ranks `from .. from + count - 1` in order; stops at the end. */
  forRange(from: number, count: number, visit: (entry: E, rank: number) => void): void {
    if (count <= 0 || from >= this.byUser.size) return;
    const first = this.at(Math.max(0, from));
    if (first === undefined) return;
    let b = this.blockFor(first);
    let i = this.positionIn(this.blocks[b] as RankEntry[], first);
    for (let rank = Math.max(0, from); rank < from + count && b < this.blocks.length; rank++) {
      const block = this.blocks[b] as E[];
      visit(block[i] as E, rank);
      if (++i === block.length) {
        b++;
        i = 0;
      }
    }
  }

  /** Index of the first block whose last entry is not before `entry` (blocks.length if none). */
  private blockFor(entry: RankEntry): number {
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const block = this.blocks[mid] as RankEntry[];
      if (before(block[block.length - 1] as RankEntry, entry)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first entry in `block` that is not before `entry`. */
  private positionIn(block: readonly RankEntry[], entry: RankEntry): number {
    let lo = 0;
    let hi = block.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(block[mid] as RankEntry, entry)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Number of entries in blocks `0 .. b - 1`. */
  private prefix(b: number): number {
    let sum = 0;
    for (let i = b; i > 0; i -= i & -i) sum += this.tree[i] as number;
    return sum;
  }

  private add(b: number, delta: number): void {
    for (let i = b + 1; i < this.tree.length; i += i & -i) this.tree[i] = (this.tree[i] as number) + delta;
  }

  /** Rebuilds the Fenwick tree in O(blocks) after blocks were split, merged or loaded. */
  private rebuild(): void {
    const n = this.blocks.length;
    this.tree = new Float64Array(n + 1);
    for (let i = 1; i <= n; i++) {
      this.tree[i] = (this.tree[i] as number) + (this.blocks[i - 1] as RankEntry[]).length;
      const parent = i + (i & -i);
      if (parent <= n) this.tree[parent] = (this.tree[parent] as number) + (this.tree[i] as number);
    }
  }
}

function highestPowerOfTwo(n: number): number {
  let p = 1;
  while (p * 2 <= n) p *= 2;
  return n === 0 ? 0 : p;
}
