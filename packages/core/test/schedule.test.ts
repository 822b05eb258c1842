import { describe, expect, it } from "vitest";
import {
  chain,
  createApp,
  defineResource,
  defineSet,
  ManualClock,
  not,
  resourceExists,
  resourceMatches,
  ScheduleError,
  Stage,
  SystemError,
  type System,
} from "../src/index";

function named(name: string, log: string[]): System {
  const system: System = () => {
    log.push(name);
  };
  Object.defineProperty(system, "name", { value: name });
  return system;
}

describe("system ordering", () => {
  it("keeps insertion order when nothing constrains it", () => {
    const log: string[] = [];
    const app = createApp();
    app.addSystems(Stage.Update, named("a", log), named("b", log), named("c", log));
    expect(app.schedule(Stage.Update).order()).toEqual(["a", "b", "c"]);
  });

  it("orders chained sets regardless of the order systems were added", () => {
    const log: string[] = [];
    const [PrepareSend, Send, SendPackets] = [
      defineSet("PrepareSend"),
      defineSet("Send"),
      defineSet("SendPackets"),
    ];
    const app = createApp({ clock: new ManualClock() });
    app.configureSets(Stage.PostUpdate, chain(PrepareSend, Send, SendPackets));
    app.addSystems(
      Stage.PostUpdate,
      { run: named("flush", log), in: SendPackets },
      { run: named("sendSnapshots", log), in: Send },
      { run: named("collectChanges", log), in: PrepareSend },
      { run: named("prioritise", log), in: PrepareSend },
    );
    app.update();
    expect(log).toEqual(["collectChanges", "prioritise", "sendSnapshots", "flush"]);
  });

  it("honours before/after between systems and sets, and nested sets", () => {
    const log: string[] = [];
    const Receive = defineSet("Receive");
    const Snapshots = defineSet("Snapshots");
    const app = createApp({ clock: new ManualClock() });
    const decode = named("decode", log);
    app.configureSets(Stage.PreUpdate, { set: Snapshots, in: Receive });
    app.addSystems(
      Stage.PreUpdate,
      { run: named("afterReceive", log), after: Receive },
      { run: named("apply", log), in: Snapshots, after: decode },
      { run: decode, in: Snapshots },
      { run: named("beforeAll", log), before: [Receive, decode] },
    );
    app.update();
    expect(log).toEqual(["beforeAll", "decode", "apply", "afterReceive"]);
  });

  it("reports an ordering cycle with the systems on it", () => {
    const A = defineSet("A");
    const B = defineSet("B");
    const app = createApp();
    app.configureSets(Stage.Update, { set: A, before: B }, { set: B, before: A });
    app.addSystems(Stage.Update, { run: named("x", []), in: A }, { run: named("y", []), in: B });
    expect(() => app.schedule(Stage.Update).order()).toThrow(ScheduleError);
    expect(() => app.schedule(Stage.Update).order()).toThrow(
      /Stage Update has an ordering cycle: (x → y → x|y → x → y)/,
    );
  });

  it("recompiles after systems are added later", () => {
    const log: string[] = [];
    const app = createApp({ clock: new ManualClock() });
    const late = defineSet("Late");
    app.configureSets(Stage.Update, { set: late });
    app.addSystems(Stage.Update, { run: named("second", log), in: late });
    app.update();
    app.addSystems(Stage.Update, { run: named("first", log), before: late });
    log.length = 0;
    app.update();
    expect(log).toEqual(["first", "second"]);
  });
});

describe("run conditions", () => {
  const Paused = defineResource<{ paused: boolean }>("Paused");

  it("gates systems and whole sets, evaluating a set condition once per run", () => {
    const log: string[] = [];
    let setChecks = 0;
    const Simulation = defineSet("Simulation");
    const app = createApp({ clock: new ManualClock() });
    app.configureSets(Stage.Update, {
      set: Simulation,
      runIf: (world) => {
        setChecks++;
        return resourceMatches(Paused, (p) => !p.paused)(world);
      },
    });
    app.addSystems(
      Stage.Update,
      { run: named("move", log), in: Simulation },
      { run: named("collide", log), in: Simulation },
      { run: named("hud", log), runIf: resourceExists(Paused) },
      { run: named("menu", log), runIf: not(resourceExists(Paused)) },
    );
    app.update();
    expect(log).toEqual(["menu"]);
    app.insertResource(Paused, { paused: false });
    log.length = 0;
    setChecks = 0;
    app.update();
    expect(log).toEqual(["move", "collide", "hud"]);
    expect(setChecks).toBe(1);
    app.getResource(Paused).paused = true;
    log.length = 0;
    app.update();
    expect(log).toEqual(["hud"]);
  });
});

describe("error reporting", () => {
  function failingApp(log: string[], onSystemError?: (error: SystemError) => void) {
    const app = createApp({ clock: new ManualClock(), ...(onSystemError ? { onSystemError } : {}) });
    let fail = true;
    app.addSystems(
      Stage.Update,
      named("before", log),
      function explode() {
        if (fail) {
          fail = false;
          throw new Error("boom");
        }
        log.push("explode");
      },
      named("after", log),
    );
    return app;
  }

  it("throws a SystemError naming the stage and system, and the next frame runs normally", () => {
    const log: string[] = [];
    const app = failingApp(log);
    let caught: unknown;
    try {
      app.update();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SystemError);
    expect((caught as SystemError).stage).toBe(Stage.Update);
    expect((caught as SystemError).system).toBe("explode");
    expect((caught as SystemError).message).toBe('System "explode" in stage Update threw: boom');
    log.length = 0;
    app.update();
    expect(log).toEqual(["before", "explode", "after"]);
  });

  it("with a handler, reports the error and keeps running the rest of the stage", () => {
    const log: string[] = [];
    const errors: SystemError[] = [];
    const app = failingApp(log, (error) => errors.push(error));
    app.update();
    expect(log).toEqual(["before", "after"]);
    expect(errors.map((e) => `${e.stage}/${e.system}`)).toEqual(["Update/explode"]);
  });

  it("refuses re-entrant updates from inside a system", () => {
    const app = createApp({ clock: new ManualClock() });
    app.addSystems(Stage.Update, function reenter() {
      app.update();
    });
    expect(() => app.update()).toThrow(/systems must not re-enter the app/);
  });

  it("rejects something that is not a system", () => {
    const app = createApp();
    expect(() => app.addSystems(Stage.Update, { run: 42 as unknown as System })).toThrow(
      /expected a system function/,
    );
  });
});
