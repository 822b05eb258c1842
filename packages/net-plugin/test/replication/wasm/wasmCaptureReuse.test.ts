/**
 * The capture kernel's gather reuse (codec/wasm/captureReuse.ts: `runBoundFast` skips the gather
 * when the list, the membership words, the network ids and flags are the last call's) against the
 * JS kernel, in place, over a scripted moving world: the same list for several ticks (reused), then
 * one change at a time that must not be reused — a component removed and added back (membership),
 * the list reversed, an entity listed twice, an entity given a new network id (EntityMap revision),
 * the seen stamp wrapping (the stamps zeroed) — with a second state of the same pool captured from
 * the same list in between (the gather's outputs do not depend on the state). Every tick: the same
 * states; the ticks that reuse are counted, so the test fails if nothing is reused. And not after
 * a gather outside `runBoundFast` (a list past the bound), back to the list its copies hold.
 */
import { addComponent, addEntity, createWorld, removeComponent } from "bitecs";
import { createRng, type Rng } from "@canopy/core";
import { afterEach, describe, expect, it } from "vitest";
import { layoutOf } from "../../../src/replication/codec/kernels/worldLayout";
import { HEADER } from "../../../src/replication/codec/wasm/capturePlan";
import type { Runner } from "../../../src/replication/codec/wasm/captureRunner";
import { wasmKernels } from "../../../src/replication/codec/wasm/wasmKernels";
import {
  captureWorld,
  NetworkIdAllocator,
  QuatTemplate,
  ReplicationRegistry,
  SnapshotState,
  Vec3Template,
} from "../../../src/replication/index";
import { expectSameState, twin } from "./captureTwins";

afterEach(() => {
  wasmKernels.enabled = false;
});

const ENTITIES = 30;
const CAPACITY = 48;

/** What changes before a tick's capture (after the values move). */
type Step = "same" | "remove" | "add" | "reverse" | "twice" | "rebind" | "wrap";

const SCRIPT: Step[] = [
  "same",
  "same",
  "same",
  "same",
  "remove",
  "same",
  "add",
  "same",
  "reverse",
  "same",
  "twice",
  "same",
  "rebind",
  "same",
  "same",
  "wrap",
  "same",
  "same",
];

type Columns = Record<string, Float32Array>;

/** The bench's registry (vec3 1/512 + 9-bit quat over Float32 columns) as JS and wasm twins. */
function poseTwins(): {
  position: Columns;
  rotation: Columns;
  js: ReplicationRegistry;
  wasm: ReplicationRegistry;
} {
  const f32 = (): Float32Array => new Float32Array(ENTITIES + 8);
  const position = { x: f32(), y: f32(), z: f32() };
  const rotation = { x: f32(), y: f32(), z: f32(), w: f32() };
  const source = new ReplicationRegistry();
  source.replicate(position, Vec3Template({ min: -50, max: 50, precision: 1 / 512 }), { name: "p" });
  source.replicate(rotation, QuatTemplate({ bits: 9 }), { name: "r" });
  return { position, rotation, ...twin(source) };
}

/** A world of `count` entities with both components, each given a network id. */
function poseWorld(count: number, position: Columns, rotation: Columns) {
  const world = createWorld();
  const allocator = new NetworkIdAllocator(CAPACITY);
  const eids: number[] = [];
  for (let i = 0; i < count; i++) {
    const eid = addEntity(world);
    addComponent(world, eid, position);
    addComponent(world, eid, rotation);
    allocator.allocate(eid, 0);
    eids.push(eid);
  }
  return { world, allocator, eids };
}

/** New random positions and rotations for `eids`. */
function move(rng: Rng, eids: readonly number[], position: Columns, rotation: Columns): void {
  for (const eid of eids) {
    for (const col of [position.x, position.y, position.z]) (col as Float32Array)[eid] = rng.range(-40, 40);
    for (const col of [rotation.x, rotation.y, rotation.z, rotation.w])
      (col as Float32Array)[eid] = rng.range(-1, 1);
  }
}

/** The wasm capture's runner of its last call. */
function lastRunner(wasm: ReplicationRegistry): Runner {
  return (layoutOf(wasm).wasmCapture as unknown as { lastRunner: Runner | undefined }).lastRunner as Runner;
}

describe("capture gather reuse", () => {
  it("reuses the gather only while its inputs are the last call's (same states as the JS kernel)", () => {
    const rng = createRng(91);
    const { position, rotation, js, wasm } = poseTwins();
    const { world, allocator, eids: live } = poseWorld(ENTITIES, position, rotation);
    const a = new SnapshotState(js, CAPACITY);
    wasmKernels.enabled = true;
    const b = new SnapshotState(wasm, CAPACITY);
    const c = new SnapshotState(wasm, CAPACITY);
    const cJs = new SnapshotState(js, CAPACITY);
    wasmKernels.enabled = false;
    let list = live.slice();
    let reused = 0;
    const runner = (): Runner => lastRunner(wasm);
    SCRIPT.forEach((step, k) => {
      const tick = k + 1;
      move(rng, live, position, rotation);
      if (step === "remove") removeComponent(world, live[3] as number, rotation);
      if (step === "add") addComponent(world, live[3] as number, rotation);
      if (step === "reverse") list = list.slice().reverse();
      if (step === "twice") list = list.map((eid, i) => (i === 5 ? (list[6] as number) : eid));
      if (step === "rebind") {
        allocator.release(live[7] as number, tick);
        allocator.allocate(live[7] as number, tick);
      }
      if (step === "wrap") runner().stamp = 0xffffffff; // this call's stamp wraps to 1
      captureWorld(world, js, list, allocator.map, a, tick);
      captureWorld(world, wasm, list, allocator.map, b, tick);
      const r = runner();
      const reuse = r.i32[r.h + HEADER.reuse] === 1;
      if (reuse) reused++;
      if (step !== "same") expect(reuse, `tick ${tick} (${step}) reused`).toBe(false);
      expectSameState(a, b, `tick ${tick} (${step})`);
      // A second state of the same pool, the same list: the gather's outputs are the state's too.
      captureWorld(world, js, list, allocator.map, cJs, tick);
      captureWorld(world, wasm, list, allocator.map, c, tick);
      expectSameState(cJs, c, `tick ${tick} (${step}), second state`);
    });
    expect(reused, "calls that reused the gather").toBeGreaterThan(10);
  });

  it("does not reuse after a gather on another path, back to the list of its last copies", () => {
    const rng = createRng(93);
    const { position, rotation, js, wasm } = poseTwins();
    const { world, allocator, eids: list } = poseWorld(ENTITIES + 1, position, rotation);
    // The last entity (the largest id) listed first once: past the bound, so that call gathers in
    // `runFast` (no copies kept) and the next, the earlier list again, must gather anew.
    const extra = list.pop() as number;
    const a = new SnapshotState(js, CAPACITY);
    wasmKernels.enabled = true;
    const b = new SnapshotState(wasm, CAPACITY);
    wasmKernels.enabled = false;
    const lists = [list, list, list, [extra, ...list], list, list];
    const reuses = [false, false, true, false, false, true];
    const runner = (): Runner => lastRunner(wasm);
    lists.forEach((l, k) => {
      const tick = k + 1;
      move(rng, l, position, rotation);
      captureWorld(world, js, l, allocator.map, a, tick);
      captureWorld(world, wasm, l, allocator.map, b, tick);
      const r = runner();
      expect(r.i32[r.h + HEADER.reuse] === 1, `tick ${tick} reused`).toBe(reuses[k]);
      expectSameState(a, b, `tick ${tick}`);
    });
  });

  it("does not reuse across two worlds whose equal membership words mean other fields", () => {
    const rng = createRng(92);
    const { position, rotation, js, wasm } = poseTwins();
    // World one registers position first (bit 1), world two rotation (bit 1); entity 2 has only the
    // component of bit 1 in each: the same words, other fields.
    const worlds = [createWorld(), createWorld()];
    const allocator = new NetworkIdAllocator(CAPACITY);
    const list: number[] = [];
    worlds.forEach((world, w) => {
      const order = w === 0 ? [position, rotation] : [rotation, position];
      for (let i = 0; i < ENTITIES; i++) {
        const eid = addEntity(world);
        addComponent(world, eid, order[0]);
        if (i !== 2) addComponent(world, eid, order[1]);
        if (w === 0) {
          allocator.allocate(eid, 0);
          list.push(eid);
        }
      }
    });
    const a = new SnapshotState(js, CAPACITY);
    wasmKernels.enabled = true;
    const b = new SnapshotState(wasm, CAPACITY);
    wasmKernels.enabled = false;
    for (let tick = 1; tick <= 8; tick++) {
      move(rng, list, position, rotation);
      // Two ticks in each world in turn (the second of each reuses the first's gather).
      const world = worlds[(tick >> 1) & 1] as (typeof worlds)[number];
      captureWorld(world, js, list, allocator.map, a, tick);
      captureWorld(world, wasm, list, allocator.map, b, tick);
      expectSameState(a, b, `tick ${tick}`);
    }
  });
});
