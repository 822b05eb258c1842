/**
 * The session behind the `SessionManager`: logs in, keeps the access token fresh, keeps the push
 * channel open, and sends calls. All of its state changes inside the `ApplyServices` system
 * (`poll` plus the inbox tasks its I/O queues), never in a network callback.
 *
 * Reconnect policy (transparent to callers):
 * - The access token is refreshed after `refreshFraction` of its lifetime. A refused refresh token
 *   falls back to logging in again with the credentials kept in memory.
 * - A closed push channel reopens with exponential backoff and jitter; a channel closed with 4401
 *   (token refused) first renews the session.
 * - A call made while not `connected` waits in a bounded queue and is sent, in order, once the
 *   session and channel are back; it fails with `disconnected` after `queueTimeout` seconds or at
 *   once when `maxQueuedCalls` are already waiting. A call answered 401 renews the session and is
 *   sent again once. A call already in flight when the link drops fails with `unavailable` or
 *   `timeout` and is not resent (the service may have applied it).
 */
import { createRng } from "@canopy/core";
import { EVENTS_PATH, Routes, WS_CLOSE_UNAUTHORIZED, type SessionTokens, type UserInfo } from "../api";
import { Backoff } from "./backoff";
import { SERVICES_CLIENT_DEFAULTS } from "./constants";
import {
  isRetryable,
  stripUndefined,
  type CallSpec,
  type ConnectionHooks,
  type ConnectionOptions,
  type ServicesClientStats,
} from "./connectionTypes";
import { afterLogin, assertCredentials, loginRequest, type Credentials } from "./credentials";
import { acceptEmpty, checked, isAuthResponse } from "./decode";
import { HttpClient, type HttpOutcome } from "./httpClient";
import { ServiceInbox } from "./inbox";
import { CallQueue, failCall, succeedCall, type PendingCall } from "./pendingCall";
import { PushChannel } from "./pushChannel";
import { Result } from "./result";
import { ServiceError } from "./serviceError";

/** Login state, token refresh, push channel and call queue of one client. */
export class ServiceConnection {
  /** The signed-in account, once a login succeeded. */
  user: UserInfo | undefined;
  /** The last error that stopped the session from logging in by itself (wrong password...). */
  lastError: ServiceError | undefined;
  readonly stats: ServicesClientStats = {
    responsesInvalid: 0,
    eventsInvalid: 0,
    sessionsStarted: 0,
    reconnects: 0,
  };
  readonly inbox = new ServiceInbox();
  private readonly http: HttpClient;
  private readonly channel: PushChannel;
  private readonly queue: CallQueue;
  private readonly authBackoff: Backoff;
  private readonly channelBackoff: Backoff;
  private readonly wallClock: () => number;
  private readonly refreshFraction: number;
  private hooks: ConnectionHooks | undefined;
  private credentials: Credentials | undefined;
  private tokens: SessionTokens | undefined;
  private accessValid = false;
  private authInFlight = false;
  /** Bumped by every auth attempt and session drop, so a stale answer is ignored. */
  private authAttempt = 0;
  private loginResults: Result<UserInfo>[] = [];
  private now = 0;
  private nextAuthAt = 0;
  private refreshAt = Infinity;
  private nextChannelAt = 0;
  private isConnected = false;
  private everConnected = false;
  private closed = false;

  constructor(options: ConnectionOptions) {
    const tuning = { ...SERVICES_CLIENT_DEFAULTS, ...stripUndefined(options) };
    if (!/^https?:\/\//i.test(options.url)) {
      throw new RangeError(`Services url must start with http:// or https://, got "${options.url}".`);
    }
    if (!(tuning.refreshFraction > 0 && tuning.refreshFraction < 1)) {
      throw new RangeError(`refreshFraction must be within (0, 1), got ${tuning.refreshFraction}.`);
    }
    const fetchFn = options.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));
    this.http = new HttpClient(options.url, fetchFn, tuning.requestTimeout);
    const wsUrl = options.url.replace(/\/+$/, "").replace(/^http/i, "ws") + EVENTS_PATH;
    this.channel = new PushChannel(wsUrl, options.webSocket, this.inbox, {
      onReady: () => this.channelReady(),
      onEvent: (event) => this.hooks?.onPush(event),
      onClosed: (code, reason) => this.channelClosed(code, reason),
      onInvalid: () => this.stats.eventsInvalid++,
    });
    this.queue = new CallQueue(tuning.maxQueuedCalls, tuning.queueTimeout);
    const rng = createRng(tuning.seed);
    const backoff = {
      minDelay: tuning.reconnectMinDelay,
      maxDelay: tuning.reconnectMaxDelay,
      jitter: tuning.reconnectJitter,
    };
    this.authBackoff = new Backoff(backoff, rng);
    this.channelBackoff = new Backoff(backoff, rng);
    this.wallClock = options.wallClock ?? Date.now;
    this.refreshFraction = tuning.refreshFraction;
  }

  /** True while the session is valid and the push channel is ready: calls go out at once. */
  get connected(): boolean {
    return this.isConnected;
  }

  /** True once a login succeeded and until logout (calls made meanwhile go out or queue). */
  get signedIn(): boolean {
    return this.tokens !== undefined;
  }

  /** Calls waiting for the connection. */
  get queuedCalls(): number {
    return this.queue.size;
  }

  /** Wires the session manager in (once). */
  setHooks(hooks: ConnectionHooks): void {
    this.hooks = hooks;
  }

  /** Logs in with `credentials` (replacing any session); the result completes with the account. */
  login(credentials: Credentials): Result<UserInfo> {
    this.assertOpen();
    assertCredentials(credentials);
    const result = new Result<UserInfo>();
    this.dropSession("a new login replaced the session");
    this.credentials = credentials;
    this.lastError = undefined;
    this.everConnected = false; // a new login is a new session, not a resumed one
    this.loginResults.push(result);
    this.authBackoff.reset();
    this.startAuth();
    return result;
  }

  /** Replaces the credentials kept for re-logins (after a guest upgrade), keeping the session. */
  rememberCredentials(credentials: Credentials): void {
    if (this.credentials !== undefined) this.credentials = credentials;
  }

  /** Revokes the refresh token and forgets the session and credentials; queued calls fail. */
  logout(): Result<void> {
    this.assertOpen();
    const result = new Result<void>();
    const tokens = this.tokens;
    this.credentials = undefined;
    this.dropSession("logged out");
    this.failQueued(new ServiceError("unauthorized", "the player logged out"));
    if (!tokens) {
      this.inbox.push(() => result.complete(true, undefined));
      return result;
    }
    const request = {
      method: "POST",
      path: Routes.logout.path,
      body: { refreshToken: tokens.refreshToken },
    } as const;
    void this.http
      .send({ ...request, token: tokens.accessToken, decode: acceptEmpty })
      .then((outcome) =>
        this.inbox.push(() =>
          outcome.ok ? result.complete(true, undefined) : result.complete(false, outcome.error),
        ),
      );
    return result;
  }

  /** Makes a call: sent now when connected, else queued (see the policy at the top of this file). */
  call<T, R>(spec: CallSpec<T, R>): Result<R> {
    return this.send({ body: undefined, ...spec, result: new Result<R>(), queuedAt: 0, retried: false });
  }

  private send<T, R>(call: PendingCall<T, R>): Result<R> {
    this.assertOpen();
    const any = call as unknown as PendingCall<unknown, unknown>;
    if (this.isConnected) this.transmit(any);
    else if (!this.queue.offer(any, this.now)) {
      const error = new ServiceError(
        "disconnected",
        `${call.method} ${call.path}: ${this.queue.size} calls already wait for the connection`,
      );
      this.inbox.push(() => failCall(any, error));
    }
    return call.result;
  }

  /** Advances timers: refresh, re-login, channel reopen, queue expiry. Called by the applying system. */
  poll(now: number): void {
    this.now = now;
    if (this.closed) return;
    this.queue.expire(now);
    const canAuth = this.credentials !== undefined || this.tokens !== undefined;
    if (
      !this.authInFlight &&
      canAuth &&
      (this.accessValid ? now >= this.refreshAt : now >= this.nextAuthAt)
    ) {
      this.startAuth();
    }
    if (this.accessValid && this.channel.state === "closed" && now >= this.nextChannelAt) {
      this.channel.open(() => (this.accessValid ? this.tokens?.accessToken : undefined));
    }
  }

  /** Closes the channel and fails queued calls; the connection is unusable afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.channel.close();
    this.failQueued(new ServiceError("disconnected", "the services client was closed"));
    this.inbox.drain();
  }

  private transmit(call: PendingCall<unknown, unknown>): void {
    const token = this.tokens?.accessToken;
    void this.http
      .send({ method: call.method, path: call.path, body: call.body, token, decode: call.decode })
      .then((outcome) => this.inbox.push(() => this.finish(call, outcome, token)));
  }

  private finish(
    call: PendingCall<unknown, unknown>,
    outcome: HttpOutcome<unknown>,
    token: string | undefined,
  ): void {
    if (outcome.ok) return succeedCall(call, outcome.value);
    const error = outcome.error;
    if (error.code === "invalid_response") this.stats.responsesInvalid++;
    if (error.code === "unauthorized" && !call.retried && !this.closed && this.tokens !== undefined) {
      call.retried = true;
      if (token === this.tokens.accessToken) this.invalidateAccess();
      this.send(call);
      return;
    }
    failCall(call, error);
  }

  private startAuth(): void {
    const tokens = this.tokens;
    const canRefresh = tokens !== undefined && tokens.refreshExpiresAt > this.wallClock() + 1000;
    if (!canRefresh && !this.credentials) return;
    this.authInFlight = true;
    const attempt = ++this.authAttempt;
    const credentials = this.credentials;
    const request = canRefresh
      ? { method: "POST" as const, path: Routes.refresh.path, body: { refreshToken: tokens.refreshToken } }
      : loginRequest(credentials as Credentials);
    void this.http
      .send({ ...request, decode: checked(isAuthResponse) })
      .then((outcome) => this.inbox.push(() => this.authDone(attempt, outcome, canRefresh, credentials)));
  }

  private authDone(
    attempt: number,
    outcome: HttpOutcome<{ user: UserInfo; session: SessionTokens }>,
    wasRefresh: boolean,
    used: Credentials | undefined,
  ): void {
    if (attempt !== this.authAttempt || this.closed) return; // a newer login or a logout replaced it
    this.authInFlight = false;
    if (outcome.ok) {
      const { user, session } = outcome.value;
      this.tokens = session;
      this.user = user;
      this.accessValid = true;
      if (used && !wasRefresh) this.credentials = afterLogin(used);
      const lifetime = Math.max(1, (session.accessExpiresAt - this.wallClock()) / 1000);
      this.refreshAt = this.now + lifetime * this.refreshFraction;
      this.authBackoff.reset();
      this.stats.sessionsStarted++;
      this.completeLogins(true, user);
      if (this.channel.state !== "closed") this.channel.authenticate(session.accessToken);
      else this.nextChannelAt = this.now;
      this.updateConnected("session renewed");
      return;
    }
    const error = outcome.error;
    if (error.code === "invalid_response") this.stats.responsesInvalid++;
    if (wasRefresh && error.code === "unauthorized") {
      // The refresh token is gone (revoked, expired, or the service lost its keys): log in again.
      this.tokens = undefined;
      this.accessValid = false;
      this.nextAuthAt = this.now;
      if (!this.credentials) this.sessionLost(error);
      this.updateConnected("session expired");
      return;
    }
    if (isRetryable(error)) {
      if (!wasRefresh) this.completeLogins(false, error);
      this.nextAuthAt = this.now + this.authBackoff.next();
      if (wasRefresh) this.refreshAt = this.nextAuthAt;
      return;
    }
    this.sessionLost(error);
  }

  /** Login cannot succeed by itself (wrong password, bad device id): stop and report. */
  private sessionLost(error: ServiceError): void {
    this.lastError = error;
    this.credentials = undefined;
    this.dropSession(error.message);
    this.completeLogins(false, error);
    this.failQueued(error, true);
  }

  private channelReady(): void {
    this.channelBackoff.reset();
    this.updateConnected("push channel ready");
  }

  private channelClosed(code: number, reason: string): void {
    if (code === WS_CLOSE_UNAUTHORIZED && this.accessValid) this.invalidateAccess();
    this.nextChannelAt = this.now + this.channelBackoff.next();
    this.updateConnected(reason || `push channel closed (${code})`);
  }

  /** The access token was refused: renew the session at the next poll. */
  private invalidateAccess(): void {
    this.accessValid = false;
    this.nextAuthAt = this.now;
    this.updateConnected("access token refused");
  }

  private dropSession(reason: string): void {
    this.authAttempt++;
    this.authInFlight = false;
    this.tokens = undefined;
    this.accessValid = false;
    this.refreshAt = Infinity;
    this.channel.close();
    if (!this.credentials) this.user = undefined;
    this.updateConnected(reason);
  }

  private updateConnected(reason: string): void {
    const connected = !this.closed && this.accessValid && this.channel.state === "ready";
    if (connected === this.isConnected) return;
    this.isConnected = connected;
    const resumed = connected && this.everConnected;
    if (connected) {
      if (resumed) this.stats.reconnects++;
      this.everConnected = true;
    }
    this.hooks?.onConnectedChanged(connected, resumed, reason);
    if (connected) for (const call of this.queue.takeAll()) this.transmit(call);
  }

  private completeLogins(ok: boolean, payload: UserInfo | ServiceError): void {
    const results = this.loginResults;
    this.loginResults = [];
    for (const result of results) {
      if (ok) result.complete(true, payload as UserInfo);
      else result.complete(false, payload as ServiceError);
    }
  }

  /** Fails every queued call: now when inside the applying system, else through the inbox. */
  private failQueued(error: ServiceError, insideSystem = false): void {
    for (const call of this.queue.takeAll()) {
      if (insideSystem) failCall(call, error);
      else this.inbox.push(() => failCall(call, error));
    }
  }

  private assertOpen(): void {
    if (this.closed)
      throw new Error("The services client was closed (app disposed); create a new app to go online again.");
  }
}

export type { CallSpec, ConnectionHooks, ConnectionOptions, ServicesClientStats };
