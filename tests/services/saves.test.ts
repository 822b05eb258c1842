/**
 * Cloud saves end to end: msgpackr attachments round-trip through base64, list and delete,
 * `replace: false` refuses to overwrite, concurrent writers are detected by version (one wins,
 * the other gets 409 and nothing is lost silently), per-user isolation, and the size limit (413).
 */
import { pack, unpack } from "msgpackr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, guest, startServices, type Harness, type TestUser } from "./helpers/harness";

let h: Harness;
beforeAll(async () => {
  h = await startServices({ saves: { maxAttachmentBytes: 4096, maxSlots: 3 } });
});
afterAll(async () => {
  await h.close();
});

const b64 = (value: unknown): string => Buffer.from(pack(value)).toString("base64");
const put = (u: TestUser, slot: string, body: Record<string, unknown>) =>
  call(h.url, "setSave", {
    token: u.token,
    params: { slot },
    body: { title: "t", description: "d", replace: true, ...body },
  });

describe("services cloud saves", () => {
  it("round-trips a msgpackr attachment, lists and deletes", async () => {
    const u = await guest(h.url);
    const state = { level: 3, inventory: ["sword", "shield"], pos: { x: 1.5, y: -2 }, big: 2n ** 40n };
    const set = await put(u, "slot-1", {
      title: "Castle",
      description: "Before the boss",
      attachment: b64(state),
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ slot: "slot-1", title: "Castle", version: 1 });
    const got = await call(h.url, "getSave", { token: u.token, params: { slot: "slot-1" } });
    expect(unpack(Buffer.from(got.body.attachment, "base64"))).toEqual(state);
    expect(got.body.size).toBe(pack(state).length);
    const list = await call(h.url, "listSaves", { token: u.token });
    expect(list.body.saves.map((s) => s.slot)).toEqual(["slot-1"]);
    expect((await call(h.url, "deleteSave", { token: u.token, params: { slot: "slot-1" } })).status).toBe(
      204,
    );
    expect((await call(h.url, "getSave", { token: u.token, params: { slot: "slot-1" } })).status).toBe(404);
    expect((await call(h.url, "deleteSave", { token: u.token, params: { slot: "slot-1" } })).status).toBe(
      404,
    );
  });

  it("refuses to overwrite with replace=false", async () => {
    const u = await guest(h.url);
    expect((await put(u, "a", { attachment: b64(1), replace: false })).status).toBe(200);
    const again = await put(u, "a", { attachment: b64(2), replace: false });
    expect(again.status).toBe(409);
    expect(again.error?.code).toBe("save_exists");
    const got = await call(h.url, "getSave", { token: u.token, params: { slot: "a" } });
    expect(unpack(Buffer.from(got.body.attachment, "base64"))).toBe(1);
  });

  it("detects concurrent writes by version: one wins, the loser is told", async () => {
    const u = await guest(h.url);
    await put(u, "shared", { attachment: b64("v1") });
    const writes = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        put(u, "shared", { attachment: b64(`writer ${i}`), expectedVersion: 1 }),
      ),
    );
    const winners = writes.filter((w) => w.status === 200);
    const losers = writes.filter((w) => w.status === 409);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(5);
    for (const l of losers) expect(l.error?.code).toBe("version_conflict");
    const got = await call(h.url, "getSave", { token: u.token, params: { slot: "shared" } });
    expect(got.body.version).toBe(2);
    const winner = writes.indexOf(winners[0]!);
    expect(unpack(Buffer.from(got.body.attachment, "base64"))).toBe(`writer ${winner}`);
    expect((await put(u, "fresh", { attachment: b64(0), expectedVersion: 0 })).status).toBe(200);
    expect((await put(u, "fresh", { attachment: b64(0), expectedVersion: 0 })).error?.code).toBe(
      "version_conflict",
    );
    const del = await call(h.url, "deleteSave", {
      token: u.token,
      params: { slot: "fresh" },
      query: { expectedVersion: 7 },
    });
    expect(del.error?.code).toBe("version_conflict");
  });

  it("keeps every user's saves to themselves", async () => {
    const a = await guest(h.url);
    const b = await guest(h.url);
    await put(a, "main", { attachment: b64("a's secret") });
    expect((await call(h.url, "getSave", { token: b.token, params: { slot: "main" } })).status).toBe(404);
    expect((await call(h.url, "listSaves", { token: b.token })).body.saves).toEqual([]);
    expect((await call(h.url, "deleteSave", { token: b.token, params: { slot: "main" } })).status).toBe(404);
    await put(b, "main", { attachment: b64("b's own") });
    const mine = await call(h.url, "getSave", { token: a.token, params: { slot: "main" } });
    expect(unpack(Buffer.from(mine.body.attachment, "base64"))).toBe("a's secret");
    expect(mine.body.version).toBe(1);
  });

  it("enforces the attachment size limit and the slot count", async () => {
    const u = await guest(h.url);
    const fits = await put(u, "s1", { attachment: Buffer.alloc(4096, 7).toString("base64") });
    expect(fits.status).toBe(200);
    const tooBig = await put(u, "s2", { attachment: Buffer.alloc(4097, 7).toString("base64") });
    expect(tooBig.status).toBe(413);
    expect(tooBig.error?.code).toBe("payload_too_large");
    const wayTooBig = await put(u, "s2", { attachment: Buffer.alloc(64 * 1024, 7).toString("base64") });
    expect(wayTooBig.status).toBe(413);
    const notBase64 = await put(u, "s2", { attachment: "***" });
    expect(notBase64.error?.field).toBe("body.attachment");
    await put(u, "s2", { attachment: b64(2) });
    await put(u, "s3", { attachment: b64(3) });
    expect((await put(u, "s4", { attachment: b64(4) })).status).toBe(403);
    expect((await put(u, "s3", { attachment: b64(33) })).status).toBe(200);
  });
});
