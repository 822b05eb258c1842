import { describe, expect, it } from "vitest";
import { warmUpReliability } from "../../src/reliability/endpointWarmUp";
import { Buffers } from "../../src/protocol/constants";

describe("warmUpReliability", () => {
  it("runs the rare send and receive paths once per process, then returns at once", () => {
    const ran = warmUpReliability();
    expect(ran).toBeDefined();
    const { sender, receiver } = ran as NonNullable<typeof ran>;
    // Full packets (more small messages per frame than one packet holds), lost packets and
    // resends, acks both ways, and ack-only packets from the side that sends no messages.
    expect(sender.messagesSent).toBeGreaterThan(4 * Buffers.maxMessagesPerPacket);
    expect(sender.packetsSent).toBeGreaterThan(sender.packetsAcked);
    expect(sender.messagesResent).toBeGreaterThan(0);
    expect(sender.packetsAcked).toBeGreaterThan(0);
    expect(receiver.ackPacketsSent).toBeGreaterThan(0);
    expect(receiver.messagesReceived).toBeGreaterThan(0);
    expect(receiver.packetsInvalid + receiver.messagesRefused).toBe(0);
    expect(warmUpReliability()).toBeUndefined();
  });
});
