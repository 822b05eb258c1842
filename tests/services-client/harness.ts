/**
 * Harness for the services-client system tests: the REAL services server (`createServicesServer`)
 * on 127.0.0.1 over a SQLite file in a temporary directory, that can be stopped and started again
 * on the same port and database; and client Apps with `ServicesPlugin` driven frame by frame until
 * a condition holds (bounded: a test that waits too long fails with what it was waiting for).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createApp, Stage, type App } from "@canopy/core";
import {
  type Result,
  ServicesPlugin,
  SessionManager,
  type ServiceEvent,
  type ServicesPluginOptions,
} from "@canopy/net-plugin";
import {
  createServicesServer,
  NodeWebSocket,
  openStore,
  type ServicesConfigInput,
  type ServicesServer,
} from "@canopy/net-plugin/server";

/** Key a test game server registers with. */
export const SERVER_KEY = "services-client-test-key-0123456789";

/** Boards and achievements of the test service. */
const CONFIG: ServicesConfigInput = {
  host: "127.0.0.1",
  // A fixed secret, so tokens stay valid across a restart (as with a configured production secret).
  tokenSecret: Buffer.alloc(32, 7).toString("base64"),
  scrypt: { N: 1024, r: 8, p: 1 },
  serverKeys: [SERVER_KEY],
  logLevel: "silent",
  leaderboards: [
    {
      id: "kills",
      sort: "desc",
      rule: "best",
      min: 0,
      max: 1_000_000,
      serverOnly: false,
      minIntervalSeconds: 0,
    },
  ],
  achievements: [
    { id: "first-win", name: "First win", description: "Win a match", hidden: false, serverOnly: false },
    {
      id: "collector",
      name: "Collector",
      description: "10 gems",
      hidden: false,
      target: 10,
      serverOnly: false,
    },
  ],
};

/** A services server that can be restarted on the same port and database. */
export class TestServices {
  private server: ServicesServer | undefined;
  private closeStore: (() => Promise<void>) | undefined;
  private port = 0;
  readonly dir = mkdtempSync(join(tmpdir(), "canopy-services-client-"));
  readonly dbPath = join(this.dir, "services.db");

  /** Base URL (stable across restarts). */
  get url(): string {
    if (!this.server) throw new Error("TestServices: start() the server first.");
    return this.server.url;
  }

  /** Starts (or restarts) the server; `overrides` change the configuration of this run. */
  async start(overrides: ServicesConfigInput = {}): Promise<void> {
    const store = await openStore(this.dbPath);
    this.closeStore = () => store.close();
    this.server = await createServicesServer({
      store,
      config: { ...CONFIG, ...overrides, port: this.port, db: this.dbPath },
    });
    this.port = Number(new URL(this.server.url).port);
  }

  /** Stops the server (every socket closes) and its store; `start()` brings it back. */
  async stop(): Promise<void> {
    await this.server?.close();
    await this.closeStore?.();
    this.closeStore = undefined;
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.server = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A client App with ServicesPlugin and a log of every service event it saw. */
export interface TestClient {
  app: App;
  session: SessionManager;
  events: ServiceEvent[];
}

let nextDevice = 0;

/** A client App logged in as a fresh guest (the login starts with the first frame). */
export function createClient(url: string, options: Partial<ServicesPluginOptions> = {}): TestClient {
  const app = createApp();
  const deviceId = `services-client-device-${process.pid}-${nextDevice++}`;
  app.addPlugins(
    ServicesPlugin({
      url,
      webSocket: NodeWebSocket,
      deviceId,
      reconnectMinDelay: 0.05,
      reconnectMaxDelay: 0.5,
      seed: nextDevice,
      ...options,
    }),
  );
  const events: ServiceEvent[] = [];
  app.addSystems(Stage.Update, (world) => events.push(...world.resources.get(SessionManager).events));
  return { app, session: app.getResource(SessionManager), events };
}

/** Runs frames of every client (about 200 per second) until `done()` holds; fails after `timeoutMs`. */
export async function runUntil(
  clients: readonly TestClient[],
  done: () => boolean,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const client of clients) client.app.update();
    if (done()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Runs frames until `result` completes; returns its value or throws its ServiceError. */
export async function settle<T>(clients: readonly TestClient[], result: Result<T>, what: string): Promise<T> {
  await runUntil(clients, () => !result.pending, what);
  if (result.failed) throw result.error ?? new Error(`${what} failed`);
  return result.value as T;
}

/** The first event of `type` a client saw, waiting for it if needed. */
export async function nextEvent<K extends ServiceEvent["type"]>(
  clients: readonly TestClient[],
  client: TestClient,
  type: K,
  from = 0,
): Promise<Extract<ServiceEvent, { type: K }>> {
  const find = () => client.events.slice(from).find((e) => e.type === type);
  await runUntil(clients, () => find() !== undefined, `a "${type}" event`);
  return find() as Extract<ServiceEvent, { type: K }>;
}
