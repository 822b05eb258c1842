import type { ESLint, Rule } from "eslint";

/** net-plugin layers, lowest first. */
export declare const NET_LAYERS: readonly string[];
/** Why importing layer `target` from layer `from` is forbidden, or undefined when allowed. */
export declare function netLayerViolation(
  from: string | undefined,
  target: string | undefined,
): string | undefined;
/** Where a file sits: package, path inside `src/`, and net-plugin layer. */
export declare function locate(
  file: string,
): { pkg: string; inner: string[]; layer: string | undefined; root: string } | undefined;
/** The `canopy/layers` rule. */
export declare const layersRule: Rule.RuleModule;
declare const plugin: ESLint.Plugin;
export default plugin;
