/**
 * Events rig: a NetServer and N NetClients over loopback, each client's link behind a seeded
 * LinkConditioner, one EventRegistry per side wired through PeerLinks; every frame routes received
 * messages into the registries and dispatches them (what the Receive-set system does).
 */
import { ManualClock } from "@canopy/core";
import { NetClient } from "../../../src/connection/netClient";
import { NetServer } from "../../../src/connection/netServer";
import { generateConnectToken } from "../../../src/protocol/connectToken";
import { EventRegistry } from "../../../src/replication/events/eventRegistry";
import type { EventType } from "../../../src/replication/events/eventType";
import { clientPeerLink, serverPeerLink } from "../../../src/time-sync/peerLink";
import { createLoopbackNetwork } from "../../../src/transport/loopback";
import { LinkConditioner } from "../../../src/transport/linkConditioner";
import type { LinkConditions } from "../../../src/transport/linkConditions";

const KEY = new Uint8Array(32).fill(4);
const PROTOCOL_ID = 0xe7e7n;

export class EventsRig {
  readonly clock = new ManualClock(10);
  readonly server: NetServer;
  readonly serverEvents = new EventRegistry();
  readonly clients: NetClient[] = [];
  readonly clientEvents: EventRegistry[] = [];
  /** Messages neither registry claimed. */
  unrouted = 0;
  tick = 0;

  constructor(types: readonly EventType<never>[], link: Partial<LinkConditions>, seed: number, clients = 1) {
    const network = createLoopbackNetwork();
    this.server = new NetServer(network.bind("loopback://server"), {
      protocolId: PROTOCOL_ID,
      privateKey: KEY,
    });
    this.serverEvents.link = serverPeerLink(this.server);
    this.serverEvents.tickSource = () => this.tick;
    for (const t of types) this.serverEvents.addEventType(t);
    for (let i = 0; i < clients; i++) {
      const transport = new LinkConditioner(network.bind(), {
        clock: this.clock,
        seed: seed * 100 + i,
        outbound: link,
        inbound: link,
      });
      const c = new NetClient(transport, {});
      const r = new EventRegistry();
      for (const t of types) r.addEventType(t);
      r.link = clientPeerLink(c);
      r.tickSource = () => this.tick;
      c.connect(
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
      this.clients.push(c);
      this.clientEvents.push(r);
    }
    for (let i = 0; i < 600 && !this.clients.every((c) => c.state === "connected"); i++) this.step();
    if (!this.clients.every((c) => c.state === "connected"))
      throw new Error("EventsRig: clients did not connect");
  }

  /** One 60 Hz frame for everyone. */
  step(frames = 1): void {
    for (let f = 0; f < frames; f++) {
      this.clock.advance(1 / 60);
      this.tick++;
      const now = this.clock.now();
      const s = this.server;
      s.update(now);
      s.receivePackets();
      for (let e = s.pollEvent(); e; e = s.pollEvent()) {
        if (e.type === "message" && !this.serverEvents.route(e.client, e.data)) this.unrouted++;
      }
      this.serverEvents.dispatch();
      this.clients.forEach((c, i) => {
        const r = this.clientEvents[i] as EventRegistry;
        c.update(now);
        c.receivePackets();
        for (let e = c.pollEvent(); e; e = c.pollEvent()) {
          if (e.type === "message" && !r.route(0, e.data)) this.unrouted++;
        }
        r.dispatch();
        r.flush();
        c.sendPackets();
      });
      this.serverEvents.flush();
      s.sendPackets();
    }
  }
}
