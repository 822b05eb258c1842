/**
 * The wasm apply kernel's entity table (wasmApply.ts): the entity id per network id, kept in wasm
 * memory between calls and refreshed only when the EntityMap changed (`revision`) — as one block
 * copy (`EntityMap.copyEntities`) when the map's table is small next to the high water, else a
 * loop over `0..hw)` (a huge, sparse table).
 */
import type { EntityMap } from "../../entityMap";

/**
 * The entity table is copied whole (one `set` of the map's `capacity` ids) when that is at most
 * EIDS_BLOCK_RATIO × hw + EIDS_BLOCK_SLACK ids: a block copy costs ~0.05 ns per id against ~2 ns
 * per id for the `entityOf` loop, so it wins even over a table a few times longer than `hw`; a
 * huge table with few ids in use keeps the loop.
 */
const EIDS_BLOCK_RATIO = 8;
const EIDS_BLOCK_SLACK = 4096;

/** What the kernel's entity table holds (see the file comment). */
export class ApplyEntityTable {
  /** The map, its revision and the ids `0..count)` the table holds. */
  private map: EntityMap | undefined;
  private revision = -1;
  private count = 0;

  /** For a kernel of `capacity` network ids whose columns hold `columnLength` entities. */
  constructor(
    private readonly capacity: number,
    private readonly columnLength: number,
  ) {}

  /**
   * Brings `eids` (the table's view, `capacity` i32) up to date with `map` for ids `0..hw)`;
   * returns an upper bound of the largest entity inside the columns, or -1.
   */
  update(eids: Int32Array, map: EntityMap, hw: number): number {
    if (map !== this.map || map.revision !== this.revision || hw > this.count) {
      if (map.capacity <= this.capacity && map.capacity <= hw * EIDS_BLOCK_RATIO + EIDS_BLOCK_SLACK) {
        map.copyEntities(eids);
        if (map.capacity < this.capacity) eids.fill(-1, map.capacity);
        this.count = this.capacity;
      } else {
        for (let id = 0; id < hw; id++) eids[id] = map.entityOf(id);
        this.count = hw;
      }
      this.map = map;
      this.revision = map.revision;
    }
    // Every bound entity is below the map's entity high water (an upper bound: prefixes cover it).
    return Math.min(map.entityHighWater, this.columnLength) - 1;
  }
}
