/**
 * `npm run services -- --port 8080 --db ./canopy.db`: runs the online-services server on its own,
 * prints the URL it listens on, and shuts down cleanly (closing the store) on SIGINT / SIGTERM.
 */
import process from "node:process";
import { createServicesServer } from "./server/app";
import { configFromArgs } from "./server/cliArgs";
import { openStore } from "./server/openStore";

async function main(): Promise<void> {
  const config = configFromArgs(process.argv.slice(2), process.env);
  const store = await openStore(config.db);
  const server = await createServicesServer({ store, config });
  process.stdout.write(
    `canopy services listening on ${server.url} (store: ${store.kind}, db: ${config.db.replace(/\/\/[^@/]*@/, "//***@")})\n`,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void server
      .close()
      .then(() => store.close())
      .then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`canopy services: ${(error as Error).message}\n`);
  process.exit(1);
});
