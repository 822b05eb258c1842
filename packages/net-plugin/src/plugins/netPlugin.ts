/**
 * `NetPlugin`: puts Canopy replication on a core App, as a server (`NetServerPlugin`) or a client
 * (`NetClientPlugin`). It builds the NetServer/NetClient over the given transport with the
 * registry's protocol hash (replicated fields and event types), inserts the replication resource,
 * orders the net sets and adds one system per step (docs/ARCHITECTURE.md "Systems per set, in
 * order"), plus time sync (on by default) and events (when given an EventRegistry), whose
 * messages the receive systems route to them.
 *
 * ```ts
 * const registry = new ReplicationRegistry();
 * registry.replicate(Position, Vec3Template({ min: -512, max: 512, precision: 1 / 256 }));
 * serverApp.addPlugins(NetPlugin({ role: "server", transport, registry, connection: { protocolId, privateKey } }));
 * // spawn: addEntity(world); addComponent(world, eid, Networked); setOwner(world, eid, clientSlot)
 * // client authority (the owner sends its state up): setOwner(world, eid, clientSlot, { authority: "client" })
 * clientApp.addPlugins(NetPlugin({ role: "client", transport, registry, token }));
 * ```
 */
import { FixedTime, Stage, type App, type Plugin } from "@canopy/core";
import { addComponent, observe, onAdd, onRemove } from "bitecs";
import type { IssuedConnectToken } from "../protocol/connectToken";
import { NetClient } from "../connection/netClient";
import type { NetClientConfig } from "../connection/clientConfig";
import { NetServer } from "../connection/netServer";
import type { NetServerConfig } from "../connection/serverConfig";
import { DEFAULT_CHANNELS } from "../reliability/channels";
import type { Transport } from "../transport/transport";
import type { ReplicationRegistry } from "../replication/registry";
import { PrepareSend, Receive, ReceivePackets, Send, SendPackets } from "../replication/sets";
import { ensureOwnerField } from "../replication/server/ownership";
import { Networked } from "../replication/server/networked";
import { warnLowBudget } from "../replication/server/snapshotBudget";
import {
  ReplicationDefaults,
  ServerReplication,
  ServerReplicationState,
  type ServerReplicationOptions,
} from "../replication/server/serverReplication";
import { receivePackets as serverReceivePackets } from "../replication/server/receivePackets";
import { handleConnections } from "../replication/server/handleConnections";
import { receiveResyncs } from "../replication/server/receiveResyncs";
import { prepareSnapshots } from "../replication/server/prepareSnapshots";
import { sendSnapshots } from "../replication/server/sendSnapshots";
import { sendPackets as serverSendPackets } from "../replication/server/sendPackets";
import {
  ClientReplication,
  ClientReplicationState,
  type ClientReplicationOptions,
} from "../replication/client/clientReplication";
import { receivePackets as clientReceivePackets } from "../replication/client/receivePackets";
import { handleConnection } from "../replication/client/handleConnection";
import { receiveSnapshots } from "../replication/client/receiveSnapshots";
import { applySnapshots } from "../replication/client/applySnapshots";
import { sendPackets as clientSendPackets } from "../replication/client/sendPackets";
import { sendOwnedState } from "../replication/client/sendOwnedState";
import { receiveOwnedState } from "../replication/server/receiveOwnedState";
import {
  correctionChannelOf,
  UpstreamCorrections,
  UpstreamCorrector,
} from "../replication/server/upstreamCorrector";
import { Replicated } from "../replication/client/replicated";
import type { EventRegistry } from "../replication/events/eventRegistry";
import type { TimeSyncOptions } from "../time-sync/constants";
import { clientPeerLink, serverPeerLink } from "../time-sync/peerLink";
import { installTimeSyncClient, installTimeSyncServer } from "../time-sync/systems";
import { configureNetSets } from "./net/configureNetSets";
import { protocolHashOf } from "./net/protocolHashOf";
import { wirePeerMessages } from "./net/wirePeerMessages";

/** Name of the server plugin. */
export const NET_SERVER_PLUGIN = "canopy.net.server";
/** Name of the client plugin. */
export const NET_CLIENT_PLUGIN = "canopy.net.client";

/** Options of {@link NetServerPlugin}. */
export interface NetServerPluginOptions extends ServerReplicationOptions {
  /** Transport the server listens on (loopback, conditioned, UDP, WebSocket). */
  transport: Transport;
  /** Connection config; `protocolHash` is computed from the registry. */
  connection: Omit<NetServerConfig, "protocolHash">;
  /** Replicated components (the same fields, in the same order, as the clients'). */
  registry: ReplicationRegistry;
  /** Event types (register them all first); inserted as the `Events` resource. */
  events?: EventRegistry;
  /** Answer clients' time-sync pings (default true). */
  timeSync?: boolean;
  /**
   * Client authority: the reliable channel carrying corrections of refused upstream state
   * (default: the first reliable-unordered channel, else the first reliable one, else none;
   * unused with `corrections: false`).
   */
  correctionChannel?: number;
}

/** Options of {@link NetClientPlugin}. */
export interface NetClientPluginOptions extends ClientReplicationOptions {
  /** Transport to reach the server. */
  transport: Transport;
  /** Connection config; `protocolHash` is computed from the registry. */
  connection?: Omit<NetClientConfig, "protocolHash">;
  /** Replicated components (the same fields, in the same order, as the server's). */
  registry: ReplicationRegistry;
  /** Connect at start-up with this token (else call `getResource(ClientReplication).client.connect`). */
  token?: Uint8Array | string | IssuedConnectToken;
  /** Event types (the server's, in the same order); inserted as the `Events` resource. */
  events?: EventRegistry;
  /** Time-sync options, or `false` for none (default: on, with TimeSyncDefaults). */
  timeSync?: TimeSyncOptions | false;
}

/** The server side of replication on an App. */
export function NetServerPlugin(options: NetServerPluginOptions): Plugin {
  let state: ServerReplicationState | undefined;
  let unobserve: (() => void) | undefined;
  return {
    name: NET_SERVER_PLUGIN,
    build(app: App): void {
      const { field, authorityField, component } = ensureOwnerField(options.registry);
      const channels = options.connection.channels ?? DEFAULT_CHANNELS;
      const capacity = options.capacity ?? ReplicationDefaults.capacity;
      const corrections = options.corrections ?? true;
      const userAcked = options.connection.onMessageAcked;
      const server = new NetServer(options.transport, {
        ...options.connection,
        protocolHash: protocolHashOf(options.registry, channels, options.events, capacity, corrections),
        // Snapshot baselines come from the packet acks (docs/ARCHITECTURE.md "Snapshot acks").
        onMessageAcked: (client, channel, ticket) => {
          s.messageAcked(client, channel, ticket);
          userAcked?.(client, channel, ticket);
        },
      });
      const s = new ServerReplicationState(
        server,
        options.registry,
        component,
        field,
        authorityField,
        options,
      );
      state = s;
      app.insertResource(ServerReplication, s);
      // Once, here: a rate that cannot give every tick's snapshot its floor (snapshotBudget.ts).
      warnLowBudget("NetServerPlugin: bandwidthBytesPerSecond", s.bandwidth, app.getResource(FixedTime).hz);
      app.insertResource(
        UpstreamCorrections,
        new UpstreamCorrector(
          options.registry,
          corrections ? correctionChannelOf(channels, options.correctionChannel) : -1,
        ),
      );
      const stopRemove = observe(app.world, onRemove(Networked), (eid: number) => {
        s.pendingRelease.push(eid);
      });
      const stopAdd = observe(app.world, onAdd(Networked), (eid: number) => {
        if (s.changeDetection === "marked") s.pendingAdd.push(eid);
      });
      unobserve = () => {
        stopRemove();
        stopAdd();
      };
      configureNetSets(app);
      app.addSystems(
        Stage.PreUpdate,
        { run: serverReceivePackets, name: "server.receivePackets", in: ReceivePackets },
        { run: handleConnections, name: "server.handleConnections", in: Receive },
        { run: receiveResyncs, name: "server.receiveResyncs", in: Receive, after: handleConnections },
        { run: receiveOwnedState, name: "server.receiveOwnedState", in: Receive, after: receiveResyncs },
      );
      app.addSystems(
        Stage.PostUpdate,
        { run: prepareSnapshots, name: "server.prepareSnapshots", in: PrepareSend },
        { run: sendSnapshots, name: "server.sendSnapshots", in: Send },
        { run: serverSendPackets, name: "server.sendPackets", in: SendPackets },
      );
      // After replication's systems: events are dispatched once this frame's snapshots are in.
      const sync =
        options.timeSync !== false ? installTimeSyncServer(app, { receive: Receive, send: Send }) : undefined;
      wirePeerMessages(app, serverPeerLink(server), s.routers, sync, options.events);
    },
    cleanup(): void {
      unobserve?.();
      state?.server.close();
    },
  };
}

/** The client side of replication on an App. */
export function NetClientPlugin(options: NetClientPluginOptions): Plugin {
  let state: ClientReplicationState | undefined;
  return {
    name: NET_CLIENT_PLUGIN,
    build(app: App): void {
      const { field, authorityField, component } = ensureOwnerField(options.registry);
      const channels = options.connection?.channels ?? DEFAULT_CHANNELS;
      const capacity = options.capacity ?? ReplicationDefaults.capacity;
      const corrections = options.corrections ?? true;
      const userAcked = options.connection?.onMessageAcked;
      const client = new NetClient(options.transport, {
        ...options.connection,
        protocolHash: protocolHashOf(options.registry, channels, options.events, capacity, corrections),
        // Upstream baselines (client authority) come from the packet acks, as the server's do.
        onMessageAcked: (channel, ticket) => {
          s.messageAcked(channel, ticket);
          userAcked?.(channel, ticket);
        },
      });
      const s = new ClientReplicationState(
        client,
        options.registry,
        component,
        field,
        authorityField,
        options,
      );
      const world = app.world;
      s.hooks = {
        onSpawn: (eid) => void addComponent(world, eid, Replicated),
        // A despawned id's history must not leak into the next entity given that id.
        onDespawn: (_eid, netId) => s.history.clear(netId),
      };
      state = s;
      app.insertResource(ClientReplication, s);
      configureNetSets(app);
      app.addSystems(
        Stage.PreUpdate,
        { run: clientReceivePackets, name: "client.receivePackets", in: ReceivePackets },
        { run: handleConnection, name: "client.handleConnection", in: Receive },
        { run: receiveSnapshots, name: "client.receiveSnapshots", in: Receive, after: handleConnection },
        { run: applySnapshots, name: "client.applySnapshots", in: Receive, after: receiveSnapshots },
      );
      app.addSystems(
        Stage.PostUpdate,
        { run: sendOwnedState, name: "client.sendOwnedState", in: Send },
        { run: clientSendPackets, name: "client.sendPackets", in: SendPackets },
      );
      // After replication's systems: listeners see the entities this frame's snapshots spawned.
      const sync =
        options.timeSync !== false
          ? installTimeSyncClient(app, { receive: Receive, send: Send }, options.timeSync)
          : undefined;
      wirePeerMessages(app, clientPeerLink(client), s.routers, sync, options.events);
      // Client authority: the server's corrections of refused upstream state (applySnapshots applies them).
      if (corrections)
        s.routers.push((_peer, buffer, offset, length) => s.routeCorrection(buffer, offset, length));
      if (options.token !== undefined) client.connect(options.token);
    },
    cleanup(): void {
      state?.client.close();
    },
  };
}

/** Options of {@link NetPlugin}: the server or client options with their `role`. */
export type NetPluginOptions =
  ({ role: "server" } & NetServerPluginOptions) | ({ role: "client" } & NetClientPluginOptions);

/** `NetServerPlugin` or `NetClientPlugin`, chosen by `role`. */
export function NetPlugin(options: NetPluginOptions): Plugin {
  return options.role === "server" ? NetServerPlugin(options) : NetClientPlugin(options);
}
