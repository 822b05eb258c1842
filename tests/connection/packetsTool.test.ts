import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPacketLogFile } from "@canopy/net-plugin/server";
import { describe, expect, it } from "vitest";
import { Stepper } from "./stepper";

const root = join(import.meta.dirname, "..", "..");

describe("packet log files and `npm run packets`", () => {
  it("writes JSON lines through openPacketLogFile and summarises them per connection and channel", () => {
    const dir = mkdtempSync(join(tmpdir(), "canopy-packets-"));
    const file = join(dir, "server.jsonl");
    try {
      const s = new Stepper({ logPackets: file, openPacketLog: openPacketLogFile });
      const client = s.addClient();
      client.connect(s.token());
      s.stepUntil(() => client.state === "connected");
      for (let i = 0; i < 10; i++) client.send(1, new Uint8Array(40));
      client.send(3, new Uint8Array(7));
      s.step(20);
      s.server.close();
      const lines = readFileSync(file, "utf8").trim().split("\n");
      expect(lines.length).toBeGreaterThan(10);
      const out = execFileSync(
        join(root, "node_modules", ".bin", "tsx"),
        ["--conditions=source", join(root, "tools", "packets.ts"), file, "--limit", "5"],
        { encoding: "utf8", cwd: root },
      );
      expect(out).toMatch(new RegExp(`^${lines.length} records, 2 connections, 0 malformed lines`));
      // Channel 1 row: 10 messages of 40 bytes in; channel 3: one of 7.
      expect(out).toMatch(/\n\s+1\s+400\s+0\s+10\s+0/);
      expect(out).toMatch(/\n\s+3\s+7\s+0\s+1\s+0/);
      expect(out).toContain("<- server#-1 loopback://peer-1 request 1079B");
      expect(out).toContain(`... ${lines.length - 5} more (use --limit N)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
