#!/usr/bin/env python3
"""bench/spark_bench.py: sentences/s of corpus embedding with lightbert inside Spark
(lightbert.spark.embed_dataframe, mapInPandas) against the single-process Python API, plain Python
multiprocessing, and sentence-transformers inside the same kind of Spark job, all in one run on
the same sentences (the unique STS-B dev sentences, --copies times) and the same core budget:
- api-1t: one process, lightbert.Model(threads=1) (the per-core baseline); api-Nt: threads=N;
- multiprocessing: N processes of Model(threads=1), a Pool over chunks;
- spark-lightbert / spark-st: Spark local-cluster[N,1,1024] (N executors of one core), the
  sentences in a Parquet file of 4N partitions, embeddings written to Spark's noop sink; timed on
  a second run (the first starts the Python workers and loads the models), cold run also shown.
Prints a table and one JSON line; "per core" divides by N for the parallel rows.

  PYTHONPATH=build/python "$(bash tools/spark_env.sh)" bench/spark_bench.py --workers 2
"""
import argparse
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time

import numpy as np

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "tools"))
import fetch_models  # noqa: E402
import stsb  # noqa: E402

_MP_MODEL = None


def _mp_init(folder):
    global _MP_MODEL
    import lightbert
    _MP_MODEL = lightbert.Model(folder, threads=1)


def _mp_encode(chunk):
    return _MP_MODEL.encode(chunk, batch_size=32)


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--copies", type=int, default=2)
    ap.add_argument("--skip-st", action="store_true", help="leave out sentence-transformers in Spark")
    args = ap.parse_args()
    import lightbert
    from lightbert.spark import embed_dataframe

    folder = str(fetch_models.cache_root(None) / args.model)
    _, pairs = stsb.read_stsb(stsb.stsb_path())
    sents = stsb.unique_sentences(pairs)[0] * args.copies
    n, w = len(sents), args.workers
    rates, cold = {}, {}

    m1 = lightbert.Model(folder, threads=1)
    m1.encode(sents[:64])
    rates["api-1t"] = n / timed(lambda: m1.encode(sents, batch_size=32))
    mw = lightbert.Model(folder, threads=w)
    mw.encode(sents[:64])
    rates[f"api-{w}t"] = n / timed(lambda: mw.encode(sents, batch_size=32))

    chunks = [sents[i:i + 256] for i in range(0, n, 256)]
    ctx = mp.get_context("spawn")
    with ctx.Pool(w, initializer=_mp_init, initargs=(folder,)) as pool:
        pool.map(_mp_encode, chunks[:w])  # warm
        rates["multiprocessing"] = n / timed(lambda: pool.map(_mp_encode, chunks))

    import pandas as pd
    from pyspark.sql import SparkSession
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the executors' Python (local-cluster reads the env)
    spark = (SparkSession.builder.master(f"local-cluster[{w},1,1024]")
             .config("spark.ui.enabled", "false").config("spark.executor.memory", "768m")
             .config("spark.pyspark.python", sys.executable)
             .config("spark.executorEnv.PYTHONPATH", os.environ.get("PYTHONPATH", ""))
             .getOrCreate())
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "in.parquet")
        spark.createDataFrame(pd.DataFrame({"text": sents})).repartition(4 * w).write.parquet(src)
        df = spark.read.parquet(src)

        def run_lb():
            embed_dataframe(df, folder, batch_size=32).write.format("noop").mode("overwrite").save()
        cold["spark-lightbert"] = n / timed(run_lb)
        rates["spark-lightbert"] = n / timed(run_lb)

        if not args.skip_st:
            from pyspark.sql.types import ArrayType, FloatType, StructField, StructType
            schema = StructType(df.schema.fields + [StructField("embedding",
                                                                ArrayType(FloatType()), False)])

            def st_part(batches):
                import torch
                from sentence_transformers import SentenceTransformer
                torch.set_num_threads(1)
                g = globals()
                if "_ST" not in g:
                    g["_ST"] = SentenceTransformer(folder, device="cpu")
                for pdf in batches:
                    e = g["_ST"].encode(pdf["text"].tolist(), batch_size=32)
                    pdf = pdf.copy()
                    pdf["embedding"] = list(e)
                    yield pdf

            def run_st():
                df.mapInPandas(st_part, schema).write.format("noop").mode("overwrite").save()
            cold["spark-sentence-transformers"] = n / timed(run_st)
            rates["spark-sentence-transformers"] = n / timed(run_st)
    spark.stop()

    cores = {"api-1t": 1, f"api-{w}t": w, "multiprocessing": w, "spark-lightbert": w,
             "spark-sentence-transformers": w}
    base = rates["api-1t"]
    print(f"{n} sentences ({args.copies} x unique STS-B dev), {args.model}, {w} workers / cores")
    print(f"{'run':30s} {'sent/s':>9s} {'per core':>9s} {'per core / api-1t':>18s} {'cold sent/s':>12s}")
    for k, r in rates.items():
        pc = r / cores[k]
        c = f"{cold[k]:12.1f}" if k in cold else ""
        print(f"{k:30s} {r:9.1f} {pc:9.1f} {pc / base:18.2f} {c}")
    print(json.dumps({"sentences": n, "workers": w, "sentences_per_s": {k: round(v, 1) for k, v in rates.items()},
                      "cold_sentences_per_s": {k: round(v, 1) for k, v in cold.items()},
                      "per_core_vs_api_1t": {k: round(v / cores[k] / base, 3) for k, v in rates.items()}}))


if __name__ == "__main__":
    main()
