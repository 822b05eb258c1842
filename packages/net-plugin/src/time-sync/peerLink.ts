/**
 * `PeerLink`: a connection seen as numbered peers, the one thing time sync and events need from
 * the connection layer. Adapters for a NetServer (peers = client slots, no primary: it is the
 * primary) and a NetClient (one peer, id 0 = the server, which is the primary). A peer-to-peer
 * topology can provide its own.
 */
import type { NetClient } from "../connection/netClient";
import type { NetServer } from "../connection/netServer";

/** Numbered peers to send messages to. */
export interface PeerLink {
  /** Peer ids are 0..maxPeers-1. */
  readonly maxPeers: number;
  /** Id of the primary peer (server or host), or `undefined` when this side is the primary. */
  readonly primary: number | undefined;
  /**
   * True when the primary relays broadcasts (a client of a server): `broadcastEvent` then sends
   * one message to the primary, marked as a broadcast, instead of one per peer.
   */
  readonly relaysBroadcasts?: boolean;
  /** True if `peer` is connected now. */
  isConnected(peer: number): boolean;
  /** True if `send(peer, channel, bytes)` would be accepted now. */
  canSend(peer: number, channel: number, bytes: number): boolean;
  /**
   * Queues `data[0, length)` (default: all of it) to `peer` on `channel`, copying the bytes before
   * it returns (the caller may reuse `data` at once).
   */
  send(peer: number, channel: number, data: Uint8Array, length?: number): void;
}

/** The peer id of the server on a client link. */
export const SERVER_PEER = 0;

/** A NetServer as a PeerLink: peer = client slot. */
export function serverPeerLink(server: NetServer): PeerLink {
  return {
    maxPeers: server.maxClients,
    primary: undefined,
    isConnected: (peer) => server.isConnected(peer),
    canSend: (peer, channel, bytes) => server.canSend(peer, channel, bytes),
    send: (peer, channel, data, length) => server.send(peer, channel, data, length),
  };
}

/** A NetClient as a PeerLink: one peer, {@link SERVER_PEER}, which is the primary. */
export function clientPeerLink(client: NetClient): PeerLink {
  return {
    maxPeers: 1,
    primary: SERVER_PEER,
    relaysBroadcasts: true,
    isConnected: (peer) => peer === SERVER_PEER && client.state === "connected",
    canSend: (peer, channel, bytes) => peer === SERVER_PEER && client.canSend(channel, bytes),
    send: (peer, channel, data, length) => {
      if (peer !== SERVER_PEER)
        throw new RangeError(`clientPeerLink.send: a client has one peer (${SERVER_PEER}), got ${peer}.`);
      client.send(channel, data, length);
    },
  };
}
