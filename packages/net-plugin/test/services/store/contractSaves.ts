/** Store contract: achievements and cloud saves. */
import { expect, it } from "vitest";
import { ConflictError, NotFoundError } from "../../../src/services/store/errors";
import type { AchievementDefinition } from "../../../src/services/store/records";
import { makeUsers, type ContractContext } from "./contract";

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

/** Achievements and saves. */
export function saveContract(t: ContractContext): void {
  it("defines achievements, raises progress, unlocks exactly once", async () => {
    const [u] = (await makeUsers(t.store, 1)) as [string];
    const kills: AchievementDefinition = {
      id: "kills",
      name: "Killer",
      description: "10 kills",
      hidden: false,
      target: 10,
      serverOnly: false,
    };
    const secret: AchievementDefinition = {
      id: "secret",
      name: "S",
      description: "?",
      hidden: true,
      serverOnly: true,
    };
    await t.store.defineAchievement(kills);
    await t.store.defineAchievement(secret);
    expect(await t.store.listAchievementDefinitions()).toEqual([kills, secret]);
    expect(await t.store.getAchievementDefinition("secret")).toEqual(secret);
    expect(await t.store.getAchievementDefinition("none")).toBeUndefined();
    expect(await t.store.updateAchievement(u, "kills", { progress: 4 }, 10)).toEqual({
      progress: { id: "kills", progress: 4 },
      newlyUnlocked: false,
    });
    expect((await t.store.updateAchievement(u, "kills", { progress: 2 }, 11)).progress.progress).toBe(4);
    const racing = await Promise.all([
      t.store.updateAchievement(u, "kills", { progress: 10 }, 12),
      t.store.updateAchievement(u, "kills", { progress: 12 }, 13),
      t.store.updateAchievement(u, "kills", { unlock: true }, 14),
    ]);
    expect(racing.filter((r) => r.newlyUnlocked)).toHaveLength(1);
    expect(await t.store.updateAchievement(u, "secret", { unlock: true }, 20)).toEqual({
      progress: { id: "secret", progress: 0, unlockedAtMs: 20 },
      newlyUnlocked: true,
    });
    const progress = await t.store.getAchievementProgress(u);
    expect(progress.map((p) => [p.id, p.progress, p.unlockedAtMs !== undefined])).toEqual([
      ["kills", 12, true],
      ["secret", 0, true],
    ]);
    await expect(t.store.updateAchievement(u, "none", { unlock: true }, 1)).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it("writes, versions, lists, reads and deletes saves", async () => {
    const [u, other] = (await makeUsers(t.store, 2)) as [string, string];
    const meta = await t.store.setSave(
      u,
      "slot1",
      { title: "T", description: "D", data: bytes(3000, 7), replace: false },
      50,
    );
    expect(meta).toEqual({
      slot: "slot1",
      title: "T",
      description: "D",
      size: 3000,
      version: 1,
      updatedAtMs: 50,
    });
    const saved = await t.store.getSave(u, "slot1");
    expect(saved?.data).toEqual(bytes(3000, 7));
    expect(saved).toMatchObject(meta);
    await expect(
      t.store.setSave(u, "slot1", { title: "T", description: "D", data: bytes(1, 1), replace: false }, 51),
    ).rejects.toMatchObject({ reason: "save_exists" });
    await expect(
      t.store.setSave(
        u,
        "slot1",
        { title: "T", description: "D", data: bytes(1, 1), replace: true, expectedVersion: 0 },
        51,
      ),
    ).rejects.toMatchObject({ reason: "version_conflict" });
    const v2 = await t.store.setSave(
      u,
      "slot1",
      { title: "T2", description: "", data: bytes(0, 0), replace: true, expectedVersion: 1 },
      52,
    );
    expect(v2).toMatchObject({ version: 2, size: 0, title: "T2" });
    await t.store.setSave(
      u,
      "a-slot",
      { title: "A", description: "", data: bytes(16 * 1024, 2), replace: true },
      53,
    );
    expect((await t.store.listSaves(u)).map((s) => [s.slot, s.version])).toEqual([
      ["a-slot", 1],
      ["slot1", 2],
    ]);
    expect(await t.store.getSave(other, "slot1")).toBeUndefined();
    expect(await t.store.listSaves(other)).toEqual([]);
    await expect(t.store.deleteSave(u, "slot1", 1)).rejects.toBeInstanceOf(ConflictError);
    await t.store.deleteSave(u, "slot1", 2);
    await expect(t.store.deleteSave(u, "slot1")).rejects.toBeInstanceOf(NotFoundError);
    expect(await t.store.getSave(u, "slot1")).toBeUndefined();
  });

  it("parallel saves with the same expected version: exactly one wins, none is lost silently", async () => {
    const [u] = (await makeUsers(t.store, 1)) as [string];
    for (const expectedVersion of [0, 1]) {
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) =>
          t.store.setSave(
            u,
            "race",
            { title: `w${i}`, description: "", data: bytes(10, i), replace: true, expectedVersion },
            i,
          ),
        ),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      expect(won, `expectedVersion ${expectedVersion}`).toHaveLength(1);
      for (const r of results) {
        if (r.status === "rejected") expect(r.reason).toMatchObject({ reason: "version_conflict" });
      }
      const stored = await t.store.getSave(u, "race");
      expect(stored?.version).toBe(expectedVersion + 1);
      expect(stored?.title).toBe((won[0] as PromiseFulfilledResult<{ title: string }>).value.title);
    }
  });

  it("keeps acknowledged saves across close and reopen", async () => {
    const [u] = (await makeUsers(t.store, 1)) as [string];
    const writes = Array.from({ length: 20 }, (_, i) =>
      t.store.setSave(
        u,
        `s${i}`,
        { title: `t${i}`, description: "", data: bytes(100 + i, i), replace: true },
        i,
      ),
    );
    await Promise.all(writes);
    const store = await t.reopen();
    const list = await store.listSaves(u);
    expect(list).toHaveLength(20);
    expect((await store.getSave(u, "s7"))?.data).toEqual(bytes(107, 7));
  });
}
