/**
 * Runs the services CLI (`packages/net-plugin/src/services/node/cli.ts`) as a child process, the way
 * `npm run services` does (tsx, `source` export condition), and waits for the URL it prints.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const CLI = fileURLToPath(new URL("../../../packages/net-plugin/src/services/node/cli.ts", import.meta.url));

/** A running services process. */
export interface ServicesProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Ends it with a signal and waits for the exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts the CLI with `args` and resolves once it prints its URL (rejects after `timeoutMs`). */
export function spawnServices(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<ServicesProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`services did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      out += chunk.toString("utf8");
      const match = /canopy services listening on (\S+)/.exec(out);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[1],
          output: () => out,
          kill: async (signal) => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            await exited;
          },
        });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`services exited with ${code} before listening:\n${out}`));
    });
  });
}
