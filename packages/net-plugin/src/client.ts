/** @canopy/net-plugin/client entry point; filled in by the Net layer. */
export {};
export { connectWebSocket } from "./transport/browser/webSocketClient";
export {
  type WebSocketClientTransport,
  type WebSocketConnectOptions,
  type WebSocketFactory,
  type WebSocketLike,
} from "./transport/webSocketClient";
