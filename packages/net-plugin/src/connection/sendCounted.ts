/** Sending through a ReliableEndpoint with the "was it dropped?" answer NetServer/NetClient give. */
import type { ReliableEndpoint } from "../reliability/reliableEndpoint";

/** Sends `data[0, length)` on `channel`: its ticket, or `undefined` when a full unreliable queue dropped it. */
export function sendCounted(
  endpoint: ReliableEndpoint,
  channel: number,
  data: Uint8Array,
  length: number,
): number | undefined {
  const dropped = endpoint.counters.messagesDropped;
  const ticket = endpoint.send(channel, data, length);
  return endpoint.counters.messagesDropped === dropped ? ticket : undefined;
}
