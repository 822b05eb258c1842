/**
 * The per-user, per-board submit interval holds across service processes: two servers share one
 * store (as several processes share one PostgreSQL; here one SQLite store, each server with its
 * own memory), and a score that changed on one is refused on the other until the interval passed.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "@canopy/core";
import { createServicesServer, openStore, type ServicesServer } from "@canopy/net-plugin/server";
import { call, TEST_CONFIG } from "./helpers/harness";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("services score interval across processes", () => {
  it("refuses a second score change within minIntervalSeconds on another process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "canopy-interval-"));
    const dbPath = join(dir, "canopy.db");
    const store = await openStore(dbPath);
    cleanups.push(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    let wall = Date.now();
    const clock = new ManualClock(0);
    const start = async (): Promise<ServicesServer> => {
      const server = await createServicesServer({
        store,
        clock,
        nowMs: () => wall,
        config: {
          ...TEST_CONFIG,
          db: dbPath,
          tokenSecret: Buffer.alloc(32, 3).toString("base64"),
          logLevel: "silent",
        },
      });
      cleanups.push(() => server.close());
      return server;
    };
    const [a, b] = [await start(), await start()];
    const login = await call(a.url, "guestLogin", { body: { deviceId: "interval-device-0123456789" } });
    const token = login.body.session.accessToken;
    const submit = (s: ServicesServer, score: number) =>
      call(s.url, "setScore", { token, params: { board: "daily" }, body: { score } });

    expect((await submit(a, 10)).status).toBe(200);
    const other = await submit(b, 20);
    expect(other.status).toBe(429);
    expect(other.error?.code).toBe("rate_limited");
    wall += 30_000;
    clock.advance(30);
    expect((await submit(b, 20)).status).toBe(429);
    wall += 31_000;
    clock.advance(31);
    expect((await submit(b, 20)).body.entry.score).toBe(20);
    // a's own memory would let this through (its submit was 61 s ago), but the store saw b's change just now.
    expect((await submit(a, 30)).status).toBe(429);
  });
});
