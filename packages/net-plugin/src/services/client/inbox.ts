/**
 * The completion queue between asynchronous network I/O and the ECS. Fetch callbacks and
 * WebSocket handlers never touch game-visible state: they push a small task here, and the
 * `ApplyServices` system runs every queued task, in arrival order, at its fixed point in the frame.
 */

/** A unit of work that applies one finished I/O event to the session state. */
export type InboxTask = () => void;

/** A FIFO of tasks filled by I/O callbacks and drained by the applying system. */
export class ServiceInbox {
  private tasks: InboxTask[] = [];
  private spare: InboxTask[] = [];

  /** Queues a task; called from I/O callbacks, never from systems that expect it to run at once. */
  push(task: InboxTask): void {
    this.tasks.push(task);
  }

  /** Number of tasks waiting. */
  get size(): number {
    return this.tasks.length;
  }

  /**
   * Runs every task queued so far, in order. Tasks queued while draining run in the next drain,
   * so one frame's work is bounded by what had arrived when the frame began.
   */
  drain(): void {
    const batch = this.tasks;
    this.tasks = this.spare;
    let i = 0;
    try {
      while (i < batch.length) (batch[i++] as InboxTask)();
    } finally {
      // A throwing task (a bug) must not lose the tasks behind it: they run in the next drain.
      if (i < batch.length) this.tasks.unshift(...batch.slice(i));
      batch.length = 0;
      this.spare = batch;
    }
  }
}
