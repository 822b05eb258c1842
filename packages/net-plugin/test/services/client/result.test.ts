import { describe, expect, it } from "vitest";
import { Result } from "../../../src/services/client/result";
import { ServiceError } from "../../../src/services/client/serviceError";
import { ServiceInbox } from "../../../src/services/client/inbox";

describe("Result", () => {
  it("starts pending and exposes nothing", () => {
    const result = new Result<number>();
    expect(result.pending).toBe(true);
    expect(result.succeed()).toBe(false);
    expect(result.failed).toBe(false);
    expect(result.value).toBeUndefined();
    expect(result.error).toBeUndefined();
  });

  it("succeeds with a value and resolves the promise", async () => {
    const result = new Result<number>();
    const promise = result.promise;
    result.complete(true, 42);
    expect(result.pending).toBe(false);
    expect(result.succeed()).toBe(true);
    expect(result.failed).toBe(false);
    expect(result.value).toBe(42);
    await expect(promise).resolves.toBe(42);
  });

  it("fails with a typed error and rejects the promise", async () => {
    const result = new Result<number>();
    const promise = result.promise;
    result.complete(false, new ServiceError("save_exists", "slot taken", 409));
    expect(result.failed).toBe(true);
    expect(result.succeed()).toBe(false);
    expect(result.error?.code).toBe("save_exists");
    expect(result.error?.status).toBe(409);
    await expect(promise).rejects.toBeInstanceOf(ServiceError);
  });

  it("creates its promise lazily, so an unobserved failure is no unhandled rejection", async () => {
    const result = new Result<number>();
    result.complete(false, new ServiceError("timeout", "slow"));
    // Reading the promise after completion still reports the outcome.
    await expect(result.promise).rejects.toMatchObject({ code: "timeout" });
    const ok = new Result<string>();
    ok.complete(true, "x");
    await expect(ok.promise).resolves.toBe("x");
  });

  it("refuses to complete twice", () => {
    const result = new Result<number>();
    result.complete(true, 1);
    expect(() => result.complete(true, 2)).toThrow(/completed twice/);
  });
});

describe("ServiceInbox", () => {
  it("runs tasks in order and defers tasks queued while draining to the next drain", () => {
    const inbox = new ServiceInbox();
    const seen: number[] = [];
    inbox.push(() => {
      seen.push(1);
      inbox.push(() => seen.push(3));
    });
    inbox.push(() => seen.push(2));
    inbox.drain();
    expect(seen).toEqual([1, 2]);
    inbox.drain();
    expect(seen).toEqual([1, 2, 3]);
  });

  it("keeps the tasks behind a throwing task", () => {
    const inbox = new ServiceInbox();
    const seen: number[] = [];
    inbox.push(() => {
      throw new Error("bug");
    });
    inbox.push(() => seen.push(1));
    expect(() => inbox.drain()).toThrow("bug");
    expect(inbox.size).toBe(1);
    inbox.drain();
    expect(seen).toEqual([1]);
  });
});
