/**
 * Limits that hold across service processes: two servers share one store (as several processes
 * share one PostgreSQL; here one SQLite store, each server with its own memory). A score that
 * changed on one is refused on the other until the board's interval passed, and the login bucket
 * per address is one bucket, not one per process.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "@canopy/core";
import {
  createServicesServer,
  openStore,
  type ServicesConfigInput,
  type ServicesServer,
} from "@canopy/net-plugin/server";
import { call, TEST_CONFIG } from "./helpers/harness";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two servers on one fresh SQLite store, a controllable wall clock and monotonic clock. */
async function twoServers(overrides: ServicesConfigInput = {}) {
  const dir = mkdtempSync(join(tmpdir(), "canopy-interval-"));
  const dbPath = join(dir, "canopy.db");
  const store = await openStore(dbPath);
  cleanups.push(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const time = { wall: Date.now() };
  const clock = new ManualClock(0);
  const start = async (): Promise<ServicesServer> => {
    const server = await createServicesServer({
      store,
      clock,
      nowMs: () => time.wall,
      config: {
        ...TEST_CONFIG,
        db: dbPath,
        tokenSecret: Buffer.alloc(32, 3).toString("base64"),
        logLevel: "silent",
        ...overrides,
      },
    });
    cleanups.push(() => server.close());
    return server;
  };
  const [a, b] = [await start(), await start()];
  return { a, b, time, clock };
}

describe("services limits across processes", () => {
  it("refuses a second score change within minIntervalSeconds on another process", async () => {
    const { a, b, time, clock } = await twoServers();
    const login = await call(a.url, "guestLogin", { body: { deviceId: "interval-device-0123456789" } });
    const token = login.body.session.accessToken;
    const submit = (s: ServicesServer, score: number) =>
      call(s.url, "setScore", { token, params: { board: "daily" }, body: { score } });

    expect((await submit(a, 10)).status).toBe(200);
    const other = await submit(b, 20);
    expect(other.status).toBe(429);
    expect(other.error?.code).toBe("rate_limited");
    time.wall += 30_000;
    clock.advance(30);
    expect((await submit(b, 20)).status).toBe(429);
    time.wall += 31_000;
    clock.advance(31);
    expect((await submit(b, 20)).body.entry.score).toBe(20);
    // a's own memory would let this through (its submit was 61 s ago), but the store saw b's change just now.
    expect((await submit(a, 30)).status).toBe(429);
  });

  it("shares the login bucket per address between processes", async () => {
    const { a, b, time } = await twoServers({
      rateLimit: { ...TEST_CONFIG.rateLimit, authPerAddress: { capacity: 3, refillPerSecond: 0.1 } },
    });
    const login = (s: ServicesServer) =>
      call(s.url, "login", { body: { username: "nobody", password: "whatever-1" } });
    expect((await login(a)).status).toBe(401);
    expect((await login(b)).status).toBe(401);
    expect((await login(a)).status).toBe(401);
    const refused = await login(b);
    expect(refused.status).toBe(429);
    expect(refused.error?.code).toBe("rate_limited");
    expect((await login(a)).status).toBe(429);
    time.wall += 10_000; // one token back, for both
    expect((await login(b)).status).toBe(401);
    expect((await login(a)).status).toBe(429);
  });
});
