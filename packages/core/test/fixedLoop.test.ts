import { describe, expect, it } from "vitest";
import { createApp, FixedTime, ManualClock, planFixedSteps, Stage, type Tick } from "../src/index";

const DT = 1 / 60;

describe("planFixedSteps", () => {
  it("runs whole steps and carries the remainder as alpha", () => {
    const plan = planFixedSteps(0, DT * 2.5, DT, 8);
    expect(plan.steps).toBe(2);
    expect(plan.dropped).toBe(0);
    expect(plan.accumulator).toBeCloseTo(DT * 0.5, 12);
    expect(plan.alpha).toBeCloseTo(0.5, 9);
  });

  it("does not lose a step to float rounding at exact multiples", () => {
    let acc = 0;
    let steps = 0;
    for (let i = 0; i < 600; i++) {
      const plan = planFixedSteps(acc, DT, DT, 8);
      acc = plan.accumulator;
      steps += plan.steps;
    }
    expect(steps).toBe(600);
  });

  it("caps sub-steps and drops the excess instead of spiralling", () => {
    const plan = planFixedSteps(0, DT * 20.25, DT, 5);
    expect(plan.steps).toBe(5);
    expect(plan.dropped).toBe(15);
    expect(plan.alpha).toBeCloseTo(0.25, 6);
  });

  it("keeps alpha in [0, 1)", () => {
    for (let i = 0; i < 1000; i++) {
      const plan = planFixedSteps(0, i * 0.00037, DT, 8);
      expect(plan.alpha).toBeGreaterThanOrEqual(0);
      expect(plan.alpha).toBeLessThan(1);
    }
  });
});

describe("fixed-step loop in the app", () => {
  function countingApp(options: { fixedHz?: number; maxSubSteps?: number; maxFrameDelta?: number } = {}) {
    const clock = new ManualClock();
    const app = createApp({ clock, ...options });
    const ticks: Tick[] = [];
    app.addSystems(Stage.FixedUpdate, (world) => {
      ticks.push(world.resources.get(FixedTime).tick);
    });
    app.update(); // first frame: delta 0, startup
    return { app, clock, ticks };
  }

  it("runs one tick per dt of clock time, numbering ticks from 0", () => {
    const { app, clock, ticks } = countingApp({ fixedHz: 50 });
    for (let i = 0; i < 10; i++) {
      clock.advance(0.02);
      app.update();
    }
    expect(ticks).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(app.tick).toBe(10);
  });

  it("runs several ticks in a long frame and none in a short one", () => {
    const { app, clock, ticks } = countingApp();
    clock.advance(DT * 3.5);
    app.update();
    expect(ticks).toHaveLength(3);
    expect(app.getResource(FixedTime).alpha).toBeCloseTo(0.5, 6);
    clock.advance(DT * 0.25);
    app.update();
    expect(ticks).toHaveLength(3);
    expect(app.getResource(FixedTime).alpha).toBeCloseTo(0.75, 6);
  });

  it("applies the sub-step cap and counts dropped steps", () => {
    const { app, clock, ticks } = countingApp({ maxSubSteps: 4, maxFrameDelta: 10 });
    clock.advance(DT * 10);
    app.update();
    expect(ticks).toHaveLength(4);
    expect(app.getResource(FixedTime).droppedSteps).toBe(6);
    expect(app.getResource(FixedTime).stepsThisFrame).toBe(4);
  });

  it("clamps a huge frame delta (a paused tab) to maxFrameDelta", () => {
    const { app, clock, ticks } = countingApp({ maxFrameDelta: 0.1, maxSubSteps: 100 });
    clock.advance(30);
    app.update();
    expect(ticks).toHaveLength(6);
  });

  it("runs extra fixed ticks on demand, flagged as resimulation", () => {
    const { app, ticks } = countingApp();
    const flags: boolean[] = [];
    app.addSystems(Stage.FixedLast, (world) => {
      flags.push(world.resources.get(FixedTime).resimulating);
    });
    const fixed = app.getResource(FixedTime);
    fixed.tick = 7 as Tick;
    app.runFixedTicks(3);
    expect(ticks).toEqual([7, 8, 9]);
    expect(flags).toEqual([true, true, true]);
    expect(fixed.resimulating).toBe(false);
    expect(app.tick).toBe(10);
  });

  it("runs the fixed sub-stages in order", () => {
    const clock = new ManualClock();
    const app = createApp({ clock });
    const log: string[] = [];
    for (const stage of [
      Stage.FixedLast,
      Stage.FixedUpdate,
      Stage.FixedFirst,
      Stage.FixedPostUpdate,
      Stage.FixedPreUpdate,
    ]) {
      app.addSystems(stage, () => {
        log.push(stage);
      });
    }
    app.addSystems(Stage.Update, () => {
      log.push("Update");
    });
    app.addSystems(Stage.PreUpdate, () => {
      log.push("PreUpdate");
    });
    app.update();
    clock.advance(DT);
    log.length = 0;
    app.update();
    expect(log).toEqual([
      "PreUpdate",
      "FixedFirst",
      "FixedPreUpdate",
      "FixedUpdate",
      "FixedPostUpdate",
      "FixedLast",
      "Update",
    ]);
  });

  it("validates its options", () => {
    expect(() => createApp({ fixedHz: 0 })).toThrow(/fixedHz must be within 1..1000/);
    expect(() => createApp({ maxSubSteps: 0 })).toThrow(/maxSubSteps must be an integer/);
  });
});

describe("ManualClock", () => {
  it("moves only forward", () => {
    const clock = new ManualClock(1);
    clock.advance(0.5);
    expect(clock.now()).toBe(1.5);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.set(1)).toThrow(/cannot go back in time/);
  });
});
