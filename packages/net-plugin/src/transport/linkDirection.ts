import type { Rng } from "@canopy/core";
import { LinkConditionDefaults, resolveLinkConditions, type LinkConditions } from "./linkConditions";
import { copyBytes } from "../protocol/scratch";
import { ViewCache } from "../protocol/viewCache";
import type { Address } from "./transport";

/** What one direction of a LinkConditioner did (counts of datagrams; never reset). */
export interface LinkDirectionStats {
  /** Datagrams that entered this direction. */
  datagrams: number;
  /** Datagrams released to the far side (duplicates included). */
  delivered: number;
  /** Datagrams lost by simulated loss (independent and bursty). */
  lost: number;
  /** The part of `lost` that was lost while the Gilbert–Elliott model was in its bad state. */
  lostInBurst: number;
  /** Extra copies made by `duplication`. */
  duplicated: number;
  /** Datagrams held back by `reordering`. */
  reordered: number;
  /** Datagrams dropped because the bandwidth queue was over `queueLimit`. */
  bandwidthDropped: number;
}

/** One held datagram: a copy in `bytes[0, length)`, reused with the entry (`views`: exact views of it). */
interface Held {
  at: number;
  order: number;
  address: Address;
  bytes: Uint8Array;
  views: ViewCache;
  length: number;
}

/** Most recycled entries kept: enough for a burst of ~1000 held datagrams without allocating. */
const SPARE_LIMIT = 1024;
/** Storage of a new entry; grown when a larger datagram needs it (then it stays that size). */
const INITIAL_HELD_BYTES = 256;

/** Slack when comparing release times, so clocks advanced in float steps release on time. */
const TIME_EPSILON_SECONDS = 1e-9;

/**
 * One direction of a LinkConditioner: decides each datagram's fate when it enters and holds the
 * survivors in a min-heap ordered by release time (ties keep entry order).
 */
export class LinkDirection {
  readonly stats: LinkDirectionStats = {
    datagrams: 0,
    delivered: 0,
    lost: 0,
    lostInBurst: 0,
    duplicated: 0,
    reordered: 0,
    bandwidthDropped: 0,
  };
  private conditions: LinkConditions;
  /**
   * The min-heap is `heap[0, heapSize)` and the spare stack `spare[0, spareCount)`: the arrays
   * never shrink. With push/pop, V8 trims an array's store as it empties, and the next push
   * grows a new one — for a heap that drains every frame, an allocation per frame (~100–300 B
   * per client update in tests/replication-systems/noAllocation.test.ts).
   */
  private readonly heap: Held[] = [];
  private heapSize = 0;
  /** Released entries kept for reuse, so steady traffic allocates no heap entries. */
  private readonly spare: Held[] = [];
  private spareCount = 0;
  private order = 0;
  private lastReleased: Held | undefined;
  private lastInOrderAt = Number.NEGATIVE_INFINITY;
  private linkFreeAt = Number.NEGATIVE_INFINITY;
  private bad = false;

  constructor(
    conditions: Partial<LinkConditions> | undefined,
    private readonly rng: Rng,
  ) {
    this.conditions = resolveLinkConditions(conditions);
  }

  /** The conditions in force (a checked copy). */
  get current(): Readonly<LinkConditions> {
    return this.conditions;
  }

  /** Replaces the conditions from now on; datagrams already held keep their release times. */
  set(conditions: Partial<LinkConditions>): void {
    this.conditions = resolveLinkConditions(conditions);
    if (this.conditions.burst === undefined) this.bad = false;
    if (this.conditions.bandwidth === 0) this.linkFreeAt = Number.NEGATIVE_INFINITY;
  }

  /** How many datagrams are held. */
  get held(): number {
    return this.heapSize;
  }

  /** When the next held datagram is due (clock seconds), or undefined when none is held. */
  get nextReleaseAt(): number | undefined {
    return this.heapSize > 0 ? this.heap[0]?.at : undefined;
  }

  /**
   * Applies the conditions to `data[offset, offset + length)`, one datagram entering at `now`
   * (seconds); the ones held are copied.
   */
  enter(now: number, address: Address, data: Uint8Array, offset: number, length: number): void {
    const c = this.conditions;
    const rng = this.rng;
    this.stats.datagrams++;

    if (c.burst !== undefined) {
      if (this.bad ? rng.chance(c.burst.exitBad / 100) : rng.chance(c.burst.enterBad / 100)) {
        this.bad = !this.bad;
      }
    }
    const lossPercent = this.bad && c.burst !== undefined ? c.burst.lossInBad : c.simulatedPacketLoss;
    if (lossPercent > 0 && rng.chance(lossPercent / 100)) {
      this.stats.lost++;
      if (this.bad) this.stats.lostInBurst++;
      return;
    }

    let departure = now;
    if (c.bandwidth > 0) {
      const backlogBytes = Math.max(0, this.linkFreeAt - now) * c.bandwidth;
      const limit = c.queueLimit ?? LinkConditionDefaults.QUEUE_LIMIT_BYTES;
      if (backlogBytes > 0 && backlogBytes + length > limit) {
        this.stats.bandwidthDropped++;
        return;
      }
      this.linkFreeAt = Math.max(now, this.linkFreeAt) + length / c.bandwidth;
      departure = this.linkFreeAt;
    }

    let at = departure + (c.simulatedLatency + (c.jitter > 0 ? c.jitter * rng.next() : 0)) / 1000;
    if (c.reordering > 0 && rng.chance(c.reordering / 100)) {
      at += (c.reorderDelay ?? LinkConditionDefaults.REORDER_DELAY_MS) / 1000;
      this.stats.reordered++;
    } else {
      at = Math.max(at, this.lastInOrderAt);
      this.lastInOrderAt = at;
    }
    this.push(this.entry(at, address, data, offset, length));
    if (c.duplication > 0 && rng.chance(c.duplication / 100)) {
      this.stats.duplicated++;
      this.push(this.entry(at, address, data, offset, length));
    }
  }

  /**
   * Removes the earliest datagram due at `now` and returns its entry — the bytes are
   * `bytes[0, length)`, `views.get(0, length)` an exact view — valid until the next `release`,
   * which reuses it; undefined when none is due.
   */
  release(
    now: number,
  ): Readonly<{ address: Address; bytes: Uint8Array; views: ViewCache; length: number }> | undefined {
    if (this.lastReleased !== undefined) {
      this.recycle(this.lastReleased);
      this.lastReleased = undefined;
    }
    const top = this.heapSize > 0 ? this.heap[0] : undefined;
    if (top === undefined || top.at > now + TIME_EPSILON_SECONDS) return undefined;
    this.pop();
    this.stats.delivered++;
    this.lastReleased = top;
    return top;
  }

  /** Drops everything held (on close). */
  clear(): void {
    this.heap.length = 0;
    this.heapSize = 0;
    this.spare.length = 0;
    this.spareCount = 0;
    this.lastReleased = undefined;
  }

  /** A held entry (recycled when one is spare) with a copy of `data[offset, offset + length)`. */
  private entry(at: number, address: Address, data: Uint8Array, offset: number, length: number): Held {
    let held = this.spareCount > 0 ? this.spare[--this.spareCount] : undefined;
    if (held === undefined) {
      const bytes = new Uint8Array(Math.max(INITIAL_HELD_BYTES, length));
      held = { at, order: 0, address, bytes, views: new ViewCache(bytes), length: 0 };
    } else if (held.bytes.length < length) {
      held.bytes = new Uint8Array(Math.max(held.bytes.length * 2, length));
      held.views = new ViewCache(held.bytes);
    }
    held.at = at;
    held.order = this.order++;
    held.address = address;
    copyBytes(data, offset, held.bytes, 0, length);
    held.length = length;
    return held;
  }

  private recycle(held: Held): void {
    if (this.spareCount < SPARE_LIMIT) this.spare[this.spareCount++] = held;
  }

  private push(item: Held): void {
    const heap = this.heap;
    let i = this.heapSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!earlier(item, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = item;
  }

  private pop(): void {
    const heap = this.heap;
    const n = --this.heapSize;
    const last = heap[n]!;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && earlier(heap[right]!, heap[left]!) ? right : left;
      if (!earlier(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}

function earlier(a: Held, b: Held): boolean {
  return a.at < b.at || (a.at === b.at && a.order < b.order);
}
