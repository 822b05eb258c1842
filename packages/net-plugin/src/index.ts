/**
 * @canopy/net-plugin — everything networked for a bitECS game built on @canopy/core: transports,
 * the reliable UDP protocol, replication, time sync, and online services. Platform-specific parts
 * live in the subpath exports `@canopy/net-plugin/server` (Node), `@canopy/net-plugin/client`
 * (browser) and `@canopy/net-plugin/testing` (harness and link-conditioner presets).
 */
export {};
export {
  createTransportCounters,
  type Address,
  type Datagram,
  type Transport,
  type TransportCounters,
} from "./transport/transport";
export { AddressScheme, TransportConstants } from "./transport/constants";
export {
  createLoopbackNetwork,
  type LoopbackNetwork,
  type LoopbackNetworkOptions,
} from "./transport/loopback";
export {
  LinkConditionDefaults,
  PERFECT_CONDITIONS,
  resolveLinkConditions,
  type BurstLoss,
  type LinkConditions,
} from "./transport/linkConditions";
export { type LinkDirectionStats } from "./transport/linkDirection";
export {
  LinkConditioner,
  type LinkConditionerOptions,
  type LinkConditionerStats,
} from "./transport/linkConditioner";
export { LinkPresets, type LinkPresetName } from "./transport/linkPresets";
export {
  ConnectTokenConstants,
  decodeConnectToken,
  encodeConnectToken,
  generateConnectToken,
  hasVersionInfo,
  openPrivateConnectToken,
  readConnectToken,
  type ConnectToken,
  type ConnectTokenRequest,
  type IssuedConnectToken,
  type PrivateConnectToken,
} from "./protocol/connectToken";
export {
  addSeq,
  asSeq16,
  BitReader,
  BitWriter,
  Buffers,
  createProtocolHash,
  nextSeq,
  Protocol,
  seqDiff,
  seqGreaterThan,
  seqLessThan,
  Timing,
  Wire,
  type ProtocolHashBuilder,
  type Seq16,
} from "./protocol/index";
export {
  formatHostPort,
  formatUdpAddress,
  parseHostPort,
  parseUdpAddress,
  type HostPort,
} from "./transport/socketAddress";
export {
  ChannelKind,
  createMessageHeader,
  createPacketHeader,
  createReliableCounters,
  DEFAULT_CHANNELS,
  describeChannels,
  isReliable,
  MAX_UNRELIABLE_MESSAGE_BYTES,
  MessagePrefix,
  messageHeaderBytes,
  PacketPrefix,
  readMessageHeader,
  readPacketHeader,
  ReliableEndpoint,
  SequenceBuffer,
  writeMessageHeader,
  writePacketHeader,
  type ChannelConfig,
  type LinkEstimates,
  type MessageHeader,
  type PacketHeader,
  type ReliableCounters,
  type ReliableEndpointOptions,
} from "./reliability/index";
export {
  HttpClient,
  HttpClientResult,
  HttpRequestContent,
  HttpRequestError,
  HttpTimeoutError,
  type HttpClientOptions,
  type HttpRequestOptions,
} from "./transport/httpClient";
export { NetServer, type NetServerConfig } from "./connection/netServer";
export { NetClient, type NetClientConfig } from "./connection/netClient";
export { ClientState, type ClientStateValue } from "./connection/clientState";
export {
  keepEvent,
  type NetClientEvent,
  type NetMessage,
  type NetServerEvent,
  type NetServerMessage,
} from "./connection/netEvents";
export {
  describeDisconnect,
  DisconnectReason,
  disconnectReasonFromCode,
  type DisconnectDetail,
  type DisconnectReasonName,
} from "./connection/disconnectReasons";
export { type NetCounters, type NetStats, type ServerNetStats } from "./connection/netStats";
export { DefaultRateLimits, type RateLimits } from "./connection/rateLimits";
export {
  type LogPacketsOption,
  type PacketLogMessage,
  type PacketLogOpener,
  type PacketLogRecord,
  type PacketLogSink,
  type PacketLogWriter,
} from "./connection/packetLog";
export { ConnectionDefaults, ConnectionWire, PacketType } from "./connection/constants";
export { encryptionOverhead } from "./connection/packetCrypto";
export { ServicesPlugin, SERVICES_PLUGIN, type ServicesPluginOptions } from "./plugins/servicesPlugin";
export { OnlineSession, SessionManager, type OnlineSessionOptions } from "./services/client/sessionManager";
export { ApplyServices, applyServices } from "./services/client/applyServices";
export { Result } from "./services/client/result";
export { ServiceError, type ClientErrorCode, type ServiceErrorCode } from "./services/client/serviceError";
export { Comparison, LobbyFilter } from "./services/client/lobbyFilter";
export { Lobby, type MatchStart } from "./services/client/lobby";
export type { MatchMaking } from "./services/client/matchMaking";
export type { Leaderboards, LeaderboardPage, ScoreUpdate } from "./services/client/leaderboards";
export type { AchievementUpdate, Achievements } from "./services/client/achievements";
export type { SaveData, SaveGame } from "./services/client/saveData";
export type { Identity } from "./services/client/identity";
export type { ServiceEvent, ServiceEventType } from "./services/client/events";
export type {
  Credentials,
  GuestCredentials,
  PasswordCredentials,
  RegisterCredentials,
} from "./services/client/credentials";
export { SERVICES_CLIENT_DEFAULTS, type ServicesClientTuning } from "./services/client/constants";
export type {
  ConnectionOptions as ServicesConnectionOptions,
  ServicesClientStats,
} from "./services/client/connectionTypes";
export type { FetchLike } from "./services/client/httpClient";
export type { WebSocketConstructor } from "./services/client/webSocketLike";
export type {
  AchievementState,
  FriendEntry,
  GameServerInfo,
  LeaderboardInfo,
  LobbyAccess,
  LobbyInfo,
  LobbyParticipant,
  Metadata,
  MetaValue,
  PublicUser,
  SaveInfo,
  ScoreEntry,
  UserInfo,
} from "./services/api";
export * from "./replication/index";
export type { Store, StoreKind } from "./services/store/store";
export {
  ConflictError,
  InvalidError,
  NotFoundError,
  StoreError,
  type ConflictReason,
} from "./services/store/errors";
export type {
  AchievementDefinition,
  AchievementProgress,
  BoardDefinition,
  FriendRecord,
  GameServerRecord,
  GameServerRegistration,
  LeaveResult,
  LobbyCreate,
  LobbyMemberRecord,
  LobbyRecord,
  MetadataPatch,
  SaveMeta,
  SaveRecord,
  SaveWrite,
  ScoreRecord,
  SessionRecord,
  SubmitResult,
  UserRecord,
} from "./services/store/records";
export { RankIndex, type RankEntry } from "./services/store/rankIndex";
export { nobleAead, type PacketAead } from "./connection/aead";
export { type ClientIdentity } from "./connection/serverConnection";
export {
  NetSets,
  PrepareSend,
  Receive,
  ReceivePackets,
  Send,
  SendPackets,
  type NetSetInfo,
} from "./replication/sets";
export {
  NET_CLIENT_PLUGIN,
  NET_SERVER_PLUGIN,
  NetClientPlugin,
  NetPlugin,
  NetServerPlugin,
  type NetClientPluginOptions,
  type NetPluginOptions,
  type NetServerPluginOptions,
} from "./plugins/netPlugin";
export { protocolHashOf } from "./plugins/net/protocolHashOf";
export {
  ClientView,
  ReplicationDefaults,
  ServerReplication,
  ServerReplicationState,
  type InterestOptions,
  type RelevanceFilter,
  type ServerReplicationCounters,
  type ServerReplicationOptions,
} from "./replication/server/serverReplication";
export { Networked } from "./replication/server/networked";
export { OWNER_FIELD_NAME, SERVER_OWNER, type OwnerComponent } from "./replication/server/ownership";
export { serverOwnerOf, setOwner } from "./replication/server/setOwner";
export { SpatialGrid } from "./replication/server/spatialGrid";
export {
  ClientReplication,
  ClientReplicationState,
  type ClientReplicationCounters,
  type ClientReplicationOptions,
} from "./replication/client/clientReplication";
export { SnapshotHistory } from "./replication/client/snapshotHistory";
export { Replicated } from "./replication/client/replicated";
export { isLocallyOwned, ownerOf } from "./replication/client/ownerOf";
export * from "./time-sync/index";
export * from "./replication/events/index";
export { loadSodiumAead } from "./connection/sodiumAead";
export { markChanged } from "./replication/server/markChanged";
export { setClientBandwidth } from "./replication/server/setClientBandwidth";
export { Replicator } from "./plugins/replicator/replicator";
export { StateTemplate, type StateDeclaration } from "./plugins/replicator/stateTemplate";
export { State } from "./plugins/replicator/state";
export { ReplicatorProxy, type LatencyKind } from "./plugins/replicator/proxy";
export {
  ReplicatorDefaults,
  type ClientTopology,
  type ReplicatorConfig,
  type ReplicatorCounters,
  type ReplicatorTopology,
  type ServerTopology,
} from "./plugins/replicator/config";
export { FrameEventKind, FrameEvents } from "./replication/server/frameEvents";
export type { ConnectionEnd } from "./replication/client/clientReplication";
export { AUTHORITY_FIELD_NAME, type Authority } from "./replication/server/ownership";
export { serverAuthorityOf, type SetOwnerOptions } from "./replication/server/setOwner";
export { hasAuthority } from "./replication/client/ownerOf";
export { UpstreamIncoming } from "./replication/server/upstreamIncoming";
export { UpstreamDefaults } from "./replication/server/upstreamFields";
export type { UpstreamValidator } from "./replication/server/serverReplication";
export {
  Correction,
  CorrectionStatus,
  CorrectionWire,
  maxCorrectionBytes,
  readCorrection,
  writeCorrection,
} from "./replication/server/correctionMessage";
export { describeCorrectionWire } from "./replication/server/correctionMessage";
export {
  correctionChannelOf,
  UpstreamCorrections,
  UpstreamCorrector,
} from "./replication/server/upstreamCorrector";
export { CorrectionInboxLimits } from "./replication/client/clientReplication";
export type { HistoryAuthorityFields } from "./replication/client/snapshotHistory";
export {
  wasmComponents,
  type WasmColumnType,
  type WasmComponentOf,
  type WasmComponentSchema,
  type WasmComponentsOptions,
} from "./replication/codec/wasm/componentMemory";
