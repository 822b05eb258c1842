/**
 * The switch for the WebAssembly codec kernels (this folder). While the wasm path is being built
 * (README.md: capture, apply, then the column format's collect/write/read) it is off by default:
 * the generated JS kernels (../kernels/) run. Tests and benches turn it on to run and time the
 * wasm kernels; newly built encoders, decoders, captures and applies read it when they are made.
 * Where WebAssembly is missing or compiling is refused (a CSP without 'wasm-unsafe-eval'), the JS
 * kernels run whatever it says.
 */
export const wasmKernels = { enabled: false };
