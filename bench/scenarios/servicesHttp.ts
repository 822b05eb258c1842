/**
 * The online-services server end to end over real HTTP on 127.0.0.1 (fastify over the SQLite store,
 * then over an embedded durable PostgreSQL; load generated from the same process, so everything
 * shares the 2 cores): durable score submits/s,
 * top-10 page and save set/get latency, lobby create+find+join round trips/s — printed next to
 * Nakama's published ~500 durable writes/s on one CPU, which is also an HTTP-level figure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createServicesServer,
  openStore,
  routePath,
  Routes,
  type RouteName,
} from "@canopy/net-plugin/server";
import { startTestPostgres } from "@canopy/net-plugin/testing";
import { summarize } from "../harness/measure";
import { defineScenario } from "../harness/registry";

/** Users submitting scores (distinct rows, like a live game). */
const USERS = 200;
/** Requests in flight at once during throughput runs. */
const CONCURRENCY = 64;
/** Length of each throughput run, ms. */
const RUN_MS = 3000;
/** Timed one-at-a-time requests per latency metric. */
const LATENCY_SAMPLES = 500;
/** Save size for the latency rows, bytes. */
const SAVE_BYTES = 4096;
/** Nakama's published durable-write figure on one CPU. */
const NAKAMA_DURABLE_WRITES_PER_S = 500;

interface Client {
  call(
    name: RouteName,
    token: string | undefined,
    params: Record<string, string>,
    body?: unknown,
    query?: string,
  ): Promise<unknown>;
}

function client(base: string): Client {
  return {
    async call(name, token, params, body, query = "") {
      const route = Routes[name];
      const headers: Record<string, string> = {};
      if (token !== undefined) headers["authorization"] = `Bearer ${token}`;
      if (body !== undefined) headers["content-type"] = "application/json";
      const response = await fetch(base + routePath(name, params) + query, {
        method: route.method,
        headers,
        body: body === undefined ? null : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${name}: ${response.status} ${text}`);
      return text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
    },
  };
}

async function throughput(ms: number, op: (worker: number, i: number) => Promise<unknown>): Promise<number> {
  let done = 0;
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let i = 0; performance.now() < end; i++) {
        await op(worker, i);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

async function latency(op: (i: number) => Promise<unknown>): Promise<ReturnType<typeof summarize>> {
  for (let i = 0; i < 50; i++) await op(-1 - i);
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const t = performance.now();
    await op(i);
    samples.push((performance.now() - t) * 1000);
  }
  return summarize(samples);
}

/** Runs every HTTP measurement against a server over `db`. */
async function measure(
  system: string,
  db: string,
  record: RecordFn,
  progress: (m: string) => void,
): Promise<void> {
  const store = await openStore(db);
  const generous = { capacity: 1e9, refillPerSecond: 1e9 };
  const server = await createServicesServer({
    store,
    config: {
      port: 0,
      db,
      logLevel: "warn",
      rateLimit: { perAddress: generous, perUser: generous, authPerAddress: generous },
      leaderboards: [
        {
          id: "score",
          sort: "desc",
          rule: "latest",
          min: 0,
          max: 1e12,
          serverOnly: false,
          minIntervalSeconds: 0,
        },
      ],
    },
  });
  try {
    const api = client(server.url);
    progress(`${system}: logging ${USERS} guests in`);
    const tokens: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const auth = (await api.call(
        "guestLogin",
        undefined,
        {},
        { deviceId: `bench-device-${i.toString().padStart(8, "0")}` },
      )) as {
        session: { accessToken: string };
      };
      tokens.push(auth.session.accessToken);
    }
    const token = (i: number): string => tokens[Math.abs(i) % USERS] ?? "";

    progress(`${system}: HTTP ceiling (GET /health), ${CONCURRENCY} in flight`);
    const ceiling = await throughput(RUN_MS / 2, () => api.call("health", undefined, {}));
    record(system, "GET /health (HTTP ceiling)", ceiling, "/s");

    progress(`${system}: score submits, ${CONCURRENCY} in flight for ${RUN_MS / 1000} s`);
    const submits = await throughput(RUN_MS, (w, i) =>
      api.call("setScore", token(w + i * CONCURRENCY), { board: "score" }, { score: i }),
    );
    record(system, "durable score submits (HTTP)", submits, "/s");

    progress(`${system}: top-10 page latency`);
    const top = await latency((i) =>
      api.call("getGlobalScores", token(i), { board: "score" }, undefined, "?from=0&count=10"),
    );
    record(system, "top-10 page p50 (HTTP)", top.median, "µs");
    record(system, "top-10 page p99 (HTTP)", top.p99, "µs");

    progress(`${system}: ${SAVE_BYTES / 1024} KB save set/get latency`);
    const attachment = Buffer.alloc(SAVE_BYTES, 7).toString("base64");
    const set = await latency((i) =>
      api.call(
        "setSave",
        token(i),
        { slot: "bench" },
        { title: "b", description: "", attachment, replace: true },
      ),
    );
    record(system, `save set p99 (${SAVE_BYTES / 1024} KB, durable, HTTP)`, set.p99, "µs");
    const get = await latency((i) => api.call("getSave", token(i), { slot: "bench" }));
    record(system, `save get p99 (${SAVE_BYTES / 1024} KB, HTTP)`, get.p99, "µs");

    progress(`${system}: lobby create + find + join, ${CONCURRENCY} in flight`);
    const lobbies = await throughput(RUN_MS, async (w, i) => {
      const tag = `${w}-${i}`;
      const owner = token(2 * w);
      const joiner = token(2 * w + 1);
      await api.call("createLobby", owner, {}, { maxParticipants: 4, access: "public", metadata: { tag } });
      const found = (await api.call(
        "findMatchingLobbies",
        joiner,
        {},
        {
          filter: { count: 1, comparisons: [{ key: "tag", op: "eq", value: tag }] },
        },
      )) as { lobbies: { id: string }[] };
      const id = found.lobbies[0]?.id;
      if (id === undefined) throw new Error(`lobby ${tag} not found`);
      await api.call("joinLobby", joiner, { lobbyId: id }, {});
      await api.call("leaveLobby", joiner, { lobbyId: id });
      await api.call("leaveLobby", owner, { lobbyId: id });
    });
    record(system, "lobby create+find+join (HTTP)", lobbies, "round trips/s");
  } finally {
    await server.close();
    await store.close();
  }
}

type RecordFn = (system: string, metric: string, value: number, unit: string) => void;

defineScenario({
  name: "services-http",
  title:
    "online services over HTTP (fastify + SQLite / PostgreSQL): score submits/s, page and save latency, lobby round trips vs Nakama",
  targets: ["score submits over HTTP well above Nakama's ~500 durable writes/s on one CPU"],
  async run({ record, progress }) {
    record("Nakama (published, 1 CPU)", "durable score submits (HTTP)", NAKAMA_DURABLE_WRITES_PER_S, "/s");
    const dir = mkdtempSync(join(tmpdir(), "canopy-bench-http-"));
    try {
      await measure("Canopy services (HTTP, SQLite)", join(dir, "services.db"), record, progress);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    progress("starting embedded PostgreSQL (durable: fsync on)");
    const pg = await startTestPostgres();
    try {
      await measure(
        "Canopy services (HTTP, PostgreSQL)",
        await pg.createDatabase("bench_http"),
        record,
        progress,
      );
    } finally {
      await pg.stop();
    }
  },
});
