/**
 * The byte examples of docs/PROTOCOL.md are test vectors: this file reads every row whose first
 * cell is a `vector` name out of the document and checks the code writes exactly those bytes and
 * reads them back. Change the encoding and this fails until the spec is updated (and
 * Protocol.version bumped).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BitReader, BitWriter } from "../../src/protocol/index";
import {
  type ChannelKind,
  createMessageHeader,
  createPacketHeader,
  DEFAULT_CHANNELS,
  readMessageHeader,
  readPacketHeader,
  ReliableEndpoint,
  writeMessageHeader,
  writePacketHeader,
  type MessageHeader,
  type PacketHeader,
} from "../../src/reliability/index";
import { asSeq16 } from "../../src/protocol/seq16";

// The reliability part of the spec: everything before the connection layer's section.
const spec = readFileSync(new URL("../../../../docs/PROTOCOL.md", import.meta.url), "utf8").split(
  "## Connection packets",
)[0] as string;
const vectors = new Map<string, number[]>();
for (const line of spec.split("\n")) {
  const match = /^\|\s*`([a-z0-9-]+)`\s*\|.*\|\s*`([0-9a-f ]+)`\s*\|\s*$/.exec(line);
  if (match)
    vectors.set(
      match[1] as string,
      (match[2] as string).split(" ").map((h) => parseInt(h, 16)),
    );
}
const vector = (name: string): number[] => {
  const v = vectors.get(name);
  if (!v) throw new Error(`docs/PROTOCOL.md has no vector row "${name}"`);
  return v;
};
const hex = (s: string) => [...new TextEncoder().encode(s)];
const kinds = DEFAULT_CHANNELS.map((c) => c.kind);

function header(sequence: number, ack: number | undefined, ackBits = 0): PacketHeader {
  return { sequence: asSeq16(sequence), hasAcks: ack !== undefined, ack: asSeq16(ack ?? 0), ackBits };
}

describe("docs/PROTOCOL.md test vectors", () => {
  it("lists every vector this file checks", () => {
    expect([...vectors.keys()].sort()).toEqual(
      [
        "bits-1",
        "uint32-le",
        "varuint",
        "header-1",
        "header-2",
        "header-3",
        "header-4",
        "message-1",
        "message-2",
        "message-3",
        "message-4",
        "packet-1",
      ].sort(),
    );
  });

  it("bit order", () => {
    const w = new BitWriter(16);
    w.writeBits(1, 1);
    w.writeBits(2, 2);
    w.writeBits(31, 5);
    w.writeBits(0xabc, 12);
    expect([...w.finish()]).toEqual(vector("bits-1"));
    w.reset();
    w.writeUint32(0x04030201);
    expect([...w.finish()]).toEqual(vector("uint32-le"));
    w.reset();
    w.writeVarUint(300);
    expect([...w.finish()]).toEqual(vector("varuint"));
    expect(new BitReader(new Uint8Array(vector("varuint"))).readVarUint()).toBe(300);
  });

  const headers: [string, PacketHeader][] = [
    ["header-1", header(0, undefined)],
    ["header-2", header(5, 3, 0xffffffff)],
    ["header-3", header(300, 2, 0xfffffffe)],
    ["header-4", header(1, 65535, 0x00ff00ff)],
  ];
  it.each(headers)("packet %s", (name, h) => {
    const w = new BitWriter(16);
    writePacketHeader(w, h);
    expect([...w.finish()]).toEqual(vector(name));
    const out = createPacketHeader();
    const r = new BitReader(new Uint8Array(vector(name)));
    expect(readPacketHeader(r, out)).toBe(true);
    expect(out).toEqual(h);
    expect(r.bitsRemaining).toBe(0);
  });

  const messages: [string, MessageHeader, number[]][] = [
    ["message-1", { channel: 3, id: 0, fragmentIndex: 0, fragmentCount: 0, length: 5 }, hex("hello")],
    ["message-2", { channel: 2, id: 65535, fragmentIndex: 0, fragmentCount: 0, length: 1 }, [0x2a]],
    ["message-3", { channel: 0, id: 7, fragmentIndex: 0, fragmentCount: 0, length: 3 }, [1, 2, 3]],
    ["message-4", { channel: 1, id: 0x1234, fragmentIndex: 2, fragmentCount: 3, length: 200 }, []],
  ];
  it.each(messages)("%s", (name, m, payload) => {
    const kind = kinds[m.channel] as ChannelKind;
    const w = new BitWriter(64);
    writeMessageHeader(w, kind, m);
    w.writeBytes(new Uint8Array(payload));
    expect([...w.finish()]).toEqual(vector(name));
    // Read it back (the header-only fragment vector gets its 200 payload bytes appended).
    const bytes = new Uint8Array([...vector(name), ...new Array<number>(m.length - payload.length).fill(0)]);
    const out = createMessageHeader();
    const r = new BitReader(bytes);
    expect(readMessageHeader(r, kinds, out)).toBe(true);
    expect(out).toEqual(m);
  });

  it("packet-1: a fresh endpoint's first packet", () => {
    const sent: number[][] = [];
    const e = new ReliableEndpoint({ transmit: (p) => sent.push([...p]) });
    e.send(3, new Uint8Array(hex("hi")));
    e.update(0);
    e.writePackets();
    expect(sent).toEqual([vector("packet-1")]);
    const receiver = new ReliableEndpoint({ transmit: () => {} });
    receiver.receivePacket(new Uint8Array(vector("packet-1")));
    expect([...(receiver.receive(3) ?? [])]).toEqual(hex("hi"));
    expect(receiver.counters.packetsReceived).toBe(1);
  });
});
