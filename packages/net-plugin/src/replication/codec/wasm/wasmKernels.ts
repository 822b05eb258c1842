/**
 * The switch for the WebAssembly codec kernels (this folder), on by default: snapshot states live
 * in wasm memory and capture, encode, decode and apply run generated wasm where the registry has a
 * kernel (README.md). Where WebAssembly is missing or compiling is refused (a CSP without
 * 'wasm-unsafe-eval', an old browser's size limit on synchronous compiles), or for templates
 * without a wasm form, the generated JS kernels (../kernels/) run instead — the same bytes and
 * states either way. Where only JS code generation is refused (a CSP with 'wasm-unsafe-eval' but
 * no 'unsafe-eval'), the wasm kernels are built all the same, and what they cannot take (other
 * templates, states outside their pool) runs the generic path. Tests and benches turn it off to run and time the JS kernels; newly built
 * states, encoders, decoders and captures read it when they are made, applies per call.
 */
export const wasmKernels = { enabled: true };
