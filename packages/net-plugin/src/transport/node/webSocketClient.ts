import { WebSocket } from "ws";
import { TransportConstants } from "../constants";
import {
  openWebSocketClient,
  type WebSocketClientTransport,
  type WebSocketConnectOptions,
} from "../webSocketClient";

/** Connects a Node WebSocket client Transport (the `ws` package) to `url`, e.g. `ws://127.0.0.1:8080/`. */
export function connectWebSocket(
  url: string,
  options: WebSocketConnectOptions = {},
): Promise<WebSocketClientTransport> {
  const maxPayload = options.maxDatagramSize ?? TransportConstants.DEFAULT_MAX_DATAGRAM_SIZE;
  return openWebSocketClient(
    (target) => new WebSocket(target, { maxPayload, perMessageDeflate: false }),
    url,
    options,
  );
}
