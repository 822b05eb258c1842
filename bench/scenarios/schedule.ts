import { addComponent, addEntity, createWorld, pipe, query } from "bitecs";
import { chain, createApp, defineSet, ManualClock, Stage, type AppWorld, type System } from "@canopy/core";
import { timeIt } from "../harness/measure";
import { defineScenario } from "../harness/registry";

const SYSTEMS = 100;
const ENTITIES = 10_000;
const SETS = 10;

/** 100 systems; each touches one of four components on every entity that has it. */
function makeSystems(work: boolean) {
  const components = Array.from({ length: 4 }, () => ({ value: new Float32Array(ENTITIES + 1) }));
  const systems: System[] = [];
  for (let i = 0; i < SYSTEMS; i++) {
    const component = components[i % components.length] as { value: Float32Array };
    const terms = [component];
    systems.push(
      work
        ? (world) => {
            const value = component.value;
            const entities = query(world, terms);
            for (let e = 0; e < entities.length; e++) {
              const eid = entities[e] as number;
              value[eid] = (value[eid] as number) * 0.5 + 1;
            }
          }
        : () => {},
    );
  }
  const populate = (world: object) => {
    for (let i = 0; i < ENTITIES; i++) {
      const eid = addEntity(world);
      addComponent(world, eid, components[i % 4]);
      addComponent(world, eid, components[(i + 1) % 4]);
    }
  };
  return { systems, populate };
}

function canopyTick(systems: System[], populate: (world: object) => void) {
  const clock = new ManualClock();
  const app = createApp({ clock });
  const sets = Array.from({ length: SETS }, (_, i) => defineSet(`Set${i}`));
  app.configureSets(Stage.FixedUpdate, chain(...sets));
  systems.forEach((run, i) =>
    app.addSystems(Stage.FixedUpdate, { run, in: sets[i % SETS], name: `system${i}` }),
  );
  populate(app.world);
  app.update();
  return () => {
    clock.advance(1 / 60);
    app.update();
  };
}

defineScenario({
  name: "schedule",
  title: `schedule overhead per tick: ${SYSTEMS} systems over ${ENTITIES.toLocaleString("en-US")} entities`,
  targets: ["Canopy's cost over direct calls ≤ 100 ns per system per tick"],
  run({ record, progress }) {
    for (const work of [false, true]) {
      const label = work ? `${ENTITIES / 1000}k entities` : "empty systems";
      const { systems, populate } = makeSystems(work);
      const world = createWorld<AppWorld>();
      populate(world);
      const samples = work ? 400 : 2000;
      const batch = work ? 1 : 50;

      progress(`${label}: direct calls`);
      const direct = timeIt(
        () => {
          for (let i = 0; i < systems.length; i++) (systems[i] as System)(world);
        },
        { samples, batch },
      );
      progress(`${label}: bitecs pipe`);
      // bitecs systems return the world for the next one in the pipe.
      const stages = systems.map((system) => (w: AppWorld) => {
        system(w);
        return w;
      });
      const piped = (pipe as (...fns: ((w: AppWorld) => AppWorld)[]) => (w: AppWorld) => AppWorld)(...stages);
      const bitecs = timeIt(() => piped(world), { samples, batch });
      progress(`${label}: Canopy App.update (1 fixed tick, 10 chained sets)`);
      const canopy = timeIt(canopyTick(systems, populate), { samples, batch });

      for (const [system, stats] of [
        ["direct calls", direct],
        ["bitecs pipe", bitecs],
        ["Canopy App.update", canopy],
      ] as const) {
        const name = `${system}, ${label}`;
        record(name, "tick p50", stats.median, "µs");
        record(name, "tick p99", stats.p99, "µs");
        record(name, "cost over direct", ((stats.median - direct.median) * 1000) / SYSTEMS, "ns/system");
      }
    }
  },
});
