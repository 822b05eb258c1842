import { describe, expect, it } from "vitest";
import {
  createApp,
  defineResource,
  getResource,
  MissingResourceError,
  Stage,
  tryGetResource,
} from "../src/index";

const Score = defineResource<{ points: number }>("Score", () => ({ points: 0 }));
const Settings = defineResource<{ volume: number }>("Settings");

describe("resources", () => {
  it("inserts, reads, and removes typed values", () => {
    const app = createApp();
    app.insertResource(Settings, { volume: 3 });
    expect(app.getResource(Settings).volume).toBe(3);
    expect(app.removeResource(Settings)).toEqual({ volume: 3 });
    expect(app.hasResource(Settings)).toBe(false);
    expect(app.tryGetResource(Settings)).toBeUndefined();
  });

  it("initialises a default once and keeps an existing value", () => {
    const app = createApp();
    app.initResource(Score).points = 5;
    expect(app.initResource(Score).points).toBe(5);
  });

  it("names the missing resource and the fix", () => {
    const app = createApp();
    expect(() => app.getResource(Settings)).toThrow(MissingResourceError);
    expect(() => app.getResource(Settings)).toThrow(
      /Resource "Settings" is missing: insert it with app.insertResource/,
    );
    expect(() => app.initResource(Settings)).toThrow(/has no default value/);
  });

  it("is reachable from systems through the world", () => {
    const app = createApp();
    app.insertResource(Score, { points: 1 });
    app.addSystems(Stage.Update, (world) => {
      getResource(world, Score).points += 1;
      expect(tryGetResource(world, Settings)).toBeUndefined();
    });
    app.update();
    expect(app.getResource(Score).points).toBe(2);
  });
});
