/**
 * The services client through its public entry points against the real services server (HTTP +
 * WebSocket on 127.0.0.1, SQLite in a temp directory): log in, scores, achievements with the
 * unlock push, cloud saves, two clients meeting in a lobby, and a server restart the client rides
 * out without the game noticing more than a `disconnected` / `connected` pair of events.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LobbyFilter, Comparison, type ServiceError } from "@canopy/net-plugin";
import { routePath, SERVER_KEY_HEADER } from "@canopy/net-plugin/server";
import {
  createClient,
  nextEvent,
  runUntil,
  SERVER_KEY,
  settle,
  TestServices,
  type TestClient,
} from "./harness";

let services: TestServices;
const clients: TestClient[] = [];

function client(): TestClient {
  const c = createClient(services.url);
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

beforeEach(async () => {
  services = new TestServices();
  await services.start();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.app.dispose();
  await services.dispose();
});

describe("SessionManager against the real services server", () => {
  it("logs in as a guest, sets and reads scores, unlocks an achievement with its push, saves and loads", async () => {
    const a = client();
    await connected(a);
    const { session } = a;
    expect(session.user?.id).toMatch(/.+/);
    expect(session.user?.guest).toBe(true);

    const update = await settle(clients, session.leaderboards.setScore("kills", 42), "setScore");
    expect(update.changed).toBe(true);
    expect(update.entry).toMatchObject({ rank: 1, score: 42 });
    const page = await settle(
      clients,
      session.leaderboards.getGlobalScores("kills", 0, 10),
      "getGlobalScores",
    );
    expect(page.total).toBe(1);
    expect(page.scores[0]).toMatchObject({ rank: 1, score: 42, user: { id: session.user?.id } });

    expect(session.achievements.enumerate().sort()).toEqual(["collector", "first-win"]);
    expect(session.achievements.have("first-win")).toBe(false);
    const from = a.events.length;
    const unlocked = await settle(clients, session.achievements.set("first-win", true), "achievement set");
    expect(unlocked.newlyUnlocked).toBe(true);
    expect(session.achievements.have("first-win")).toBe(true);
    const pushed = await nextEvent(clients, a, "achievement.unlocked", from);
    expect(pushed.achievement.id).toBe("first-win");
    await settle(clients, session.achievements.setProgress("collector", 4), "progress");
    expect(session.achievements.progress("collector")).toBe(4);

    const state = { level: 3, inventory: ["sword", "shield"], position: new Float32Array([1, 2, 3]) };
    const saved = await settle(
      clients,
      session.saveData.set("slot-1", "Chapter 3", "before the boss", state, true),
      "save",
    );
    expect(saved.version).toBe(1);
    const loaded = await settle(clients, session.saveData.get("slot-1"), "load");
    expect(loaded).toMatchObject({
      slot: "slot-1",
      title: "Chapter 3",
      description: "before the boss",
      version: 1,
    });
    expect(loaded.attachment).toEqual(state);
    const refused = session.saveData.set("slot-1", "Other", "", { level: 9 }, false);
    await expect(settle(clients, refused, "save without replace")).rejects.toMatchObject({
      code: "save_exists",
    });
    const stale = session.saveData.set("slot-1", "Other", "", { level: 9 }, true, 0);
    await expect(settle(clients, stale, "stale save")).rejects.toMatchObject({ code: "version_conflict" });
    const slots = await settle(clients, session.saveData.enumerate(), "list saves");
    expect(slots.map((s) => s.slot)).toEqual(["slot-1"]);
    await settle(clients, session.saveData.remove("slot-1", 1), "delete save");
    const gone = session.saveData.get("slot-1");
    await expect(settle(clients, gone, "load deleted")).rejects.toMatchObject({ code: "not_found" });
  });

  it("lets two clients create, find and join a lobby, and both see the lobby events", async () => {
    const host = client();
    const guest = client();
    await connected(host);
    await connected(guest);

    const lobby = await settle(
      clients,
      host.session.matchMaking.createLobby(4, "public", { mode: "ctf", level: 7 }),
      "create",
    );
    expect(lobby.isOwner).toBe(true);
    expect(host.session.matchMaking.lobbies).toEqual([lobby]);

    const filter = new LobbyFilter()
      .addComparison("mode", "ctf")
      .addComparison("level", 5, Comparison.Greater);
    filter.slots = 1;
    const found = await settle(clients, guest.session.matchMaking.findMatchingLobbies(filter), "find");
    expect(found.map((l) => l.id)).toEqual([lobby.id]);
    const none = await settle(
      clients,
      guest.session.matchMaking.findMatchingLobbies(new LobbyFilter().addComparison("mode", "dm")),
      "find none",
    );
    expect(none).toEqual([]);

    const hostFrom = host.events.length;
    const joined = await settle(clients, found[0]!.join({ team: "red" }), "join");
    expect(joined.joined).toBe(true);
    expect(joined.participantCount).toBe(2);
    const seenJoin = await nextEvent(clients, host, "lobby.joined", hostFrom);
    expect(seenJoin.user.id).toBe(guest.session.user?.id);
    expect(seenJoin.lobby).toBe(lobby); // the same object, updated in place
    expect(lobby.participantCount).toBe(2);
    expect(lobby.getParticipantMetadata(guest.session.user!.id, "team")).toBe("red");

    const guestFrom = guest.events.length;
    await settle(clients, lobby.setMetadata("map", "dust"), "set metadata");
    const changed = await nextEvent(clients, guest, "lobby.changed", guestFrom);
    expect(changed.lobby.getMetadata("map")).toBe("dust");
    expect(guest.session.matchMaking.lobby(lobby.id)?.getMetadata("map")).toBe("dust");

    // The owner starts the match on a registered game server: both players receive a connect token.
    const register = await fetch(services.url + routePath("registerServer"), {
      method: "POST",
      headers: { "content-type": "application/json", [SERVER_KEY_HEADER]: SERVER_KEY },
      body: JSON.stringify({ id: "arena-1", addresses: ["127.0.0.1:40000"], capacity: 16 }),
    });
    expect(register.status).toBe(200);
    const start = await settle(clients, lobby.start(), "start");
    expect(start.server.id).toBe("arena-1");
    expect(start.connectToken.serverAddresses).toEqual(["127.0.0.1:40000"]);
    expect(start.connectToken.bytes.length).toBeGreaterThan(0);
    const guestStart = await nextEvent(clients, guest, "lobby.started", guestFrom);
    expect(guestStart.connectToken.clientId).not.toBe(start.connectToken.clientId);
    expect(guest.session.matchMaking.lobby(lobby.id)?.matchStart?.server.id).toBe("arena-1");

    const leftFrom = host.events.length;
    await settle(clients, joined.leave(), "leave");
    const left = await nextEvent(clients, host, "lobby.left", leftFrom);
    expect(left.userId).toBe(guest.session.user?.id);
    expect(lobby.participantCount).toBe(1);
    expect(guest.session.matchMaking.lobbies).toEqual([]);
  });

  it("rides out a server restart: reconnects by itself and sends calls queued meanwhile", async () => {
    const a = client();
    await connected(a);
    await settle(clients, a.session.leaderboards.setScore("kills", 5), "first score");
    const from = a.events.length;

    await services.stop();
    await nextEvent(clients, a, "disconnected", from);
    expect(a.session.connected).toBe(false);
    const queued = a.session.leaderboards.setScore("kills", 9);
    await runUntil(clients, () => a.session.queuedCalls === 1, "the call to wait in the queue");

    await services.start();
    const back = await nextEvent(clients, a, "connected", from);
    expect(back.resumed).toBe(true);
    const update = await settle(clients, queued, "queued score");
    expect(update.entry.score).toBe(9);
    const page = await settle(
      clients,
      a.session.leaderboards.getGlobalScores("kills", 0, 10),
      "scores after restart",
    );
    expect(page.scores.map((s) => s.score)).toEqual([9]);
    expect(a.session.stats.reconnects).toBe(1);
  });

  it("reports a refused login with the service's error and does not retry it", async () => {
    const a = createClient(services.url, {
      deviceId: undefined,
      credentials: { kind: "password", username: "nobody", password: "wrong-password" },
    });
    clients.push(a);
    await runUntil(clients, () => a.session.lastError !== undefined, "the refused login");
    expect((a.session.lastError as ServiceError).code).toBe("unauthorized");
    expect(a.session.connected).toBe(false);
  });
});
