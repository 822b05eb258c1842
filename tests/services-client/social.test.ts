/**
 * The services client against the real server, part two: accounts (register, password login,
 * logout), friends with their pushes, friends' scores, friends-only and private lobbies with
 * invites and kicks, access-token refresh on a short token lifetime, and a restart with a new
 * signing secret (old access tokens refused: the client renews its session by itself).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LobbyFilter } from "@canopy/net-plugin";
import { createClient, nextEvent, runUntil, settle, TestServices, type TestClient } from "./harness";

let services: TestServices;
const clients: TestClient[] = [];

function client(options: Parameters<typeof createClient>[1] = {}): TestClient {
  const c = createClient(services.url, options);
  clients.push(c);
  return c;
}

async function connected(c: TestClient): Promise<void> {
  await runUntil(
    clients,
    () => c.session.connected && c.session.achievements.ready,
    "login and push channel",
  );
}

/** Makes `a` and `b` friends through the client API, checking both pushes. */
async function befriend(a: TestClient, b: TestClient): Promise<void> {
  const bFrom = b.events.length;
  const aFrom = a.events.length;
  const sent = await settle(clients, a.session.identity.requestFriend(b.session.user!.id), "friend request");
  expect(sent.state).toBe("outgoing");
  const request = await nextEvent(clients, b, "friend.request", bFrom);
  expect(request.from.id).toBe(a.session.user?.id);
  const accepted = await settle(clients, b.session.identity.acceptFriend(a.session.user!.id), "accept");
  expect(accepted.state).toBe("friend");
  const pushed = await nextEvent(clients, a, "friend.accepted", aFrom);
  expect(pushed.user.id).toBe(b.session.user?.id);
}

beforeEach(async () => {
  services = new TestServices();
  await services.start();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.app.dispose();
  await services.dispose();
});

describe("SessionManager: accounts, friends, private lobbies, token lifetime", () => {
  it("registers, logs out, and logs in again with the password", async () => {
    const a = client({
      deviceId: undefined,
      credentials: { kind: "register", username: "ada_l", password: "correct horse", displayName: "Ada" },
    });
    await connected(a);
    expect(a.session.user).toMatchObject({ username: "ada_l", displayName: "Ada", guest: false });
    const renamed = await settle(clients, a.session.identity.setDisplayName("Countess"), "rename");
    expect(renamed.displayName).toBe("Countess");
    expect(a.session.user?.displayName).toBe("Countess");
    const id = a.session.user?.id;
    await settle(clients, a.session.achievements.set("first-win", true), "unlock");
    await settle(clients, a.session.identity.logout(), "logout");
    expect(a.session.user).toBeUndefined();
    expect(a.session.connected).toBe(false);
    expect(a.session.achievements.have("first-win")).toBe(false); // nothing of the account is left cached
    expect(a.session.achievements.ready).toBe(false);
    const again = await settle(clients, a.session.identity.login("ada_l", "correct horse"), "login");
    expect(again.id).toBe(id);
    await connected(a);
    expect(a.session.achievements.have("first-win")).toBe(true);
    const taken = a.session.identity.register("ada_l", "another password");
    await expect(settle(clients, taken, "duplicate register")).rejects.toMatchObject({
      code: "username_taken",
    });
  });

  it("makes friends, ranks friends' scores, shows friends-only lobbies to friends only, invites and kicks", async () => {
    const a = client();
    const b = client();
    const stranger = client();
    await connected(a);
    await connected(b);
    await connected(stranger);
    await befriend(a, b);
    const friends = await settle(clients, a.session.identity.getFriends(), "friends");
    expect(friends.map((f) => f.user.id)).toEqual([b.session.user?.id]);

    await settle(clients, a.session.leaderboards.setScore("kills", 10), "a score");
    await settle(clients, b.session.leaderboards.setScore("kills", 20), "b score");
    await settle(clients, stranger.session.leaderboards.setScore("kills", 30), "stranger score");
    const ranked = await settle(clients, a.session.leaderboards.getFriendScores("kills"), "friend scores");
    expect(ranked.map((e) => [e.rank, e.score])).toEqual([
      [2, 20],
      [3, 10],
    ]);
    const around = await settle(clients, a.session.leaderboards.getScoresAroundMe("kills", 3), "around me");
    expect(around.map((e) => e.score)).toContain(10);
    const mine = await settle(clients, a.session.leaderboards.getMyScore("kills"), "my score");
    expect(mine?.rank).toBe(3);

    const friendsOnly = await settle(
      clients,
      a.session.matchMaking.createLobby(4, "friends", { kind: "f" }),
      "create",
    );
    const filter = new LobbyFilter().addComparison("kind", "f");
    const forFriend = await settle(
      clients,
      b.session.matchMaking.findMatchingLobbies(filter),
      "friend search",
    );
    expect(forFriend.map((l) => l.id)).toEqual([friendsOnly.id]);
    const forStranger = await settle(
      clients,
      stranger.session.matchMaking.findMatchingLobbies(filter),
      "search",
    );
    expect(forStranger).toEqual([]);

    const hidden = await settle(
      clients,
      a.session.matchMaking.createLobby(2, "private", { kind: "p" }),
      "private",
    );
    const search = new LobbyFilter().addComparison("kind", "p");
    expect(
      await settle(clients, b.session.matchMaking.findMatchingLobbies(search), "private search"),
    ).toEqual([]);
    const strangerFrom = stranger.events.length;
    await settle(clients, hidden.invite(stranger.session.user!.id), "invite");
    const invited = await nextEvent(clients, stranger, "lobby.invited", strangerFrom);
    expect(invited.from.id).toBe(a.session.user?.id);
    expect(stranger.session.matchMaking.invites.map((l) => l.id)).toEqual([hidden.id]);
    await settle(clients, invited.lobby.join(), "join by invite");
    expect(stranger.session.matchMaking.invites).toEqual([]);
    expect(stranger.session.matchMaking.lobbies.map((l) => l.id)).toEqual([hidden.id]);

    const kickFrom = stranger.events.length;
    await settle(clients, hidden.kick(stranger.session.user!.id), "kick");
    const kicked = await nextEvent(clients, stranger, "lobby.kicked", kickFrom);
    expect(kicked.by).toBe(a.session.user?.id);
    expect(stranger.session.matchMaking.lobbies).toEqual([]);
    expect(hidden.participantCount).toBe(1);
  });

  it("refreshes a short-lived access token while staying connected", async () => {
    await services.stop();
    await services.start({ accessTokenSeconds: 10 });
    const a = client({ refreshFraction: 0.1 }); // refresh after 1 s of the 10 s lifetime
    await connected(a);
    const started = a.session.stats.sessionsStarted;
    await runUntil(clients, () => a.session.stats.sessionsStarted > started, "a token refresh", 4000);
    expect(a.session.connected).toBe(true);
    const from = a.events.length;
    await settle(clients, a.session.achievements.set("first-win", true), "unlock after refresh");
    await nextEvent(clients, a, "achievement.unlocked", from);
    expect(a.events.slice(from).some((e) => e.type === "disconnected")).toBe(false);
  });

  it("renews its session by itself when a restarted service no longer accepts its access token", async () => {
    const a = client();
    await connected(a);
    const user = a.session.user?.id;
    const sessions = a.session.stats.sessionsStarted;
    const from = a.events.length;
    await services.stop();
    await services.start({ tokenSecret: Buffer.alloc(32, 9).toString("base64") });
    const back = await nextEvent(clients, a, "connected", from);
    expect(back.resumed).toBe(true);
    expect(a.session.user?.id).toBe(user);
    const update = await settle(
      clients,
      a.session.leaderboards.setScore("kills", 3),
      "score with the new token",
    );
    expect(update.entry.user.id).toBe(user);
    expect(a.session.stats.sessionsStarted).toBeGreaterThan(sessions); // the old token was refused and renewed
  });
});
