/**
 * `createServicesServer`: the online-services HTTP(S) + WebSocket server over a {@link Store}.
 * Embeddable (a game server process can start it next to its own sockets) and runnable on its own
 * through the CLI (`npm run services`). Fastify serves the JSON routes of `../../api` with TypeBox
 * schemas; `ws` serves the push channel on the same port; TLS is on when `config.tls` is set.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { RealClock, type Clock } from "@canopy/core";
import { EVENTS_PATH, Routes, type HealthResponse } from "../../api";
import type { Store } from "../../store/store";
import { installAuth } from "./auth";
import { resolveConfig, type ServicesConfig, type ServicesConfigInput } from "./config";
import type { ServicesContext } from "./context";
import { installErrorHandling } from "./errors";
import { isPostgresUrl } from "./openStore";
import { PgPushRelay } from "./pgPushRelay";
import { LobbyPresence } from "./lobbyPresence";
import { PushHub } from "./push";
import { RateLimiter } from "./rateLimit";
import { achievementRoutes } from "./routes/achievements";
import { friendRoutes } from "./routes/friends";
import { gameServerRoutes } from "./routes/gameServers";
import { identityRoutes } from "./routes/identity";
import { leaderboardRoutes } from "./routes/leaderboards";
import { lobbyRoutes } from "./routes/lobbies";
import { saveRoutes } from "./routes/saves";
import { Sweeper, type SweepResult } from "./sweeper";
import { TokenSigner } from "./tokens";

/** Options of {@link createServicesServer}. */
export interface ServicesServerOptions {
  /** The store; the caller opens and closes it. */
  store: Store;
  /** Overrides of the defaults (already merged with file/env by the CLI). */
  config?: ServicesConfigInput;
  /** Wall clock in epoch ms (default `Date.now`). */
  nowMs?: () => number;
  /** Monotonic clock for rate limits (default {@link RealClock}). */
  clock?: Clock;
  /** Where JSON log lines go (default stdout). */
  logStream?: { write(line: string): void };
}

/** A running services server. */
export interface ServicesServer {
  /** `http://host:port` or `https://…`. */
  readonly url: string;
  /** `ws://host:port/v1/events` or `wss://…`. */
  readonly eventsUrl: string;
  readonly config: ServicesConfig;
  /** Key game servers need to open connect tokens (random per process unless configured). */
  readonly connectTokenKey: Uint8Array;
  /** The fastify instance (for `inject` in tests and extra routes when embedded). */
  readonly app: FastifyInstance;
  /** Runs the sweep now (finished lobbies, silent game servers); it also runs every `sweepSeconds`. */
  sweep(): Promise<SweepResult>;
  /** Stops listening and closes every socket (not the store). */
  close(): Promise<void>;
}

/** Longest time a client may take to send one request. */
const REQUEST_TIMEOUT_MS = 30_000;

/** The package version reported by `/health`. */
function packageVersion(): string {
  try {
    const text = readFileSync(new URL("../../../../package.json", import.meta.url), "utf8");
    return (JSON.parse(text) as { version?: string }).version ?? "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** A PEM value: the text itself if it looks like PEM, else a file to read. */
function pem(value: string): string {
  return value.includes("-----BEGIN") ? value : readFileSync(value, "utf8");
}

/** A 32-byte key from base64, or random when empty. */
function key(base64: string, name: string, minBytes: number, exact: boolean): Uint8Array {
  if (base64 === "") return new Uint8Array(randomBytes(32));
  const bytes = new Uint8Array(Buffer.from(base64, "base64"));
  if (exact ? bytes.length !== minBytes : bytes.length < minBytes) {
    throw new Error(
      `services config: ${name} must be base64 of ${exact ? "exactly" : "at least"} ${minBytes} bytes; got ${bytes.length}.`,
    );
  }
  return bytes;
}

/** Starts the services server and resolves once it listens. */
export async function createServicesServer(options: ServicesServerOptions): Promise<ServicesServer> {
  const config = resolveConfig(options.config);
  const nowMs = options.nowMs ?? Date.now;
  const clock = options.clock ?? new RealClock();
  const { store } = options;
  const tls = config.tls === undefined ? undefined : { cert: pem(config.tls.cert), key: pem(config.tls.key) };

  const app = Fastify({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    // A request must arrive whole within this time (slow-loris defence; Node's default is 5 min).
    requestTimeout: REQUEST_TIMEOUT_MS,
    ...(tls === undefined ? {} : { https: tls }),
    logger: {
      level: config.logLevel,
      ...(options.logStream === undefined ? {} : { stream: options.logStream }),
      // Request logs carry method, url and address only; never headers (tokens) or bodies (passwords).
      redact: ["req.headers.authorization", "req.headers['x-canopy-server-key']", "req.body"],
    },
    ajv: { customOptions: { allErrors: false, allowUnionTypes: true } },
  });
  const signer = new TokenSigner(key(config.tokenSecret, "tokenSecret", 32, false), nowMs);
  // New push sockets share the per-address budget's size, in their own bucket.
  const upgrades = new RateLimiter(config.rateLimit.perAddress, () => clock.now());
  const push = new PushHub(signer, nowMs, (address) => upgrades.take(address));
  const ctx: ServicesContext = {
    store,
    config,
    signer,
    push,
    nowMs,
    now: () => clock.now(),
    boards: new Map(config.leaderboards.map((b) => [b.id, b])),
    achievements: new Map(config.achievements.map((a) => [a.id, a])),
    connectTokenKey: key(config.gameServers.connectTokenKey, "gameServers.connectTokenKey", 32, true),
  };
  for (const board of config.leaderboards) {
    await store.defineBoard({
      id: board.id,
      sort: board.sort,
      rule: board.rule,
      min: board.min,
      max: board.max,
      serverOnly: board.serverOnly,
    });
  }
  for (const a of config.achievements) {
    const def: Parameters<Store["defineAchievement"]>[0] = {
      id: a.id,
      name: a.name,
      description: a.description,
      hidden: a.hidden,
      serverOnly: a.serverOnly,
    };
    if (a.target !== undefined) def.target = a.target;
    await store.defineAchievement(def);
  }

  installErrorHandling(app);
  installAuth(app, ctx);
  const version = packageVersion();
  app.get(Routes.health.path, () => Promise.resolve<HealthResponse>({ version, store: store.kind }));
  identityRoutes(app, ctx);
  friendRoutes(app, ctx);
  leaderboardRoutes(app, ctx);
  achievementRoutes(app, ctx);
  saveRoutes(app, ctx);
  lobbyRoutes(app, ctx);
  gameServerRoutes(app, ctx);

  push.attach(app.server);
  let relay: PgPushRelay | undefined;
  if (store.kind === "postgres" && isPostgresUrl(config.db)) {
    relay = await PgPushRelay.start(config.db, (users, event) => push.deliverLocal(users, event));
    push.relay = relay;
  }
  const presence = new LobbyPresence(ctx, config.lobbies.offlineLeaveSeconds, (userId) =>
    relay?.publishPresence(userId),
  );
  push.presence = presence;
  if (relay !== undefined) relay.onPresence = (userId) => presence.cancel(userId);
  else if (store.kind === "postgres") {
    app.log.warn(
      "services: PostgreSQL store without a postgres:// config.db; push events stay in this process",
    );
  }
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    push.close();
    presence.close();
    await relay?.close();
    await app.close();
    throw error;
  }
  const sweeper = new Sweeper(ctx);
  sweeper.start();
  const address = app.server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const scheme = tls === undefined ? "http" : "https";
  const url = `${scheme}://${host}:${address.port}`;
  return {
    url,
    eventsUrl: `${tls === undefined ? "ws" : "wss"}://${host}:${address.port}${EVENTS_PATH}`,
    config,
    connectTokenKey: ctx.connectTokenKey,
    app,
    sweep: () => sweeper.sweep(),
    close: async () => {
      sweeper.close();
      push.close();
      presence.close();
      await relay?.close();
      await app.close();
    },
  };
}
