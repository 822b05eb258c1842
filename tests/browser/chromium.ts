/**
 * Headless Chromium for browser tests without any download beyond npm: `@sparticuz/chromium` carries
 * a Brotli-packed Chromium (with SwiftShader for WebGL) that `executablePath()` unpacks into /tmp;
 * `playwright-core` drives it over CDP. If it cannot start, the error names the missing shared
 * libraries (from `ldd`) instead of Chromium's bare exit.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import sparticuz from "@sparticuz/chromium";
import { chromium, type Browser } from "playwright-core";

/**
 * Flags on top of the package's own (`sparticuz.args`, which already hold `--no-sandbox`,
 * `--use-angle=swiftshader` and `--enable-unsafe-swiftshader` for software WebGL): the sandbox
 * cannot start as root in containers, so it is named again in case the package drops it.
 */
const EXTRA_ARGS = ["--no-sandbox"];
/**
 * Package flags tuned for AWS Lambda that break a test browser: `--single-process` makes closing a
 * page take the whole browser down, so a second page fails with "browser has been closed".
 */
const DROPPED_ARGS = new Set(["--single-process"]);
/** Launch budget: unpacking takes ~1 s the first time, a launch well under a second. */
const LAUNCH_TIMEOUT_MS = 20_000;

/** Shared libraries Chromium needs but the dynamic linker cannot find (empty if all present). */
export async function missingLibraries(executable: string): Promise<string[]> {
  try {
    const { stdout } = await promisify(execFile)("ldd", [executable]);
    return stdout
      .split("\n")
      .filter((line) => line.includes("not found"))
      .map((line) => line.trim().split(/\s+/)[0] ?? line.trim());
  } catch {
    return [];
  }
}

/** Launches the packaged headless Chromium; the caller closes it. */
export async function launchChromium(): Promise<Browser> {
  const executablePath = await sparticuz.executablePath();
  try {
    return await chromium.launch({
      executablePath,
      args: [...sparticuz.args.filter((a) => !DROPPED_ARGS.has(a)), ...EXTRA_ARGS],
      headless: true,
      timeout: LAUNCH_TIMEOUT_MS,
    });
  } catch (error) {
    const missing = await missingLibraries(executablePath);
    const why = missing.length > 0 ? `missing shared libraries: ${missing.join(", ")}` : String(error);
    throw new Error(`launchChromium: ${executablePath} did not start (${why}).`, { cause: error });
  }
}
