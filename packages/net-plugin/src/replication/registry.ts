/**
 * The replication registry: which components replicate, with which template, priority and latency
 * tolerance (Traktor's `StateTemplate.declare`). It fixes each field's slot offset in a snapshot
 * row and feeds the protocol hash, so server and client must register the same fields in the same
 * order. Registration closes when the first snapshot state is created from it.
 */
import type { ProtocolHashBuilder } from "../protocol/protocolHash";
import { codesAsTransform } from "./codec/fieldCodecPlan";
import { bindComponent, type ComponentBinding } from "./componentBinding";
import type { FieldOptions, ValueTemplate } from "./templates/valueTemplate";

/** Most replicated fields a registry holds: an entity's field mask is one 32-bit word. */
export const MAX_REPLICATED_FIELDS = 32;

/** Options of {@link ReplicationRegistry.replicate}. */
export interface ReplicateOptions extends FieldOptions {
  /** Stable name for messages and the protocol hash (default `field<N>`). */
  name?: string;
  /** Template channel → component key (SoA/array-of-objects), or `{ value: key }` for a scalar. */
  fields?: Readonly<Record<string, string>>;
}

/** One registered component. */
export interface ReplicatedField {
  readonly index: number;
  readonly name: string;
  readonly component: unknown;
  readonly template: ValueTemplate<unknown>;
  readonly binding: ComponentBinding;
  /** First slot of this field in an entity's row. */
  readonly offset: number;
  readonly priority: number;
  readonly latencyTolerance: number;
}

/** Registered replicated components, in registration order. */
export class ReplicationRegistry {
  private readonly list: ReplicatedField[] = [];
  private readonly byComponent = new Map<unknown, ReplicatedField>();
  private slots = 0;
  private frozen = false;

  /** Registered fields in order. */
  get fields(): readonly ReplicatedField[] {
    return this.list;
  }
  /** Int32 slots of one entity row (all fields). */
  get stride(): number {
    return this.slots;
  }
  /** True once snapshot states were created from this registry. */
  get closed(): boolean {
    return this.frozen;
  }

  /** Registers `component` as replicated with `template`; returns its field. */
  replicate<T>(
    component: object,
    template: ValueTemplate<T>,
    options: ReplicateOptions = {},
  ): ReplicatedField {
    const name = options.name ?? `field${this.list.length}`;
    if (this.frozen) {
      throw new Error(
        `replicate(${name}): the registry is closed; register every component before creating snapshot states.`,
      );
    }
    if (this.list.length >= MAX_REPLICATED_FIELDS) {
      throw new RangeError(
        `replicate(${name}): at most ${MAX_REPLICATED_FIELDS} replicated components are supported.`,
      );
    }
    if (this.byComponent.has(component))
      throw new Error(`replicate(${name}): this component is already replicated.`);
    if (this.list.some((f) => f.name === name))
      throw new Error(`replicate(${name}): the name is already used.`);
    const priority = options.priority ?? 1;
    const latencyTolerance = options.latencyTolerance ?? 0.1;
    if (!(priority > 0)) throw new RangeError(`replicate(${name}): priority must be > 0, got ${priority}.`);
    if (!(latencyTolerance >= 0))
      throw new RangeError(`replicate(${name}): latencyTolerance must be >= 0 seconds.`);
    const field: ReplicatedField = {
      index: this.list.length,
      name,
      component,
      template,
      binding: bindComponent(component, template, name, options.fields),
      offset: this.slots,
      priority,
      latencyTolerance,
    };
    this.list.push(field);
    this.byComponent.set(component, field);
    this.slots += template.width;
    return field;
  }

  /** The field registered for `component`, if any. */
  fieldOf(component: object): ReplicatedField | undefined {
    return this.byComponent.get(component);
  }

  /** Closes registration (snapshot states depend on the layout). */
  close(): void {
    this.frozen = true;
  }

  /** Adds every field (name, template descriptor, priority is local and not hashed) to `hash`. */
  addToHash(hash: ProtocolHashBuilder): ProtocolHashBuilder {
    hash.add("replication-fields", this.list.length);
    for (const f of this.list) {
      // A Transform-like field's columns format (since session 8) is named: older peers coded it per entity.
      const coding = codesAsTransform(f.template) ? ":transform-columns" : "";
      hash.add("replicate", `${f.name}:${f.template.descriptor}${coding}`);
    }
    return hash;
  }
}

/** A registry with `component → template` registered in order (shorthand for tests and small games). */
export function replicate<T>(
  registry: ReplicationRegistry,
  component: object,
  template: ValueTemplate<T>,
  options?: ReplicateOptions,
): ReplicatedField {
  return registry.replicate(component, template, options);
}
