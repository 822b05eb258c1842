/**
 * Entity id mapping: server entity ↔ network id ↔ client entity. Network ids are small dense
 * integers (snapshot rows are indexed by them). A freed id is quarantined for `reuseDelay` ticks so
 * no client can still hold it in a baseline when it is handed to a new entity.
 */

/** No entity / no network id. */
export const NONE = -1;

/**
 * Two-way map between local entity ids and network ids. Entity ids index a typed array that grows
 * (doubling) to the largest entity id seen; bitECS ids are small dense integers.
 */
export class EntityMap {
  private readonly entityOfNet: Int32Array;
  /** netId + 1 per entity id (0 = none), so a fresh array means "unbound". */
  private netOfEntity = new Int32Array(1024);
  private bound = 0;
  /**
   * Bumped by every change of a binding (bind, unbind): a copy of the net-id → entity table
   * (`copyEntities`) made at one revision is still exact while the revision is the same.
   */
  revision = 0;
  /** One past the largest entity id ever bound (never lowered): every bound entity is below it. */
  entityHighWater = 0;

  constructor(readonly capacity: number) {
    this.entityOfNet = new Int32Array(capacity).fill(NONE);
  }

  /**
   * The entity → (network id + 1) table itself (0 = unbound), for kernels that copy it in bulk.
   * Read-only to callers; it is replaced (not resized in place) when a larger entity id is bound,
   * so read it again after `revision` changes.
   */
  get netIdTable(): Readonly<Int32Array> {
    return this.netOfEntity;
  }

  /** Binds `netId` to local entity `eid` (replacing any previous binding of either). */
  bind(netId: number, eid: number): void {
    if (!(netId >= 0 && netId < this.capacity)) {
      throw new RangeError(`EntityMap.bind: network id ${netId} is outside 0..${this.capacity - 1}.`);
    }
    if (!(Number.isInteger(eid) && eid >= 0 && eid < 2 ** 31)) {
      throw new RangeError(`EntityMap.bind: entity id ${eid} is not a non-negative 31-bit integer.`);
    }
    this.unbindNet(netId);
    this.unbindEntity(eid);
    if (eid >= this.netOfEntity.length) {
      let size = this.netOfEntity.length;
      while (size <= eid) size *= 2;
      const grown = new Int32Array(size);
      grown.set(this.netOfEntity);
      this.netOfEntity = grown;
    }
    this.entityOfNet[netId] = eid;
    this.netOfEntity[eid] = netId + 1;
    this.bound++;
    this.revision++;
    if (eid >= this.entityHighWater) this.entityHighWater = eid + 1;
  }
  /** Removes the binding of `netId`; returns the entity it had, or NONE. */
  unbindNet(netId: number): number {
    const eid = this.entityOf(netId);
    if (eid !== NONE) {
      this.entityOfNet[netId] = NONE;
      this.netOfEntity[eid] = 0;
      this.bound--;
      this.revision++;
    }
    return eid;
  }
  /** Removes the binding of entity `eid`; returns its network id, or NONE. */
  unbindEntity(eid: number): number {
    const netId = this.netIdOf(eid);
    if (netId !== NONE) {
      this.entityOfNet[netId] = NONE;
      this.netOfEntity[eid] = 0;
      this.bound--;
      this.revision++;
    }
    return netId;
  }
  /** The local entity of `netId`, or NONE. */
  entityOf(netId: number): number {
    return netId >= 0 && netId < this.capacity ? (this.entityOfNet[netId] as number) : NONE;
  }
  /** The network id of local entity `eid`, or NONE. */
  netIdOf(eid: number): number {
    return (this.netOfEntity[eid] ?? 0) - 1;
  }
  /**
   * Copies the entity of every network id (NONE where unbound) into `target[0..capacity)` as one
   * block copy (no allocation); with `revision` a caller keeps such a copy and refreshes it only
   * after a change.
   */
  copyEntities(target: Int32Array): void {
    if (target.length < this.capacity) {
      throw new RangeError(
        `EntityMap.copyEntities: the target holds ${target.length} ids, fewer than the map's capacity ${this.capacity}; pass one of at least that length.`,
      );
    }
    target.set(this.entityOfNet);
  }
  /** Number of bound entities. */
  get size(): number {
    return this.bound;
  }
}

/** Server-side: hands out network ids for entities and takes them back after a quarantine. */
export class NetworkIdAllocator {
  readonly map: EntityMap;
  private readonly freeIds: Int32Array;
  private readonly freedAt: Float64Array;
  private freeHead = 0;
  private freeCount = 0;
  private next = 0;

  constructor(
    readonly capacity: number,
    /** Ticks a freed id waits before reuse; keep it above the baseline ring size. */
    readonly reuseDelay = 128,
  ) {
    this.map = new EntityMap(capacity);
    this.freeIds = new Int32Array(capacity);
    this.freedAt = new Float64Array(capacity);
  }

  /** Gives entity `eid` a network id (its existing one if it has one); throws when all are in use. */
  allocate(eid: number, tick: number): number {
    const existing = this.map.netIdOf(eid);
    if (existing !== NONE) return existing;
    let id: number;
    if (this.freeCount > 0 && tick - (this.freedAt[this.freeHead] as number) >= this.reuseDelay) {
      id = this.freeIds[this.freeHead] as number;
      this.freeHead = (this.freeHead + 1) % this.capacity;
      this.freeCount--;
    } else if (this.next < this.capacity) {
      id = this.next++;
    } else {
      throw new RangeError(
        `NetworkIdAllocator: all ${this.capacity} network ids are in use or quarantined; raise the replication capacity.`,
      );
    }
    this.map.bind(id, eid);
    return id;
  }

  /** Releases the network id of `eid` (quarantined until `tick + reuseDelay`); returns it or NONE. */
  release(eid: number, tick: number): number {
    const id = this.map.unbindEntity(eid);
    if (id === NONE) return NONE;
    const tail = (this.freeHead + this.freeCount) % this.capacity;
    this.freeIds[tail] = id;
    this.freedAt[tail] = tick;
    this.freeCount++;
    return id;
  }
}
