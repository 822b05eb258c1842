/**
 * Types and small helpers of the services connection: its options, the hooks it calls, the call
 * description services hand it, its counters, and which failures it retries by itself.
 */
import type { PushEvent } from "../api";
import type { ServicesClientTuning } from "./constants";
import type { Decoder, FetchLike } from "./httpClient";
import type { PendingCall } from "./pendingCall";
import type { ServiceError } from "./serviceError";
import type { WebSocketConstructor } from "./webSocketLike";

/** What a service call needs: the request, how to check the answer and how to map it. */
export interface CallSpec<T, R> {
  readonly method: PendingCall<T, R>["method"];
  readonly path: string;
  readonly body?: unknown;
  readonly decode: Decoder<T>;
  readonly map: (answer: T) => R;
  readonly onError?: (error: ServiceError) => void;
}

/** Options of a services connection. */
export interface ConnectionOptions extends ServicesClientTuning {
  /** Base URL of the service, e.g. `https://services.example.com` (http/https; the channel uses ws/wss). */
  url: string;
  /** WebSocket constructor: `globalThis.WebSocket` in browsers, `NodeWebSocket` in Node. */
  webSocket: WebSocketConstructor;
  /** HTTP `fetch` (default `globalThis.fetch`). */
  fetch?: FetchLike;
  /** Wall clock in epoch milliseconds, to read token expiry times (default `Date.now`). */
  wallClock?: () => number;
}

/** What the connection tells the session manager (called inside the applying system). */
export interface ConnectionHooks {
  /** `connected` changed; `resumed` is true when a session that was connected before is back. */
  onConnectedChanged(connected: boolean, resumed: boolean, reason: string): void;
  onPush(event: Exclude<PushEvent, { type: "ready" }>): void;
}

/** Counters of the services client (check on read: invalid answers are counted, never thrown). */
export interface ServicesClientStats {
  /** HTTP answers whose body did not have the expected shape. */
  responsesInvalid: number;
  /** WebSocket messages that were not a known push event. */
  eventsInvalid: number;
  /** Successful logins and refreshes. */
  sessionsStarted: number;
  /** Times the push channel became ready after having been ready before. */
  reconnects: number;
}

/** Failures worth retrying on their own: the service was unreachable, busy or failing. */
export function isRetryable(error: ServiceError): boolean {
  return ["unavailable", "timeout", "internal", "rate_limited", "no_server", "invalid_response"].includes(
    error.code,
  );
}

export function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
