/**
 * `Result<T>`: what every online-service call returns at once (Traktor's `Result`). Network I/O
 * finishes asynchronously, but a result changes state only when the `ApplyServices` system drains
 * the completion queue in PreUpdate — so inside systems a result flips from pending to done at a
 * deterministic point of the frame, and systems poll it instead of awaiting it. Code outside
 * systems (menus, scripts, tests) can await `result.promise`, which settles at that same point.
 */
import type { ServiceError } from "./serviceError";

const PENDING = 0;
const SUCCEEDED = 1;
const FAILED = 2;

/** The outcome of one service call; completed only by the `ApplyServices` system. */
export class Result<T> {
  private state: typeof PENDING | typeof SUCCEEDED | typeof FAILED = PENDING;
  private resultValue: T | undefined;
  private resultError: ServiceError | undefined;
  // Stored without T so that Result<T> stays covariant (a Result<Sub> is usable as a Result<Base>).
  private deferred: { resolve: (value: unknown) => void; reject: (error: ServiceError) => void } | undefined;
  private lazyPromise: Promise<T> | undefined;

  /** True until the call has succeeded or failed. */
  get pending(): boolean {
    return this.state === PENDING;
  }

  /** True when the call is done and succeeded (Traktor's `succeed()`). */
  succeed(): boolean {
    return this.state === SUCCEEDED;
  }

  /** True when the call is done and failed; `error` says why. */
  get failed(): boolean {
    return this.state === FAILED;
  }

  /** Why the call failed, or `undefined` while pending or after success. */
  get error(): ServiceError | undefined {
    return this.resultError;
  }

  /** The value once succeeded, else `undefined`. */
  get value(): T | undefined {
    return this.resultValue;
  }

  /**
   * A promise of the value for code outside systems; rejects with the {@link ServiceError}. It
   * settles when the `ApplyServices` system applies the result, so the app must keep updating.
   * Created on first access, so an unobserved failure never becomes an unhandled rejection.
   */
  get promise(): Promise<T> {
    if (this.lazyPromise) return this.lazyPromise;
    if (this.state === SUCCEEDED) this.lazyPromise = Promise.resolve(this.resultValue as T);
    else if (this.resultError) this.lazyPromise = Promise.reject(this.resultError);
    else {
      this.lazyPromise = new Promise<T>((resolve, reject) => {
        this.deferred = { resolve: resolve as (value: unknown) => void, reject };
      });
    }
    return this.lazyPromise;
  }

  /** @internal Completes the result; only work drained by the `ApplyServices` system calls it. */
  complete(ok: true, value: T): void;
  complete(ok: false, error: ServiceError): void;
  complete(ok: boolean, payload: T | ServiceError): void {
    if (this.state !== PENDING) {
      throw new Error("A service Result was completed twice; each call completes exactly once.");
    }
    if (ok) {
      this.state = SUCCEEDED;
      this.resultValue = payload as T;
      this.deferred?.resolve(payload);
    } else {
      this.state = FAILED;
      this.resultError = payload as ServiceError;
      this.deferred?.reject(payload as ServiceError);
    }
    this.deferred = undefined;
  }
}
