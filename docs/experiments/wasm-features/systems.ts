/** The rows every driver of this experiment measures, in one place. */
import { canopyTraceCodec } from "../../../bench/fixtures/canopyTraceCodec";
import { floorTraceCodec } from "../../../bench/fixtures/floorTraceCodec";
import { msgpackrTraceCodec } from "../../../bench/fixtures/peerTraceCodecs";
import type { TraceCodecFactory } from "../../../bench/fixtures/traceCodec";
import { wasmFloorTraceCodec } from "./floor/wasmFloorCodec";
import { wasmFeatTraceCodec } from "./wasmFeatCodec";

export const BOUNDS = { min: { x: -50, y: -1, z: -50 }, max: { x: 50, y: 15, z: 50 }, precision: 1 / 512 };
const common = { bounds: BOUNDS, quatBits: 9, ackDelay: 6 };

/** msgpackr-records first (the yardstick), then Canopy, the floors and the features kernel. */
export function systems(): TraceCodecFactory[] {
  return [
    msgpackrTraceCodec(true),
    canopyTraceCodec({ name: "Canopy", ...common }),
    floorTraceCodec({ name: "JS floor", ...common }),
    wasmFloorTraceCodec({ name: "wasm floor (SoA in wasm memory)", ...common, mode: "memory" }),
    wasmFloorTraceCodec({ name: "wasm floor (copy in/out)", ...common, mode: "copy" }),
    ...([0, 1] as const).flatMap((variant) => {
      const coding = variant === 0 ? "Exp-Golomb" : "fixed widths";
      return [
        wasmFeatTraceCodec({
          name: `wasm + features, ${coding}, inlined (SoA in wasm memory)`,
          ...common,
          mode: "memory",
          variant,
          opt: true,
        }),
        wasmFeatTraceCodec({
          name: `wasm + features, ${coding}, inlined (copy in/out)`,
          ...common,
          mode: "copy",
          variant,
          opt: true,
        }),
        wasmFeatTraceCodec({
          name: `wasm + features, ${coding}, WAT as written (SoA in wasm memory)`,
          ...common,
          mode: "memory",
          variant,
        }),
      ];
    }),
  ];
}
