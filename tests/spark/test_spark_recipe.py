"""tests/spark/test_spark_recipe.py: lightbert.spark.embed_dataframe (python/lightbert/spark.py) in
a Spark local cluster of 2 executors (local-cluster[2,1,1024]: two executor JVMs of one core,
each with its Python worker) on the real all-MiniLM-L6-v2 and every unique STS-B dev sentence
(2,910), read from and written to Parquet: the vectors equal the Python API's
(lightbert.Model(...).encode, max abs <= 1e-5, batching aside identical), rows and ids kept; each
worker process loads one Model (LIGHTBERT_SPARK_TRACE), on spark.task.cpus (1) threads, and
fewer loads happen than tasks (workers reused); a missing column is refused on the driver. Run by tools/test_spark.sh (the venv of tools/spark_env.sh:
pyspark, pandas, pyarrow; Java 17) with the built package on PYTHONPATH."""
import os
import sys
import tempfile

import numpy as np
import pytest

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools"))
import fetch_models  # noqa: E402
import stsb  # noqa: E402

import lightbert  # noqa: E402
from lightbert.spark import embed_dataframe  # noqa: E402

NAME = "all-MiniLM-L6-v2"
TRACE = tempfile.mkdtemp(prefix="lightbert-spark-trace-")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the executors' Python (local-cluster reads the env)
    env_path = os.environ.get("PYTHONPATH", "")
    s = (SparkSession.builder.master("local-cluster[2,1,1024]")
         .appName("lightbert-spark-test")
         .config("spark.ui.enabled", "false")
         .config("spark.executor.memory", "768m")
         .config("spark.pyspark.python", sys.executable)
         .config("spark.executorEnv.PYTHONPATH", env_path)
         .config("spark.executorEnv.LIGHTBERT_SPARK_TRACE", TRACE)
         .config("spark.sql.execution.arrow.maxRecordsPerBatch", "500")
         .getOrCreate())
    yield s
    s.stop()


@pytest.fixture(scope="module")
def corpus():
    _, pairs = stsb.read_stsb(stsb.stsb_path())
    sents, _ = stsb.unique_sentences(pairs)
    assert len(sents) > 2500
    root = fetch_models.cache_root(None)
    assert fetch_models.verified(NAME, root), f"{root / NAME}: run tools/fetch_models.py"
    return sents, str(root / NAME)


def test_embed_parquet_matches_python_api(spark, corpus, tmp_path):
    import pandas as pd
    sents, folder = corpus
    src, dst = str(tmp_path / "in.parquet"), str(tmp_path / "out.parquet")
    pdf = pd.DataFrame({"id": np.arange(len(sents), dtype=np.int64), "text": sents})
    spark.createDataFrame(pdf).repartition(6).write.parquet(src)
    df = spark.read.parquet(src)
    embed_dataframe(df, folder, batch_size=32).write.parquet(dst)
    got = pd.read_parquet(dst).sort_values("id")
    assert got["id"].tolist() == list(range(len(sents)))
    assert got["text"].tolist() == sents
    emb = np.stack(got["embedding"].to_numpy()).astype(np.float32)
    want = lightbert.Model(folder, threads=2).encode(sents, batch_size=32)
    assert emb.shape == want.shape == (len(sents), 384)
    assert np.abs(emb - want).max() <= 1e-5

    loads = []
    for name in os.listdir(TRACE):
        with open(os.path.join(TRACE, name), encoding="utf-8") as f:
            loads += [line.rstrip("\n").split("\t") for line in f]
    pids = [pid for pid, _, _, _ in loads]
    assert loads and len(pids) == len(set(pids)), loads  # one Model per worker process
    assert all(l[1:] == ["fp32", "1", folder] for l in loads), loads  # spark.task.cpus threads
    assert len(loads) < 6, loads  # workers reused across the 6 partitions' tasks


def test_missing_column_is_refused(spark, corpus):
    df = spark.createDataFrame([("a",)], "sentence string")
    with pytest.raises(ValueError, match="no column 'text'"):
        embed_dataframe(df, corpus[1])
