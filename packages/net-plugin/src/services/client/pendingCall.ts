/**
 * One user call on its way through the services client: the HTTP request to send, how to check
 * the answer, how to turn it into the caller's value (run by the applying system, where it may
 * also update the session's cached state), and the {@link Result} to complete.
 */
import type { Decoder } from "./httpClient";
import type { Result } from "./result";
import { ServiceError } from "./serviceError";

/** A request/answer pair in flight or waiting in the disconnected queue. */
export interface PendingCall<T, R> {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly body: unknown;
  readonly decode: Decoder<T>;
  /** Turns the checked answer into the result value; runs inside the applying system. May throw a ServiceError. */
  readonly map: (answer: T) => R;
  /** Runs inside the applying system when the call fails (e.g. to forget optimistic state). */
  readonly onError?: (error: ServiceError) => void;
  readonly result: Result<R>;
  /** App-clock time it entered the disconnected queue. */
  queuedAt: number;
  /** True once it was re-sent after a 401 (a second 401 is reported). */
  retried: boolean;
}

/** Completes a call with a failure, letting its `onError` clean up first. Runs inside the applying system. */
export function failCall(call: PendingCall<unknown, unknown>, error: ServiceError): void {
  call.onError?.(error);
  call.result.complete(false, error);
}

/** Completes a call with its answer: maps it (a thrown ServiceError fails the call). Runs inside the applying system. */
export function succeedCall<T, R>(call: PendingCall<T, R>, answer: T): void {
  let value: R;
  try {
    value = call.map(answer);
  } catch (error) {
    if (error instanceof ServiceError) {
      failCall(call as PendingCall<unknown, unknown>, error);
      return;
    }
    throw error;
  }
  call.result.complete(true, value);
}

/** The calls that wait for the connection, oldest first, bounded in count and age. */
export class CallQueue {
  private calls: PendingCall<unknown, unknown>[] = [];

  constructor(
    private readonly capacity: number,
    private readonly timeoutSeconds: number,
  ) {}

  get size(): number {
    return this.calls.length;
  }

  /** Queues a call; false when the queue is full (the caller fails it). */
  offer(call: PendingCall<unknown, unknown>, now: number): boolean {
    if (this.calls.length >= this.capacity) return false;
    call.queuedAt = now;
    this.calls.push(call);
    return true;
  }

  /** Fails every call that has waited `timeoutSeconds` or longer. */
  expire(now: number): void {
    if (this.calls.length === 0) return;
    const keep: PendingCall<unknown, unknown>[] = [];
    for (const call of this.calls) {
      if (now - call.queuedAt >= this.timeoutSeconds) {
        failCall(
          call,
          new ServiceError(
            "disconnected",
            `${call.method} ${call.path} waited ${this.timeoutSeconds} s for the online services to reconnect`,
          ),
        );
      } else keep.push(call);
    }
    this.calls = keep;
  }

  /** Removes and returns every queued call, oldest first. */
  takeAll(): PendingCall<unknown, unknown>[] {
    const all = this.calls;
    this.calls = [];
    return all;
  }
}
