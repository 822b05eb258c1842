/** A tiny in-test stepper for connection unit tests: one server, N clients, loopback, manual time. */
import { ManualClock } from "@canopy/core";
import { NetClient, type NetClientConfig } from "../../src/connection/netClient";
import { NetServer, type NetServerConfig } from "../../src/connection/netServer";
import { keepEvent, type NetClientEvent, type NetServerEvent } from "../../src/connection/netEvents";
import { generateConnectToken, type ConnectTokenRequest } from "../../src/protocol/connectToken";
import { createLoopbackNetwork } from "../../src/transport/loopback";

export const KEY = new Uint8Array(32).fill(9);
export const PROTOCOL_ID = 0xc0ffeen;

export function makeWorld(serverConfig: Partial<NetServerConfig> = {}) {
  const clock = new ManualClock(100);
  const network = createLoopbackNetwork();
  const server = new NetServer(network.bind("loopback://server"), {
    protocolId: PROTOCOL_ID,
    privateKey: KEY,
    ...serverConfig,
  });
  const clients: NetClient[] = [];
  const serverEvents: NetServerEvent[] = [];
  const clientEvents = new Map<NetClient, NetClientEvent[]>();
  let nextClientId = 1n;
  return {
    clock,
    network,
    server,
    clients,
    serverEvents,
    addClient(config: NetClientConfig = {}): NetClient {
      const client = new NetClient(network.bind(), config);
      clients.push(client);
      clientEvents.set(client, []);
      return client;
    },
    token(overrides: Partial<ConnectTokenRequest> = {}, key = KEY) {
      return generateConnectToken(
        {
          protocolId: PROTOCOL_ID,
          clientId: nextClientId++,
          serverAddresses: ["loopback://server"],
          expireSeconds: 60,
          timeoutSeconds: 2,
          ...overrides,
        },
        key,
      );
    },
    eventsOf(client: NetClient): NetClientEvent[] {
      return clientEvents.get(client) ?? [];
    },
    step(seconds = 1 / 60, frames = 1): void {
      for (let f = 0; f < frames; f++) {
        clock.advance(seconds);
        const now = clock.now();
        server.update(now);
        server.receivePackets();
        for (let e = server.pollEvent(); e; e = server.pollEvent()) serverEvents.push(keepEvent(e));
        for (const c of clients) {
          c.update(now);
          c.receivePackets();
          for (let e = c.pollEvent(); e; e = c.pollEvent()) clientEvents.get(c)?.push(keepEvent(e));
          c.sendPackets();
        }
        server.sendPackets();
      }
    },
  };
}
