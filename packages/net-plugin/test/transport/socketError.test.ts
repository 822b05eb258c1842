import { describe, expect, it } from "vitest";
import { SocketError, socketErrorFrom, withTimeout } from "../../src/transport/node/socketError";

describe("withTimeout", () => {
  it("rejects with ETIMEDOUT naming the operation and the limit, and runs the cleanup", async () => {
    let cleaned = false;
    const never = new Promise<never>(() => {});
    const error = await withTimeout(never, 20, "TcpSocket.connect to 10.0.0.1:80", () => {
      cleaned = true;
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketError);
    expect((error as SocketError).code).toBe("ETIMEDOUT");
    expect((error as Error).message).toBe("TcpSocket.connect to 10.0.0.1:80 timed out after 20 ms");
    expect(cleaned).toBe(true);
  });

  it("passes a result or an error through before the limit", async () => {
    expect(await withTimeout(Promise.resolve(7), 1000, "x")).toBe(7);
    await expect(withTimeout(Promise.reject(new Error("boom")), 1000, "x")).rejects.toThrow("boom");
    expect(() => withTimeout(Promise.resolve(1), 0, "op")).toThrow(/op: timeoutMs must be > 0/);
  });
});

describe("socketErrorFrom", () => {
  it("keeps Node's code and explains the common ones", () => {
    const refused = socketErrorFrom(
      "connect to 127.0.0.1:1",
      Object.assign(new Error("x"), { code: "ECONNREFUSED" }),
    );
    expect(refused.code).toBe("ECONNREFUSED");
    expect(refused.message).toMatch(
      /^connect to 127\.0\.0\.1:1 failed: connection refused .* \(ECONNREFUSED\)$/,
    );
    expect(socketErrorFrom("op", "weird").code).toBe("EIO");
  });
});
