/**
 * Latency statistics of an idle connection: keep-alives echo each other (docs/PROTOCOL.md,
 * "Keep-alives"), so with no messages flowing both ends still measure — and follow — the RTT.
 */
import { LinkConditioner } from "@canopy/net-plugin";
import { describe, expect, it } from "vitest";
import { Stepper } from "./stepper";

const MS = 0.001;

describe("idle connection latency", () => {
  it("is measured from keep-alives on both ends and follows a change of the path", () => {
    const s = new Stepper();
    const conditioner = new LinkConditioner(s.network.bind(), {
      clock: s.clock,
      seed: 3,
      outbound: { simulatedLatency: 25 },
      inbound: { simulatedLatency: 25 },
    });
    const client = s.addClient({}, conditioner);
    client.connect(s.token({ timeoutSeconds: 10 }));
    const dt = MS; // 1 ms frames: the measurement is not quantized by the frame
    for (let i = 0; i < 2000 && client.state !== "connected"; i++) s.step(1, dt);
    expect(client.state).toBe("connected");

    s.step(2000, dt); // 2 s, no messages at all
    const clientStats = client.stats();
    const serverStats = s.server.clientStats(client.clientIndex);
    // averageLatency is half the 50 ms RTT.
    expect(clientStats.averageLatency).toBeGreaterThan(24 * MS);
    expect(clientStats.averageLatency).toBeLessThan(26.5 * MS);
    expect(serverStats?.averageLatency).toBeGreaterThan(24 * MS);
    expect(serverStats?.averageLatency).toBeLessThan(26.5 * MS);
    expect(clientStats.bestLatency).toBeGreaterThan(24 * MS);

    conditioner.setConditions({ outbound: { simulatedLatency: 50 }, inbound: { simulatedLatency: 50 } });
    s.step(4000, dt); // still idle: the estimate must follow the slower path
    expect(client.stats().averageLatency).toBeGreaterThan(47 * MS);
    expect(client.stats().averageLatency).toBeLessThan(51.5 * MS);
    expect(client.stats().worstLatency).toBeGreaterThan(49 * MS);
    expect(s.server.clientStats(client.clientIndex)?.averageLatency).toBeGreaterThan(47 * MS);
  });
});
