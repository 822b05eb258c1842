/**
 * What a `validateUpstream` hook reads: one entity's incoming upstream state (client authority),
 * dequantized on demand through the field's own binding (`bindComponent`), exactly as a client's
 * apply would write it, so the hook can check a move before the server applies it. Each field
 * dequantizes into a one-entity scratch copy of its component (a typed array per channel), so
 * reading allocates nothing.
 */
import type { SnapshotState } from "../codec/snapshotState";
import { bindComponent, type ComponentBinding } from "../componentBinding";
import type { ReplicatedField, ReplicationRegistry } from "../registry";

/** One field's scratch component (entity 0) and the binding that writes it. */
interface Scratch {
  /** Per channel (or "value" for a scalar template), the one-element array holding the value. */
  readonly columns: Readonly<Record<string, ArrayLike<unknown>>>;
  readonly binding: ComponentBinding;
}

/** One entity's incoming upstream values (valid only during the hook call). */
export class UpstreamIncoming {
  /** Network id of the entity. */
  netId = -1;
  /** Client tick the state was captured at. */
  tick = 0;
  private state: SnapshotState | undefined;
  /** Field mask the server will apply (incoming fields the entity has and may be sent up). */
  private fieldMask = 0;
  private readonly scratch: Scratch[];

  constructor(private readonly registry: ReplicationRegistry) {
    this.scratch = registry.fields.map((f) => scratchFor(f));
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
   * The incoming value of `component`: a scalar field's number (booleans read 0/1), or with `key`
   * (a template channel: "x", "y", "qx", ...) that channel of a vector/quaternion/transform value.
   * Throws for a component the state does not carry (check `has` first) or an unknown channel.
   */
  read(component: object, key?: string): number {
    const column = this.column(component, key);
    return Number(column[0]);
  }

  /** The incoming value of a scalar field of any type (a string field's string, a bool's boolean). */
  value(component: object): unknown {
    return this.column(component, undefined)[0];
  }

  private column(component: object, key: string | undefined): ArrayLike<unknown> {
    const f = this.registry.fieldOf(component);
    const state = this.state;
    if (f === undefined || state === undefined || (this.fieldMask & (1 << f.index)) === 0) {
      throw new RangeError(
        `UpstreamIncoming: this upstream state does not carry that component (check incoming.has(component) first).`,
      );
    }
    const scratch = this.scratch[f.index] as Scratch;
    const column = scratch.columns[key ?? "value"];
    if (column === undefined) {
      throw new RangeError(
        key === undefined
          ? `UpstreamIncoming.read: pass a channel key ("${f.template.channels?.join('", "')}") for this component.`
          : `UpstreamIncoming.read: the component has no channel "${key}".`,
      );
    }
    scratch.binding.apply(0, state.values, this.netId * state.stride + f.offset);
    return column;
  }
}

function scratchFor(field: ReplicatedField): Scratch {
  const template = field.template;
  const channels = template.channels;
  if (channels === undefined) {
    const initial = template.createValue();
    const array = typeof initial === "number" ? new Float64Array(1) : [initial];
    return { columns: { value: array }, binding: bindComponent(array, template, field.name) };
  }
  const columns: Record<string, Float64Array> = {};
  for (const c of channels) columns[c] = new Float64Array(1);
  return { columns, binding: bindComponent(columns, template, field.name) };
}
