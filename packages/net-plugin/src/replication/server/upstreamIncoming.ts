/**
 * What a `validateUpstream` hook reads: one entity's incoming upstream state (client authority),
 * dequantized on demand exactly as the client's apply would write it (the field's template), so
 * the hook can check a move before the server applies it.
 */
import type { SnapshotState } from "../codec/snapshotState";
import type { ReplicatedField, ReplicationRegistry } from "../registry";

/** One entity's incoming upstream values (valid only during the hook call). */
export class UpstreamIncoming {
  /** Network id of the entity. */
  netId = -1;
  /** Client tick the state was captured at. */
  tick = 0;
  private state: SnapshotState | undefined;
  /** Field mask the server will apply (incoming fields the entity has and may be sent up). */
  private fieldMask = 0;
  /** One reusable value per field (template.createValue). */
  private readonly scratch: unknown[];

  constructor(private readonly registry: ReplicationRegistry) {
    this.scratch = registry.fields.map((f) => f.template.createValue());
  }

  /** Points at `netId` of `state` with the fields of `mask` (used by receiveOwnedState). */
  set(state: SnapshotState, netId: number, mask: number): void {
    this.state = state;
    this.netId = netId;
    this.tick = state.tick;
    this.fieldMask = mask;
  }

  /** True when the incoming state carries `component` (and the server would apply it). */
  has(component: object): boolean {
    const f = this.registry.fieldOf(component);
    return f !== undefined && (this.fieldMask & (1 << f.index)) !== 0;
  }

  /**
   * The incoming value of `component`: a scalar field's number, or with `key` (a template channel:
   * "x", "y", "qx", ...) that channel of a vector/quaternion/transform value. Throws for a
   * component the state does not carry (check `has` first).
   */
  read(component: object, key?: string): number {
    const value = this.value(component);
    if (key === undefined) {
      if (typeof value !== "number")
        throw new TypeError(`UpstreamIncoming.read: pass a key for a multi-channel component.`);
      return value;
    }
    const v = (value as Record<string, unknown>)[key];
    if (typeof v !== "number")
      throw new RangeError(`UpstreamIncoming.read: the component has no channel "${key}".`);
    return v;
  }

  /** The incoming dequantized value of `component` (a reused object for multi-channel templates). */
  value(component: object): unknown {
    const f = this.field(component);
    const state = this.state as SnapshotState;
    const out = this.scratch[f.index];
    const value = f.template.dequantize(state.values, this.netId * state.stride + f.offset, out);
    return value;
  }

  private field(component: object): ReplicatedField {
    const f = this.registry.fieldOf(component);
    if (f === undefined || this.state === undefined || (this.fieldMask & (1 << f.index)) === 0) {
      throw new RangeError(
        `UpstreamIncoming: this upstream state does not carry that component (check incoming.has(component) first).`,
      );
    }
    return f;
  }
}
