/**
 * Apps rig for the time-sync and events system tests: a server App and N client Apps (each with
 * its own ManualClock, started at a different reading), NetServer/NetClient over the loopback
 * network with every client's link behind a seeded LinkConditioner, the net sets chained as the
 * NetPlugin does, and a small I/O plugin that drives the connections and routes each received
 * message to the time-sync and event resources — the wiring the NetPlugin is to do.
 */
import {
  type App,
  chain,
  createApp,
  ManualClock,
  Stage,
  Time,
  getResource,
  type AppWorld,
} from "@canopy/core";
import {
  clientPeerLink,
  createLoopbackNetwork,
  createProtocolHash,
  EventRegistry,
  generateConnectToken,
  installEvents,
  installTimeSyncClient,
  installTimeSyncServer,
  LinkConditioner,
  NetClient,
  NetServer,
  PrepareSend,
  Receive,
  ReceivePackets,
  Send,
  SendPackets,
  serverPeerLink,
  type EventType,
  type LinkConditions,
  type TimeSyncClientState,
  type TimeSyncServerState,
} from "@canopy/net-plugin";

const KEY = new Uint8Array(32).fill(7);
const PROTOCOL_ID = 0x5eedn;

/** The protocol hash both sides compare: here only the event registry (the NetPlugin adds its part). */
function eventsHash(events: EventRegistry): number {
  return createProtocolHash().add("events", events.describe()).digest();
}

function chainSets(app: App): void {
  app.configureSets(Stage.PreUpdate, chain(ReceivePackets, Receive));
  app.configureSets(Stage.PostUpdate, chain(PrepareSend, Send, SendPackets));
}

/** One side: its app, clock, time sync and events. */
export interface ServerSide {
  app: App;
  clock: ManualClock;
  server: NetServer;
  sync: TimeSyncServerState;
  events: EventRegistry;
}
export interface ClientSide {
  app: App;
  clock: ManualClock;
  client: NetClient;
  sync: TimeSyncClientState;
  events: EventRegistry;
}

export interface AppRigOptions {
  clients: number;
  uplink: Partial<LinkConditions>;
  downlink: Partial<LinkConditions>;
  seed: number;
  /** Event types registered on every side, in this order. */
  types?: readonly EventType<never>[];
  /** Event types of client i when they differ from `types` (a protocol-hash mismatch). */
  clientTypes?: (i: number) => readonly EventType<never>[];
  /** Start reading of client i's clock (the server's starts at 1000). */
  clientClockStart?: (i: number) => number;
}

export class AppRig {
  readonly server: ServerSide;
  readonly clients: ClientSide[] = [];

  constructor(o: AppRigOptions) {
    const network = createLoopbackNetwork();
    const sClock = new ManualClock(1000);
    const sApp = createApp({ clock: sClock, fixedHz: 60 });
    chainSets(sApp);
    const sEvents = installEvents(sApp, new EventRegistry(), { receive: Receive, send: Send });
    for (const t of o.types ?? []) sEvents.addEventType(t);
    const server = new NetServer(network.bind("loopback://server"), {
      protocolId: PROTOCOL_ID,
      privateKey: KEY,
      protocolHash: eventsHash(sEvents),
    });
    const sSync = installTimeSyncServer(sApp, { receive: Receive, send: Send });
    sSync.link = serverPeerLink(server);
    sEvents.link = serverPeerLink(server);
    sApp.addSystems(Stage.PreUpdate, {
      name: "test.serverReceive",
      in: ReceivePackets,
      run: (world: AppWorld) => {
        server.update(getResource(world, Time).now);
        server.receivePackets();
        for (let e = server.pollEvent(); e; e = server.pollEvent()) {
          if (e.type === "message") {
            if (!sSync.route(e.client, e.data)) sEvents.route(e.client, e.data);
          } else if (e.type === "disconnected") sSync.sync.forget(e.client);
        }
      },
    });
    sApp.addSystems(Stage.PostUpdate, {
      name: "test.serverSend",
      in: SendPackets,
      run: () => server.sendPackets(),
    });
    this.server = { app: sApp, clock: sClock, server, sync: sSync, events: sEvents };

    for (let i = 0; i < o.clients; i++) {
      const clock = new ManualClock(o.clientClockStart?.(i) ?? 1000);
      const app = createApp({ clock, fixedHz: 60 });
      chainSets(app);
      const transport = new LinkConditioner(network.bind(), {
        clock,
        seed: o.seed * 10 + i,
        outbound: o.uplink,
        inbound: o.downlink,
      });
      const events = installEvents(app, new EventRegistry(), { receive: Receive, send: Send });
      for (const t of o.clientTypes?.(i) ?? o.types ?? []) events.addEventType(t);
      const client = new NetClient(transport, { protocolHash: eventsHash(events) });
      const sync = installTimeSyncClient(app, { receive: Receive, send: Send });
      sync.link = clientPeerLink(client);
      events.link = clientPeerLink(client);
      app.addSystems(Stage.PreUpdate, {
        name: "test.clientReceive",
        in: ReceivePackets,
        run: (world: AppWorld) => {
          client.update(getResource(world, Time).now);
          client.receivePackets();
          for (let e = client.pollEvent(); e; e = client.pollEvent()) {
            if (e.type === "message" && !sync.route(0, e.data)) events.route(0, e.data);
          }
        },
      });
      app.addSystems(Stage.PostUpdate, {
        name: "test.clientSend",
        in: SendPackets,
        run: () => client.sendPackets(),
      });
      client.connect(
        generateConnectToken(
          {
            protocolId: PROTOCOL_ID,
            clientId: BigInt(i + 1),
            serverAddresses: ["loopback://server"],
            expireSeconds: 600,
            timeoutSeconds: 10,
          },
          KEY,
        ),
      );
      this.clients.push({ app, clock, client, sync, events });
    }
    this.stepUntil(() => this.clients.every((c) => c.client.state === "connected"), 600);
  }

  /** One 60 Hz frame: the server, then each client half a frame later. */
  step(frames = 1, onClient?: (c: ClientSide, i: number) => void): void {
    for (let f = 0; f < frames; f++) {
      this.server.clock.advance(1 / 60);
      this.server.app.update();
      this.clients.forEach((c, i) => {
        c.clock.advance(1 / 60);
        c.app.update();
        onClient?.(c, i);
      });
    }
  }

  stepUntil(done: () => boolean, maxFrames: number): boolean {
    for (let i = 0; i < maxFrames && !done(); i++) this.step();
    return done();
  }
}
