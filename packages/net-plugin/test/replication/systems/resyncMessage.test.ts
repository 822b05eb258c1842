import { describe, expect, it } from "vitest";
import {
  readResyncMessage,
  RESYNC_MESSAGE_BYTES,
  writeResyncMessage,
} from "../../../src/replication/server/resyncMessage";

describe("resync message", () => {
  it("round-trips every 16-bit sequence edge and rejects wrong sizes", () => {
    const out = new Uint8Array(RESYNC_MESSAGE_BYTES);
    for (const seq of [0, 1, 255, 256, 0x1234, 65535])
      expect(readResyncMessage(writeResyncMessage(seq, out))).toBe(seq);
    expect(readResyncMessage(new Uint8Array(0))).toBe(-1);
    expect(readResyncMessage(new Uint8Array(3))).toBe(-1);
    expect(readResyncMessage(new Uint8Array(6))).toBe(-1); // the old ack message size
  });
});
