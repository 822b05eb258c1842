/**
 * The crash scenario shared by the SQLite and PostgreSQL crash tests: start the services CLI as a
 * child process, stream score increments and save writes from several clients, SIGKILL the
 * process mid-stream, start a new one on the same database and check that every write that got a
 * 2xx is there (and at most the one in flight per client beyond them).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { call, guest, type TestUser } from "./harness";
import { spawnServices, type ServicesProcess } from "./process";

const CLIENTS = 4;
/** Acknowledged writes (all clients) after which the process is killed; the others are mid-request then. */
const KILL_AFTER_ACKS = 120;

/** Runs the scenario on `db` (file path or postgres URL); `dir` holds the config file. */
export async function crashAndRecover(
  dir: string,
  db: string,
  track: (p: ServicesProcess) => void,
): Promise<void> {
  const config = join(dir, "config.json");
  writeFileSync(
    config,
    JSON.stringify({
      tokenSecret: Buffer.alloc(32, 3).toString("base64"),
      saves: { maxAttachmentBytes: 1024, maxSlots: 100_000 },
      rateLimit: {
        perAddress: { capacity: 1e6, refillPerSecond: 1e6 },
        perUser: { capacity: 1e6, refillPerSecond: 1e6 },
        authPerAddress: { capacity: 1e6, refillPerSecond: 1e6 },
      },
      leaderboards: [
        {
          id: "total",
          sort: "desc",
          rule: "increment",
          min: 0,
          max: 1e12,
          serverOnly: false,
          minIntervalSeconds: 0,
        },
      ],
      logLevel: "warn",
    }),
  );
  const args = ["--port", "0", "--db", db, "--config", config];
  let running = await spawnServices(args);
  track(running);
  const url = running.url;
  const users: TestUser[] = [];
  for (let i = 0; i < CLIENTS; i++) users.push(await guest(url));

  const ackedScore = new Array<number>(CLIENTS).fill(0);
  const ackedSlots: string[][] = users.map(() => []);
  let acks = 0;
  let killed = false;
  const stream = async (i: number): Promise<void> => {
    const u = users[i]!;
    for (let n = 0; !killed; n++) {
      try {
        if (n % 2 === 0) {
          const r = await call(url, "setScore", {
            token: u.token,
            params: { board: "total" },
            body: { score: 1 },
          });
          if (r.status === 200) ackedScore[i]!++;
        } else {
          const slot = `w-${n}`;
          const attachment = Buffer.from(`${u.id}:${n}`).toString("base64");
          const r = await call(url, "setSave", {
            token: u.token,
            params: { slot },
            body: { title: slot, description: "", attachment, replace: false },
          });
          if (r.status === 200) ackedSlots[i]!.push(slot);
        }
        acks++;
      } catch {
        return; // the connection died with the process
      }
      if (acks >= KILL_AFTER_ACKS && !killed) {
        killed = true;
        await running.kill("SIGKILL");
      }
    }
  };
  await Promise.all(users.map((_, i) => stream(i)));
  expect(killed).toBe(true);
  expect(running.child.signalCode).toBe("SIGKILL");

  running = await spawnServices(args);
  track(running);
  for (let i = 0; i < CLIENTS; i++) {
    const u = users[i]!;
    const mine = await call(running.url, "getMyScore", { token: u.token, params: { board: "total" } });
    const stored = mine.body.entry?.score ?? 0;
    expect(stored).toBeGreaterThanOrEqual(ackedScore[i]!);
    expect(stored).toBeLessThanOrEqual(ackedScore[i]! + 1);
    const saves = new Set(
      (await call(running.url, "listSaves", { token: u.token })).body.saves.map((s) => s.slot),
    );
    for (const slot of ackedSlots[i]!) expect(saves.has(slot), `${u.id} ${slot}`).toBe(true);
    expect(saves.size).toBeLessThanOrEqual(ackedSlots[i]!.length + 1);
    const last = ackedSlots[i]!.at(-1);
    if (last !== undefined) {
      const got = await call(running.url, "getSave", { token: u.token, params: { slot: last } });
      expect(Buffer.from(got.body.attachment, "base64").toString()).toBe(`${u.id}:${last.slice(2)}`);
    }
  }
  expect(ackedScore.reduce((a, b) => a + b, 0)).toBeGreaterThan(20);
}
