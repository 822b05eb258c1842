// Lockstep check: the wasm codec's client SoA equals Canopy's client SoA bit for bit, every tick and
// entity (both variants); and the malformed-input statuses.
import { recordMovingTrace } from "../../../bench/fixtures/movingTrace";
import { canopyTraceCodec } from "../../../bench/fixtures/canopyTraceCodec";
import { wasmFeatTraceCodec, WasmFeat } from "./wasmFeatCodec";
import {
  createFloatQuantizer,
  quantizeFloat,
  quantizeQuat,
} from "../../../packages/net-plugin/src/protocol/quantize";
const BOUNDS = { min: { x: -50, y: -1, z: -50 }, max: { x: 50, y: 15, z: 50 }, precision: 1 / 512 };
const trace = recordMovingTrace(100, 600, 5);
const a = new Float64Array(4),
  b = new Float64Array(4);
// a sparser trace from the same one: a third move only their position, a third only their rotation,
// every 7th entity is at rest for ticks 200..299 (unchanged rows, one-field masks, sparse bitmaps)
const sparse = { ...trace, positions: trace.positions.slice(), rotations: trace.rotations.slice() };
for (let t = 0; t < 600; t++)
  for (let i = 0; i < 100; i++) {
    const from = i % 7 === 0 && t >= 200 && t < 300 ? 199 : t;
    for (let c = 0; c < 3; c++)
      sparse.positions[(t * 100 + i) * 3 + c] =
        trace.positions[((i % 3 === 2 ? 0 : from) * 100 + i) * 3 + c]!;
    for (let c = 0; c < 4; c++)
      sparse.rotations[(t * 100 + i) * 4 + c] =
        trace.rotations[((i % 3 === 1 ? 0 : from) * 100 + i) * 4 + c]!;
  }
for (const [label, tr] of [
  ["moving trace", trace],
  ["sparse trace", sparse],
] as const)
  for (const variant of [0, 1] as const) {
    const trace = tr;
    const c = canopyTraceCodec({ name: "Canopy", bounds: BOUNDS, quatBits: 9, ackDelay: 6 }).create(trace);
    const w = wasmFeatTraceCodec({
      name: "w",
      bounds: BOUNDS,
      quatBits: 9,
      ackDelay: 6,
      mode: "memory",
      variant,
      opt: process.env.OPT === "1",
      rowMajor: process.env.RM === "1" || process.env.RM === "T",
      transposed: process.env.RM === "T",
    }).create(trace);
    let diffs = 0,
      cb = 0,
      wb = 0;
    for (let t = 0; t < 600; t++) {
      c.load(t);
      const pc = c.encode(t);
      cb += pc.length;
      c.decode(pc);
      w.load(t);
      const pw = w.encode(t);
      wb += pw.length;
      w.decode(pw);
      for (let i = 0; i < 100; i++) {
        c.readPosition(i, a);
        w.readPosition(i, b);
        for (let f = 0; f < 3; f++) if (a[f] !== b[f]) diffs++;
        c.readRotation(i, a);
        w.readRotation(i, b);
        for (let f = 0; f < 4; f++) if (a[f] !== b[f]) diffs++;
      }
    }
    console.log(
      `${label}, variant ${variant}: values differing from Canopy's client: ${diffs} of ${600 * 700}; bytes Canopy ${cb} wasm ${wb}`,
    );
  }
// malformed input: statuses, no trap, stored states untouched
{
  const w = wasmFeatTraceCodec({
    name: "w",
    bounds: BOUNDS,
    quatBits: 9,
    ackDelay: 6,
    mode: "memory",
    variant: process.env.V === "1" ? 1 : 0,
    opt: process.env.OPT === "1",
    rowMajor: process.env.RM === "1" || process.env.RM === "T",
    transposed: process.env.RM === "T",
  }).create(trace) as WasmFeat;
  for (let t = 0; t < 100; t++) {
    w.load(t);
    w.decode(w.encode(t));
  }
  w.load(100);
  const good = w.encode(100).slice();
  const fs = w.fs;
  const ctab = w.cRing + 34 * 8 * fs;
  const stored = () => {
    const parts: Uint8Array[] = [w.u8.slice(ctab, ctab + 33 * 4)];
    const tab = new Int32Array(w.u8.buffer, ctab, 33);
    for (let s = 0; s < 33; s++) parts.push(w.u8.slice(tab[s]!, tab[s]! + 8 * fs));
    for (const [o, l] of w.clientRegions) parts.push(w.u8.slice(o, o + l));
    return Buffer.concat(parts);
  };
  const before = stored();
  const whole = w.u8.slice();
  const statuses = new Map<number, number>();
  const tryDecode = (p: Uint8Array) => {
    w.u8.set(p, w.recv);
    const s = w.k.decode(p.length, 1);
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
    return s;
  };
  for (let cut = 0; cut < good.length; cut++)
    if (tryDecode(good.subarray(0, cut)) === 0) throw new Error("truncated accepted at " + cut);
  let seed = 7,
    accepted = 0,
    tried = 0;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  for (let r = 0; r < 20000; r++) {
    const p = good.slice();
    const flips = 1 + Math.floor(rnd() * 4);
    for (let f = 0; f < flips; f++) {
      const bit = 16 + Math.floor(rnd() * (p.length * 8 - 16));
      p[bit >> 3] ^= 1 << (bit & 7);
    }
    // a mutant that still decodes is a valid (different) snapshot: count it, don't apply it here
    w.u8.set(p, w.recv);
    tried++;
    const copy = stored();
    const s = tryDecode(p);
    if (s === 0) {
      accepted++;
      w.u8.set(whole);
      w.k.setLastSeq(99);
      continue;
    }
    if (Buffer.compare(copy, stored()) !== 0) throw new Error("rejected packet changed stored state");
  }
  console.log(
    "statuses over",
    good.length,
    "truncations and",
    tried,
    "bit-flip mutants:",
    [...statuses].map(([s, n]) => `${s}:${n}`).join(" "),
    "| accepted mutants (valid streams):",
    accepted,
    "| stored state unchanged by every rejected packet:",
    Buffer.compare(before, stored()) === 0,
  );
  console.log("the good packet afterwards:", tryDecode(good), "| replayed:", tryDecode(good));
}

// capture against Canopy's quantizers on edge values: NaN, ±Infinity, out of bounds, exact half
// steps, random f32 values; quaternions random, unnormalized, zero, NaN, ties between components
for (const opt of [false, true])
  for (const f32 of [true, false]) {
    const w = wasmFeatTraceCodec({
      name: "w",
      bounds: BOUNDS,
      quatBits: 9,
      ackDelay: 6,
      mode: "memory",
      variant: 0,
      opt,
      f32,
      rowMajor: process.env.RM === "1" || process.env.RM === "T",
      transposed: process.env.RM === "T",
    }).create(trace) as WasmFeat;
    const qs = [
      createFloatQuantizer(-50, 50, 1 / 512),
      createFloatQuantizer(-1, 15, 1 / 512),
      createFloatQuantizer(-50, 50, 1 / 512),
    ];
    const rows = new Int32Array(w.u8.buffer, w.curAddr, 7 * 100);
    const out = new Int32Array(4);
    // slot s of entity i: field-major (feat) or row-major (featrm RM=1, featrmt RM=T)
    const at = (i: number, s: number) => (process.env.RM !== undefined ? i * 7 + s : s * 100 + i);
    let seed = 11,
      bad = 0,
      checked = 0;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
    const special = [
      NaN,
      Infinity,
      -Infinity,
      0,
      -0,
      -50,
      50,
      -1,
      15,
      1e30,
      -1e30,
      -50.0009765625,
      49.9990234375,
    ];
    for (let round = 0; round < 400; round++) {
      for (let i = 0; i < 100; i++) {
        for (let a = 0; a < 3; a++) {
          const z = qs[a]!;
          const r = rnd();
          const v =
            r < 0.1
              ? special[Math.floor(rnd() * special.length)]!
              : r < 0.4
                ? z.min + (Math.floor(rnd() * z.maxValue) + 0.5) * z.step
                : z.min - 2 + rnd() * (z.max - z.min + 4);
          w.server[a]![i] = v;
        }
        const r = rnd();
        let q = [rnd() * 2 - 1, rnd() * 2 - 1, rnd() * 2 - 1, rnd() * 2 - 1];
        if (r < 0.05) q = [0, 0, 0, 0];
        else if (r < 0.1) q = [NaN, 0, 0, 1];
        else if (r < 0.2) {
          const c = rnd() - 0.5;
          q = [c, -c, c, rnd() < 0.5 ? c : -c];
        } else if (r < 0.3) q = q.map((x) => x * 1000);
        for (let c = 0; c < 4; c++) w.server[3 + c]![i] = q[c]!;
      }
      w.k.capture(round + 1);
      for (let i = 0; i < 100; i++) {
        for (let a = 0; a < 3; a++) {
          checked++;
          if (rows[at(i, a)] !== quantizeFloat(qs[a]!, w.server[a]![i]!)) bad++;
        }
        quantizeQuat(w.server[3]![i]!, w.server[4]![i]!, w.server[5]![i]!, w.server[6]![i]!, 9, out, 0);
        for (let c = 0; c < 4; c++) {
          checked++;
          if (rows[at(i, 3 + c)] !== out[c]) bad++;
        }
      }
    }
    console.log(
      `capture vs Canopy's quantizers (${opt ? "inlined" : "as written"}, ${f32 ? "f32 position path" : "f64 path"}): ${bad} of ${checked} slots differ`,
    );
  }
