/**
 * The Stepper (STYLE.md habit 10): one server App and N client Apps in one process, each with the
 * NetPlugin, over the in-memory loopback network or real UDP/WebSocket sockets on 127.0.0.1,
 * every client link behind a seeded LinkConditioner, all on one shared ManualClock. Step ticks,
 * wait for a condition, cause loss bursts (`dropNext`, `setConditions`), join late, dispose.
 *
 * ```ts
 * await using s = await createStepper({ clients: 2, seed: 7, conditions: "BROADBAND_60MS_1PCT", setup });
 * await s.stepUntil(() => s.connected(), 300);
 * await s.stepTicks(60);
 * ```
 */
import { createApp, getResource, ManualClock, type App } from "@canopy/core";
import { generateConnectToken } from "../../../protocol/connectToken";
import { createLoopbackNetwork, type LoopbackNetwork } from "../../../transport/loopback";
import { LinkConditioner } from "../../../transport/linkConditioner";
import { LinkPresets, type LinkPresetName } from "../../../transport/linkPresets";
import type { LinkConditions } from "../../../transport/linkConditions";
import type { Transport } from "../../../transport/transport";
import { openUdpTransport } from "../../../transport/node/udpTransport";
import { listenWebSocket } from "../../../transport/node/webSocketServer";
import { connectWebSocket } from "../../../transport/node/webSocketClient";
import type { ReplicationRegistry } from "../../../replication/registry";
import { ClientReplication } from "../../../replication/client/clientReplication";
import type { ClientReplicationOptions } from "../../../replication/client/clientReplication";
import {
  ServerReplication,
  type ServerReplicationOptions,
} from "../../../replication/server/serverReplication";
import { NetClientPlugin, NetServerPlugin } from "../../netPlugin";
import type { EventRegistry } from "../../../replication/events/eventRegistry";
import { DropGate } from "../dropGate";
import type { PacketAead } from "../../../connection/aead";
import { loadSodiumAead } from "../../../connection/sodiumAead";

/** What `setup` returns for one app: its registry (made per app) and plugin options. */
export interface StepperSetup {
  registry: ReplicationRegistry;
  /** The app's event types (a fresh EventRegistry per app, same types in the same order). */
  events?: EventRegistry;
  server?: ServerReplicationOptions;
  client?: ClientReplicationOptions;
}

/** Options of {@link createStepper}. */
export interface StepperOptions {
  /** Clients connected from the start (default 1). */
  clients?: number;
  /** Default "loopback"; "udp" and "websocket" use real sockets on 127.0.0.1. */
  transport?: "loopback" | "udp" | "websocket";
  /** Conditions of every client link (both directions), or a LinkPresets name. Default perfect. */
  conditions?: Partial<LinkConditions> | LinkPresetName;
  /** Seed of the link conditioners (each client gets seed + index). */
  seed: number;
  /** Fixed ticks per second of every app (default 60); one step = one tick. */
  fixedHz?: number;
  /** Builds one app's game: components, registry, systems. `index` is the client number (server: −1). */
  setup(app: App, role: "server" | "client", index: number): StepperSetup;
  /**
   * Packet AEAD of the server and every client; default libsodium (`loadSodiumAead()`), as the Node
   * helpers use. Pass `nobleAead` for the portable default of NetServer/NetClient (same bytes).
   */
  aead?: PacketAead;
}

/** Which direction `dropNext` drops. */
export type DropDirection = "toClient" | "toServer" | "both";

const KEY = new Uint8Array(32).fill(0x6b);
const PROTOCOL_ID = 0x5_7e99_e5n;

/** A running server + clients; see {@link createStepper}. */
export class Stepper implements AsyncDisposable {
  readonly clock = new ManualClock(1000);
  readonly clients: App[] = [];
  readonly server: App;
  private readonly gates: DropGate[] = [];
  private readonly conditioners: LinkConditioner[] = [];
  private readonly transports: Transport[] = [];
  private nextClientId = 1n;
  private readonly dt: number;
  private readonly real: boolean;

  private constructor(
    private readonly options: StepperOptions,
    private readonly serverTransport: Transport,
    private readonly serverAddress: string,
    private readonly network: LoopbackNetwork | undefined,
  ) {
    this.dt = 1 / (options.fixedHz ?? 60);
    this.real = options.transport !== undefined && options.transport !== "loopback";
    this.transports.push(serverTransport);
    this.server = createApp({ clock: this.clock, fixedHz: options.fixedHz ?? 60 });
    const setup = options.setup(this.server, "server", -1);
    this.server.addPlugins(
      NetServerPlugin({
        ...setup.server,
        transport: serverTransport,
        registry: setup.registry,
        events: setup.events,
        connection: {
          protocolId: PROTOCOL_ID,
          privateKey: KEY,
          // WebSocket clients name the server by the normalised URL (a trailing slash added).
          publicAddresses:
            options.transport === "websocket"
              ? [serverAddress, new URL(serverAddress).href]
              : [serverAddress],
          maxClients: 64,
          aead: options.aead,
        },
      }),
    );
  }

  /** Builds the server and `options.clients` clients (which start connecting at once). */
  static async create(given: StepperOptions): Promise<Stepper> {
    // The AEAD the Node helpers use (createNodeNetServer/Client): same bytes, ~0.9 KiB per packet.
    const options = { ...given, aead: given.aead ?? (await loadSodiumAead()) };
    let s: Stepper;
    if (options.transport === "udp") {
      const t = await openUdpTransport({ address: "127.0.0.1", port: 0 });
      s = new Stepper(options, t, t.localAddress, undefined);
    } else if (options.transport === "websocket") {
      const t = await listenWebSocket({ host: "127.0.0.1", port: 0 });
      s = new Stepper(options, t, t.url, undefined);
    } else {
      const network = createLoopbackNetwork();
      s = new Stepper(options, network.bind("loopback://server"), "loopback://server", network);
    }
    for (let i = 0; i < (options.clients ?? 1); i++) await s.connectClient();
    return s;
  }

  /** Adds a client App (late join) that starts connecting now; returns it. */
  async connectClient(): Promise<App> {
    const index = this.clients.length;
    let inner: Transport;
    let serverAddress = this.serverAddress;
    if (this.options.transport === "udp") inner = await openUdpTransport({ address: "127.0.0.1", port: 0 });
    else if (this.options.transport === "websocket") {
      const ws = await connectWebSocket(this.serverAddress);
      inner = ws;
      serverAddress = ws.remoteAddress;
    } else inner = (this.network as LoopbackNetwork).bind();
    this.transports.push(inner);
    const conditions =
      typeof this.options.conditions === "string"
        ? LinkPresets[this.options.conditions]
        : this.options.conditions;
    const conditioner = new LinkConditioner(inner, {
      clock: this.clock,
      seed: this.options.seed + index,
      outbound: conditions,
      inbound: conditions,
    });
    const gate = new DropGate(conditioner);
    const app = createApp({ clock: this.clock, fixedHz: this.options.fixedHz ?? 60 });
    const setup = this.options.setup(app, "client", index);
    const token = generateConnectToken(
      {
        protocolId: PROTOCOL_ID,
        clientId: this.nextClientId++,
        serverAddresses: [serverAddress],
        expireSeconds: 300,
        timeoutSeconds: 5,
      },
      KEY,
    );
    app.addPlugins(
      NetClientPlugin({
        ...setup.client,
        transport: gate,
        registry: setup.registry,
        events: setup.events,
        token,
        connection: { aead: this.options.aead },
      }),
    );
    this.clients.push(app);
    this.gates.push(gate);
    this.conditioners.push(conditioner);
    return app;
  }

  /** True when every client (or client `index`) is connected. */
  connected(index?: number): boolean {
    const list = index === undefined ? this.clients : [this.clients[index]];
    return list.every(
      (app) => app !== undefined && getResource(app.world, ClientReplication).client.state === "connected",
    );
  }

  /** Runs `n` ticks: the clock advances one fixed step, then the server and every client update. */
  async stepTicks(n = 1): Promise<void> {
    for (let i = 0; i < n; i++) {
      this.clock.advance(this.dt);
      this.server.update();
      for (const c of this.clients) c.update();
      if (this.real) await new Promise<void>((resolve) => setTimeout(resolve, 1));
    }
  }

  /** Steps until `done()` is true or `maxTicks` ran; returns `done()`. */
  async stepUntil(done: () => boolean, maxTicks = 600): Promise<boolean> {
    for (let i = 0; i < maxTicks && !done(); i++) await this.stepTicks(1);
    return done();
  }

  /** Drops the next `count` datagrams of client `client` (default all clients) in `direction`. */
  dropNext(count: number, direction: DropDirection = "toClient", client?: number): void {
    this.gates.forEach((g, i) => {
      if (client !== undefined && i !== client) return;
      if (direction !== "toServer") g.dropInbound += count;
      if (direction !== "toClient") g.dropOutbound += count;
    });
  }

  /** Changes the link conditions of client `client` (default all), both directions. */
  setConditions(conditions: Partial<LinkConditions> | LinkPresetName, client?: number): void {
    const c = typeof conditions === "string" ? LinkPresets[conditions] : conditions;
    this.conditioners.forEach((l, i) => {
      if (client === undefined || i === client) l.setConditions({ outbound: c, inbound: c });
    });
  }

  /** The server App's replication state (NetServer, counters, per-client views). */
  get serverState() {
    return getResource(this.server.world, ServerReplication);
  }

  /** Client `index`'s replication state. */
  clientState(index: number) {
    const app = this.clients[index];
    if (app === undefined) throw new RangeError(`Stepper.clientState: no client ${index}.`);
    return getResource(app.world, ClientReplication);
  }

  /** Disposes every app (disconnecting) and closes every transport. */
  async dispose(): Promise<void> {
    for (const c of this.clients) c.dispose();
    this.server.dispose();
    for (const t of this.transports.reverse()) await t.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/** Creates a {@link Stepper}: server App + N client Apps on one ManualClock. */
export function createStepper(options: StepperOptions): Promise<Stepper> {
  return Stepper.create(options);
}
