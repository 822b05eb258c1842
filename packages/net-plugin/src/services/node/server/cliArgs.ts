/**
 * Command-line options of `npm run services`: `--port`, `--host`, `--db` (SQLite path or
 * `postgres://` URL), `--config file.json`, `--log-level`. Flags override the config file and the
 * `CANOPY_SERVICES_*` environment (docs/SERVICES.md); the file comes from `--config` or
 * `CANOPY_SERVICES_CONFIG`.
 */
import { readFileSync } from "node:fs";
import { configFromEnv, resolveConfig, type ServicesConfig, type ServicesConfigInput } from "./config";

const USAGE =
  "usage: npm run services -- [--port 8080] [--host 127.0.0.1] [--db ./canopy.db | postgres://…] [--config file.json] [--log-level info]";

/** Resolves the configuration from argv (without node and script) and the environment. */
export function configFromArgs(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): ServicesConfig {
  const flags: ServicesConfigInput = {};
  let file = env["CANOPY_SERVICES_CONFIG"];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === "") throw new Error(`${name} needs a value. ${USAGE}`);
      return v;
    };
    switch (name) {
      case "--port":
        flags.port = Number(value());
        break;
      case "--host":
        flags.host = value();
        break;
      case "--db":
        flags.db = value();
        break;
      case "--config":
        file = value();
        break;
      case "--log-level":
        flags.logLevel = value();
        break;
      default:
        throw new Error(`Unknown option "${arg}". ${USAGE}`);
    }
  }
  let fromFile: ServicesConfigInput | undefined;
  if (file !== undefined && file !== "") {
    try {
      fromFile = JSON.parse(readFileSync(file, "utf8")) as ServicesConfigInput;
    } catch (error) {
      throw new Error(`Cannot read services config file ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return resolveConfig(fromFile, configFromEnv(env), flags);
}
