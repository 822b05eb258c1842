/**
 * Bundles a browser fixture with esbuild (Vite's own bundler, already installed) the way a game's
 * bundler would see Canopy: `platform: "browser"`, workspace packages resolved through their
 * `source` condition. A `node:*` import reachable from the entry fails the build.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/** A bundled fixture: IIFE source text and the files it was built from (repository-relative). */
export interface FixtureBundle {
  code: string;
  inputs: string[];
}

/** Bundles `tests/browser/fixtures/<name>` into one IIFE script for page.addScriptTag. */
export async function bundleFixture(name: string): Promise<FixtureBundle> {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const result = await build({
    absWorkingDir: root,
    entryPoints: [`tests/browser/fixtures/${name}`],
    bundle: true,
    write: false,
    metafile: true,
    format: "iife",
    platform: "browser",
    target: "es2022",
    conditions: ["source", "browser"],
    logLevel: "silent",
  });
  const [output] = result.outputFiles;
  if (output === undefined) throw new Error(`bundleFixture: esbuild wrote nothing for ${name}.`);
  return { code: output.text, inputs: Object.keys(result.metafile.inputs) };
}
