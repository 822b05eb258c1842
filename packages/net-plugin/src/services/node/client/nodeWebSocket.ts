/**
 * The WebSocket constructor for the services client in Node, built on `ws` (browsers pass
 * `globalThis.WebSocket` instead). `createNodeWebSocket({ ca })` trusts an extra certificate
 * authority, e.g. a self-signed certificate of a service run with TLS in development.
 */
import WebSocket, { type ClientOptions } from "ws";
import type { WebSocketConstructor } from "../../client/webSocketLike";

/** Options of {@link createNodeWebSocket}: TLS settings passed to `ws` for `wss://` URLs. */
export interface NodeWebSocketOptions {
  /** Extra trusted CA certificate(s) (PEM), e.g. the service's self-signed certificate. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Largest message accepted, in bytes (default 1 MiB: pushed events are small). */
  maxPayload?: number;
}

/** A WebSocket constructor over `ws` with the given TLS options. */
export function createNodeWebSocket(options: NodeWebSocketOptions = {}): WebSocketConstructor {
  const clientOptions: ClientOptions = { maxPayload: options.maxPayload ?? 1 << 20 };
  if (options.ca !== undefined) clientOptions.ca = options.ca;
  class NodeWebSocketWithOptions extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, clientOptions);
    }
  }
  return NodeWebSocketWithOptions as unknown as WebSocketConstructor;
}

/** The default Node WebSocket constructor for `ServicesPlugin({ webSocket: NodeWebSocket })`. */
export const NodeWebSocket: WebSocketConstructor = createNodeWebSocket();
