/**
 * replication/ — components marked replicated feed value templates; snapshots carry the changed
 * fields of the entities relevant to a client as quantized deltas against the state that client
 * acknowledged (Glenn Fiedler's snapshot compression, Traktor's StateTemplate/IValueTemplate
 * names). This layer holds the data model and codec; the ECS systems that run it per connection
 * build on it.
 */
export {
  type BitSink,
  type BitSource,
  type DeltaGroup,
  type DeltaKind,
  type FieldOptions,
  type SoaArray,
  type ValueTemplate,
} from "./templates/valueTemplate";
export { QuantizedTemplate } from "./templates/quantizedTemplate";
export { FloatTemplate, FloatValueTemplate, type FloatTemplateOptions } from "./templates/floatTemplate";
export { IntTemplate, IntValueTemplate, type IntTemplateOptions } from "./templates/intTemplate";
export { BoolTemplate, BoolValueTemplate } from "./templates/boolTemplate";
export { EnumTemplate, EnumValueTemplate } from "./templates/enumTemplate";
export { VectorValueTemplate, type AxisBound, type VectorTemplateOptions } from "./templates/vectorTemplate";
export { Vec2Template, type Vec2 } from "./templates/vec2Template";
export { Vec3Template, type Vec3 } from "./templates/vec3Template";
export {
  QuatTemplate,
  QuatValueTemplate,
  DEFAULT_QUAT_BITS,
  type QuatTemplateOptions,
} from "./templates/quatTemplate";
export {
  TransformTemplate,
  TransformValueTemplate,
  type TransformTemplateOptions,
  type TransformValue,
} from "./templates/transformTemplate";
export { StringTemplate, StringValueTemplate, type StringTemplateOptions } from "./templates/stringTemplate";
export { nlerpQuat, extrapolateQuat, quatAngle } from "./templates/quatMath";
export { bindComponent, type ComponentBinding, type ComponentShape } from "./componentBinding";
export {
  MAX_REPLICATED_FIELDS,
  replicate,
  ReplicationRegistry,
  type ReplicatedField,
  type ReplicateOptions,
} from "./registry";
export { EntityMap, NetworkIdAllocator, NONE } from "./entityMap";
export { SnapshotState } from "./codec/snapshotState";
export { BaselineRing, DEFAULT_BASELINE_RING_SIZE } from "./codec/baselineRing";
export {
  createEncodeInput,
  SnapshotEncoder,
  type EncodeSnapshotInput,
  type EncodeSnapshotResult,
} from "./codec/snapshotEncoder";
export { SnapshotDecoder } from "./codec/snapshotDecoder";
export { DecodeStatus, type SnapshotDecodeCounters } from "./codec/decodeStatus";
export { applySnapshot, type ApplyHooks, type ApplyResult } from "./worldApply";
export { captureEntities, captureWorld } from "./worldCapture";
export { PriorityAccumulator } from "./priorityAccumulator";
export { MAX_REFERENCE_AGE } from "./codec/predict";
export {
  bitsRequired,
  createFloatQuantizer,
  dequantizeFloat,
  dequantizeQuat,
  quantizeFloat,
  quantizeQuat,
  type FloatQuantizer,
  type QuatLike,
} from "../protocol/quantize";
export type { FieldExclusion } from "./codec/snapshotEncoder";
