/**
 * Services configuration: defaults (documented in docs/SERVICES.md), overridden by a JSON file,
 * then by `CANOPY_SERVICES_*` environment variables, then by explicit options. Validated with a
 * TypeBox schema; a bad value throws naming the field and the fix.
 */
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ID_PATTERN } from "../../api";

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: ID_PATTERN });
const Bucket = Type.Object({
  capacity: Type.Number({ minimum: 1 }),
  refillPerSecond: Type.Number({ exclusiveMinimum: 0 }),
});

/** One leaderboard definition. */
export const LeaderboardConfigSchema = Type.Object({
  id: Id,
  sort: Type.Union([Type.Literal("asc"), Type.Literal("desc")]),
  rule: Type.Union([Type.Literal("best"), Type.Literal("latest"), Type.Literal("increment")]),
  min: Type.Number(),
  max: Type.Number(),
  serverOnly: Type.Boolean(),
  /** Minimum seconds between two submits by one user to this board (0 = no limit). */
  minIntervalSeconds: Type.Number({ minimum: 0 }),
});
/** One leaderboard definition. */
export type LeaderboardConfig = Static<typeof LeaderboardConfigSchema>;

/** One achievement definition. */
export const AchievementConfigSchema = Type.Object({
  id: Id,
  name: Type.String({ maxLength: 128 }),
  description: Type.String({ maxLength: 1024 }),
  hidden: Type.Boolean(),
  target: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  serverOnly: Type.Boolean(),
});
/** One achievement definition. */
export type AchievementConfig = Static<typeof AchievementConfigSchema>;

/** The whole configuration. */
export const ServicesConfigSchema = Type.Object({
  host: Type.String(),
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  /** Take the client address from `X-Forwarded-For` (only behind a trusted reverse proxy). */
  trustProxy: Type.Boolean(),
  /** SQLite file path, or a `postgres://` URL. */
  db: Type.String({ minLength: 1 }),
  /** HMAC secret for access tokens, base64 (≥ 32 bytes). Empty = random per process (single process only). */
  tokenSecret: Type.String(),
  /** Keys game servers present in `X-Canopy-Server-Key`. */
  serverKeys: Type.Array(Type.String({ minLength: 16 })),
  accessTokenSeconds: Type.Integer({ minimum: 10 }),
  refreshTokenSeconds: Type.Integer({ minimum: 60 }),
  /** PEM file paths (or PEM text); both set = HTTPS + WSS. */
  tls: Type.Optional(Type.Object({ cert: Type.String(), key: Type.String() })),
  /** Largest request body for every route but saves. */
  bodyLimitBytes: Type.Integer({ minimum: 1024 }),
  saves: Type.Object({
    maxAttachmentBytes: Type.Integer({ minimum: 1 }),
    maxSlots: Type.Integer({ minimum: 1 }),
  }),
  scrypt: Type.Object({
    N: Type.Integer({ minimum: 2 }),
    r: Type.Integer({ minimum: 1 }),
    p: Type.Integer({ minimum: 1 }),
  }),
  rateLimit: Type.Object({ perAddress: Bucket, perUser: Bucket, authPerAddress: Bucket }),
  lobbies: Type.Object({
    /** Seconds after a user's last push socket closes before they leave their open lobbies (0 = never). */
    offlineLeaveSeconds: Type.Number({ minimum: 0 }),
    /** Seconds after its match started before the sweep removes a lobby (0 = only when its server goes silent). */
    startedTtlSeconds: Type.Number({ minimum: 0 }),
  }),
  /** Period of the sweep that removes finished lobbies and silent game servers (0 = no sweep). */
  sweepSeconds: Type.Number({ minimum: 0 }),
  leaderboards: Type.Array(LeaderboardConfigSchema),
  achievements: Type.Array(AchievementConfigSchema),
  gameServers: Type.Object({
    heartbeatSeconds: Type.Number({ exclusiveMinimum: 0 }),
    /** A server is live while its last heartbeat is younger than this. */
    timeoutSeconds: Type.Number({ exclusiveMinimum: 0 }),
    /** The sweep deletes a server whose last heartbeat is older than this (≥ timeoutSeconds). */
    pruneSeconds: Type.Number({ exclusiveMinimum: 0 }),
    /** 32-byte key shared with game servers for connect tokens, base64. Empty = random per process. */
    connectTokenKey: Type.String(),
    protocolId: Type.Integer({ minimum: 0 }),
    connectTokenExpireSeconds: Type.Integer({ minimum: 1 }),
    connectTokenTimeoutSeconds: Type.Integer({ minimum: 1 }),
  }),
  logLevel: Type.Union(
    ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => Type.Literal(l)),
  ),
});
/** The whole configuration. */
export type ServicesConfig = Static<typeof ServicesConfigSchema>;

/** Defaults; each is explained in docs/SERVICES.md. */
export function defaultConfig(): ServicesConfig {
  return {
    host: "127.0.0.1",
    port: 8080,
    trustProxy: false,
    db: "./canopy.db",
    tokenSecret: "",
    serverKeys: [],
    accessTokenSeconds: 900,
    refreshTokenSeconds: 30 * 24 * 3600,
    bodyLimitBytes: 16 * 1024,
    saves: { maxAttachmentBytes: 256 * 1024, maxSlots: 32 },
    scrypt: { N: 1 << 15, r: 8, p: 1 },
    rateLimit: {
      perAddress: { capacity: 200, refillPerSecond: 50 },
      perUser: { capacity: 60, refillPerSecond: 20 },
      authPerAddress: { capacity: 10, refillPerSecond: 0.5 },
    },
    lobbies: { offlineLeaveSeconds: 60, startedTtlSeconds: 3 * 3600 },
    sweepSeconds: 60,
    leaderboards: [],
    achievements: [],
    gameServers: {
      heartbeatSeconds: 10,
      timeoutSeconds: 30,
      pruneSeconds: 300,
      connectTokenKey: "",
      protocolId: 0,
      connectTokenExpireSeconds: 30,
      connectTokenTimeoutSeconds: 10,
    },
    logLevel: "info",
  };
}

/** A deep partial of the configuration (file, env and options). */
export type ServicesConfigInput = {
  [K in keyof ServicesConfig]?: ServicesConfig[K] extends object
    ? Partial<ServicesConfig[K]> | ServicesConfig[K]
    : ServicesConfig[K];
};

/** Merges layers over the defaults and validates; throws naming the bad field. */
export function resolveConfig(...layers: (ServicesConfigInput | undefined)[]): ServicesConfig {
  const merged = defaultConfig() as unknown as Record<string, unknown>;
  for (const layer of layers) {
    if (layer === undefined) continue;
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const base = merged[key];
      const isPlain = (v: unknown): v is Record<string, unknown> =>
        typeof v === "object" && v !== null && !Array.isArray(v);
      merged[key] = isPlain(base) && isPlain(value) ? { ...base, ...value } : value;
    }
  }
  const first = Value.Errors(ServicesConfigSchema, merged).First();
  if (first !== undefined) {
    throw new Error(
      `services config: ${first.path || "/"} ${first.message} (got ${JSON.stringify(first.value)}); fix the config file, env or options.`,
    );
  }
  const config = merged as unknown as ServicesConfig;
  for (const board of config.leaderboards) {
    if (!(board.min <= board.max))
      throw new Error(`services config: leaderboard "${board.id}" has min > max; fix its bounds.`);
  }
  if (config.gameServers.pruneSeconds < config.gameServers.timeoutSeconds) {
    throw new Error(
      "services config: gameServers.pruneSeconds must be ≥ gameServers.timeoutSeconds (a live server is never pruned); raise it.",
    );
  }
  return config;
}

/** Configuration from `CANOPY_SERVICES_*` environment variables (see docs/SERVICES.md). */
export function configFromEnv(env: Record<string, string | undefined>): ServicesConfigInput {
  const out: ServicesConfigInput = {};
  const get = (name: string): string | undefined => {
    const v = env[`CANOPY_SERVICES_${name}`];
    return v === undefined || v === "" ? undefined : v;
  };
  const host = get("HOST");
  if (host !== undefined) out.host = host;
  const port = get("PORT");
  if (port !== undefined) out.port = Number(port);
  const db = get("DB");
  if (db !== undefined) out.db = db;
  const secret = get("TOKEN_SECRET");
  if (secret !== undefined) out.tokenSecret = secret;
  const keys = get("SERVER_KEYS");
  if (keys !== undefined)
    out.serverKeys = keys
      .split(",")
      .map((k) => k.trim())
      .filter((k) => k.length > 0);
  const cert = get("TLS_CERT");
  const key = get("TLS_KEY");
  if (cert !== undefined && key !== undefined) out.tls = { cert, key };
  const connectKey = get("CONNECT_TOKEN_KEY");
  if (connectKey !== undefined) out.gameServers = { connectTokenKey: connectKey };
  const level = get("LOG_LEVEL");
  if (level !== undefined) out.logLevel = level;
  return out;
}
