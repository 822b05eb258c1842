/**
 * The WebSocket push channel (`EVENTS_PATH`): a client opens the socket, sends `{ type: "auth",
 * token }` within {@link AUTH_TIMEOUT_MS}, gets `{ type: "ready" }`, then receives the
 * {@link PushEvent}s addressed to its user. Sockets whose token expires without a fresh `auth` are
 * closed with {@link WS_CLOSE_UNAUTHORIZED}. Rides on the HTTP(S) server, so WSS comes with HTTPS.
 */
import type { IncomingMessage, Server as HttpServer } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { EVENTS_PATH, WS_CLOSE_UNAUTHORIZED, type PushEvent } from "../../api";
import type { TokenSigner } from "./tokens";

/** Time a new socket has to authenticate. */
export const AUTH_TIMEOUT_MS = 10_000;
/** Largest client message (an auth message with a token is far smaller). */
const MAX_CLIENT_MESSAGE_BYTES = 4096;
/** How often expired sockets are swept and dead ones pinged out. */
const SWEEP_MS = 15_000;

interface Socket {
  ws: WebSocket;
  userId?: string;
  expiresAt: number;
  alive: boolean;
}

/** Routes push events to the sockets of their users. */
export class PushHub {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  private readonly byUser = new Map<string, Set<Socket>>();
  private readonly sockets = new Set<Socket>();
  private readonly sweeper: ReturnType<typeof setInterval>;
  /** Events sent (one per socket). */
  eventsSent = 0;

  constructor(
    private readonly signer: TokenSigner,
    private readonly nowMs: () => number,
    /** Per-address admission of new sockets (rate limit); false answers 429. */
    private readonly admit: (address: string) => boolean = () => true,
  ) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  /** Takes over `upgrade` requests for the events path on `server`. */
  attach(server: HttpServer): void {
    server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = (request.url ?? "").split("?")[0];
      if (path !== EVENTS_PATH) {
        socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n");
        return;
      }
      if (!this.admit(request.socket.remoteAddress ?? "")) {
        socket.end("HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\n\r\n");
        return;
      }
      this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws));
    });
  }

  /** Told when a user's first push socket authenticates (online) and when their last one closes (offline). */
  presence: { online(userId: string): void; offline(userId: string): void } | undefined;

  /** Also relays every published event to other service processes (PostgreSQL store). */
  relay: { publish(userIds: string[], event: PushEvent): void } | undefined;

  /** Sends `event` to every socket of each user, here and (through the relay) in other processes. */
  publish(userIds: Iterable<string>, event: PushEvent): void {
    const users = [...new Set(userIds)];
    this.deliverLocal(users, event);
    this.relay?.publish(users, event);
  }

  /** Sends `event` to this process's sockets of each user (users without a socket are skipped). */
  deliverLocal(userIds: readonly string[], event: PushEvent): void {
    const text = JSON.stringify(event);
    for (const userId of userIds) {
      const set = this.byUser.get(userId);
      if (set === undefined) continue;
      for (const socket of set) {
        if (socket.ws.readyState !== socket.ws.OPEN) continue;
        socket.ws.send(text);
        this.eventsSent++;
      }
    }
  }

  /** Number of authenticated sockets. */
  get connected(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  private closing = false;

  /** Closes every socket. */
  close(): void {
    this.closing = true;
    clearInterval(this.sweeper);
    for (const socket of this.sockets) socket.ws.terminate();
    this.sockets.clear();
    this.byUser.clear();
    this.wss.close();
  }

  private accept(ws: WebSocket): void {
    const socket: Socket = { ws, expiresAt: this.nowMs() + AUTH_TIMEOUT_MS, alive: true };
    this.sockets.add(socket);
    const timer = setTimeout(() => {
      if (socket.userId === undefined) ws.close(WS_CLOSE_UNAUTHORIZED, "auth timeout");
    }, AUTH_TIMEOUT_MS);
    timer.unref();
    ws.on("pong", () => {
      socket.alive = true;
    });
    ws.on("message", (data: RawData, isBinary: boolean) => this.onMessage(socket, data, isBinary));
    ws.on("close", () => {
      clearTimeout(timer);
      this.forget(socket);
    });
    ws.on("error", () => ws.terminate());
  }

  private onMessage(socket: Socket, data: RawData, isBinary: boolean): void {
    let message: unknown;
    try {
      const text = Buffer.isBuffer(data) ? data.toString("utf8") : "";
      message = isBinary ? undefined : JSON.parse(text);
    } catch {
      message = undefined;
    }
    const m = message as { type?: unknown; token?: unknown } | undefined;
    if (m?.type !== "auth" || typeof m.token !== "string") {
      socket.ws.close(WS_CLOSE_UNAUTHORIZED, "expected {type:'auth', token}");
      return;
    }
    const claims = this.signer.verify(m.token);
    if (claims === undefined || (socket.userId !== undefined && socket.userId !== claims.userId)) {
      socket.ws.close(WS_CLOSE_UNAUTHORIZED, "invalid token");
      return;
    }
    socket.expiresAt = claims.expiresAt;
    if (socket.userId === undefined) {
      socket.userId = claims.userId;
      let set = this.byUser.get(claims.userId);
      if (set === undefined) {
        this.byUser.set(claims.userId, (set = new Set()));
        this.presence?.online(claims.userId);
      }
      set.add(socket);
    }
    const ready: PushEvent = { type: "ready", userId: claims.userId };
    socket.ws.send(JSON.stringify(ready));
  }

  private forget(socket: Socket): void {
    this.sockets.delete(socket);
    if (socket.userId === undefined) return;
    const set = this.byUser.get(socket.userId);
    set?.delete(socket);
    if (set?.size === 0) {
      this.byUser.delete(socket.userId);
      if (!this.closing) this.presence?.offline(socket.userId);
    }
  }

  private sweep(): void {
    const now = this.nowMs();
    for (const socket of this.sockets) {
      if (socket.userId !== undefined && socket.expiresAt <= now) {
        socket.ws.close(WS_CLOSE_UNAUTHORIZED, "token expired");
      } else if (!socket.alive) {
        socket.ws.terminate();
      } else {
        socket.alive = false;
        socket.ws.ping();
      }
    }
  }
}
