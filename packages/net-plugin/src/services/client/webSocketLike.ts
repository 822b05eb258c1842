/**
 * The slice of the WebSocket API the services client uses, so the constructor can be injected:
 * browsers pass `globalThis.WebSocket`, Node passes `NodeWebSocket` from
 * `@canopy/net-plugin/server` (built on `ws`), tests may pass a fake.
 */

/** The WebSocket `readyState` value of an open socket (the same in browsers and `ws`). */
export const WEB_SOCKET_OPEN = 1;

/** What the client reads from a message event. */
export interface WebSocketMessageLike {
  readonly data: unknown;
}

/** What the client reads from a close event. */
export interface WebSocketCloseLike {
  readonly code: number;
  readonly reason: string;
}

/** The members of a WebSocket the client uses; browser `WebSocket` and `ws` both satisfy it. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: WebSocketMessageLike) => void) | null;
  onclose: ((event: WebSocketCloseLike) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket constructor: `new (url, protocols?)`, such as `globalThis.WebSocket`. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;
