/**
 * Signed session tokens: `v1.<payload base64url>.<HMAC-SHA256 base64url>` where the payload is
 * `{"u":userId,"e":expiresAtMs,"k":"a"}`. Stateless to verify (any service process with the same
 * secret accepts it), expiring, compared in constant time. Refresh tokens are random opaque strings
 * whose SHA-256 the store keeps (see the identity routes), so they can be rotated and revoked.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** A verified access token. */
export interface AccessClaims {
  userId: string;
  expiresAt: number;
}

/** Signs and verifies access tokens with one secret. */
export class TokenSigner {
  constructor(
    private readonly secret: Uint8Array,
    /** Wall clock, epoch milliseconds. */
    private readonly nowMs: () => number,
  ) {
    if (secret.length < 32)
      throw new RangeError("TokenSigner needs a secret of at least 32 bytes; set tokenSecret.");
  }

  /** A new access token for `userId`, valid for `ttlSeconds`. */
  sign(userId: string, ttlSeconds: number): { token: string; expiresAt: number } {
    const expiresAt = this.nowMs() + ttlSeconds * 1000;
    const payload = Buffer.from(JSON.stringify({ u: userId, e: expiresAt, k: "a" })).toString("base64url");
    return { token: `v1.${payload}.${this.mac(payload)}`, expiresAt };
  }

  /** The claims of a valid, unexpired token, else undefined (never throws). */
  verify(token: string): AccessClaims | undefined {
    const parts = token.split(".");
    if (parts.length !== 3 || parts[0] !== "v1") return undefined;
    const payload = parts[1] ?? "";
    const given = Buffer.from(parts[2] ?? "", "base64url");
    const expected = Buffer.from(this.mac(payload), "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      return undefined;
    }
    if (typeof claims !== "object" || claims === null) return undefined;
    const { u, e, k } = claims as { u?: unknown; e?: unknown; k?: unknown };
    if (typeof u !== "string" || typeof e !== "number" || k !== "a") return undefined;
    if (e <= this.nowMs()) return undefined;
    return { userId: u, expiresAt: e };
  }

  private mac(payload: string): string {
    return createHmac("sha256", this.secret).update(payload).digest("base64url");
  }
}

/** A new random refresh token (256 bits). */
export function newRefreshToken(): string {
  return randomBytes(32).toString("base64url");
}

/** What the store keeps of a refresh token. */
export function hashRefreshToken(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

/** Constant-time comparison of two strings (for server keys). */
export function safeEqual(a: string, b: string): boolean {
  const x = createHash("sha256").update(a).digest();
  const y = createHash("sha256").update(b).digest();
  return timingSafeEqual(x, y) && a.length === b.length;
}
