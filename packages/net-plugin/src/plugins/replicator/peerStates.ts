/**
 * The Replicator's peer-state entities: one replicated entity per peer whose components hold
 * that peer's StateTemplate values. On the server: its own state (server-owned) and one entity
 * per connected client, owned by that client with client authority (its state comes up through
 * the ordinary upstream snapshots, docs/REPLICATION.md "Client authority"; removed when it
 * leaves). On a client: the replicated entities, found by owner, minus its own (`mine`).
 */
import type { AppWorld } from "@canopy/core";
import { addComponent, addEntity, commitRemovals, registerQuery, removeEntity, type Query } from "bitecs";
import { Networked } from "../../replication/server/networked";
import { SERVER_OWNER } from "../../replication/server/ownership";
import { setOwner } from "../../replication/server/setOwner";
import { Replicated } from "../../replication/client/replicated";
import { hasAuthority, ownerOf } from "../../replication/client/ownerOf";
import type { StateStore } from "./stateStore";

/** Owner (client slot, or `SERVER_OWNER`) → the entity holding that peer's state. */
export class PeerStates {
  /** Owner → entity. */
  readonly entities = new Map<number, number>();
  /** Client: the entity of its own state once the server gave it authority over it, or −1. */
  mine = -1;
  /** The live `[Replicated]` query (registered once: bitecs' query() builds strings per call). */
  private replicated: Query | undefined;
  /** The link `releaseDeparted` asks, for the callback below (no closure per update). */
  private link: { isConnected(slot: number): boolean } | undefined;
  private readonly releaseIfDeparted = (eid: number, peer: number): void => {
    if (peer === SERVER_OWNER || this.link === undefined || this.link.isConnected(peer)) return;
    removeEntity(this.world, eid);
    this.entities.delete(peer);
  };

  constructor(
    private readonly world: AppWorld,
    private readonly store: StateStore,
    private readonly maxEntities: number,
  ) {}

  /** Server: the entity of the server's own state (made on first use). */
  own(): number {
    let eid = this.entities.get(SERVER_OWNER);
    if (eid === undefined) {
      eid = this.spawn();
      this.entities.set(SERVER_OWNER, eid);
    }
    return eid;
  }

  /** Server: gives every newly connected client of `link` its state entity (owned by it, client authority). */
  admitConnected(link: { readonly maxClients: number; isConnected(slot: number): boolean }): void {
    for (let slot = 0; slot < link.maxClients; slot++) {
      if (!link.isConnected(slot) || this.entities.has(slot)) continue;
      const eid = this.spawn();
      setOwner(this.world, eid, slot, { authority: "client" });
      this.entities.set(slot, eid);
    }
  }

  /** Server: removes the state entities of clients `link` no longer has connected. */
  releaseDeparted(link: { isConnected(slot: number): boolean }): void {
    this.link = link;
    // Map.forEach visits each entry once even when the callback deletes the current one.
    this.entities.forEach(this.releaseIfDeparted);
    this.link = undefined;
  }

  /**
   * Client: re-reads the replicated entities by owner, skipping `me`'s (kept in `mine` once this
   * client has authority over it); appends the other owners to `peers`.
   */
  scanReplicated(me: number, peers: { push(owner: number): void }): void {
    this.entities.clear();
    this.mine = -1;
    commitRemovals(this.world);
    const replicated = (this.replicated ??= registerQuery(this.world, [Replicated])).dense;
    for (let i = 0; i < replicated.length; i++) {
      const eid = replicated[i] as number;
      const owner = ownerOf(this.world, eid);
      if (owner === me) {
        if (hasAuthority(this.world, eid)) this.mine = eid;
        continue;
      }
      this.entities.set(owner, eid);
      peers.push(owner);
    }
  }

  private spawn(): number {
    const eid = addEntity(this.world);
    if (eid >= this.maxEntities)
      throw new RangeError(
        `Replicator: entity ${eid} is beyond maxEntities (${this.maxEntities}); raise it in the config.`,
      );
    for (const c of this.store.components) addComponent(this.world, eid, c);
    addComponent(this.world, eid, Networked);
    return eid;
  }
}
