import { createApp, ManualClock, Stage } from "@canopy/core";
import { beforeEach, describe, expect, it } from "vitest";
import { ServicesPlugin, type ServicesPluginOptions } from "../../../src/plugins/servicesPlugin";
import type { Result } from "../../../src/services/client/result";
import { SessionManager } from "../../../src/services/client/sessionManager";
import { authAnswer, fakeFetch, FakeWebSocket, flushIo, type FakeAnswer, type FakeRequest } from "./fakes";

const WALL_START = 1_700_000_000_000;
const ACHIEVEMENT = {
  id: "first-blood",
  name: "First blood",
  description: "",
  hidden: false,
  progress: 0,
  unlocked: false,
};
const ENTRY = { rank: 1, user: { id: "u1", displayName: "player-u1" }, score: 10, updatedAt: 0 };

/** A scripted service: logins hand out numbered tokens; `override` answers first when it returns something. */
function setup(
  override?: (request: FakeRequest) => FakeAnswer | undefined,
  options: Partial<ServicesPluginOptions> = {},
) {
  FakeWebSocket.reset();
  const clock = new ManualClock();
  let wall = WALL_START;
  let logins = 0;
  const service = fakeFetch((request) => {
    const answer = override?.(request);
    if (answer) return answer;
    if (request.path === "/v1/auth/guest" || request.path === "/v1/auth/refresh") {
      logins++;
      return authAnswer("u1", `token-${logins}`, wall, 60_000);
    }
    if (request.path === "/v1/achievements") return { status: 200, body: { achievements: [ACHIEVEMENT] } };
    if (request.path === "/v1/lobbies/mine" || request.path === "/v1/lobbies/invites") {
      return { status: 200, body: { lobbies: [] } };
    }
    if (request.path === "/v1/leaderboards/kills/scores")
      return { status: 200, body: { entry: ENTRY, changed: true } };
    return { status: 404, body: { error: { code: "not_found", message: `no route ${request.path}` } } };
  });
  const app = createApp({ clock });
  app.addPlugins(
    ServicesPlugin({
      url: "http://services.test",
      webSocket: FakeWebSocket,
      fetch: service.fetch,
      wallClock: () => wall,
      deviceId: "device-0123456789abcdef",
      seed: 7,
      ...options,
    }),
  );
  const session = app.getResource(SessionManager);
  /** Lets I/O finish, advances the clocks, runs one frame. */
  const step = async (seconds = 1 / 60): Promise<void> => {
    await flushIo();
    clock.advance(seconds);
    wall += seconds * 1000;
    app.update();
  };
  /** Logs in and brings the push channel up. */
  const connect = async (): Promise<void> => {
    await step(); // starts the login
    await step(); // applies it, opens the channel
    FakeWebSocket.last().open();
    await step(); // sends auth
    FakeWebSocket.last().receive({ type: "ready", userId: "u1" });
    await step(); // connected; achievements requested
    await step(); // achievements loaded
  };
  return { app, clock, session, requests: service.requests, step, connect };
}

describe("ServicesPlugin + applyServices (ManualClock, fake service)", () => {
  beforeEach(() => FakeWebSocket.reset());

  it("logs in at start-up, authenticates the push channel and reports connected", async () => {
    const { session, step, requests } = setup();
    await step();
    expect(requests[0]).toMatchObject({ method: "POST", path: "/v1/auth/guest" });
    expect(session.connected).toBe(false);
    await step();
    expect(session.user?.id).toBe("u1");
    expect(session.leaderboards.ready).toBe(true);
    const socket = FakeWebSocket.last();
    expect(socket.url).toBe("ws://services.test/v1/events");
    socket.open();
    await step();
    expect(socket.sent).toEqual([{ type: "auth", token: "token-1" }]);
    expect(session.connected).toBe(false);
    socket.receive({ type: "ready", userId: "u1" });
    await step();
    expect(session.connected).toBe(true);
    expect(session.events).toEqual([{ type: "connected", resumed: false }]);
    expect(session.achievements.ready).toBe(false);
    await step();
    expect(session.events).toEqual([]);
    expect(session.achievements.ready).toBe(true);
    expect(session.achievements.enumerate()).toEqual(["first-blood"]);
  });

  it("changes a Result only inside ApplyServices, never in a network callback", async () => {
    const { app, session, step, connect } = setup();
    await connect();
    const watched: { result?: Result<unknown> } = {};
    const seen: string[] = [];
    app.addSystems(Stage.First, () => watched.result && seen.push(`First:${watched.result.pending}`));
    app.addSystems(Stage.Update, () => watched.result && seen.push(`Update:${watched.result.pending}`));
    const result = session.leaderboards.setScore("kills", 10);
    watched.result = result;
    await flushIo(); // the fake service has answered by now
    expect(result.pending).toBe(true);
    await step();
    expect(seen).toEqual(["First:true", "Update:false"]);
    expect(result.succeed()).toBe(true);
    expect(result.value).toEqual({ entry: ENTRY, changed: true });
  });

  it("applies a pushed unlock to achievements and lists it in events for one frame", async () => {
    const { session, step, connect } = setup();
    await connect();
    expect(session.achievements.have("first-blood")).toBe(false);
    FakeWebSocket.last().receive({
      type: "achievement.unlocked",
      achievement: { ...ACHIEVEMENT, unlocked: true, unlockedAt: 5 },
    });
    expect(session.achievements.have("first-blood")).toBe(false);
    await step();
    expect(session.achievements.have("first-blood")).toBe(true);
    expect(session.events).toHaveLength(1);
    expect(session.events[0]).toMatchObject({ type: "achievement.unlocked" });
    await step();
    expect(session.events).toHaveLength(0);
  });

  it("queues calls made before the session is connected and sends them once it is", async () => {
    const { session, step, connect, requests } = setup();
    const early = session.leaderboards.setScore("kills", 10);
    expect(session.queuedCalls).toBe(1);
    await connect();
    expect(session.queuedCalls).toBe(0);
    await step();
    expect(early.succeed()).toBe(true);
    expect(requests.filter((r) => r.path === "/v1/leaderboards/kills/scores")[0]?.token).toBe("token-1");
  });

  it("fails a queued call with `disconnected` after queueTimeout on the app clock", async () => {
    const { session, step } = setup(undefined, { queueTimeout: 5 });
    await step();
    const call = session.leaderboards.setScore("kills", 1);
    await step(4);
    expect(call.pending).toBe(true);
    await step(1.5);
    expect(call.failed).toBe(true);
    expect(call.error?.code).toBe("disconnected");
  });

  it("fails at once when the disconnected queue is full", async () => {
    const { session, step } = setup(undefined, { maxQueuedCalls: 1 });
    session.leaderboards.setScore("kills", 1);
    const second = session.leaderboards.setScore("kills", 2);
    await step();
    expect(second.error?.code).toBe("disconnected");
  });

  it("renews the session after a 401 and sends the call again, once", async () => {
    let refused = 0;
    const { session, step, connect, requests } = setup((request) => {
      if (request.path === "/v1/leaderboards/kills/scores" && request.token === "token-1") {
        refused++;
        return { status: 401, body: { error: { code: "unauthorized", message: "token expired" } } };
      }
      return undefined;
    });
    await connect();
    const call = session.leaderboards.setScore("kills", 10);
    await step(); // 401 applied: access invalid, call queued, refresh starts
    expect(call.pending).toBe(true);
    expect(session.connected).toBe(false);
    await step(); // refresh applied: connected again, call re-sent with the new token
    await step();
    expect(refused).toBe(1);
    expect(call.succeed()).toBe(true);
    expect(requests.some((r) => r.path === "/v1/auth/refresh")).toBe(true);
    expect(FakeWebSocket.last().sent.at(-1)).toEqual({ type: "auth", token: "token-2" });
  });

  it("reopens a closed push channel with backoff and reloads lobbies on resume", async () => {
    const { session, step, connect, requests } = setup(undefined, {
      reconnectMinDelay: 1,
      reconnectJitter: 0,
    });
    await connect();
    const first = FakeWebSocket.last();
    first.serverClose(1006, "service restarting");
    await step();
    expect(session.connected).toBe(false);
    expect(session.events).toEqual([{ type: "disconnected", reason: "service restarting" }]);
    await step(0.5);
    expect(FakeWebSocket.instances).toHaveLength(1);
    await step(0.6);
    expect(FakeWebSocket.instances).toHaveLength(2);
    const second = FakeWebSocket.last();
    second.open();
    await step();
    second.receive({ type: "ready", userId: "u1" });
    await step();
    expect(session.connected).toBe(true);
    expect(session.events).toEqual([{ type: "connected", resumed: true }]);
    expect(session.stats.reconnects).toBe(1);
    await step();
    expect(requests.some((r) => r.path === "/v1/lobbies/mine")).toBe(true);
  });

  it("refreshes the access token after refreshFraction of its lifetime and re-authenticates the channel", async () => {
    const { step, connect, requests } = setup(undefined, { refreshFraction: 0.5 });
    await connect();
    expect(requests.some((r) => r.path === "/v1/auth/refresh")).toBe(false);
    await step(31); // 60 s tokens: refresh after 30 s
    await step();
    expect(requests.filter((r) => r.path === "/v1/auth/refresh")).toHaveLength(1);
    expect(requests.find((r) => r.path === "/v1/auth/refresh")?.body).toEqual({
      refreshToken: "refresh-token-1",
    });
    expect(FakeWebSocket.last().sent.at(-1)).toEqual({ type: "auth", token: "token-2" });
  });

  it("renews the session when the channel is closed with 4401", async () => {
    const { session, step, connect, requests } = setup(undefined, {
      reconnectMinDelay: 0.1,
      reconnectJitter: 0,
    });
    await connect();
    FakeWebSocket.last().serverClose(4401, "token refused");
    await step();
    expect(session.connected).toBe(false);
    await step(0.2);
    expect(requests.filter((r) => r.path === "/v1/auth/refresh")).toHaveLength(1);
    await step(0.2);
    const socket = FakeWebSocket.last();
    expect(FakeWebSocket.instances).toHaveLength(2);
    socket.open();
    await step();
    expect(socket.sent).toEqual([{ type: "auth", token: "token-2" }]);
  });

  it("counts malformed pushes and answers instead of throwing", async () => {
    const { session, step, connect } = setup((request) =>
      request.path.startsWith("/v1/leaderboards/kills/scores?")
        ? { status: 200, body: { entries: "nope" } }
        : undefined,
    );
    await connect();
    FakeWebSocket.last().receive("not json");
    FakeWebSocket.last().receive({ type: "lobby.changed", lobby: { id: 3 } });
    FakeWebSocket.last().receive({ type: "unheard.of" });
    const page = session.leaderboards.getGlobalScores("kills", 0, 10);
    await step();
    await step();
    expect(session.stats.eventsInvalid).toBe(3);
    expect(page.error?.code).toBe("invalid_response");
    expect(session.stats.responsesInvalid).toBe(1);
  });

  it("stops logging in by itself after a refused login and reports it", async () => {
    const { session, step } = setup((request) =>
      request.path === "/v1/auth/guest"
        ? { status: 400, body: { error: { code: "bad_request", message: "bad device" } } }
        : undefined,
    );
    const call = session.saveData.enumerate();
    await step();
    await step();
    expect(session.lastError?.code).toBe("bad_request");
    expect(call.error?.code).toBe("bad_request");
    expect(session.connected).toBe(false);
  });

  it("throws at once on local misuse, naming the argument", () => {
    const { session } = setup();
    expect(() => session.leaderboards.setScore("bad board!", 1)).toThrow(/board/);
    expect(() => session.leaderboards.getGlobalScores("kills", 0, 1000)).toThrow(/count/);
    expect(() => session.achievements.set("x", false)).toThrow(/only be unlocked/);
    expect(() =>
      ServicesPlugin({
        url: "http://x",
        webSocket: FakeWebSocket,
        deviceId: "d".repeat(16),
        credentials: { kind: "password", username: "abc", password: "12345678" },
      }),
    ).toThrow(/not both/);
    const add = (options: ServicesPluginOptions) => () => createApp().addPlugins(ServicesPlugin(options));
    expect(add({ url: "http://x", webSocket: FakeWebSocket, deviceId: "short" })).toThrow(/deviceId/);
    expect(add({ url: "ftp://x", webSocket: FakeWebSocket })).toThrow(/http/);
  });
});
