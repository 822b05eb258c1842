/**
 * The WebSocket that carries pushed events (lobby changes, achievement unlocks, invites, friend
 * requests). It authenticates with the access token (`{ type: "auth" }`, answered by `ready`),
 * re-authenticates on the open socket after a token refresh, and checks every message on read:
 * a malformed one is counted and dropped, never thrown. Socket callbacks only queue tasks in the
 * inbox; the handlers run inside the `ApplyServices` system.
 */
import type { ClientMessage, PushEvent } from "../api";
import { isPushEvent } from "./decode";
import type { ServiceInbox } from "./inbox";
import { WEB_SOCKET_OPEN, type WebSocketConstructor, type WebSocketLike } from "./webSocketLike";

/** Where the channel is: no socket, socket connecting, waiting for `ready`, or ready. */
export type PushChannelState = "closed" | "opening" | "authenticating" | "ready";

/** What the channel reports (called inside the applying system). */
export interface PushChannelHandlers {
  /** The service accepted the token; events flow. */
  onReady(): void;
  /** A pushed event (already checked). */
  onEvent(event: Exclude<PushEvent, { type: "ready" }>): void;
  /** The socket closed or could not open; `code` 4401 means the token was refused. */
  onClosed(code: number, reason: string): void;
  /** A message that did not decode (counted by the caller). */
  onInvalid(): void;
}

/** One push-event WebSocket, reopened by the connection after every close. */
export class PushChannel {
  private socket: WebSocketLike | undefined;
  private generation = 0;
  private channelState: PushChannelState = "closed";

  constructor(
    private readonly url: string,
    private readonly WebSocketCtor: WebSocketConstructor,
    private readonly inbox: ServiceInbox,
    private readonly handlers: PushChannelHandlers,
  ) {}

  get state(): PushChannelState {
    return this.channelState;
  }

  /** Opens a socket (closing any previous one) and authenticates with `token` once it is open. */
  open(token: () => string | undefined): void {
    this.close();
    const generation = ++this.generation;
    this.channelState = "opening";
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocketCtor(this.url);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      this.inbox.push(() => this.closed(generation, 1006, `could not open ${this.url}: ${reason}`));
      return;
    }
    this.socket = socket;
    socket.onopen = () =>
      this.inbox.push(() => {
        if (generation !== this.generation) return;
        this.channelState = "authenticating";
        const current = token();
        if (current !== undefined) this.authenticate(current);
      });
    socket.onmessage = (event) => {
      const message = parse(event.data);
      this.inbox.push(() => {
        if (generation !== this.generation) return;
        if (message === undefined) this.handlers.onInvalid();
        else if (message.type === "ready") {
          if (this.channelState === "ready") return;
          this.channelState = "ready";
          this.handlers.onReady();
        } else this.handlers.onEvent(message);
      });
    };
    socket.onclose = (event) => this.inbox.push(() => this.closed(generation, event.code, event.reason));
    // An error is always followed by a close event, which does the bookkeeping.
    socket.onerror = () => undefined;
  }

  /** Sends `auth` with `token` on the open socket (first auth, or after a token refresh). */
  authenticate(token: string): void {
    const socket = this.socket;
    if (!socket || socket.readyState !== WEB_SOCKET_OPEN) return;
    const message: ClientMessage = { type: "auth", token };
    socket.send(JSON.stringify(message));
  }

  /** Closes the socket; its remaining events are ignored. */
  close(): void {
    this.generation++;
    const socket = this.socket;
    this.socket = undefined;
    this.channelState = "closed";
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.onerror = null;
      try {
        socket.close(1000, "client closed the channel");
      } catch {
        // Closing a socket that never opened may throw in some implementations; nothing to undo.
      }
    }
  }

  private closed(generation: number, code: number, reason: string): void {
    if (generation !== this.generation) return;
    this.socket = undefined;
    this.channelState = "closed";
    this.handlers.onClosed(code, reason);
  }
}

/** Parses one message: JSON text holding a known push event, else `undefined`. */
function parse(data: unknown): PushEvent | undefined {
  if (typeof data !== "string") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return undefined;
  }
  return isPushEvent(value) ? value : undefined;
}
