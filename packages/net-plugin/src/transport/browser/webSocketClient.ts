import {
  openWebSocketClient,
  type WebSocketClientTransport,
  type WebSocketConnectOptions,
} from "../webSocketClient";

/** Connects a browser WebSocket client Transport (the native `WebSocket`) to `url`. */
export function connectWebSocket(
  url: string,
  options: WebSocketConnectOptions = {},
): Promise<WebSocketClientTransport> {
  return openWebSocketClient(
    (target) => {
      const socket = new globalThis.WebSocket(target);
      socket.binaryType = "arraybuffer"; // not Blob: datagrams are read synchronously
      return socket;
    },
    url,
    options,
  );
}
