"""lightbert: fast, lightweight BERT-family inference on the CPU, with a sentence-transformers-style API.

Contract:
- The package re-exports the compiled module ``lightbert._lightbert`` (``Error``, ``version``,
  ``__version__`` and every public name it defines) and replaces its ``Model`` with a subclass
  whose ``encode`` takes sentence-transformers' ``SentenceTransformer.encode`` keywords
  (``batch_size=32``, ``show_progress_bar``, ``normalize_embeddings``, ``convert_to_numpy``,
  ``convert_to_tensor``, ``precision``, ``prompt`` / ``prompt_name``, ``device``,
  ``output_value="sentence_embedding"``) and returns what it returns: float32 numpy ``[n, dim]``
  for a list, ``[dim]`` for a single string (as sentence-transformers does), a torch tensor with
  ``convert_to_tensor=True`` (torch needed only then), a list of 1-D arrays with
  ``convert_to_numpy=False``. The compiled keywords (``normalize``, ``pooling``, ``truncate``) still
  work, as do ``tokenize`` and the task heads (``classify``, ``ner``, ``qa``, ``fill_mask``, ...).
- ``normalize_embeddings=False`` keeps the folder's own pipeline (a ``Normalize`` module in
  ``modules.json`` still normalises, as in sentence-transformers); ``True`` L2-normalises.
- Sentences are encoded longest first in batches of ``batch_size`` and returned in input order; a
  progress bar over the batches (tqdm's when tqdm is installed, else a one-line stderr bar) is
  shown only with ``show_progress_bar=True``.
- ``similarity`` / ``similarity_pairwise`` follow sentence-transformers 3's (``cosine`` default,
  ``dot``, ``euclidean`` and ``manhattan`` as negative distances), from
  ``config_sentence_transformers.json``'s ``similarity_fn_name`` when the folder has one.
- Bad arguments raise ``lightbert.Error`` (engine-side) or ``ValueError`` / ``TypeError``
  (Python-side) with a message naming the argument; nothing is silently ignored.
Differences from sentence-transformers: CPU only (``device`` must be None or "cpu"); an empty
list gives a ``[0, dim]`` array; ``output_value="token_embeddings"`` is not offered.
"""
from __future__ import annotations

import json
import os
import sys
import time
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _lightbert
from ._lightbert import Error, __version__, version

_CoreModel = _lightbert.Model

# Every public name of the compiled module (a later Tokenizer class, say) is part of the package.
for _name in dir(_lightbert):
    if not _name.startswith("_") and _name not in globals():
        globals()[_name] = getattr(_lightbert, _name)
__all__ = sorted({n for n in dir(_lightbert) if not n.startswith("_")} | {"Model", "__version__"})

TextLike = Union[str, Tuple[str, str], Dict[str, str]]
Precision = str  # "float32" | "int8" | "uint8" | "binary" | "ubinary"
_DTYPES = {"fp32": "fp32", "float32": "fp32", "float": "fp32", "bf16": "bf16",
           "bfloat16": "bf16", "int8": "int8", "qint8": "int8"}
_SIMILARITIES = ("cosine", "dot", "euclidean", "manhattan")


class _StderrBar:
    """A tqdm-like one-line progress bar on stderr (used when tqdm is not installed)."""

    def __init__(self, total: int, desc: str) -> None:
        self.total, self.desc, self.n, self.t0 = total, desc, 0, time.monotonic()
        self._draw()

    def _draw(self) -> None:
        el = time.monotonic() - self.t0
        rate = self.n / el if el > 0 else 0.0
        eta = (self.total - self.n) / rate if rate > 0 else 0.0
        pct = 100.0 * self.n / self.total if self.total else 100.0
        sys.stderr.write(f"\r{self.desc}: {pct:3.0f}% {self.n}/{self.total} "
                         f"[{el:.1f}s<{eta:.1f}s, {rate:.2f}it/s]")
        sys.stderr.flush()

    def update(self, k: int = 1) -> None:
        self.n += k
        self._draw()

    def close(self) -> None:
        sys.stderr.write("\n")
        sys.stderr.flush()


def _progress_bar(total: int, desc: str) -> Any:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _StderrBar(total, desc)
    return tqdm(total=total, desc=desc)


def _text_length(text: Any) -> int:
    if isinstance(text, str):
        return len(text)
    if isinstance(text, dict):
        return sum(len(v) for v in text.values() if isinstance(v, str))
    if isinstance(text, (tuple, list)):
        return sum(len(t) for t in text if isinstance(t, str))
    return 0


def _as_2d(a: Any) -> np.ndarray:
    if hasattr(a, "detach"):  # a torch tensor
        a = a.detach().cpu().numpy()
    a = np.asarray(a, dtype=np.float32)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2:
        raise ValueError(f"embeddings must be 1-D or 2-D, got shape {a.shape}")
    return a


def quantize_embeddings(embeddings: np.ndarray, precision: Precision,
                        ranges: Optional[np.ndarray] = None,
                        calibration_embeddings: Optional[np.ndarray] = None) -> np.ndarray:
    """sentence-transformers' ``quantize_embeddings``: float32 as is; int8 / uint8 in 256 buckets
    per dimension between ``ranges`` (min row, max row; else those of ``calibration_embeddings``,
    else of ``embeddings``); binary / ubinary as packed sign bits (binary offset by -128)."""
    emb = np.asarray(embeddings)
    if emb.dtype in (np.uint8, np.int8):
        raise ValueError("embeddings to quantize must be float, not int8 / uint8")
    if precision == "float32":
        return emb.astype(np.float32)
    if precision in ("int8", "uint8"):
        if ranges is None:
            src = emb if calibration_embeddings is None else np.asarray(calibration_embeddings)
            ranges = np.vstack((np.min(src, axis=0), np.max(src, axis=0)))
        starts = ranges[0, :]
        steps = (ranges[1, :] - ranges[0, :]) / 255
        if precision == "uint8":
            return ((emb - starts) / steps).astype(np.uint8)
        return ((emb - starts) / steps - 128).astype(np.int8)
    if precision == "binary":
        return (np.packbits(emb > 0).reshape(emb.shape[0], -1) - 128).astype(np.int8)
    if precision == "ubinary":
        return np.packbits(emb > 0).reshape(emb.shape[0], -1)
    raise ValueError(f"precision must be float32, int8, uint8, binary or ubinary, not {precision!r}")


def _caller_positions(message: str, idx: Any, single: bool) -> str:
    """An error message of the compiled encode over a reordered chunk, with its "texts[J]" /
    "input J" positions mapped back to the caller's (and no position for a single input)."""
    import re

    def texts(m: "re.Match[str]") -> str:
        return "texts" if single else f"texts[{int(idx[int(m.group(1))])}]"

    def inputs(m: "re.Match[str]") -> str:
        return "input" if single else f"input {int(idx[int(m.group(1))])}"

    message = re.sub(r"texts\[(\d+)\]", texts, message)
    return re.sub(r"\binput (\d+)", inputs, message)


class Model(_CoreModel):
    """A lightbert model with sentence-transformers' ``encode`` / ``similarity``.

    ``Model(model_name_or_path, threads=None, dtype="fp32", device=None)`` loads a Hugging Face /
    sentence-transformers folder, a ``.lbt`` file, or ``ORG/NAME`` from the Hugging Face cache.
    ``threads``: compute threads (None: all cores). ``dtype``: ``"fp32"`` (also ``"float32"``),
    ``"bf16"`` or ``"int8"`` (dense layers quantized at load). ``device``: None or ``"cpu"``.
    """

    def __init__(self, model_name_or_path: Optional[str] = None, threads: Optional[int] = None,
                 dtype: str = "fp32", *, device: Optional[str] = None,
                 similarity_fn_name: Optional[str] = None, path: Optional[str] = None) -> None:
        if model_name_or_path is None:
            model_name_or_path = path
        if not isinstance(model_name_or_path, str):
            raise TypeError("Model() needs model_name_or_path: a folder, a .lbt file or ORG/NAME")
        _check_device(device)
        if isinstance(dtype, str):
            dtype = _DTYPES.get(dtype.lower(), dtype)
        else:  # a torch.dtype-like object: torch.float32 -> "float32"
            dtype = _DTYPES.get(str(dtype).rsplit(".", 1)[-1], str(dtype))
        super().__init__(model_name_or_path, threads=threads, dtype=dtype)
        if similarity_fn_name is None:
            similarity_fn_name = "cosine"
            cfg = os.path.join(self.path, "config_sentence_transformers.json")
            if os.path.isfile(cfg):
                with open(cfg, encoding="utf-8") as f:
                    similarity_fn_name = json.load(f).get("similarity_fn_name") or "cosine"
        self.similarity_fn_name = similarity_fn_name

    # --- sentence-transformers attributes ------------------------------------------------
    @property
    def device(self) -> str:
        return "cpu"

    @property
    def max_seq_length(self) -> int:
        return self.max_length

    def get_sentence_embedding_dimension(self) -> int:
        return self.dim

    @property
    def similarity_fn_name(self) -> str:
        return self._similarity_fn_name

    @similarity_fn_name.setter
    def similarity_fn_name(self, name: str) -> None:
        name = {"cos_sim": "cosine", "dot_score": "dot", "dot_product": "dot"}.get(name, name)
        if name not in _SIMILARITIES:
            raise ValueError(f"similarity_fn_name must be one of {_SIMILARITIES}, not {name!r}")
        self._similarity_fn_name = name

    # --- encode ----------------------------------------------------------------------------
    def encode(self, sentences: Union[TextLike, Sequence[TextLike]], batch_size: int = 32, *,
               prompt_name: Optional[str] = None, prompt: Optional[str] = None,
               show_progress_bar: Optional[bool] = None,
               output_value: Optional[str] = "sentence_embedding",
               precision: Precision = "float32", convert_to_numpy: bool = True,
               convert_to_tensor: bool = False, device: Optional[str] = None,
               normalize_embeddings: bool = False, normalize: Optional[bool] = None,
               pooling: Optional[str] = None, truncate: bool = True) -> Any:
        """Sentence embeddings, as ``SentenceTransformer.encode``.

        ``sentences``: a str (or a ``{"text", "text_pair"}`` dict) gives one float32 vector
        ``[dim]``; a list (of str, ``(text, text_pair)`` tuples or such dicts) gives ``[n, dim]``
        in input order.
        ``batch_size``: sentences per forward pass (>= 1). ``show_progress_bar``: a bar over the
        batches on stderr. ``normalize_embeddings``: L2-normalise (a folder with a Normalize
        module is normalised anyway). ``precision``: float32, or int8 / uint8 / binary / ubinary
        as sentence-transformers' ``quantize_embeddings``. ``convert_to_tensor``: a torch tensor.
        ``convert_to_numpy=False``: a list of 1-D arrays. ``prompt`` / ``prompt_name``: a prefix
        for every sentence (``prompt_name`` is looked up in ``config_sentence_transformers.json``'s
        prompts). lightbert's own keywords: ``normalize`` (True / False overrides the folder),
        ``pooling`` ("mean", "cls", "max"), ``truncate`` (False: an over-long input is an error).
        """
        _check_device(device)
        if output_value != "sentence_embedding":
            raise ValueError("lightbert encode offers output_value='sentence_embedding' only")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise Error(f"batch_size must be >= 1, got {batch_size!r}")
        if normalize_embeddings:
            normalize = True
        single = isinstance(sentences, (str, dict))
        if single:
            items: List[Any] = [sentences]
        elif isinstance(sentences, (bytes, bytearray)) or not hasattr(sentences, "__iter__"):
            raise TypeError("sentences must be a str, a (text, text_pair) tuple, a "
                            "{text, text_pair} dict, or a list of them")
        else:
            items = list(sentences)
        prefix = self._prompt(prompt_name, prompt)
        if prefix:
            items = [prefix + s if isinstance(s, str) else s for s in items]
        n = len(items)
        out = np.empty((n, self.dim), dtype=np.float32)
        order = np.argsort([-_text_length(s) for s in items], kind="stable")
        bar = _progress_bar((n + batch_size - 1) // batch_size, "Batches") \
            if show_progress_bar else None
        try:
            for b in range(0, n, batch_size):
                idx = order[b:b + batch_size]
                try:
                    out[idx] = _CoreModel.encode(self, [items[i] for i in idx],
                                                 batch_size=batch_size, normalize=normalize,
                                                 pooling=pooling, truncate=truncate)
                except (TypeError, Error) as e:
                    # The core names positions in this length-sorted chunk: name the caller's.
                    raise type(e)(_caller_positions(str(e), idx, single)) from None
                if bar is not None:
                    bar.update(1)
        finally:
            if bar is not None:
                bar.close()
        result: Any = out if precision == "float32" else quantize_embeddings(out, precision)
        if convert_to_tensor:
            import torch
            result = torch.from_numpy(result)
        elif not convert_to_numpy:
            result = list(result)
        return result[0] if single else result

    def _prompt(self, prompt_name: Optional[str], prompt: Optional[str]) -> Optional[str]:
        if prompt is not None or prompt_name is None:
            return prompt
        cfg = os.path.join(self.path, "config_sentence_transformers.json")
        prompts: Dict[str, str] = {}
        if os.path.isfile(cfg):
            with open(cfg, encoding="utf-8") as f:
                prompts = json.load(f).get("prompts") or {}
        if prompt_name not in prompts:
            raise ValueError(f"prompt name {prompt_name!r} not found in the model's prompts "
                             f"{sorted(prompts)}")
        return prompts[prompt_name]

    # --- similarity ------------------------------------------------------------------------
    def similarity(self, embeddings1: Any, embeddings2: Any) -> Any:
        """Similarity matrix ``[n, m]`` between two sets of embeddings (1-D counts as one row),
        by ``similarity_fn_name``: cosine (default), dot, euclidean / manhattan (negative
        distances). A torch tensor when an input is one, else a float32 numpy array."""
        a, b = _as_2d(embeddings1), _as_2d(embeddings2)
        if a.shape[1] != b.shape[1]:
            raise ValueError(f"embedding sizes differ: {a.shape[1]} vs {b.shape[1]}")
        fn = self.similarity_fn_name
        if fn == "cosine":
            an = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-8)
            bn = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-8)
            s = an @ bn.T
        elif fn == "dot":
            s = a @ b.T
        elif fn == "euclidean":
            s = -np.sqrt(np.maximum(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1), 0.0))
        else:
            s = -np.abs(a[:, None, :] - b[None, :, :]).sum(-1)
        return _like(s.astype(np.float32), embeddings1, embeddings2)

    def similarity_pairwise(self, embeddings1: Any, embeddings2: Any) -> Any:
        """Row-by-row similarity ``[n]`` of two equally long sets of embeddings."""
        a, b = _as_2d(embeddings1), _as_2d(embeddings2)
        if a.shape != b.shape:
            raise ValueError(f"pairwise similarity needs equal shapes: {a.shape} vs {b.shape}")
        fn = self.similarity_fn_name
        if fn == "cosine":
            s = (a * b).sum(1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1),
                                            1e-8)
        elif fn == "dot":
            s = (a * b).sum(1)
        elif fn == "euclidean":
            s = -np.sqrt(((a - b) ** 2).sum(1))
        else:
            s = -np.abs(a - b).sum(1)
        return _like(s.astype(np.float32), embeddings1, embeddings2)

    def __repr__(self) -> str:
        return f"lightbert.Model({self.path!r}, dim={self.dim}, max_seq_length={self.max_length})"


def _like(s: np.ndarray, *inputs: Any) -> Any:
    if any(hasattr(x, "detach") for x in inputs):
        import torch
        return torch.from_numpy(s)
    return s


def _check_device(device: Optional[str]) -> None:
    if device is not None and str(device) != "cpu":
        raise ValueError(f"lightbert runs on the CPU only; device={device!r}")


del _name
