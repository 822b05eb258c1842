/** Store contract: leaderboards (rules, bounds, ranks against a brute-force sort, durability). */
import { createRng } from "@canopy/core";
import { expect, it } from "vitest";
import { InvalidError, NotFoundError } from "../../../src/services/store/errors";
import type { BoardDefinition, ScoreRecord } from "../../../src/services/store/records";
import type { Store } from "../../../src/services/store/store";
import { makeUsers, type ContractContext } from "./contract";

const board = (id: string, over: Partial<BoardDefinition> = {}): BoardDefinition => ({
  id,
  sort: "desc",
  rule: "best",
  min: -1_000_000,
  max: 1_000_000,
  serverOnly: false,
  ...over,
});

/** Every entry of a board, best first, through pages of 7 (exercises page boundaries). */
async function allEntries(store: Store, id: string): Promise<ScoreRecord[]> {
  const out: ScoreRecord[] = [];
  for (;;) {
    const page = await store.getTop(id, out.length, 7);
    out.push(...page);
    if (page.length < 7) return out;
  }
}

/** Leaderboards. */
export function scoreContract(t: ContractContext): void {
  it("defines, lists and updates boards; sort and rule cannot change", async () => {
    await t.store.defineBoard(board("b1", { serverOnly: true }));
    await t.store.defineBoard(board("a0", { sort: "asc", rule: "latest", min: 0, max: 10 }));
    expect(await t.store.getBoard("b1")).toEqual(board("b1", { serverOnly: true }));
    expect((await t.store.listBoards()).map((b) => b.id)).toEqual(["a0", "b1"]);
    await t.store.defineBoard(board("b1", { max: 5 }));
    expect(await t.store.getBoard("b1")).toMatchObject({ max: 5, serverOnly: false });
    await expect(t.store.defineBoard(board("b1", { sort: "asc" }))).rejects.toBeInstanceOf(InvalidError);
    await expect(t.store.defineBoard(board("b2", { min: 3, max: 2 }))).rejects.toBeInstanceOf(InvalidError);
    expect(await t.store.getBoard("none")).toBeUndefined();
  });

  it("applies best / latest / increment rules, bounds and tie order", async () => {
    const [u0, u1, u2] = (await makeUsers(t.store, 3)) as [string, string, string];
    await t.store.defineBoard(board("best"));
    await t.store.defineBoard(board("low", { sort: "asc" }));
    await t.store.defineBoard(board("last", { rule: "latest" }));
    await t.store.defineBoard(board("inc", { rule: "increment", min: -5, max: 5 }));
    expect(await t.store.submitScore("best", u0, 50, 10)).toMatchObject({
      changed: true,
      entry: { rank: 1, score: 50 },
    });
    expect(await t.store.submitScore("best", u0, 40, 11)).toMatchObject({
      changed: false,
      entry: { score: 50, updatedAtMs: 10 },
    });
    expect(await t.store.submitScore("best", u0, 60, 12)).toMatchObject({
      changed: true,
      entry: { score: 60 },
    });
    expect(await t.store.submitScore("low", u0, 60, 12)).toMatchObject({ changed: true });
    expect(await t.store.submitScore("low", u0, 70, 13)).toMatchObject({
      changed: false,
      entry: { score: 60 },
    });
    expect(await t.store.submitScore("low", u0, 5, 14)).toMatchObject({ changed: true, entry: { score: 5 } });
    await t.store.submitScore("last", u0, 9, 1);
    expect(await t.store.submitScore("last", u0, 3, 2)).toMatchObject({ changed: true, entry: { score: 3 } });
    await t.store.submitScore("inc", u0, 4, 1);
    expect(await t.store.submitScore("inc", u0, 5, 2)).toMatchObject({ changed: true, entry: { score: 9 } });
    await expect(t.store.submitScore("inc", u0, 6, 3)).rejects.toBeInstanceOf(InvalidError);
    await expect(t.store.submitScore("best", u0, 1.5, 3)).rejects.toBeInstanceOf(InvalidError);
    await expect(t.store.submitScore("nope", u0, 1, 3)).rejects.toBeInstanceOf(NotFoundError);
    await expect(t.store.submitScore("best", "ghost", 1, 3)).rejects.toMatchObject({ what: "user" });
    // Ties: whoever reached the score first ranks first.
    await t.store.submitScore("best", u1, 60, 20);
    await t.store.submitScore("best", u2, 70, 21);
    await t.store.submitScore("best", u2, 60, 22); // not better: keeps 70
    const top = await t.store.getTop("best", 0, 10);
    expect(top.map((e) => [e.rank, e.userId, e.score])).toEqual([
      [1, u2, 70],
      [2, u0, 60],
      [3, u1, 60],
    ]);
    expect(top[0]?.displayName).toBe("user 2");
    expect(await t.store.countScores("best")).toBe(3);
    expect(await t.store.getScore("best", u1)).toMatchObject({ rank: 3, score: 60 });
    expect(await t.store.getScore("last", u2)).toBeUndefined();
  });

  it("ranks match a brute-force sort on random data (seeded)", async () => {
    const seed = 20261125;
    const rng = createRng(seed);
    const users = await makeUsers(t.store, 120);
    const defs = [
      board("d"),
      board("a", { sort: "asc" }),
      board("i", { rule: "increment", min: -3, max: 9 }),
    ];
    for (const def of defs) await t.store.defineBoard(def);
    const truth = new Map<string, Map<string, { score: number; order: number }>>(
      defs.map((d) => [d.id, new Map()]),
    );
    let order = 0;
    for (let round = 0; round < 6; round++) {
      // Parallel submits within a round (one group commit); distinct users per board per round.
      const calls: Promise<unknown>[] = [];
      for (const def of defs) {
        const picked = new Set<string>();
        for (let k = 0; k < 60; k++) picked.add(users[rng.int(0, users.length - 1)] as string);
        for (const user of picked) {
          const score = def.rule === "increment" ? rng.int(-3, 9) : rng.int(0, 40); // narrow: many ties
          const map = truth.get(def.id) as Map<string, { score: number; order: number }>;
          const old = map.get(user);
          const next =
            old === undefined
              ? score
              : def.rule === "increment"
                ? score === 0
                  ? undefined
                  : old.score + score
                : (def.sort === "desc" ? score > old.score : score < old.score)
                  ? score
                  : undefined;
          if (next !== undefined) map.set(user, { score: next, order: ++order });
          calls.push(t.store.submitScore(def.id, user, score, round));
        }
      }
      await Promise.all(calls);
    }
    for (const def of defs) {
      const map = truth.get(def.id) as Map<string, { score: number; order: number }>;
      const expected = [...map.entries()]
        .sort(
          ([, x], [, y]) =>
            (def.sort === "desc" ? y.score - x.score : x.score - y.score) || x.order - y.order,
        )
        .map(([user, v]) => ({ user, score: v.score }));
      const got = await allEntries(t.store, def.id);
      const label = `board ${def.id}, seed ${seed}`;
      expect(
        got.map((e) => e.score),
        label,
      ).toEqual(expected.map((e) => e.score));
      expect(
        got.map((e) => e.rank),
        label,
      ).toEqual(expected.map((_, i) => i + 1));
      expect(
        got.map((e) => e.userId),
        `${label}: ties by first arrival`,
      ).toEqual(expected.map((e) => e.user));
      expect(await t.store.countScores(def.id), label).toBe(expected.length);
      for (const e of got.slice(0, 25)) {
        expect(await t.store.getScore(def.id, e.userId), label).toEqual(e);
      }
      const mid = got[Math.floor(got.length / 2)] as ScoreRecord;
      const around = await t.store.getAround(def.id, mid.userId, 5);
      expect(around, label).toEqual(got.slice(mid.rank - 3, mid.rank + 2));
      const last = got[got.length - 1] as ScoreRecord;
      expect(await t.store.getAround(def.id, last.userId, 4), label).toEqual(got.slice(-4));
      const some = [users[3], users[50], users[99], "ghost"] as string[];
      expect(await t.store.getScoresFor(def.id, some), label).toEqual(
        got.filter((e) => some.includes(e.userId)),
      );
    }
  });

  it("pages deep in a large board match a full walk (ties across page edges)", async () => {
    const users = await makeUsers(t.store, 1300, "deep");
    await t.store.defineBoard(board("deep"));
    await Promise.all(users.map((u, i) => t.store.submitScore("deep", u, (i * 37) % 90, i)));
    const all = await t.store.getTop("deep", 0, 1300);
    expect(all).toHaveLength(1300);
    for (const from of [999, 1000, 1013, 1250, 1299]) {
      expect(await t.store.getTop("deep", from, 40), `from ${from}`).toEqual(all.slice(from, from + 40));
    }
    expect(await t.store.getTop("deep", 1300, 10)).toEqual([]);
  });

  it("keeps acknowledged scores and ranks across close and reopen", async () => {
    const users = await makeUsers(t.store, 20);
    await t.store.defineBoard(board("keep"));
    await Promise.all(users.map((u, i) => t.store.submitScore("keep", u, (i * 7) % 11, i)));
    const before = await t.store.getTop("keep", 0, 50);
    const store = await t.reopen();
    expect(await store.getTop("keep", 0, 50)).toEqual(before);
    const r = await store.submitScore("keep", users[0] as string, 100, 99);
    expect(r.entry.rank).toBe(1);
    expect(await store.getBoard("keep")).toEqual(board("keep"));
  });
}
