import path from "node:path";
import { ESLint, RuleTester } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { layersRule, netLayerViolation, NET_LAYERS } from "../../tools/eslint-plugin-canopy/layers.js";

const root = path.resolve(import.meta.dirname, "../..");
const at = (file: string) => path.join(root, file);

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

const tester = new RuleTester({ languageOptions: { parser: tseslint.parser } });

tester.run("canopy/layers", layersRule, {
  valid: [
    {
      filename: at("packages/net-plugin/src/reliability/ack.ts"),
      code: `import { Seq } from "../protocol/seq";`,
    },
    {
      filename: at("packages/net-plugin/src/replication/x.ts"),
      code: `import { a } from "../connection/y";`,
    },
    {
      filename: at("packages/net-plugin/src/services/x.ts"),
      code: `import { BitWriter } from "../protocol/bits";`,
    },
    { filename: at("packages/net-plugin/src/plugins/net.ts"), code: `import { s } from "../services/x";` },
    {
      filename: at("packages/net-plugin/src/transport/node/udp.ts"),
      code: `import dgram from "node:dgram";`,
    },
    { filename: at("packages/net-plugin/src/server.ts"), code: `export * from "./transport/node/udp";` },
    {
      filename: at("packages/net-plugin/src/protocol/x.ts"),
      code: `import { createApp } from "@canopy/core";`,
    },
    { filename: at("packages/sample-game/src/render/scene.ts"), code: `import * as THREE from "three";` },
    { filename: at("packages/core/src/node/runner.ts"), code: `import { App } from "../app";` },
  ],
  invalid: [
    {
      filename: at("packages/net-plugin/src/protocol/bits.ts"),
      code: `import { x } from "../replication/snapshot";`,
      errors: [{ messageId: "forbidden" }],
    },
    {
      filename: at("packages/net-plugin/src/reliability/x.ts"),
      code: `export { y } from "../connection/handshake";`,
      errors: [{ messageId: "forbidden" }],
    },
    {
      filename: at("packages/net-plugin/src/services/x.ts"),
      code: `import { x } from "../transport/loopback";`,
      errors: [{ messageId: "forbidden" }],
    },
    {
      filename: at("packages/net-plugin/src/replication/x.ts"),
      code: `import { x } from "../services/client";`,
      errors: [{ messageId: "forbidden" }],
    },
    {
      filename: at("packages/net-plugin/src/transport/loopback.ts"),
      code: `import dgram from "node:dgram";`,
      errors: [{ messageId: "forbidden" }],
    },
    {
      filename: at("packages/net-plugin/src/transport/websocket.ts"),
      code: `import { WebSocketServer } from "ws";`,
      errors: [{ messageId: "forbidden" }],
    },
    {
      filename: at("packages/net-plugin/src/index.ts"),
      code: `export * from "./transport/node/udp";`,
      errors: [{ messageId: "forbidden" }],
    },
    {
      filename: at("packages/core/src/app.ts"),
      code: `import { NetPlugin } from "@canopy/net-plugin";`,
      errors: [{ messageId: "forbidden" }],
    },
    {
      filename: at("packages/net-plugin/src/protocol/x.ts"),
      code: `import { App } from "../../../core/src/app";`,
      errors: [{ messageId: "forbidden" }],
    },
    {
      filename: at("packages/sample-game/src/shared/sim.ts"),
      code: `import * as THREE from "three";`,
      errors: [{ messageId: "forbidden" }],
    },
    {
      filename: at("packages/sample-game/src/server/main.ts"),
      code: `import { Vector3 } from "three";`,
      errors: [{ messageId: "forbidden" }],
    },
    {
      filename: at("packages/sample-game/src/shared/sim.ts"),
      code: `const m = await import("../render/scene");`,
      errors: [{ messageId: "forbidden" }],
    },
  ],
});

describe("layer order", () => {
  it("forbids every upward import between net-plugin layers and allows every downward one", () => {
    for (const [i, from] of NET_LAYERS.entries()) {
      for (const [j, to] of NET_LAYERS.entries()) {
        expect(netLayerViolation(from, to) === undefined, `${from} → ${to}`).toBe(j <= i);
      }
    }
  });

  it("is wired into the repository's ESLint config: a forbidden import fails lint", async () => {
    // The fixture is not on disk, so type-aware rules are switched off for it; every other rule of
    // the repository config (canopy/layers included) applies as it does to real files.
    const eslint = new ESLint({
      cwd: root,
      overrideConfig: [{ files: ["**/__lint_fixture__.ts"], ...tseslint.configs.disableTypeChecked }],
    });
    const [result] = await eslint.lintText(
      `import { x } from "../replication/snapshot";\nexport const y = x;\n`,
      {
        filePath: at("packages/net-plugin/src/protocol/__lint_fixture__.ts"),
      },
    );
    const messages = result?.messages.map((m) => m.ruleId) ?? [];
    expect(messages).toContain("canopy/layers");
  });
});
