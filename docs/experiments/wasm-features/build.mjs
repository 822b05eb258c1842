// Assembles feat.wat, featrm.wat (its row-major-states variant, made by mkrm.py), featrmt.wat (the
// same with four rows transposed in registers, mkrmt.py) and floor/kernel.wat
// (ONLY=featrm: just that one) to .wasm with the wabt npm package, and writes
// feat.opt.wasm / featrm.opt.wasm: the same modules after binaryen's optimizer (inlining of the small helper functions
// — Node 20's V8 does not inline wasm calls by default — plus -O3). Neither package is a dependency
// of the repo: install them anywhere and point WABT / BINARYEN at them, e.g.
//   npm install --prefix /tmp/wat wabt@1.0.39 binaryen@132.0.0
//   WABT=/tmp/wat/node_modules/wabt/index.js BINARYEN=/tmp/wat/node_modules/binaryen/index.js \
//     node docs/experiments/wasm-features/build.mjs
import fs from "node:fs";
const createWabt = (await import(process.env.WABT ?? "wabt")).default;
const binaryen = (await import(process.env.BINARYEN ?? "binaryen")).default;
const wabt = await createWabt();
for (const name of (process.env.ONLY ?? "feat,featrm,featrmt,floor/kernel").split(",")) {
  const url = new URL(`./${name}.wat`, import.meta.url);
  const mod = wabt.parseWat(`${name}.wat`, fs.readFileSync(url, "utf8"), { simd: true, multi_value: true });
  mod.validate();
  const { buffer } = mod.toBinary({});
  fs.writeFileSync(new URL(`./${name}.wasm`, import.meta.url), buffer);
  console.log(`${name}.wasm`, buffer.length, "bytes");
  if (name === "floor/kernel") continue;
  const m = binaryen.readBinary(buffer);
  m.setFeatures(
    binaryen.Features.MVP |
      binaryen.Features.SIMD128 |
      binaryen.Features.Multivalue |
      binaryen.Features.BulkMemory |
      (binaryen.Features.BulkMemoryOpt ?? 0) |
      binaryen.Features.NontrappingFPToInt |
      binaryen.Features.SignExt |
      binaryen.Features.MutableGlobals,
  );
  binaryen.setOptimizeLevel(3);
  binaryen.setShrinkLevel(0);
  binaryen.setAlwaysInlineMaxSize(64);
  binaryen.setFlexibleInlineMaxSize(400);
  binaryen.setOneCallerInlineMaxSize(2000);
  m.optimize();
  if (!m.validate()) throw new Error("binaryen output does not validate");
  const out = m.emitBinary();
  fs.writeFileSync(new URL(`./${name}.opt.wasm`, import.meta.url), out);
  console.log(`${name}.opt.wasm`, out.length, "bytes (binaryen: inlined, -O3)");
}
