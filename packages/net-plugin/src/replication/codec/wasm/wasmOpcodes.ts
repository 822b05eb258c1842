/**
 * Opcode tables of the WebAssembly binary emitter (wasmModule.ts), named as in the text format so
 * generated code reads like WAT. Only instructions without immediates are listed in the two
 * plain tables; loads/stores, SIMD lane ops and control have tables or methods of their own.
 * Numbers from the WebAssembly 2.0 core spec (§5.4) and the fixed-width SIMD proposal.
 */

/** Value types (spec §5.3.1). */
export const ValType = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
/** A value type's name. */
export type ValTypeName = keyof typeof ValType;

/** One-byte instructions with no immediate. */
// prettier-ignore
export const PLAIN_OPS = {
  unreachable: 0x00, nop: 0x01, return: 0x0f, drop: 0x1a, select: 0x1b,
  "i32.eqz": 0x45, "i32.eq": 0x46, "i32.ne": 0x47, "i32.lt_s": 0x48, "i32.lt_u": 0x49,
  "i32.gt_s": 0x4a, "i32.gt_u": 0x4b, "i32.le_s": 0x4c, "i32.le_u": 0x4d, "i32.ge_s": 0x4e,
  "i32.ge_u": 0x4f,
  "i64.eqz": 0x50, "i64.eq": 0x51, "i64.ne": 0x52, "i64.lt_s": 0x53, "i64.lt_u": 0x54,
  "i64.gt_s": 0x55, "i64.gt_u": 0x56, "i64.le_s": 0x57, "i64.le_u": 0x58, "i64.ge_s": 0x59,
  "i64.ge_u": 0x5a,
  "f32.eq": 0x5b, "f32.ne": 0x5c, "f32.lt": 0x5d, "f32.gt": 0x5e, "f32.le": 0x5f, "f32.ge": 0x60,
  "f64.eq": 0x61, "f64.ne": 0x62, "f64.lt": 0x63, "f64.gt": 0x64, "f64.le": 0x65, "f64.ge": 0x66,
  "i32.clz": 0x67, "i32.ctz": 0x68, "i32.popcnt": 0x69, "i32.add": 0x6a, "i32.sub": 0x6b,
  "i32.mul": 0x6c, "i32.div_s": 0x6d, "i32.div_u": 0x6e, "i32.rem_s": 0x6f, "i32.rem_u": 0x70,
  "i32.and": 0x71, "i32.or": 0x72, "i32.xor": 0x73, "i32.shl": 0x74, "i32.shr_s": 0x75,
  "i32.shr_u": 0x76, "i32.rotl": 0x77, "i32.rotr": 0x78,
  "i64.clz": 0x79, "i64.ctz": 0x7a, "i64.popcnt": 0x7b, "i64.add": 0x7c, "i64.sub": 0x7d,
  "i64.mul": 0x7e, "i64.div_s": 0x7f, "i64.div_u": 0x80, "i64.rem_s": 0x81, "i64.rem_u": 0x82,
  "i64.and": 0x83, "i64.or": 0x84, "i64.xor": 0x85, "i64.shl": 0x86, "i64.shr_s": 0x87,
  "i64.shr_u": 0x88, "i64.rotl": 0x89, "i64.rotr": 0x8a,
  "f32.abs": 0x8b, "f32.neg": 0x8c, "f32.ceil": 0x8d, "f32.floor": 0x8e, "f32.trunc": 0x8f,
  "f32.nearest": 0x90, "f32.sqrt": 0x91, "f32.add": 0x92, "f32.sub": 0x93, "f32.mul": 0x94,
  "f32.div": 0x95, "f32.min": 0x96, "f32.max": 0x97, "f32.copysign": 0x98,
  "f64.abs": 0x99, "f64.neg": 0x9a, "f64.ceil": 0x9b, "f64.floor": 0x9c, "f64.trunc": 0x9d,
  "f64.nearest": 0x9e, "f64.sqrt": 0x9f, "f64.add": 0xa0, "f64.sub": 0xa1, "f64.mul": 0xa2,
  "f64.div": 0xa3, "f64.min": 0xa4, "f64.max": 0xa5, "f64.copysign": 0xa6,
  "i32.wrap_i64": 0xa7, "i32.trunc_f32_s": 0xa8, "i32.trunc_f32_u": 0xa9,
  "i32.trunc_f64_s": 0xaa, "i32.trunc_f64_u": 0xab, "i64.extend_i32_s": 0xac,
  "i64.extend_i32_u": 0xad, "i64.trunc_f32_s": 0xae, "i64.trunc_f32_u": 0xaf,
  "i64.trunc_f64_s": 0xb0, "i64.trunc_f64_u": 0xb1, "f32.convert_i32_s": 0xb2,
  "f32.convert_i32_u": 0xb3, "f32.convert_i64_s": 0xb4, "f32.convert_i64_u": 0xb5,
  "f32.demote_f64": 0xb6, "f64.convert_i32_s": 0xb7, "f64.convert_i32_u": 0xb8,
  "f64.convert_i64_s": 0xb9, "f64.convert_i64_u": 0xba, "f64.promote_f32": 0xbb,
  "i32.reinterpret_f32": 0xbc, "i64.reinterpret_f64": 0xbd, "f32.reinterpret_i32": 0xbe,
  "f64.reinterpret_i64": 0xbf,
  "i32.extend8_s": 0xc0, "i32.extend16_s": 0xc1, "i64.extend8_s": 0xc2, "i64.extend16_s": 0xc3,
  "i64.extend32_s": 0xc4,
} as const;

/** Prefix byte of the saturating truncations and bulk memory ops. */
export const PREFIX_FC = 0xfc;
/** Prefix byte of the SIMD (v128) instructions. */
export const PREFIX_SIMD = 0xfd;

/** Prefixed instructions with no immediate: [prefix, sub-opcode]. */
// prettier-ignore
export const PREFIXED_OPS = {
  "i32.trunc_sat_f32_s": [PREFIX_FC, 0], "i32.trunc_sat_f32_u": [PREFIX_FC, 1],
  "i32.trunc_sat_f64_s": [PREFIX_FC, 2], "i32.trunc_sat_f64_u": [PREFIX_FC, 3],
  "i64.trunc_sat_f32_s": [PREFIX_FC, 4], "i64.trunc_sat_f32_u": [PREFIX_FC, 5],
  "i64.trunc_sat_f64_s": [PREFIX_FC, 6], "i64.trunc_sat_f64_u": [PREFIX_FC, 7],
  "i8x16.swizzle": [PREFIX_SIMD, 0x0e],
  "i8x16.splat": [PREFIX_SIMD, 0x0f], "i16x8.splat": [PREFIX_SIMD, 0x10],
  "i32x4.splat": [PREFIX_SIMD, 0x11], "i64x2.splat": [PREFIX_SIMD, 0x12],
  "f32x4.splat": [PREFIX_SIMD, 0x13], "f64x2.splat": [PREFIX_SIMD, 0x14],
  "i32x4.eq": [PREFIX_SIMD, 0x37], "i32x4.ne": [PREFIX_SIMD, 0x38],
  "i32x4.lt_s": [PREFIX_SIMD, 0x39], "i32x4.lt_u": [PREFIX_SIMD, 0x3a],
  "i32x4.gt_s": [PREFIX_SIMD, 0x3b], "i32x4.gt_u": [PREFIX_SIMD, 0x3c],
  "i32x4.le_s": [PREFIX_SIMD, 0x3d], "i32x4.le_u": [PREFIX_SIMD, 0x3e],
  "i32x4.ge_s": [PREFIX_SIMD, 0x3f], "i32x4.ge_u": [PREFIX_SIMD, 0x40],
  "f32x4.eq": [PREFIX_SIMD, 0x41], "f32x4.ne": [PREFIX_SIMD, 0x42],
  "f32x4.lt": [PREFIX_SIMD, 0x43], "f32x4.gt": [PREFIX_SIMD, 0x44],
  "f32x4.le": [PREFIX_SIMD, 0x45], "f32x4.ge": [PREFIX_SIMD, 0x46],
  "v128.not": [PREFIX_SIMD, 0x4d], "v128.and": [PREFIX_SIMD, 0x4e],
  "v128.andnot": [PREFIX_SIMD, 0x4f], "v128.or": [PREFIX_SIMD, 0x50],
  "v128.xor": [PREFIX_SIMD, 0x51], "v128.bitselect": [PREFIX_SIMD, 0x52],
  "v128.any_true": [PREFIX_SIMD, 0x53],
  "f32x4.ceil": [PREFIX_SIMD, 0x67], "f32x4.floor": [PREFIX_SIMD, 0x68],
  "f32x4.trunc": [PREFIX_SIMD, 0x69], "f32x4.nearest": [PREFIX_SIMD, 0x6a],
  "i32x4.abs": [PREFIX_SIMD, 0xa0], "i32x4.neg": [PREFIX_SIMD, 0xa1],
  "i32x4.all_true": [PREFIX_SIMD, 0xa3], "i32x4.bitmask": [PREFIX_SIMD, 0xa4],
  "i32x4.shl": [PREFIX_SIMD, 0xab], "i32x4.shr_s": [PREFIX_SIMD, 0xac],
  "i32x4.shr_u": [PREFIX_SIMD, 0xad], "i32x4.add": [PREFIX_SIMD, 0xae],
  "i32x4.sub": [PREFIX_SIMD, 0xb1], "i32x4.mul": [PREFIX_SIMD, 0xb5],
  "i32x4.min_s": [PREFIX_SIMD, 0xb6], "i32x4.min_u": [PREFIX_SIMD, 0xb7],
  "i32x4.max_s": [PREFIX_SIMD, 0xb8], "i32x4.max_u": [PREFIX_SIMD, 0xb9],
  "f32x4.abs": [PREFIX_SIMD, 0xe0], "f32x4.neg": [PREFIX_SIMD, 0xe1],
  "f32x4.sqrt": [PREFIX_SIMD, 0xe3], "f32x4.add": [PREFIX_SIMD, 0xe4],
  "f32x4.sub": [PREFIX_SIMD, 0xe5], "f32x4.mul": [PREFIX_SIMD, 0xe6],
  "f32x4.div": [PREFIX_SIMD, 0xe7], "f32x4.min": [PREFIX_SIMD, 0xe8],
  "f32x4.max": [PREFIX_SIMD, 0xe9], "f32x4.pmin": [PREFIX_SIMD, 0xea],
  "f32x4.pmax": [PREFIX_SIMD, 0xeb],
  "f64x2.eq": [PREFIX_SIMD, 0x47], "f64x2.ne": [PREFIX_SIMD, 0x48],
  "f64x2.lt": [PREFIX_SIMD, 0x49], "f64x2.gt": [PREFIX_SIMD, 0x4a],
  "f64x2.le": [PREFIX_SIMD, 0x4b], "f64x2.ge": [PREFIX_SIMD, 0x4c],
  "f32x4.demote_f64x2_zero": [PREFIX_SIMD, 0x5e], "f64x2.promote_low_f32x4": [PREFIX_SIMD, 0x5f],
  "f64x2.ceil": [PREFIX_SIMD, 0x74], "f64x2.floor": [PREFIX_SIMD, 0x75],
  "f64x2.trunc": [PREFIX_SIMD, 0x7a], "f64x2.nearest": [PREFIX_SIMD, 0x94],
  "i64x2.abs": [PREFIX_SIMD, 0xc0], "i64x2.neg": [PREFIX_SIMD, 0xc1],
  "i64x2.all_true": [PREFIX_SIMD, 0xc3], "i64x2.bitmask": [PREFIX_SIMD, 0xc4],
  "i64x2.extend_low_i32x4_s": [PREFIX_SIMD, 0xc7], "i64x2.extend_high_i32x4_s": [PREFIX_SIMD, 0xc8],
  "i64x2.shl": [PREFIX_SIMD, 0xcb], "i64x2.shr_s": [PREFIX_SIMD, 0xcc],
  "i64x2.shr_u": [PREFIX_SIMD, 0xcd], "i64x2.add": [PREFIX_SIMD, 0xce],
  "i64x2.sub": [PREFIX_SIMD, 0xd1], "i64x2.mul": [PREFIX_SIMD, 0xd5],
  "i64x2.eq": [PREFIX_SIMD, 0xd6], "i64x2.ne": [PREFIX_SIMD, 0xd7],
  "f64x2.abs": [PREFIX_SIMD, 0xec], "f64x2.neg": [PREFIX_SIMD, 0xed],
  "f64x2.sqrt": [PREFIX_SIMD, 0xef], "f64x2.add": [PREFIX_SIMD, 0xf0],
  "f64x2.sub": [PREFIX_SIMD, 0xf1], "f64x2.mul": [PREFIX_SIMD, 0xf2],
  "f64x2.div": [PREFIX_SIMD, 0xf3], "f64x2.min": [PREFIX_SIMD, 0xf4],
  "f64x2.max": [PREFIX_SIMD, 0xf5], "f64x2.pmin": [PREFIX_SIMD, 0xf6],
  "f64x2.pmax": [PREFIX_SIMD, 0xf7],
  "i32x4.trunc_sat_f64x2_s_zero": [PREFIX_SIMD, 0xfc], "i32x4.trunc_sat_f64x2_u_zero": [PREFIX_SIMD, 0xfd],
  "f64x2.convert_low_i32x4_s": [PREFIX_SIMD, 0xfe], "f64x2.convert_low_i32x4_u": [PREFIX_SIMD, 0xff],
  "i32x4.trunc_sat_f32x4_s": [PREFIX_SIMD, 0xf8], "i32x4.trunc_sat_f32x4_u": [PREFIX_SIMD, 0xf9],
  "f32x4.convert_i32x4_s": [PREFIX_SIMD, 0xfa], "f32x4.convert_i32x4_u": [PREFIX_SIMD, 0xfb],
  "i8x16.eq": [PREFIX_SIMD, 0x23], "i8x16.sub": [PREFIX_SIMD, 0x71],
  "i16x8.extend_low_i8x16_u": [PREFIX_SIMD, 0x89], "i16x8.extend_high_i8x16_u": [PREFIX_SIMD, 0x8a],
  "i32x4.extend_low_i16x8_u": [PREFIX_SIMD, 0xa9], "i32x4.extend_high_i16x8_u": [PREFIX_SIMD, 0xaa],
  "i8x16.narrow_i16x8_s": [PREFIX_SIMD, 0x65], "i16x8.narrow_i32x4_s": [PREFIX_SIMD, 0x85],
  "i16x8.narrow_i32x4_u": [PREFIX_SIMD, 0x86], "i32x4.dot_i16x8_s": [PREFIX_SIMD, 0xba],
} as const;

/** An instruction without immediates, by its text-format name. */
export type SimpleOp = keyof typeof PLAIN_OPS | keyof typeof PREFIXED_OPS;

/** Loads and stores: [prefix or -1, opcode, natural alignment as log2 bytes]. */
// prettier-ignore
export const MEMORY_OPS = {
  "i32.load": [-1, 0x28, 2], "i64.load": [-1, 0x29, 3], "f32.load": [-1, 0x2a, 2],
  "f64.load": [-1, 0x2b, 3], "i32.load8_s": [-1, 0x2c, 0], "i32.load8_u": [-1, 0x2d, 0],
  "i32.load16_s": [-1, 0x2e, 1], "i32.load16_u": [-1, 0x2f, 1], "i64.load8_s": [-1, 0x30, 0],
  "i64.load8_u": [-1, 0x31, 0], "i64.load16_s": [-1, 0x32, 1], "i64.load16_u": [-1, 0x33, 1],
  "i64.load32_s": [-1, 0x34, 2], "i64.load32_u": [-1, 0x35, 2],
  "i32.store": [-1, 0x36, 2], "i64.store": [-1, 0x37, 3], "f32.store": [-1, 0x38, 2],
  "f64.store": [-1, 0x39, 3], "i32.store8": [-1, 0x3a, 0], "i32.store16": [-1, 0x3b, 1],
  "i64.store8": [-1, 0x3c, 0], "i64.store16": [-1, 0x3d, 1], "i64.store32": [-1, 0x3e, 2],
  "v128.load": [PREFIX_SIMD, 0x00, 4], "v128.store": [PREFIX_SIMD, 0x0b, 4],
} as const;

/** A load or store by its text-format name. */
export type MemoryOp = keyof typeof MEMORY_OPS;

/** SIMD lane instructions: [sub-opcode, lane count]. */
// prettier-ignore
export const LANE_OPS = {
  "i8x16.extract_lane_s": [0x15, 16], "i8x16.extract_lane_u": [0x16, 16],
  "i8x16.replace_lane": [0x17, 16], "i16x8.extract_lane_s": [0x18, 8],
  "i16x8.extract_lane_u": [0x19, 8], "i16x8.replace_lane": [0x1a, 8],
  "i32x4.extract_lane": [0x1b, 4], "i32x4.replace_lane": [0x1c, 4],
  "i64x2.extract_lane": [0x1d, 2], "i64x2.replace_lane": [0x1e, 2],
  "f32x4.extract_lane": [0x1f, 4], "f32x4.replace_lane": [0x20, 4],
  "f64x2.extract_lane": [0x21, 2], "f64x2.replace_lane": [0x22, 2],
} as const;

/** A SIMD lane instruction by its text-format name. */
export type LaneOp = keyof typeof LANE_OPS;
