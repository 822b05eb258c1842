/**
 * `Replicator` (Traktor's `jungle.Replicator`): the Traktor-shaped facade over Canopy's ECS
 * replication. Inside is a core `App` with `NetServerPlugin` or `NetClientPlugin` on a ManualClock
 * that `update(dt)` advances. Each peer's state is one replicated entity whose components are the
 * StateTemplate's values: the server's own state is a server-owned entity; each connected client
 * gets an entity it owns with client authority, so its state goes up in the ordinary upstream
 * snapshots (delta-coded against acked states) and the server checks and applies it; the normal
 * snapshot systems send all of them to every client. Both directions are the ECS path.
 *
 * ```ts
 * const rep = Replicator.create({ role: "client", transport, token });
 * rep.setStateTemplate(new StateTemplate().declare("pos", Vec3Template({ min: -50, max: 50, precision: 0.01 })));
 * // each frame:
 * rep.update(dt);
 * if (rep.timeSynchronized) rep.setSendState(new State().packBegin().pack(myPosition));
 * for (const p of rep.proxies) p.getState()?.unpackBegin().unpack();
 * ```
 */
import { createApp, getResource, ManualClock, type App } from "@canopy/core";
import { ReplicationRegistry } from "../../replication/registry";
import { EventRegistry, type EventListener } from "../../replication/events/eventRegistry";
import { EntityList } from "../../replication/server/entityList";
import type { EventType } from "../../replication/events/eventType";
import { SERVER_OWNER } from "../../replication/server/ownership";
import { ServerReplication } from "../../replication/server/serverReplication";
import { ClientReplication } from "../../replication/client/clientReplication";
import { SERVER_PEER } from "../../time-sync/peerLink";
import { TimeSyncClientResource, TimeSyncServerResource } from "../../time-sync/systems";
import { NetClientPlugin, NetServerPlugin } from "../netPlugin";
import { StateStore } from "./stateStore";
import { PeerStates } from "./peerStates";
import type { StateTemplate } from "./stateTemplate";
import { type State } from "./state";
import { createReplicatorCounters, mirrorClientCounters, mirrorServerCounters } from "./counters";
import { pickLatency, ReplicatorProxy, type LatencyKind, type ProxySource } from "./proxy";
import {
  ReplicatorDefaults,
  type ReplicatorConfig,
  type ReplicatorCounters,
  type ReplicatorTopology,
  type SyncStats,
} from "./config";

/** Traktor's Replicator on one ECS App (server or client). */
export class Replicator implements ProxySource {
  /** The App the replication runs on (systems, resources, world). */
  app: App | undefined = undefined;
  readonly clock: ManualClock;
  readonly counters: ReplicatorCounters = createReplicatorCounters();
  private readonly events = new EventRegistry();
  private template: StateTemplate | undefined;
  private store: StateStore | undefined;
  private peers: PeerStates | undefined;
  /** Client: the newest state set before this client had authority over its entity. */
  private pendingState: State | undefined;
  private disposed = false;
  private proxyList: ReplicatorProxy[] = [];
  /** The peers found by the last `refreshProxies` (kept between updates). */
  private readonly peerScratch = new EntityList();
  private readonly proxyByPeer = new Map<number, ReplicatorProxy>();

  private constructor(
    private readonly topology: ReplicatorTopology,
    private readonly config: Required<ReplicatorConfig>,
  ) {
    this.clock = new ManualClock(config.startTime);
  }

  /** A server or client Replicator; call `setStateTemplate` and `addEventType` before the first `update`. */
  static create(topology: ReplicatorTopology, config: ReplicatorConfig = {}): Replicator {
    return new Replicator(topology, { ...ReplicatorDefaults, ...config });
  }

  /** True for the server side. */
  get isServer(): boolean {
    return this.topology.role === "server";
  }

  /** Sets what a peer's state holds (same template, same order, on every peer); before the first update. */
  setStateTemplate(template: StateTemplate): void {
    this.assertNotStarted("setStateTemplate");
    if (template.declarations.length === 0)
      throw new RangeError("Replicator.setStateTemplate: declare at least one value in the StateTemplate.");
    this.template = template;
  }

  /** Registers an event type (same order on every peer); before the first update. */
  addEventType<T>(type: EventType<T>): number {
    this.assertNotStarted("addEventType");
    return this.events.addEventType(type);
  }

  /** Calls `listener(eventTime, from, event, relayed)` for each received event of `type`; returns a remover. */
  addEventListener<T>(type: EventType<T>, listener: EventListener<T>): () => void {
    return this.events.addEventListener(type, listener);
  }

  /**
   * Sends `event` to every peer (`inOrder`: reliable-ordered, else unreliable); returns the peers it
   * was queued for. A client's goes to the server, which relays it to every other client (returns 1).
   */
  broadcastEvent<T>(type: EventType<T>, event: T, inOrder: boolean): number {
    return this.events.broadcastEvent(type, event, inOrder);
  }

  /**
   * Sends `event` to one peer: a proxy, or a link peer id (a client slot on the server; 0 = the
   * server on a client). A client reaches other clients only through the server: it throws.
   */
  sendEventTo<T>(peer: number | ReplicatorProxy, type: EventType<T>, event: T, inOrder: boolean): boolean {
    let id = typeof peer === "number" ? peer : peer.peer;
    if (typeof peer !== "number" && !this.isServer) {
      if (peer.peer !== SERVER_OWNER)
        throw new Error(
          "Replicator.sendEventTo: a client reaches other clients only through the server; send to the server's proxy and relay there.",
        );
      id = SERVER_PEER;
    }
    return this.events.sendEventTo(id, type, event, inOrder);
  }

  /** Sends `event` to the primary peer (the server); false on the server itself. */
  sendEventToPrimary<T>(type: EventType<T>, event: T, inOrder: boolean): boolean {
    return this.events.sendEventToPrimary(type, event, inOrder);
  }

  /**
   * Publishes this peer's state (one value per declaration, in order; the values are copied now).
   * A client's state goes up from the next update on — held until the server has given this
   * client its state entity, then only the newest one.
   */
  setSendState(state: State): void {
    const store = this.requireStore("setSendState");
    store.check(state);
    const peers = this.peers as PeerStates;
    if (this.isServer) store.write(peers.own(), state);
    else if (peers.mine >= 0) store.write(peers.mine, state);
    else this.pendingState = state.copy();
  }

  /** One proxy per remote peer with a state or a connection (refreshed by `update`). */
  get proxies(): readonly ReplicatorProxy[] {
    return this.proxyList;
  }

  /** Number of proxies (Traktor's `proxyCount`). */
  get proxyCount(): number {
    return this.proxyList.length;
  }

  /** Proxy `index` in 0..proxyCount-1 (Traktor's `getProxy`); throws out of range. */
  getProxy(index: number): ReplicatorProxy {
    const p = this.proxyList[index];
    if (p === undefined)
      throw new RangeError(`Replicator.getProxy(${index}): there are ${this.proxyList.length} proxies.`);
    return p;
  }

  /** Advances the clock by `dt` seconds and runs one App update (receive, systems, send). */
  update(dt: number): void {
    if (this.disposed) throw new Error("Replicator.update: the Replicator was disposed; create a new one.");
    this.requireStore("update");
    const app = this.app as App;
    this.clock.advance(dt);
    const peers = this.peers as PeerStates;
    if (this.pendingState !== undefined && peers.mine >= 0) {
      (this.store as StateStore).write(peers.mine, this.pendingState);
      this.pendingState = undefined;
    }
    app.update();
    if (this.isServer) {
      const s = getResource(app.world, ServerReplication);
      peers.releaseDeparted(s.server);
      peers.admitConnected(s.server);
      mirrorServerCounters(this.counters, s.counters);
    } else mirrorClientCounters(this.counters, getResource(app.world, ClientReplication).counters);
    this.refreshProxies(app);
  }

  /** True once the clocks agree (server: every measured client; client: its estimate converged). */
  get timeSynchronized(): boolean {
    return this.sync()?.timeSynchronized ?? false;
  }
  /** Spread of the clock estimate (s); NaN before the first update. */
  get timeVariance(): number {
    return this.sync()?.timeVariance ?? Number.NaN;
  }
  /** Average one-way latency to the peers (s). */
  get averageLatency(): number {
    return this.sync()?.averageLatency ?? Number.NaN;
  }
  /** Best one-way latency (s). */
  get bestLatency(): number {
    return this.sync()?.bestLatency ?? Number.NaN;
  }
  /** Worst one-way latency (s). */
  get worstLatency(): number {
    return this.sync()?.worstLatency ?? Number.NaN;
  }
  /** Average one-way latency from the peers back to us (s). */
  get averageReverseLatency(): number {
    return this.sync()?.averageReverseLatency ?? Number.NaN;
  }

  /** Disconnects and disposes the App (closing the connection); idempotent. The transport stays open. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.app?.dispose();
  }

  /** @internal ProxySource */
  isConnected(peer: number): boolean {
    const app = this.app;
    if (app === undefined) return false;
    if (this.isServer) return getResource(app.world, ServerReplication).server.isConnected(peer);
    return this.serverConnected() && (peer === SERVER_OWNER || this.peers?.entities.has(peer) === true);
  }

  /** @internal ProxySource */
  stateOf(peer: number): State | undefined {
    const eid = this.peers?.entities.get(peer);
    return eid === undefined || this.store === undefined ? undefined : this.store.read(eid);
  }

  /** @internal ProxySource */
  latencyOf(peer: number, which: LatencyKind): number {
    const app = this.app;
    if (app === undefined) return Number.NaN;
    if (this.isServer) {
      const p = getResource(app.world, TimeSyncServerResource).sync.peerStats(peer);
      return p === undefined || !p.measured ? Number.NaN : pickLatency(p, which);
    }
    // Another client's latency is not measured: its state comes through the server.
    if (peer !== SERVER_OWNER) return Number.NaN;
    return pickLatency(getResource(app.world, TimeSyncClientResource).sync, which);
  }

  private requireStore(what: string): StateStore {
    if (this.store !== undefined) return this.store;
    const template = this.template;
    if (template === undefined) throw new Error(`Replicator.${what}: call setStateTemplate(template) first.`);
    const registry = new ReplicationRegistry();
    const store = new StateStore(template, registry, this.config.maxEntities);
    this.store = store;
    const app = createApp({ clock: this.clock, fixedHz: this.config.fixedHz });
    this.app = app;
    const peers = new PeerStates(app.world, store, this.config.maxEntities);
    this.peers = peers;
    const t = this.topology;
    if (t.role === "server") {
      app.addPlugins(
        NetServerPlugin({
          ...t.replication,
          transport: t.transport,
          connection: t.connection,
          registry,
          events: this.events,
        }),
      );
    } else {
      app.addPlugins(
        NetClientPlugin({
          ...t.replication,
          transport: t.transport,
          connection: t.connection,
          token: t.token,
          registry,
          events: this.events,
        }),
      );
    }
    return store;
  }

  private assertNotStarted(what: string): void {
    if (this.app !== undefined)
      throw new Error(
        `Replicator.${what}: the Replicator already started; call it before the first update/setSendState.`,
      );
  }

  private serverConnected(): boolean {
    const app = this.app;
    return app !== undefined && getResource(app.world, ClientReplication).client.state === "connected";
  }

  private refreshProxies(app: App): void {
    // Reused: a new list (and proxies) only when the peers changed.
    const peers = this.peerScratch;
    peers.clear();
    if (this.isServer) {
      const server = getResource(app.world, ServerReplication).server;
      for (let slot = 0; slot < server.maxClients; slot++) if (server.isConnected(slot)) peers.push(slot);
    } else {
      const states = this.peers as PeerStates;
      states.scanReplicated(getResource(app.world, ClientReplication).client.clientIndex, peers);
      if (this.serverConnected() && !states.entities.has(SERVER_OWNER)) peers.push(SERVER_OWNER);
      peers.sortAscending();
    }
    let same = peers.length === this.proxyList.length;
    for (let i = 0; same && i < peers.length; i++) same = this.proxyList[i]?.peer === peers[i];
    if (same) return;
    const list: ReplicatorProxy[] = [];
    for (let i = 0; i < peers.length; i++) {
      const p = peers[i] as number;
      let proxy = this.proxyByPeer.get(p);
      if (proxy === undefined) {
        proxy = new ReplicatorProxy(p, this);
        this.proxyByPeer.set(p, proxy);
      }
      list.push(proxy);
    }
    this.proxyList = list;
  }

  private sync(): SyncStats | undefined {
    const app = this.app;
    if (app === undefined) return undefined;
    return this.isServer
      ? getResource(app.world, TimeSyncServerResource).sync
      : getResource(app.world, TimeSyncClientResource).sync;
  }
}
