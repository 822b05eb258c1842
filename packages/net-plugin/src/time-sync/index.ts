/**
 * time-sync/ — ping/pong clock sync over a connection: a filtered clock offset, the server-tick
 * estimate and one-way latencies under Traktor's names (docs/TIME-SYNC.md).
 */
export {
  resolveTimeSyncOptions,
  TimeSyncDefaults,
  TimeSyncWire,
  type ResolvedTimeSyncOptions,
  type TimeSyncOptions,
} from "./constants";
export { ClockFilter, type ClockEstimate, type ClockSample } from "./clockFilter";
export {
  decodePing,
  decodePong,
  encodePing,
  encodePong,
  isTimeSyncMessage,
  type Ping,
  type Pong,
} from "./messages";
export { TimeSyncClient, TimeSyncReceive, type TimeSyncClientCounters } from "./timeSyncClient";
export { TimeSyncServer, type TimeSyncPeerStats, type TimeSyncServerCounters } from "./timeSyncServer";
export { clientPeerLink, serverPeerLink, SERVER_PEER, type PeerLink } from "./peerLink";
export { MessageInbox } from "./inbox";
export {
  anchorServerTick,
  answerTimeSyncPings,
  installTimeSyncClient,
  installTimeSyncServer,
  receiveTimeSyncPongs,
  sendTimeSyncPings,
  TIME_SYNC_CHANNEL,
  TimeSyncClientResource,
  TimeSyncClientState,
  TimeSyncServerResource,
  TimeSyncServerState,
  type TimeSyncSets,
} from "./systems";
