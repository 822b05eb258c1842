import { describe, expect, it } from "vitest";
import { createApp, Stage } from "../src/index";
import { runHeadless } from "../src/node/index";

describe("runHeadless", () => {
  it("paces fixed ticks from the real clock and stops on request", async () => {
    const app = createApp({ fixedHz: 120 });
    let frames = 0;
    app.addSystems(Stage.Update, () => {
      frames++;
    });
    const runner = runHeadless(app);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await runner.stop();
    const ticks = app.tick;
    expect(ticks).toBeGreaterThan(5);
    expect(runner.stats.frames).toBe(frames);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(app.tick).toBe(ticks);
  });

  it("stops and reports when a frame throws", async () => {
    const app = createApp();
    app.addSystems(Stage.Update, function broken() {
      throw new Error("bad frame");
    });
    const errors: unknown[] = [];
    const runner = runHeadless(app, { onError: (error) => errors.push(error) });
    await runner.done;
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/System "broken" in stage Update threw: bad frame/);
  });
});
