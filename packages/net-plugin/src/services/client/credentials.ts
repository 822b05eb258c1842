/**
 * How the services client proves who the player is. The client keeps the credentials in memory
 * (never on disk) so that it can log in again by itself when a session is lost, e.g. after the
 * service restarted with new signing keys and the refresh token no longer works.
 */
import { Limits, Routes } from "../api";

/** Guest login bound to a per-install device id (16–128 characters; generate it once, keep it). */
export interface GuestCredentials {
  readonly kind: "guest";
  readonly deviceId: string;
  readonly displayName?: string;
}

/** Username + password login of an existing account. */
export interface PasswordCredentials {
  readonly kind: "password";
  readonly username: string;
  readonly password: string;
}

/** Creates a password account, then logs in with it (later re-logins use `password`). */
export interface RegisterCredentials {
  readonly kind: "register";
  readonly username: string;
  readonly password: string;
  readonly displayName?: string;
}

/** Any way to log in. */
export type Credentials = GuestCredentials | PasswordCredentials | RegisterCredentials;

/** The login request for `credentials`: route method, path and body. */
export function loginRequest(credentials: Credentials): { method: "POST"; path: string; body: unknown } {
  switch (credentials.kind) {
    case "guest":
      return {
        method: "POST",
        path: Routes.guestLogin.path,
        body: { deviceId: credentials.deviceId, displayName: credentials.displayName },
      };
    case "password":
      return {
        method: "POST",
        path: Routes.login.path,
        body: { username: credentials.username, password: credentials.password },
      };
    case "register":
      return {
        method: "POST",
        path: Routes.register.path,
        body: {
          username: credentials.username,
          password: credentials.password,
          displayName: credentials.displayName,
        },
      };
  }
}

/** What to use for later re-logins once `credentials` succeeded (a registration becomes a login). */
export function afterLogin(credentials: Credentials): Credentials {
  return credentials.kind === "register"
    ? { kind: "password", username: credentials.username, password: credentials.password }
    : credentials;
}

/** Throws at once (local misuse) when credentials break the service's input limits. */
export function assertCredentials(credentials: Credentials): void {
  if (credentials.kind === "guest") {
    const n = credentials.deviceId.length;
    if (n < Limits.deviceIdMin || n > Limits.deviceIdMax) {
      throw new RangeError(
        `deviceId must be ${Limits.deviceIdMin}–${Limits.deviceIdMax} characters (got ${n}); ` +
          `generate a random id once per install and keep it.`,
      );
    }
    return;
  }
  const u = credentials.username.length;
  if (u < Limits.usernameMin || u > Limits.usernameMax) {
    throw new RangeError(
      `username must be ${Limits.usernameMin}–${Limits.usernameMax} characters (got ${u}).`,
    );
  }
  const p = credentials.password.length;
  if (p < Limits.passwordMin || p > Limits.passwordMax) {
    throw new RangeError(
      `password must be ${Limits.passwordMin}–${Limits.passwordMax} characters (got ${p}).`,
    );
  }
}
