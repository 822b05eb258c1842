/**
 * A small stepper for connection system tests: one NetServer and N NetClients in one process over
 * the in-memory loopback network, each client's link wrapped in a seeded LinkConditioner, all
 * driven by one ManualClock (or real sockets, for the UDP/WebSocket tests).
 */
import { ManualClock } from "@canopy/core";
import {
  createLoopbackNetwork,
  generateConnectToken,
  keepEvent,
  LinkConditioner,
  NetClient,
  NetServer,
  type ConnectTokenRequest,
  type LinkConditions,
  type NetClientConfig,
  type NetClientEvent,
  type NetServerConfig,
  type NetServerEvent,
  type Transport,
} from "@canopy/net-plugin";

export const KEY = new Uint8Array(32).fill(0x5a);
export const PROTOCOL_ID = 0x0123_4567_89abn;
export const SERVER = "loopback://server";

/** A server, its clients and their events, stepped frame by frame. */
export class Stepper {
  readonly clock = new ManualClock(1000);
  readonly network = createLoopbackNetwork();
  readonly server: NetServer;
  readonly serverEvents: NetServerEvent[] = [];
  readonly clients: NetClient[] = [];
  readonly clientEvents = new Map<NetClient, NetClientEvent[]>();
  private nextClientId = 1n;
  private seed: number;

  constructor(
    serverConfig: Partial<NetServerConfig> = {},
    private readonly link?: Partial<LinkConditions>,
    seed = 1,
    wrapServer: (inner: Transport) => Transport = (inner) => inner,
  ) {
    this.seed = seed;
    this.server = new NetServer(wrapServer(this.network.bind(SERVER)), {
      protocolId: PROTOCOL_ID,
      privateKey: KEY,
      ...serverConfig,
    });
  }

  /** A client on its own loopback endpoint, behind the conditioner when one was given. */
  addClient(config: NetClientConfig = {}, transport?: Transport): NetClient {
    let t = transport ?? this.network.bind();
    if (this.link !== undefined && transport === undefined) {
      t = new LinkConditioner(t, {
        clock: this.clock,
        seed: this.seed++,
        outbound: this.link,
        inbound: this.link,
      });
    }
    const client = new NetClient(t, config);
    this.clients.push(client);
    this.clientEvents.set(client, []);
    return client;
  }

  /** A fresh token for the next client id (override any field). */
  token(overrides: Partial<ConnectTokenRequest> = {}, key: Uint8Array = KEY) {
    return generateConnectToken(
      {
        protocolId: PROTOCOL_ID,
        clientId: this.nextClientId++,
        serverAddresses: [SERVER],
        expireSeconds: 60,
        timeoutSeconds: 3,
        ...overrides,
      },
      key,
    );
  }

  events(client: NetClient): NetClientEvent[] {
    return this.clientEvents.get(client) ?? [];
  }

  /** Runs `frames` frames of `dt` seconds (server and every client). */
  step(frames = 1, dt = 1 / 60, skip: ReadonlySet<NetClient> = new Set()): void {
    for (let f = 0; f < frames; f++) {
      this.clock.advance(dt);
      const now = this.clock.now();
      this.server.update(now);
      this.server.receivePackets();
      for (let e = this.server.pollEvent(); e; e = this.server.pollEvent())
        this.serverEvents.push(keepEvent(e));
      for (const c of this.clients) {
        if (skip.has(c)) continue;
        c.update(now);
        c.receivePackets();
        for (let e = c.pollEvent(); e; e = c.pollEvent()) this.clientEvents.get(c)?.push(keepEvent(e));
        c.sendPackets();
      }
      this.server.sendPackets();
    }
  }

  /** Steps until `done()` or `maxFrames`; returns whether it became true. */
  stepUntil(done: () => boolean, maxFrames = 600): boolean {
    for (let i = 0; i < maxFrames && !done(); i++) this.step();
    return done();
  }
}
