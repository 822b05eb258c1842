/**
 * A time-sync rig: one NetServer and one NetClient over the loopback network, the client's link
 * behind a seeded LinkConditioner (separate uplink/downlink conditions), a server whose fixed tick
 * runs at 60 Hz from its own clock, and a client whose local clock is the server's plus an offset
 * (and optional drift and jumps). Server and client frames run at 60 Hz out of phase.
 */
import { ManualClock } from "@canopy/core";
import { NetClient } from "../../src/connection/netClient";
import { NetServer } from "../../src/connection/netServer";
import { generateConnectToken } from "../../src/protocol/connectToken";
import { DEFAULT_CHANNELS } from "../../src/reliability/channels";
import { TimeSyncClient } from "../../src/time-sync/timeSyncClient";
import { TimeSyncServer } from "../../src/time-sync/timeSyncServer";
import type { TimeSyncOptions } from "../../src/time-sync/constants";
import { createLoopbackNetwork } from "../../src/transport/loopback";
import { LinkConditioner } from "../../src/transport/linkConditioner";
import type { LinkConditions } from "../../src/transport/linkConditions";

const KEY = new Uint8Array(32).fill(3);
const PROTOCOL_ID = 0x7153n;
/** Channel 3 of the default layout is unreliable. */
export const UNRELIABLE = DEFAULT_CHANNELS.length - 1;
export const HZ = 60;
/** Sub-steps per 60 Hz frame: server frames on sub-step 0, client frames on sub-step 2. */
const SUB = 4;

export interface RigOptions {
  uplink: Partial<LinkConditions>;
  downlink: Partial<LinkConditions>;
  seed: number;
  /** Client clock minus server clock at the start, seconds. */
  clientOffset?: number;
  /** Client clock rate error (e.g. 200e-6 = 200 ppm fast). */
  drift?: number;
  sync?: TimeSyncOptions;
}

export class TimeSyncRig {
  readonly clock = new ManualClock(50);
  readonly server: NetServer;
  readonly client: NetClient;
  readonly sync: TimeSyncClient;
  readonly serverSync = new TimeSyncServer(HZ);
  /** Added to the client's local clock (simulates a jump). */
  clientJump = 0;
  private readonly start: number;
  private readonly firstServerFrame: number;
  private sub = 0;
  /** Called after every client frame (after receive), with the client's local time. */
  onClientFrame: ((local: number) => void) | undefined;

  constructor(private readonly o: RigOptions) {
    const network = createLoopbackNetwork();
    this.server = new NetServer(network.bind("loopback://server"), {
      protocolId: PROTOCOL_ID,
      privateKey: KEY,
    });
    const t = new LinkConditioner(network.bind(), {
      clock: this.clock,
      seed: o.seed,
      outbound: o.uplink,
      inbound: o.downlink,
    });
    this.client = new NetClient(t, {});
    this.sync = new TimeSyncClient(o.sync);
    this.start = this.clock.now();
    this.firstServerFrame = this.start + 1 / (HZ * SUB);
    const token = generateConnectToken(
      {
        protocolId: PROTOCOL_ID,
        clientId: 1n,
        serverAddresses: ["loopback://server"],
        expireSeconds: 600,
        timeoutSeconds: 10,
      },
      KEY,
    );
    this.client.connect(token);
    for (let i = 0; i < 600 && this.client.state !== "connected"; i++) this.frame();
    if (this.client.state !== "connected") throw new Error("TimeSyncRig: client did not connect");
  }

  /** Server time of the first server frame at or after `t` (when the server acts on a message). */
  nextServerFrame(t: number): number {
    const p = 1 / HZ;
    return this.firstServerFrame + Math.ceil((t - this.firstServerFrame) / p - 1e-6) * p;
  }

  /** Server time of the last server frame at or before `t` (when the newest pong left). */
  lastServerFrame(t: number): number {
    const p = 1 / HZ;
    return this.firstServerFrame + Math.floor((t - this.firstServerFrame) / p + 1e-6) * p;
  }

  /** True continuous server tick at server time `t`. */
  trueTick(t: number): number {
    return (t - this.start) * HZ;
  }

  /** The client's local clock reading at server time `t`. */
  localTime(t: number): number {
    return t + (this.o.clientOffset ?? 0) + (t - this.start) * (this.o.drift ?? 0) + this.clientJump;
  }

  /** Runs one sub-step (1/240 s). */
  frame(): void {
    this.clock.advance(1 / (HZ * SUB));
    const now = this.clock.now();
    const phase = this.sub++ % SUB;
    if (phase === 0) this.serverFrame(now);
    else if (phase === 2) this.clientFrame(now);
  }

  /** Runs `seconds` of simulated time. */
  run(seconds: number): void {
    const n = Math.round(seconds * HZ * SUB);
    for (let i = 0; i < n; i++) this.frame();
  }

  private serverFrame(now: number): void {
    const s = this.server;
    s.update(now);
    s.receivePackets();
    for (let e = s.pollEvent(); e; e = s.pollEvent()) {
      if (e.type !== "message") continue;
      const pong = this.serverSync.answer(e.client, e.data, now);
      if (pong !== undefined) s.send(e.client, UNRELIABLE, pong);
    }
    this.serverSync.setTickReference(this.trueTick(now), now);
    s.sendPackets();
  }

  private clientFrame(now: number): void {
    const c = this.client;
    const local = this.localTime(now);
    c.update(now);
    c.receivePackets();
    for (let e = c.pollEvent(); e; e = c.pollEvent()) {
      if (e.type === "message") this.sync.receive(e.data, local);
    }
    if (c.state === "connected") {
      this.onClientFrame?.(local);
      const ping = this.sync.writePing(local);
      if (ping !== undefined) c.send(UNRELIABLE, ping);
    }
    c.sendPackets();
  }
}

/** The p-quantile (0..1) of absolute values. */
export function quantileAbs(values: readonly number[], p: number): number {
  const s = values.map(Math.abs).sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
}
