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
