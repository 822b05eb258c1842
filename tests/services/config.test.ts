/**
 * Configuration layers of the services CLI: defaults, then the JSON file, then `CANOPY_SERVICES_*`
 * environment variables, then flags; bad values are refused with the field named.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configFromArgs, defaultConfig } from "@canopy/net-plugin/server";

const dir = mkdtempSync(join(tmpdir(), "canopy-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("services configuration", () => {
  it("uses the documented defaults", () => {
    const config = configFromArgs([], {});
    expect(config).toEqual(defaultConfig());
    expect(config).toMatchObject({
      host: "127.0.0.1",
      port: 8080,
      db: "./canopy.db",
      accessTokenSeconds: 900,
    });
  });

  it("layers file < env < flags", () => {
    const file = join(dir, "services.json");
    writeFileSync(
      file,
      JSON.stringify({
        port: 9000,
        db: "file.db",
        logLevel: "warn",
        rateLimit: { perUser: { capacity: 5, refillPerSecond: 1 } },
      }),
    );
    const env = {
      CANOPY_SERVICES_CONFIG: file,
      CANOPY_SERVICES_DB: "env.db",
      CANOPY_SERVICES_SERVER_KEYS: "key-aaaaaaaaaaaaaaaa, key-bbbbbbbbbbbbbbbb",
    };
    const config = configFromArgs(["--port=9100", "--log-level", "error"], env);
    expect(config.port).toBe(9100);
    expect(config.db).toBe("env.db");
    expect(config.logLevel).toBe("error");
    expect(config.serverKeys).toEqual(["key-aaaaaaaaaaaaaaaa", "key-bbbbbbbbbbbbbbbb"]);
    expect(config.rateLimit.perUser).toEqual({ capacity: 5, refillPerSecond: 1 });
    expect(config.rateLimit.perAddress).toEqual(defaultConfig().rateLimit.perAddress);
    expect(configFromArgs(["--config", file, "--db", "flag.db"], { CANOPY_SERVICES_DB: "env.db" }).db).toBe(
      "flag.db",
    );
  });

  it("refuses bad values, naming the field", () => {
    expect(() => configFromArgs(["--port", "70000"], {})).toThrow(/\/port/);
    expect(() => configFromArgs(["--bogus"], {})).toThrow(/Unknown option "--bogus"/);
    expect(() => configFromArgs(["--db"], {})).toThrow(/--db needs a value/);
    const pruneFile = join(dir, "prune.json");
    writeFileSync(pruneFile, JSON.stringify({ gameServers: { timeoutSeconds: 30, pruneSeconds: 10 } }));
    expect(() => configFromArgs(["--config", pruneFile], {})).toThrow(/pruneSeconds must be ≥/);
    const file = join(dir, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({
        leaderboards: [
          { id: "x", sort: "up", rule: "best", min: 0, max: 1, serverOnly: false, minIntervalSeconds: 0 },
        ],
      }),
    );
    expect(() => configFromArgs(["--config", file], {})).toThrow(/\/leaderboards\/0\/sort/);
    expect(() => configFromArgs(["--config", join(dir, "missing.json")], {})).toThrow(
      /Cannot read services config file/,
    );
  });
});
