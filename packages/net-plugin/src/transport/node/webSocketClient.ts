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
  return openWebSocketClient(
    (target) => {
      // ws bounds memory at the UDP limit; frames above maxDatagramSize are dropped and counted by
      // the transport (as in the browser) rather than closing the connection to the server.
      const socket = new WebSocket(target, {
        maxPayload: TransportConstants.MAX_DATAGRAM_SIZE_LIMIT,
        perMessageDeflate: false,
      });
      socket.binaryType = "nodebuffer"; // ws's own buffers: no copy into an ArrayBuffer per message
      return socket;
    },
    url,
    options,
  );
}
