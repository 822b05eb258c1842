/**
 * Cross-process push for the PostgreSQL store: several service processes share one database, and a
 * user's push socket may be on another process than the request that caused the event. Each event
 * is delivered locally at once and relayed with `NOTIFY canopy_push` on one dedicated connection;
 * every process `LISTEN`s and delivers what other processes sent to its own sockets. Payloads
 * longer than one NOTIFY (8000 bytes) are sent in ordered chunks on that same connection and
 * reassembled. On a lost connection the relay reconnects (events during the gap reach only local
 * sockets; clients resync with the list routes after a reconnect, as after any socket loss).
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import type { PushEvent } from "../../api";

/** NOTIFY channel. */
const CHANNEL = "canopy_push";
/** Characters per NOTIFY chunk: the payload is ASCII (non-ASCII is \u-escaped), so 7000 fits PostgreSQL's 8000-byte limit with the header. */
const CHUNK_CHARS = 7000;
/** Delay before reconnecting a lost relay connection. */
const RECONNECT_MS = 1000;

/** Delivers an event to local sockets. */
export type LocalDelivery = (userIds: string[], event: PushEvent) => void;
/** Told when a user came online on another process. */
export type PresenceListener = (userId: string) => void;

/** Relays push events between the service processes sharing one PostgreSQL database. */
export class PgPushRelay {
  private client: pg.Client | undefined;
  private readonly origin = randomBytes(6).toString("base64url");
  private seq = 0;
  private readonly partial = new Map<string, string[]>();
  private closed = false;
  /** Events relayed to and received from other processes, and relay failures. */
  readonly stats = { sent: 0, received: 0, errors: 0 };

  private constructor(
    private readonly connectionString: string,
    private readonly deliver: LocalDelivery,
  ) {}

  /** Connects and starts listening. */
  static async start(connectionString: string, deliver: LocalDelivery): Promise<PgPushRelay> {
    const relay = new PgPushRelay(connectionString, deliver);
    await relay.connect();
    return relay;
  }

  /** Called when a user opens a push socket on another process. */
  onPresence: PresenceListener | undefined;

  /** Sends an event to the other processes (fire and forget; failures are counted). */
  publish(userIds: string[], event: PushEvent): void {
    this.send({ u: userIds, e: event });
    this.stats.sent++;
  }

  /** Tells the other processes that `userId` is online here. */
  publishPresence(userId: string): void {
    this.send({ p: userId });
  }

  private send(message: object): void {
    const client = this.client;
    if (client === undefined || this.closed) return;
    const text = JSON.stringify(message).replace(
      /[\u0080-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
    const id = `${this.origin}.${++this.seq}`;
    const count = Math.max(1, Math.ceil(text.length / CHUNK_CHARS));
    for (let i = 0; i < count; i++) {
      const payload = `${id}|${i}|${count}|${text.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS)}`;
      client.query("SELECT pg_notify($1, $2)", [CHANNEL, payload]).catch(() => {
        this.stats.errors++;
      });
    }
  }

  /** Stops listening and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.connectionString });
    client.on("error", () => {
      this.stats.errors++;
      if (this.client === client) this.client = undefined;
      void client.end().catch(() => undefined);
      if (!this.closed) setTimeout(() => void this.connect().catch(() => undefined), RECONNECT_MS).unref();
    });
    client.on("notification", (message) => this.onNotification(message.payload ?? ""));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    if (this.closed) {
      await client.end();
      return;
    }
    this.client = client;
  }

  private onNotification(payload: string): void {
    const [id = "", index = "", count = "", ...rest] = payload.split("|");
    if (id.startsWith(`${this.origin}.`)) return;
    const n = Number(count);
    const i = Number(index);
    if (!(Number.isInteger(n) && Number.isInteger(i) && n >= 1 && i >= 0 && i < n && n <= 1000)) return;
    let parts = this.partial.get(id);
    if (parts === undefined) {
      if (i !== 0) return;
      parts = [];
      this.partial.set(id, parts);
    }
    parts.push(rest.join("|"));
    if (parts.length < n) return;
    this.partial.delete(id);
    let message: { u?: unknown; e?: unknown; p?: unknown };
    try {
      message = JSON.parse(parts.join("")) as { u?: unknown; e?: unknown; p?: unknown };
    } catch {
      return;
    }
    if (typeof message.p === "string") {
      this.onPresence?.(message.p);
      return;
    }
    if (!Array.isArray(message.u) || typeof message.e !== "object" || message.e === null) return;
    this.stats.received++;
    this.deliver(
      message.u.filter((u): u is string => typeof u === "string"),
      message.e as PushEvent,
    );
  }
}
