/**
 * protocolHashOf: what the NetPlugins put in the handshake. Test vectors for the default setup
 * (only the ownership fields registered, the default channels and capacity): if one changes,
 * peers built before and after the change refuse each other.
 */
import { describe, expect, it } from "vitest";
import { protocolHashOf } from "../../src/plugins/net/protocolHashOf";
import { DEFAULT_CHANNELS } from "../../src/reliability/channels";
import { createProtocolHash } from "../../src/protocol/protocolHash";
import { ReplicationRegistry } from "../../src/replication/registry";
import { TransformTemplate } from "../../src/replication/templates/transformTemplate";
import { describeCorrectionWire } from "../../src/replication/server/correctionMessage";
import { ensureOwnerField } from "../../src/replication/server/ownership";
import { ReplicationDefaults } from "../../src/replication/server/serverReplication";

function defaultRegistry(): ReplicationRegistry {
  const registry = new ReplicationRegistry();
  ensureOwnerField(registry);
  return registry;
}

const hex = (h: number) => h.toString(16).padStart(8, "0");

describe("protocolHashOf", () => {
  it("has fixed values for the default setup, with and without corrections", () => {
    const capacity = ReplicationDefaults.capacity;
    const on = protocolHashOf(defaultRegistry(), DEFAULT_CHANNELS, undefined, capacity);
    const off = protocolHashOf(defaultRegistry(), DEFAULT_CHANNELS, undefined, capacity, false);
    expect(hex(on)).toMatchInlineSnapshot(`"66ac227a"`);
    expect(hex(off)).toMatchInlineSnapshot(`"97325221"`);
  });

  it("feeds the correction format: on and off differ, and the descriptor names the kind and header", () => {
    const registry = defaultRegistry();
    expect(protocolHashOf(registry)).toBe(
      protocolHashOf(registry, DEFAULT_CHANNELS, undefined, undefined, true),
    );
    expect(protocolHashOf(registry)).not.toBe(
      protocolHashOf(registry, DEFAULT_CHANNELS, undefined, undefined, false),
    );
    expect(describeCorrectionWire()).toContain("0xd0");
    expect(describeCorrectionWire()).toContain("header 11 B");
    expect(describeCorrectionWire(false)).toBe("off");
  });

  it("names the Transform columns format: peers that coded Transforms per entity are refused", () => {
    const registry = defaultRegistry();
    const keys = ["x", "y", "z", "qx", "qy", "qz", "qw"];
    const soa = Object.fromEntries(keys.map((k) => [k, new Float32Array(8)]));
    registry.replicate(soa, TransformTemplate({ min: -100, max: 100, precision: 0.01 }), { name: "pose" });
    const hash = createProtocolHash();
    registry.addToHash(hash);
    // Before session 8 a Transform's deltas were Exp-Golomb codes per entity; its entry was the
    // name and descriptor alone. Its position and rotation are now in the columns.
    const before = createProtocolHash().add("replication-fields", 2);
    for (const f of registry.fields) before.add("replicate", `${f.name}:${f.template.descriptor}`);
    expect(hash.digest()).not.toBe(before.digest());
    expect(hex(protocolHashOf(registry, DEFAULT_CHANNELS, undefined, 1024))).toMatchInlineSnapshot(
      `"9d23e98b"`,
    );
  });
});
