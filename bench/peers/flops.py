"""bench/peers/flops.py: the FLOP count every table and runner uses (standard library only).

Contract: encoder_flops(cfg, batch, seq_len) = bertlib.encoder_flops: dense layers + Q K^T + P V +
pooler, 2 FLOPs per multiply-add, for `batch` sequences of `seq_len` tokens of a config.json dict.
"""


def encoder_flops(cfg, batch, seq_len):
    h, i, layers = cfg["hidden_size"], cfg["intermediate_size"], cfg["num_hidden_layers"]
    tokens = batch * seq_len
    dense = 2 * tokens * (4 * h * h + 2 * h * i)
    attn = 2 * 2 * batch * seq_len * seq_len * h
    return layers * (dense + attn) + 2 * batch * h * h
