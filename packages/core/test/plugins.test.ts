import { describe, expect, it } from "vitest";
import { createApp, ManualClock, PluginError, Stage, type App, type Plugin } from "../src/index";

function recordingPlugin(name: string, log: string[], dependencies: string[] = []): Plugin {
  return {
    name,
    dependencies,
    build: () => log.push(`build ${name}`),
    finish: () => log.push(`finish ${name}`),
    cleanup: () => log.push(`cleanup ${name}`),
  };
}

describe("plugin lifecycle", () => {
  it("builds on add, finishes once after every plugin is built, cleans up in reverse", () => {
    const log: string[] = [];
    const app = createApp({ clock: new ManualClock() });
    app.addPlugins(recordingPlugin("a", log), recordingPlugin("b", log, ["a"]));
    expect(log).toEqual(["build a", "build b"]);
    app.update();
    app.update();
    expect(log).toEqual(["build a", "build b", "finish a", "finish b"]);
    app.dispose();
    expect(log.slice(-2)).toEqual(["cleanup b", "cleanup a"]);
  });

  it("lets finish read what a later plugin inserted", () => {
    const seen: number[] = [];
    const app = createApp({ clock: new ManualClock() });
    const config = { value: 0 };
    app.addPlugins(
      { name: "reader", build: () => {}, finish: () => seen.push(config.value) },
      { name: "writer", build: () => (config.value = 42) },
    );
    app.finish();
    expect(seen).toEqual([42]);
  });

  it("rejects a duplicate plugin name with a readable error", () => {
    const app = createApp();
    app.addPlugins(recordingPlugin("net", []));
    expect(() => app.addPlugins(recordingPlugin("net", []))).toThrow(PluginError);
    expect(() => app.addPlugins(recordingPlugin("net", []))).toThrow(/Plugin "net" was added twice/);
  });

  it("names the missing dependency and how to fix it", () => {
    const app = createApp();
    app.addPlugins(recordingPlugin("replication", [], ["transport"]));
    expect(() => app.finish()).toThrow(/Plugin "replication" needs plugin "transport", which was not added/);
  });

  it("refuses plugins added after the app started", () => {
    const app = createApp({ clock: new ManualClock() });
    app.update();
    expect(() => app.addPlugins(recordingPlugin("late", []))).toThrow(/added after the app started/);
  });

  it("runs Startup systems exactly once, before the first frame's other stages", () => {
    const log: string[] = [];
    const app: App = createApp({ clock: new ManualClock() });
    app.addSystems(Stage.First, function first() {
      log.push("first");
    });
    app.addSystems(Stage.Startup, function startup() {
      log.push("startup");
    });
    app.update();
    app.update();
    expect(log).toEqual(["startup", "first", "first"]);
  });
});
