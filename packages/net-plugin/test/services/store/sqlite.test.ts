/** The Store contract against the embedded SQLite store on a temp file. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteStore } from "../../../src/services/node/store/sqlite/sqliteStore";
import { storeContract } from "./contract";

storeContract("sqlite", () => {
  const dir = mkdtempSync(join(tmpdir(), "canopy-store-"));
  const path = join(dir, "services.db");
  return Promise.resolve({
    open: () => Promise.resolve(openSqliteStore({ path, nowMs: 0 })),
    dispose: () => {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
});
