// bench/ort_gemm.mjs: ONNX Runtime (MLAS) on the one-op models of bench/ort_gemm_models.py.
// Contract: for every DIR/*.onnx and every M of --ms, median ms of session.run over >= 0.4 s,
// printed in bench/gemm_bench.cpp's columns (GFLOP/s = 2*M*N*K / time, % of --peak).
// usage: node bench/ort_gemm.mjs DIR [--threads 2] [--ms 1,16,128] [--peak GFLOPS]
//        (onnxruntime-node from ORT_NODE_MODULES, default ~/.cache/lightbert-oracle/node_modules)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const modules = process.env.ORT_NODE_MODULES ||
    path.join(os.homedir(), '.cache/lightbert-oracle/node_modules');
const ort = createRequire(path.join(modules, 'x.js'))('onnxruntime-node');
const argv = process.argv.slice(2);
const dir = argv[0];
let threads = 2, peak = 0, ms = [1, 4, 16, 64, 128, 512, 2048, 4096];
for (let i = 1; i < argv.length; i += 2) {
  if (argv[i] === '--threads') threads = +argv[i + 1];
  else if (argv[i] === '--peak') peak = +argv[i + 1];
  else if (argv[i] === '--ms') ms = argv[i + 1].split(',').map(Number);
}
const now = () => Number(process.hrtime.bigint()) / 1e9;
for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.onnx')).sort()) {
  const m0 = f.match(/^(base|minilm)_(.*)_(\d+)x(\d+)\.onnx$/);
  const n = +m0[3], k = +m0[4];
  const s = await ort.InferenceSession.create(path.join(dir, f), {
    graphOptimizationLevel: 'all', intraOpNumThreads: threads, interOpNumThreads: 1,
    executionMode: 'sequential' });
  for (const m of ms) {
    const x = new ort.Tensor('float32', Float32Array.from({ length: m * k }, () => Math.random() - 0.5), [m, k]);
    for (let i = 0; i < 3; i++) await s.run({ X: x });
    const t = [];
    const start = now();
    while (t.length < 5 || (now() - start < 0.4 && t.length < 2000)) {
      const t0 = now();
      await s.run({ X: x });
      t.push(now() - t0);
    }
    t.sort((a, b) => a - b);
    const sec = t[t.length >> 1];
    const g = 2 * m * n * k / sec * 1e-9;
    console.log(`${'ort-mlas'.padEnd(13)} ${String(threads).padStart(2)} ${m0[1].padEnd(6)} ` +
      `${m0[2].padEnd(8)} ${String(m).padStart(5)} ${String(n).padStart(5)} ${String(k).padStart(5)} ` +
      `${(sec * 1e3).toFixed(4).padStart(9)} ${g.toFixed(1).padStart(8)} ` +
      `${(peak ? 100 * g / peak : 0).toFixed(1).padStart(6)} ${(n * k * 4 / sec * 1e-9).toFixed(1).padStart(7)}`);
  }
}
