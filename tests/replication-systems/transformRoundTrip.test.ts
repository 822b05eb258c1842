/**
 * A TransformTemplate field through the NetPlugin systems (Stepper, seeded 60 ms / 1 % loss link):
 * moving and turning entities (rotations whose largest component changes too) and a late spawn
 * arrive on two clients equal to the server's within quantization once the world rests — the
 * Transform's position and rotation in the snapshot columns, decoded by whichever reader the client
 * has (wasm or JS kernels).
 */
import { createRng, type App } from "@canopy/core";
import {
  ClientReplication,
  Networked,
  quatAngle,
  ReplicationRegistry,
  ServerReplication,
  TransformTemplate,
} from "@canopy/net-plugin";
import { createStepper } from "@canopy/net-plugin/testing";
import { addComponent, addEntity, query } from "bitecs";
import { describe, expect, it } from "vitest";

const N = 512;
const PRECISION = 1 / 256;
const ROTATION_BITS = 11;
const KEYS = ["x", "y", "z", "qx", "qy", "qz", "qw"] as const;
type TransformSoa = Record<(typeof KEYS)[number], Float32Array>;

const transforms = new Map<App, TransformSoa>();

function setup(app: App) {
  const soa = Object.fromEntries(KEYS.map((k) => [k, new Float32Array(N)])) as TransformSoa;
  transforms.set(app, soa);
  const registry = new ReplicationRegistry();
  registry.replicate(
    soa,
    TransformTemplate({ min: -100, max: 100, precision: PRECISION, rotationBits: ROTATION_BITS }),
    {
      name: "transform",
    },
  );
  return { registry };
}

function spawn(app: App, rng: () => number): number {
  const t = transforms.get(app) as TransformSoa;
  const eid = addEntity(app.world);
  addComponent(app.world, eid, t);
  t.x[eid] = (rng() - 0.5) * 150;
  t.y[eid] = (rng() - 0.5) * 150;
  t.z[eid] = (rng() - 0.5) * 150;
  setRotation(t, eid, rng() * 6.28, rng() * 6.28);
  addComponent(app.world, eid, Networked);
  return eid;
}

/** A unit quaternion from two angles (yaw about y, then pitch about x): every component can be the largest. */
function setRotation(t: TransformSoa, eid: number, yaw: number, pitch: number): void {
  const cy = Math.cos(yaw / 2),
    sy = Math.sin(yaw / 2),
    cp = Math.cos(pitch / 2),
    sp = Math.sin(pitch / 2);
  t.qx[eid] = cy * sp;
  t.qy[eid] = sy * cp;
  t.qz[eid] = -sy * sp;
  t.qw[eid] = cy * cp;
}

/** Largest position error and rotation angle (radians) between server and client over every networked entity. */
function errors(server: App, client: App): { position: number; angle: number; missing: number } {
  const s = transforms.get(server) as TransformSoa;
  const c = transforms.get(client) as TransformSoa;
  const allocator = server.getResource(ServerReplication).allocator;
  const map = client.getResource(ClientReplication).map;
  let position = 0;
  let angle = 0;
  let missing = 0;
  for (const eid of query(server.world, [Networked])) {
    const ce = map.entityOf(allocator.map.netIdOf(eid));
    if (ce < 0) {
      missing++;
      continue;
    }
    for (const k of ["x", "y", "z"] as const)
      position = Math.max(position, Math.abs((s[k][eid] ?? 0) - (c[k][ce] ?? 0)));
    const a = { x: s.qx[eid] ?? 0, y: s.qy[eid] ?? 0, z: s.qz[eid] ?? 0, w: s.qw[eid] ?? 1 };
    const b = { x: c.qx[ce] ?? 0, y: c.qy[ce] ?? 0, z: c.qz[ce] ?? 0, w: c.qw[ce] ?? 1 };
    angle = Math.max(angle, quatAngle(a, b));
  }
  return { position, angle, missing };
}

describe("Transform round trip through the systems", () => {
  it("moving and turning entities converge on two clients within quantization", async () => {
    const seed = 811;
    await using s = await createStepper({
      clients: 2,
      conditions: "BROADBAND_60MS_1PCT",
      setup: (app) => setup(app),
      seed,
    });
    expect(await s.stepUntil(() => s.connected(), 300), `seed ${seed}`).toBe(true);
    const rng = createRng(seed);
    const next = () => rng.next();
    const t = transforms.get(s.server) as TransformSoa;
    const eids = Array.from({ length: 40 }, () => spawn(s.server, next));
    const yaw = eids.map(() => next() * 6.28);
    const pitch = eids.map(() => next() * 6.28);
    for (let tick = 0; tick < 90; tick++) {
      eids.forEach((eid, i) => {
        t.x[eid] = Math.max(-99, Math.min(99, (t.x[eid] ?? 0) + (next() - 0.5) * 0.8));
        t.z[eid] = Math.max(-99, Math.min(99, (t.z[eid] ?? 0) + 0.3));
        yaw[i] = (yaw[i] ?? 0) + 0.05 + next() * 0.05;
        pitch[i] = (pitch[i] ?? 0) + 0.03;
        setRotation(t, eid, yaw[i] ?? 0, pitch[i] ?? 0);
      });
      if (tick === 45) eids.push(spawn(s.server, next));
      await s.stepTicks(1);
    }
    await s.stepTicks(40); // at rest: the last changes arrive
    // Half a position quantum (plus float32 rounding); a smallest-three rotation of 11 bits is
    // within ~0.001 rad of the original.
    for (const client of s.clients) {
      const e = errors(s.server, client);
      expect(e.missing, `seed ${seed}`).toBe(0);
      expect(e.position, `seed ${seed}`).toBeLessThanOrEqual(PRECISION / 2 + 1e-4);
      expect(e.angle, `seed ${seed}`).toBeLessThan(0.002);
      expect(client.getResource(ClientReplication).map.size).toBe(41);
    }
  });
});
