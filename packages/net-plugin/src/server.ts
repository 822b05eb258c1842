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
export { openPacketLogFile } from "./connection/node/packetLogFile";
