/** Store contract: the sweep's deletions (finished lobbies, silent game servers). */
import { expect, it } from "vitest";
import { makeUsers, type ContractContext } from "./contract";

/** pruneStartedLobbies and pruneServers. */
export function sweepContract(t: ContractContext): void {
  it("prunes started lobbies past their time or whose server is silent or gone, never open ones", async () => {
    const [a, b, c, d, e] = (await makeUsers(t.store, 5)) as [string, string, string, string, string];
    await t.store.registerServer({ id: "live", addresses: ["127.0.0.1:4000"], capacity: 64 }, 1000);
    await t.store.registerServer({ id: "mute", addresses: ["127.0.0.1:4001"], capacity: 64 }, 1000);
    await t.store.heartbeatServer("live", 0, 5000);
    const mk = async (owner: string, at: number) =>
      t.store.createLobby({ ownerId: owner, access: "public", maxParticipants: 4 }, at);
    const open = await mk(a, 100);
    const fresh = await mk(b, 100);
    const old = await mk(c, 100);
    const onMute = await mk(d, 100);
    const onGone = await mk(e, 100);
    await t.store.joinLobby(old.id, a, {}, 101);
    await t.store.inviteToLobby(old.id, b, 102);
    await t.store.startLobby(fresh.id, "live", 4000);
    await t.store.startLobby(old.id, "live", 1000);
    await t.store.startLobby(onMute.id, "mute", 4000);
    await t.store.startLobby(onGone.id, "gone", 4000);

    // Started before 2000, or server silent since before 3000.
    const pruned = await t.store.pruneStartedLobbies(2000, 3000);
    expect(pruned.sort()).toEqual([old.id, onMute.id, onGone.id].sort());
    for (const id of pruned) expect(await t.store.getLobby(id)).toBeUndefined();
    expect((await t.store.getLobby(open.id))?.state).toBe("open");
    expect((await t.store.getLobby(fresh.id))?.state).toBe("started");
    expect((await t.store.listLobbiesOf(a)).map((l) => l.id)).toEqual([open.id]);
    expect(await t.store.listInvites(b)).toEqual([]);
    expect(await t.store.pruneStartedLobbies(2000, 3000)).toEqual([]);

    expect(await t.store.pruneServers(3000)).toEqual(["mute"]);
    expect(await t.store.pruneServers(3000)).toEqual([]);
    expect((await t.store.listServers(0)).map((s) => s.id)).toEqual(["live"]);
    // Without a live server, the fresh match's lobby goes too.
    expect(await t.store.pruneStartedLobbies(0, 6000)).toEqual([fresh.id]);
  });
}

/** takeRateToken and pruneRateBuckets. */
export function rateContract(t: ContractContext): void {
  it("takes tokens from shared buckets, refills them over time and prunes idle ones", async () => {
    const take = (key: string, nowMs: number) => t.store.takeRateToken(key, 2, 0.5, nowMs);
    expect(await take("auth:1", 1000)).toBe(0);
    expect(await take("auth:1", 1000)).toBe(0);
    expect(await take("auth:1", 1000)).toBe(2); // empty: one token takes 2 s at 0.5/s
    expect(await take("auth:2", 1000)).toBe(0); // buckets are per key
    expect(await take("auth:1", 2000)).toBe(1); // half a token back
    expect(await take("auth:1", 3000)).toBe(0);
    // Concurrent takes never hand out more than the bucket holds.
    const burst = await Promise.all(Array.from({ length: 6 }, () => take("auth:3", 5000)));
    expect(burst.filter((w) => w === 0)).toHaveLength(2);
    expect(await t.store.pruneRateBuckets(4000)).toBe(2); // auth:1 (3000) and auth:2 (1000)
    expect(await take("auth:1", 4000)).toBe(0); // a pruned bucket starts full again
    await expect(t.store.takeRateToken("x", 0, 1, 0)).rejects.toThrow(/capacity >= 1/);
  });
}
