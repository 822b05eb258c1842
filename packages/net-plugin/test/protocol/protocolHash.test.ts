import { describe, expect, it } from "vitest";
import { createProtocolHash } from "../../src/protocol/index";

describe("createProtocolHash", () => {
  it("is deterministic, order-sensitive and separates fields", () => {
    const a = createProtocolHash().add("channel", "0:reliable-ordered").add("event", "Chat").digest();
    const b = createProtocolHash().add("channel", "0:reliable-ordered").add("event", "Chat").digest();
    const swapped = createProtocolHash().add("event", "Chat").add("channel", "0:reliable-ordered").digest();
    const split1 = createProtocolHash().add("ab", "c").digest();
    const split2 = createProtocolHash().add("a", "bc").digest();
    const num = createProtocolHash().add("version", 1).digest();
    const str = createProtocolHash().add("version", "1").digest();
    expect(a).toBe(b);
    expect(a).not.toBe(swapped);
    expect(split1).not.toBe(split2);
    expect(num).not.toBe(str);
    expect(Number.isInteger(a) && a >= 0 && a <= 0xffffffff).toBe(true);
  });

  it("has a fixed value for the empty registry (changes only with the wire version)", () => {
    // Test vector: protocol version 3, nothing registered. If this changes, peers disagree.
    expect(createProtocolHash().digest().toString(16)).toMatchInlineSnapshot(`"b792670e"`);
  });
});
