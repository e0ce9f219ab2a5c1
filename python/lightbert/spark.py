"""lightbert.spark: corpus-scale sentence embedding on Apache Spark (PySpark ``mapInPandas``).

Contract:
- ``embed_dataframe(df, model_path, text_col="text", out_col="embedding", ...)`` returns ``df``
  with one more column, ``out_col`` (``array<float>``, the sentence embedding of ``text_col``,
  exactly ``lightbert.Model(model_path, dtype=dtype).encode(texts, ...)``'s rows), row order and
  the other columns kept. Lazy, like every Spark transformation: nothing runs until an action
  (``write.parquet``, ``count``, ...).
- One ``lightbert.Model`` per Python worker process, loaded on the first batch that process sees
  and reused by every later task it runs (PySpark reuses workers: spark.python.worker.reuse, on
  by default). ``model_path`` must be readable by every executor (a shared filesystem path, or a
  folder shipped to each node); a ``.lbt`` file (``lightbert convert``) loads fastest.
- Threads: each Model computes on ``threads`` threads, by default ``spark.task.cpus`` (1 unless
  configured), so that the concurrent tasks of an executor (``spark.executor.cores /
  spark.task.cpus``) use its cores once, without oversubscription. Give ``spark.task.cpus`` > 1 to
  run fewer, wider tasks.
- LIGHTBERT_SPARK_TRACE (executor environment): a folder where each Model load appends a line
  "pid, dtype, threads, path" to load-PID.txt (how the tests check one load per process).
- Null texts are an error naming the column (embed a filtered frame); an empty partition is fine.
- Needs pyspark, pandas and pyarrow on the driver and the executors, and lightbert importable by
  the executors' Python (PYSPARK_PYTHON; pip-installed there, or on PYTHONPATH through
  spark.executorEnv.PYTHONPATH).

Example (tests/spark/test_spark_recipe.py runs this shape; bench/spark_bench.py measures it)::

    spark = SparkSession.builder.config("spark.task.cpus", "1").getOrCreate()
    df = spark.read.parquet("hdfs:///corpus.parquet")          # a string column "text"
    embed_dataframe(df, "/shared/models/all-MiniLM-L6-v2.lbt").write.parquet("hdfs:///emb.parquet")
"""
from __future__ import annotations

import os
from typing import Any, Dict, Iterator, Optional, Tuple

_MODELS: Dict[Tuple[str, str, int], Any] = {}  # per Python worker process


def _model(path: str, dtype: str, threads: int) -> Any:
    key = (path, dtype, threads)
    if key not in _MODELS:
        import lightbert
        _MODELS[key] = lightbert.Model(path, threads=threads, dtype=dtype)
        trace = os.environ.get("LIGHTBERT_SPARK_TRACE")
        if trace:  # a folder: one line per Model load (pid, dtype, threads), for tests and tuning
            with open(os.path.join(trace, f"load-{os.getpid()}.txt"), "a", encoding="utf-8") as f:
                f.write(f"{os.getpid()}\t{dtype}\t{threads}\t{path}\n")
    return _MODELS[key]


def embed_dataframe(df: Any, model_path: str, text_col: str = "text",
                    out_col: str = "embedding", dtype: str = "fp32",
                    threads: Optional[int] = None, batch_size: int = 32,
                    normalize_embeddings: bool = False) -> Any:
    """``df`` plus an ``array<float>`` column ``out_col`` with the embedding of ``text_col``."""
    from pyspark.sql.types import ArrayType, FloatType, StructField, StructType

    if text_col not in df.columns:
        raise ValueError(f"embed_dataframe: no column {text_col!r} in {df.columns}")
    if out_col in df.columns:
        raise ValueError(f"embed_dataframe: column {out_col!r} exists already")
    if threads is None:
        threads = int(df.sparkSession.conf.get("spark.task.cpus", "1"))
    schema = StructType(df.schema.fields + [StructField(out_col, ArrayType(FloatType()), False)])

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        model = _model(model_path, dtype, threads)
        for pdf in batches:
            texts = pdf[text_col]
            if texts.isnull().any():
                raise ValueError(f"embed_dataframe: null in column {text_col!r}")
            emb = model.encode(texts.tolist(), batch_size=batch_size,
                               normalize_embeddings=normalize_embeddings)
            pdf = pdf.copy()
            pdf[out_col] = list(emb)
            yield pdf

    return df.mapInPandas(run, schema=schema)
