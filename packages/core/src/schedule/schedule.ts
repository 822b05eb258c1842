import { ScheduleError, SystemError } from "./errors";
import type { Stage } from "./stages";
import {
  isSet,
  toArray,
  type Condition,
  type OrderTarget,
  type SetChain,
  type SetConfig,
  type System,
  type SystemConfig,
  type SystemSet,
} from "./systemSet";
import { topologicalOrder } from "./topologicalOrder";
import type { AppWorld } from "../world";

interface SystemNode {
  readonly index: number;
  readonly name: string;
  readonly run: System;
  readonly sets: readonly SystemSet[];
  readonly before: readonly OrderTarget[];
  readonly after: readonly OrderTarget[];
  readonly conditions: readonly Condition[];
}

interface SetNode {
  parents: SystemSet[];
  before: OrderTarget[];
  after: OrderTarget[];
  conditions: Condition[];
}

/** A compiled, ordered run list: each step names the system and the set conditions that gate it. */
interface Step {
  readonly node: SystemNode;
  readonly setGates: readonly number[];
}

/** Receives a system's error; throwing from it aborts the frame (after the schedule is reset). */
export type SystemErrorHandler = (error: SystemError) => void;

/**
 * The systems of one stage and the rules that order them. The order is compiled lazily (and
 * recompiled after any change): a stable topological sort over system and set constraints, ties
 * broken by insertion order so that the same setup always runs in the same order.
 */
export class Schedule {
  private readonly systems: SystemNode[] = [];
  private readonly setConfigs = new Map<SystemSet, SetNode>();
  private steps: Step[] | undefined;
  private gateConditions: (readonly Condition[])[] = [];
  private gateRun: number[] = [];
  private gateResult: boolean[] = [];
  private runId = 0;

  constructor(readonly stage: Stage) {}

  /** Adds systems; a bare function is shorthand for `{ run: fn }`. */
  add(...systems: (System | SystemConfig)[]): void {
    for (const entry of systems) {
      const config: SystemConfig = typeof entry === "function" ? { run: entry } : entry;
      if (typeof config.run !== "function") {
        throw new TypeError(
          `addSystems(${this.stage}, ...): expected a system function, got ${typeof config.run}.`,
        );
      }
      this.systems.push({
        index: this.systems.length,
        name: config.name ?? (config.run.name || `anonymous#${this.systems.length}`),
        run: config.run,
        sets: toArray(config.in),
        before: toArray(config.before),
        after: toArray(config.after),
        conditions: toArray(config.runIf),
      });
    }
    this.steps = undefined;
  }

  /** Configures sets: parents, ordering and run conditions, or a chain of sets. */
  configure(config: SetConfig | SetChain | SystemSet): void {
    if ("kind" in config && config.kind === "chain") {
      const sets = config.sets;
      for (let i = 1; i < sets.length; i++)
        this.setNode(sets[i - 1] as SystemSet).before.push(sets[i] as SystemSet);
      for (const set of sets) this.setNode(set);
    } else if ("kind" in config && config.kind === "set") {
      this.setNode(config);
    } else {
      const node = this.setNode(config.set);
      node.parents.push(...toArray(config.in));
      node.before.push(...toArray(config.before));
      node.after.push(...toArray(config.after));
      node.conditions.push(...toArray(config.runIf));
    }
    this.steps = undefined;
  }

  /** The system names in run order (compiles the schedule if needed). */
  order(): string[] {
    return this.compile().map((step) => step.node.name);
  }

  /** Number of systems in this stage. */
  get size(): number {
    return this.systems.length;
  }

  /**
   * Runs every system whose conditions hold, in order. A throwing system is wrapped in a
   * {@link SystemError} and handed to `onError`; the remaining systems still run unless the
   * handler throws.
   */
  run(world: AppWorld, onError: SystemErrorHandler): void {
    const steps = this.compile();
    const runId = ++this.runId;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] as Step;
      if (!this.gatesOpen(world, step.setGates, runId, step.node, onError)) continue;
      const conditions = step.node.conditions;
      let allowed = true;
      try {
        for (let c = 0; c < conditions.length && allowed; c++) allowed = (conditions[c] as Condition)(world);
        if (allowed) step.node.run(world);
      } catch (error) {
        onError(new SystemError(this.stage, step.node.name, error));
      }
    }
  }

  private gatesOpen(
    world: AppWorld,
    gates: readonly number[],
    runId: number,
    node: SystemNode,
    onError: SystemErrorHandler,
  ): boolean {
    for (let g = 0; g < gates.length; g++) {
      const gate = gates[g] as number;
      if (this.gateRun[gate] !== runId) {
        this.gateRun[gate] = runId;
        let open = true;
        try {
          const conditions = this.gateConditions[gate] as readonly Condition[];
          for (let c = 0; c < conditions.length; c++) {
            if (!(open = (conditions[c] as Condition)(world))) break;
          }
        } catch (error) {
          open = false;
          onError(new SystemError(this.stage, `run condition of a set containing "${node.name}"`, error));
        }
        this.gateResult[gate] = open;
      }
      if (!this.gateResult[gate]) return false;
    }
    return true;
  }

  private setNode(set: SystemSet): SetNode {
    let node = this.setConfigs.get(set);
    if (!node) {
      node = { parents: [], before: [], after: [], conditions: [] };
      this.setConfigs.set(set, node);
    }
    return node;
  }

  /** Every set a system belongs to, parents included. */
  private closure(direct: readonly SystemSet[]): SystemSet[] {
    const seen = new Set<SystemSet>();
    const stack = [...direct];
    while (stack.length > 0) {
      const set = stack.pop() as SystemSet;
      if (seen.has(set)) continue;
      seen.add(set);
      stack.push(...(this.setConfigs.get(set)?.parents ?? []));
    }
    return [...seen];
  }

  private compile(): Step[] {
    return this.steps ?? this.build();
  }

  /**
   * Compiles the run list. Kept apart from `compile`: its closures make V8 allocate a context on
   * entry to the function that declares them, even on an early return (80 B per stage run).
   */
  private build(): Step[] {
    const memberships = this.systems.map((s) => this.closure(s.sets));
    const members = new Map<SystemSet, number[]>();
    memberships.forEach((sets, index) => {
      for (const set of sets) {
        const list = members.get(set) ?? [];
        list.push(index);
        members.set(set, list);
      }
    });
    const byFunction = new Map<System, number[]>();
    for (const s of this.systems) byFunction.set(s.run, [...(byFunction.get(s.run) ?? []), s.index]);
    const resolve = (target: OrderTarget): readonly number[] =>
      isSet(target) ? (members.get(target) ?? []) : (byFunction.get(target) ?? []);

    const edges: [number, number][] = [];
    const addOrder = (from: readonly number[], to: readonly number[]): void => {
      for (const a of from) for (const b of to) edges.push([a, b]);
    };
    for (const s of this.systems) {
      for (const target of s.before) addOrder([s.index], resolve(target));
      for (const target of s.after) addOrder(resolve(target), [s.index]);
    }
    for (const [set, config] of this.setConfigs) {
      const own = members.get(set) ?? [];
      for (const target of config.before) addOrder(own, resolve(target));
      for (const target of config.after) addOrder(resolve(target), own);
    }

    const order = topologicalOrder(this.systems.length, edges);
    if (!order.ok) {
      const names = order.cycle.map((i) => (this.systems[i] as SystemNode).name);
      throw new ScheduleError(
        `Stage ${this.stage} has an ordering cycle: ${[...names, names[0]].join(" → ")}. ` +
          `Check the before/after constraints of these systems and their sets.`,
      );
    }

    // One gate per set with run conditions; each system checks the gates of all its sets.
    const gateOf = new Map<SystemSet, number>();
    this.gateConditions = [];
    for (const [set, config] of this.setConfigs) {
      if (config.conditions.length === 0) continue;
      gateOf.set(set, this.gateConditions.length);
      this.gateConditions.push(config.conditions);
    }
    this.gateRun = this.gateConditions.map(() => -1);
    this.gateResult = this.gateConditions.map(() => false);
    const steps = order.order.map((index) => ({
      node: this.systems[index] as SystemNode,
      setGates: (memberships[index] as SystemSet[])
        .map((set) => gateOf.get(set))
        .filter((gate): gate is number => gate !== undefined),
    }));
    this.steps = steps;
    return steps;
  }
}
