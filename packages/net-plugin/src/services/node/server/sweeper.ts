/**
 * The services' periodic sweep: removes lobbies whose match started `lobbies.startedTtlSeconds` ago
 * or whose game server went silent (no heartbeat for `gameServers.timeoutSeconds`, or unregistered),
 * then deletes game servers silent for `gameServers.pruneSeconds` and login rate buckets idle long
 * enough to be full again. A timer in the service process
 * (every `sweepSeconds`), reading the injected wall clock; with PostgreSQL every process sweeps and
 * each row is deleted once. Members of a removed lobby are not told: their match is over, and
 * `GET /v1/lobbies/mine` no longer lists it.
 */
import type { ServicesContext } from "./context";

/** What one sweep removed. */
export interface SweepResult {
  lobbies: string[];
  servers: string[];
}

/** Runs the sweep on a timer and on demand. */
export class Sweeper {
  /** Sweeps run, lobbies and servers removed, sweeps that failed (store outage). */
  readonly stats = { runs: 0, lobbies: 0, servers: 0, rateBuckets: 0, errors: 0 };
  private timer: ReturnType<typeof setInterval> | undefined;
  private running: Promise<SweepResult> | undefined;

  constructor(private readonly ctx: ServicesContext) {}

  /** Starts sweeping every `config.sweepSeconds` (nothing when 0). */
  start(): void {
    const period = this.ctx.config.sweepSeconds;
    if (period <= 0 || this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.sweep().catch(() => {
        this.stats.errors++;
      });
    }, period * 1000);
    this.timer.unref();
  }

  /** Sweeps now (joining a sweep already under way). */
  sweep(): Promise<SweepResult> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the timer. */
  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async run(): Promise<SweepResult> {
    const { store, config } = this.ctx;
    const now = this.ctx.nowMs();
    const ttl = config.lobbies.startedTtlSeconds;
    const startedBefore = ttl > 0 ? now - ttl * 1000 : Number.MIN_SAFE_INTEGER;
    const lobbies = await store.pruneStartedLobbies(
      startedBefore,
      now - config.gameServers.timeoutSeconds * 1000,
    );
    const servers = await store.pruneServers(now - config.gameServers.pruneSeconds * 1000);
    const auth = config.rateLimit.authPerAddress;
    const refillMs = Math.ceil((auth.capacity / auth.refillPerSecond) * 1000);
    this.stats.rateBuckets += await store.pruneRateBuckets(now - refillMs);
    this.stats.runs++;
    this.stats.lobbies += lobbies.length;
    this.stats.servers += servers.length;
    return { lobbies, servers };
  }
}
