/**
 * `StateTemplate` (Traktor's `jungle.StateTemplate`): the ordered list of values one peer's state
 * holds. Each `declare` becomes one replicated component of the Replicator's "peer state" entity,
 * registered on the ECS `ReplicationRegistry` with its priority and latency tolerance.
 *
 * ```ts
 * const template = new StateTemplate()
 *   .declare("position", Vec3Template({ min: -100, max: 100, precision: 0.01 }), { priority: 2 })
 *   .declare("health", FloatTemplate({ min: 0, max: 100, precision: 0.5 }));
 * replicator.setStateTemplate(template);
 * ```
 */
import type { FieldOptions, ValueTemplate } from "../../replication/templates/valueTemplate";

/** One declared value: its name, template and Traktor's priority / latency tolerance. */
export interface StateDeclaration {
  readonly name: string;
  readonly template: ValueTemplate<unknown>;
  readonly options: Readonly<FieldOptions>;
}

/** The values of a peer's state, in declaration order (same order on every peer). */
export class StateTemplate {
  private readonly list: StateDeclaration[] = [];

  /** Declared values in order. */
  get declarations(): readonly StateDeclaration[] {
    return this.list;
  }

  /** Declares the next value; returns `this` for chaining. Throws on a duplicate name. */
  declare<T>(name: string, template: ValueTemplate<T>, options: FieldOptions = {}): this {
    if (this.list.some((d) => d.name === name))
      throw new Error(`StateTemplate.declare("${name}"): the name is already declared.`);
    this.list.push({ name, template: template, options: { ...options } });
    return this;
  }
}
