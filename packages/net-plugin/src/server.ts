/** @canopy/net-plugin/server entry point; filled in by the Net layer. */
export {};
export { openUdpTransport, type UdpTransport, type UdpTransportOptions } from "./transport/node/udpTransport";
export {
  listenWebSocket,
  type WebSocketListenOptions,
  type WebSocketServerCounters,
  type WebSocketServerTransport,
} from "./transport/node/webSocketServer";
export { connectWebSocket } from "./transport/node/webSocketClient";
export {
  type WebSocketClientTransport,
  type WebSocketConnectOptions,
  type WebSocketFactory,
  type WebSocketLike,
} from "./transport/webSocketClient";
export { SocketError } from "./transport/node/socketError";
export { TcpServer, TcpSocket, type TcpConnectOptions } from "./transport/node/tcpSocket";
export { UdpSocket, type RecvFromOptions, type UdpMessage } from "./transport/node/udpSocket";
export {
  createServicesServer,
  type ServicesServer,
  type ServicesServerOptions,
} from "./services/node/server/app";
export {
  configFromEnv,
  defaultConfig,
  resolveConfig,
  type AchievementConfig,
  type LeaderboardConfig,
  type ServicesConfig,
  type ServicesConfigInput,
} from "./services/node/server/config";
export { configFromArgs } from "./services/node/server/cliArgs";
export { isPostgresUrl, openStore, type OpenStoreOptions } from "./services/node/server/openStore";
export { clientIdOf } from "./services/node/server/routes/startMatch";
export {
  API_PREFIX,
  ApiErrorStatus,
  EVENTS_PATH,
  Limits as ServicesLimits,
  routePath,
  Routes,
  SERVER_KEY_HEADER,
  WS_CLOSE_UNAUTHORIZED,
  type ApiErrorBody,
  type ApiErrorCode,
  type PushEvent,
  type RouteBody,
  type RouteName,
  type RouteQuery,
  type RouteResponse,
} from "./services/api";
export { openPacketLogFile } from "./connection/node/packetLogFile";
export {
  createNodeWebSocket,
  NodeWebSocket,
  type NodeWebSocketOptions,
} from "./services/node/client/nodeWebSocket";
export {
  openSqliteStore,
  type SqliteStore,
  type SqliteStoreOptions,
} from "./services/node/store/sqlite/sqliteStore";
export {
  openPostgresStore,
  type PostgresStore,
  type PostgresStoreOptions,
} from "./services/node/store/postgres/pgStore";
export { migratePostgres, migrateSqlite } from "./services/node/store/migrate";
export { MIGRATIONS, type Migration } from "./services/node/migrations/index";
export { createNodeFetch, type NodeFetchOptions } from "./services/node/client/nodeFetch";
export { nodeAead } from "./connection/node/nodeAead";
export { createNodeNetClient, createNodeNetServer } from "./connection/node/nodeNet";
export type { SweepResult } from "./services/node/server/sweeper";
