/**
 * The per-channel state of an endpoint: a send window and receive window for reliable kinds, an
 * outgoing queue and an inbox for unreliable ones.
 */
import { Timing } from "../protocol/constants";
import { ChannelKind, isReliable, type ChannelConfig } from "./channels";
import { DeliveryQueue, type ReceiveBudget } from "./receiveBudget";
import { ReliableReceiver } from "./reliableReceiver";
import { ReliableSender } from "./reliableSender";
import { UnreliableQueue } from "./unreliableQueue";

/** One channel of one endpoint. */
export interface ChannelState {
  readonly kind: ChannelKind;
  readonly resendRttFactor: number;
  readonly sender: ReliableSender | undefined;
  readonly receiver: ReliableReceiver | undefined;
  readonly outbox: UnreliableQueue | undefined;
  /** Unreliable channels' received messages (reliable ones use `receiver.queue`). */
  readonly inbox: DeliveryQueue;
  /** Unreliable-sequenced: newest sequence received (−1 before any). */
  lastReceived: number;
}

/** Builds the state of a channel configured as `config`. */
export function createChannelState(config: ChannelConfig, budget: ReceiveBudget): ChannelState {
  const reliable = isReliable(config.kind);
  return {
    kind: config.kind,
    resendRttFactor: config.resendRttFactor ?? Timing.resendRttFactor,
    sender: reliable ? new ReliableSender() : undefined,
    receiver: reliable
      ? new ReliableReceiver(config.kind === ChannelKind.ReliableOrdered, budget)
      : undefined,
    outbox: reliable ? undefined : new UnreliableQueue(),
    inbox: new DeliveryQueue(budget),
    lastReceived: -1,
  };
}

/** Back to a fresh channel. */
export function resetChannelState(c: ChannelState): void {
  c.sender?.reset();
  c.receiver?.reset();
  c.outbox?.clear();
  c.inbox.clear();
  c.lastReceived = -1;
}
