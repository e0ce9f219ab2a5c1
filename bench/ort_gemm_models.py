#!/usr/bin/python3
"""bench/ort_gemm_models.py: writes one-op ONNX models (MatMul + bias Add, dynamic M) for the
dense shapes of bert-base and all-MiniLM-L6-v2, so bench/ort_gemm.mjs can time ONNX Runtime's
MLAS sgemm on exactly the shapes bench/gemm_bench.cpp times.
usage: /usr/bin/python3 bench/ort_gemm_models.py OUT_DIR    (needs the onnx package)"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
for model, h in (("base", 768), ("minilm", 384)):
    for layer, n, k in (("qkv", 3 * h, h), ("attn_out", h, h), ("ffn_up", 4 * h, h),
                        ("ffn_down", h, 4 * h)):
        w = numpy_helper.from_array((0.05 * rng.standard_normal((k, n))).astype(np.float32), "W")
        b = numpy_helper.from_array(rng.standard_normal(n).astype(np.float32), "B")
        g = helper.make_graph(
            [helper.make_node("MatMul", ["X", "W"], ["T"]), helper.make_node("Add", ["T", "B"], ["Y"])],
            "gemm", [helper.make_tensor_value_info("X", TensorProto.FLOAT, ["M", k])],
            [helper.make_tensor_value_info("Y", TensorProto.FLOAT, ["M", n])], [w, b])
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 8
        onnx.save(m, os.path.join(out, f"{model}_{layer}_{n}x{k}.onnx"))
print(out)
