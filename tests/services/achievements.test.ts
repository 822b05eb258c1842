/**
 * Achievements end to end: enumerate with hidden ones masked until unlocked, progress that never
 * goes down and unlocks at the target, `newlyUnlocked` exactly once, unlocks pushed over the
 * WebSocket, and server-only achievements.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEvents } from "./helpers/events";
import { call, guest, SERVER_KEY, startServices, type Harness } from "./helpers/harness";

let h: Harness;
beforeAll(async () => {
  h = await startServices();
});
afterAll(async () => {
  await h.close();
});

describe("services achievements", () => {
  it("enumerates with hidden achievements masked until unlocked", async () => {
    const u = await guest(h.url);
    const list = await call(h.url, "listAchievements", { token: u.token });
    expect(list.body.achievements.map((a) => a.id)).toEqual([
      "first-blood",
      "collector",
      "secret",
      "champion",
    ]);
    const secret = list.body.achievements.find((a) => a.id === "secret");
    expect(secret).toMatchObject({ hidden: true, unlocked: false, description: "" });
    expect(secret?.name).not.toBe("Secret Door");
    await call(h.url, "setAchievement", {
      token: u.token,
      params: { id: "secret" },
      body: { unlocked: true },
    });
    const after = await call(h.url, "getAchievement", { token: u.token, params: { id: "secret" } });
    expect(after.body).toMatchObject({ name: "Secret Door", description: "Find the door", unlocked: true });
    expect(typeof after.body.unlockedAt).toBe("number");
  });

  it("raises progress, unlocks at the target once, and pushes the unlock", async () => {
    const u = await guest(h.url);
    const events = await openEvents(h.server.eventsUrl, u.token);
    try {
      const p4 = await call(h.url, "setAchievement", {
        token: u.token,
        params: { id: "collector" },
        body: { progress: 4 },
      });
      expect(p4.body).toMatchObject({
        newlyUnlocked: false,
        achievement: { progress: 4, target: 10, unlocked: false },
      });
      const p2 = await call(h.url, "setAchievement", {
        token: u.token,
        params: { id: "collector" },
        body: { progress: 2 },
      });
      expect(p2.body.achievement.progress).toBe(4);
      const p10 = await call(h.url, "setAchievement", {
        token: u.token,
        params: { id: "collector" },
        body: { progress: 10 },
      });
      expect(p10.body).toMatchObject({ newlyUnlocked: true, achievement: { unlocked: true } });
      const pushed = await events.next("achievement.unlocked");
      expect(pushed.achievement).toMatchObject({ id: "collector", unlocked: true });
      const again = await call(h.url, "setAchievement", {
        token: u.token,
        params: { id: "collector" },
        body: { unlocked: true },
      });
      expect(again.body.newlyUnlocked).toBe(false);
      const plain = await call(h.url, "setAchievement", {
        token: u.token,
        params: { id: "first-blood" },
        body: { unlocked: true },
      });
      expect(plain.body.newlyUnlocked).toBe(true);
      expect((await events.next("achievement.unlocked")).achievement.id).toBe("first-blood");
    } finally {
      events.close();
    }
  });

  it("refuses empty updates and unknown ids, and keeps server-only ones for game servers", async () => {
    const u = await guest(h.url);
    expect(
      (await call(h.url, "setAchievement", { token: u.token, params: { id: "collector" }, body: {} })).status,
    ).toBe(400);
    expect((await call(h.url, "getAchievement", { token: u.token, params: { id: "nope" } })).status).toBe(
      404,
    );
    expect(
      (
        await call(h.url, "setAchievement", {
          token: u.token,
          params: { id: "champion" },
          body: { unlocked: true },
        })
      ).status,
    ).toBe(403);
    const byServer = await call(h.url, "serverSetAchievement", {
      serverKey: SERVER_KEY,
      params: { id: "champion" },
      body: { userId: u.id, unlocked: true },
    });
    expect(byServer.body.newlyUnlocked).toBe(true);
    const mine = await call(h.url, "getAchievement", { token: u.token, params: { id: "champion" } });
    expect(mine.body.unlocked).toBe(true);
  });
});
