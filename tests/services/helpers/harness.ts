/**
 * Test harness for the services server: a real server on 127.0.0.1 over a real SQLite file in a
 * temporary directory, a controllable wall clock (`advance(ms)`), a manual monotonic clock for rate
 * limits, captured log lines, and a typed `call()` over real HTTP (fetch).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ManualClock } from "@canopy/core";
import {
  createServicesServer,
  openStore,
  routePath,
  Routes,
  SERVER_KEY_HEADER,
  type ApiErrorBody,
  type RouteName,
  type RouteResponse,
  type ServicesConfigInput,
  type ServicesServer,
} from "@canopy/net-plugin/server";

/** Game-server key configured in every test server. */
export const SERVER_KEY = "test-server-key-0123456789abcdef";

/** Boards and achievements every test server has. */
export const TEST_CONFIG: ServicesConfigInput = {
  host: "127.0.0.1",
  port: 0,
  // Low scrypt cost keeps tests quick; the hash format and code path are the production ones.
  scrypt: { N: 1024, r: 8, p: 1 },
  serverKeys: [SERVER_KEY],
  rateLimit: {
    perAddress: { capacity: 100_000, refillPerSecond: 1000 },
    perUser: { capacity: 100_000, refillPerSecond: 1000 },
    authPerAddress: { capacity: 100_000, refillPerSecond: 1000 },
  },
  leaderboards: [
    {
      id: "kills",
      sort: "desc",
      rule: "best",
      min: 0,
      max: 1_000_000,
      serverOnly: false,
      minIntervalSeconds: 0,
    },
    {
      id: "laptime",
      sort: "asc",
      rule: "best",
      min: 1,
      max: 600_000,
      serverOnly: false,
      minIntervalSeconds: 0,
    },
    {
      id: "latest",
      sort: "desc",
      rule: "latest",
      min: -1000,
      max: 1_000_000_000,
      serverOnly: false,
      minIntervalSeconds: 0,
    },
    {
      id: "coins",
      sort: "desc",
      rule: "increment",
      min: 0,
      max: 1000,
      serverOnly: false,
      minIntervalSeconds: 0,
    },
    {
      id: "ranked",
      sort: "desc",
      rule: "latest",
      min: 0,
      max: 5000,
      serverOnly: true,
      minIntervalSeconds: 0,
    },
    { id: "daily", sort: "desc", rule: "best", min: 0, max: 100, serverOnly: false, minIntervalSeconds: 60 },
  ],
  achievements: [
    { id: "first-blood", name: "First Blood", description: "Win a fight", hidden: false, serverOnly: false },
    {
      id: "collector",
      name: "Collector",
      description: "Collect 10 gems",
      hidden: false,
      target: 10,
      serverOnly: false,
    },
    { id: "secret", name: "Secret Door", description: "Find the door", hidden: true, serverOnly: false },
    { id: "champion", name: "Champion", description: "Win a ranked match", hidden: false, serverOnly: true },
  ],
  logLevel: "info",
};

/** A running test server. */
export interface Harness {
  server: ServicesServer;
  url: string;
  dbPath: string;
  /** JSON log lines written so far. */
  logs: string[];
  /** Monotonic clock of the rate limiters. */
  clock: ManualClock;
  /** Moves the wall clock (token expiry) forward. */
  advance(ms: number): void;
  close(): Promise<void>;
}

/** Starts a server on a fresh SQLite file. */
export async function startServices(overrides: ServicesConfigInput = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "canopy-services-"));
  const dbPath = join(dir, "canopy.db");
  const store = await openStore(dbPath);
  const logs: string[] = [];
  const clock = new ManualClock(0);
  let offset = 0;
  const config: ServicesConfigInput = { ...TEST_CONFIG, ...overrides, db: dbPath };
  const server = await createServicesServer({
    store,
    config,
    clock,
    nowMs: () => Date.now() + offset,
    logStream: { write: (line: string) => void logs.push(line) },
  });
  return {
    server,
    url: server.url,
    dbPath,
    logs,
    clock,
    advance: (ms) => {
      offset += ms;
    },
    close: async () => {
      await server.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Options of one {@link call}. */
export interface CallOptions {
  token?: string;
  serverKey?: string;
  params?: Record<string, string>;
  query?: Record<string, string | number>;
  body?: unknown;
}

/** A parsed answer: `body` is typed as the route's success body; `error` is set on failures. */
export interface Answer<N extends RouteName> {
  status: number;
  body: RouteResponse<N>;
  error: ApiErrorBody["error"] | undefined;
}

/** Calls a route by name over HTTP. */
export async function call<N extends RouteName>(
  base: string,
  name: N,
  options: CallOptions = {},
): Promise<Answer<N>> {
  const route = Routes[name];
  let path = routePath(name, options.params ?? {});
  if (options.query !== undefined) {
    const q = new URLSearchParams(Object.entries(options.query).map(([k, v]) => [k, String(v)]));
    path += `?${q.toString()}`;
  }
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`;
  if (options.serverKey !== undefined) headers[SERVER_KEY_HEADER] = options.serverKey;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(base + path, {
    method: route.method,
    headers,
    body: options.body === undefined ? null : JSON.stringify(options.body),
  });
  const text = await response.text();
  const parsed = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
  const error = response.ok ? undefined : (parsed as ApiErrorBody | undefined)?.error;
  return { status: response.status, body: parsed as RouteResponse<N>, error };
}

/** A logged-in test user. */
export interface TestUser {
  id: string;
  token: string;
  refreshToken: string;
  displayName: string;
}

let devices = 0;

/** Logs a fresh guest in. */
export async function guest(base: string, displayName?: string): Promise<TestUser> {
  const deviceId = `test-device-${process.pid}-${String(++devices).padStart(6, "0")}`;
  const answer = await call(base, "guestLogin", {
    body: displayName === undefined ? { deviceId } : { deviceId, displayName },
  });
  if (answer.status !== 200) throw new Error(`guest login failed: ${JSON.stringify(answer.body)}`);
  return {
    id: answer.body.user.id,
    token: answer.body.session.accessToken,
    refreshToken: answer.body.session.refreshToken,
    displayName: answer.body.user.displayName,
  };
}

/** Makes two users friends. */
export async function befriend(base: string, a: TestUser, b: TestUser): Promise<void> {
  const r1 = await call(base, "requestFriend", { token: a.token, body: { userId: b.id } });
  const r2 = await call(base, "acceptFriend", { token: b.token, params: { userId: a.id } });
  if (r1.status !== 200 || r2.status !== 200) throw new Error(`befriend failed: ${r1.status} ${r2.status}`);
}

export { Routes };
