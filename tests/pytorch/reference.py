#!/usr/bin/env python3
"""PyTorch side of the checkpoint round-trip tests (tests/Slt.Tests/Model/PyTorchRoundTripTests.cs).

Two forward passes written here from the mathematics (docs/pytorch.md), independently of the C# code:

* ``NanoGptStyle``: a torch.nn.Module whose state-dict keys are nanoGPT's (``transformer.wte``, fused
  ``attn.c_attn``, ``mlp.c_fc``, ``ln_1``, ``lm_head``, ...), loaded with ``load_state_dict(strict=True)``, so a key
  the export gets wrong fails the load;
* ``slt_log_probabilities``: the workbook's own names, one explicit loop over heads
  (A_h = softmax(mask(Q_h K_h^T / sqrt(d_h))), output sum_h A_h V_h W_O^h^T).

Usage:  python3 reference.py REQUEST.json RESPONSE.json

REQUEST = {
  "windows": [[token, ...], ...],                       # int token ids, every window the same length
  "make": [ {"path": F, "format": "pt" | "safetensors", "dtype": "float32" | "float64",
             "vocab": V, "context": C, "dim": d, "layers": L, "heads": H, "seed": s, "scale": sigma,
             "bias": bool,                  # nanoGPT's bias flag (Linear and LayerNorm biases)
             "key_bias_only": bool,         # with bias: zero the query/value/output biases, keep the key bias
             "mask_buffer": bool,           # register nanoGPT's causal-mask buffer attn.bias (PyTorch < 2 does)
             "training_checkpoint": bool,   # save {"model": sd, "optimizer": ..., "model_args": ...} as nanoGPT's train.py
             "prefix": str,                 # prepended to every key (e.g. "_orig_mod." as torch.compile does)
             "omit_lm_head": bool,          # leave the tied lm_head.weight out (as safetensors files of tied models do)
             "gelu": "exact" | "tanh"} ],
  "evaluate": [ {"path": F, "layout": "nanogpt" | "slt", "heads": H, "dtype": "float32" | "float64"} ] }
RESPONSE = {"torch": version, "make": [result], "evaluate": [result]},
  result = {"shape": [B, T, V], "log_probs": [flattened log p(. | t_1..t_l)]}
Floats are written with repr, so they round-trip exactly.
"""
import json
import math
import struct
import sys

import torch
import torch.nn.functional as F
from torch import nn

DTYPES = {"float32": torch.float32, "float64": torch.float64}
SAFETENSORS_DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
                      "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool}
LAYER_NORM_EPS = 1e-5


# ---------------------------------------------------------------- safetensors, from the format's definition
def write_safetensors(path, tensors):
    """8-byte little-endian header length, a JSON header {name: {dtype, shape, data_offsets}}, then the bytes."""
    names = sorted(tensors)
    codes = {v: k for k, v in SAFETENSORS_DTYPES.items()}
    header, blobs, offset = {}, [], 0
    for name in names:
        t = tensors[name].detach().cpu().contiguous()
        blob = t.numpy().tobytes()
        header[name] = {"dtype": codes[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = SAFETENSORS_DTYPES[info["dtype"]]
        if end == start:
            tensors[name] = torch.empty(info["shape"], dtype=dtype)
        else:
            tensors[name] = torch.frombuffer(bytearray(body[start:end]), dtype=dtype).reshape(info["shape"]).clone()
    return tensors


def load_state_dict(path):
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic == b"PK\x03\x04":
        return torch.load(path, map_location="cpu")
    return read_safetensors(path)


# ---------------------------------------------------------------- nanoGPT-style model (nanoGPT's key names)
class LayerNorm(nn.Module):
    """LayerNorm with an optional bias (torch 1.13's nn.LayerNorm cannot drop only the bias)."""

    def __init__(self, d, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.bias = nn.Parameter(torch.zeros(d)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, LAYER_NORM_EPS)


class FusedAttention(nn.Module):
    """Causal multi-head attention with the heads' Q, K, V fused in one [3d, d] matrix and one [d, d] output map."""

    def __init__(self, d, heads, context, bias, mask_buffer):
        super().__init__()
        self.c_attn = nn.Linear(d, 3 * d, bias=bias)
        self.c_proj = nn.Linear(d, d, bias=bias)
        self.heads = heads
        if mask_buffer:
            self.register_buffer("bias", torch.tril(torch.ones(context, context)).view(1, 1, context, context))

    def forward(self, x):
        b, t, d = x.shape
        dh = d // self.heads
        q, k, v = self.c_attn(x).split(d, dim=2)
        q, k, v = (z.view(b, t, self.heads, dh).transpose(1, 2) for z in (q, k, v))
        scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
        future = torch.ones(t, t, dtype=torch.bool).triu(1)
        attention = scores.masked_fill(future, float("-inf")).softmax(dim=-1)
        mixed = (attention @ v).transpose(1, 2).reshape(b, t, d)
        return self.c_proj(mixed)


class Mlp(nn.Module):
    def __init__(self, d, hidden, bias, gelu):
        super().__init__()
        self.c_fc = nn.Linear(d, hidden, bias=bias)
        self.c_proj = nn.Linear(hidden, d, bias=bias)
        self.approximate = "tanh" if gelu == "tanh" else "none"

    def forward(self, x):
        return self.c_proj(F.gelu(self.c_fc(x), approximate=self.approximate))


class Block(nn.Module):
    def __init__(self, d, heads, context, hidden, bias, mask_buffer, gelu):
        super().__init__()
        self.ln_1 = LayerNorm(d, bias)
        self.attn = FusedAttention(d, heads, context, bias, mask_buffer)
        self.ln_2 = LayerNorm(d, bias)
        self.mlp = Mlp(d, hidden, bias, gelu)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class NanoGptStyle(nn.Module):
    def __init__(self, vocab, context, d, layers, heads, hidden, bias, lm_head_bias, tied, mask_buffer, gelu="exact"):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, d),
            wpe=nn.Embedding(context, d),
            h=nn.ModuleList([Block(d, heads, context, hidden, bias, mask_buffer, gelu) for _ in range(layers)]),
            ln_f=LayerNorm(d, bias)))
        self.lm_head = nn.Linear(d, vocab, bias=lm_head_bias)
        if tied:
            self.lm_head.weight = self.transformer.wte.weight

    def log_probabilities(self, windows):
        t = windows.shape[1]
        x = self.transformer.wte(windows) + self.transformer.wpe(torch.arange(t))
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x)).log_softmax(dim=-1)


def nanogpt_from_state_dict(sd, heads, dtype):
    """Builds the module the keys describe, then load_state_dict(strict=True): every key must be one of its own."""
    vocab, d = sd["transformer.wte.weight"].shape
    context = sd["transformer.wpe.weight"].shape[0]
    layers = len({k.split(".")[2] for k in sd if k.startswith("transformer.h.")})
    hidden = sd["transformer.h.0.mlp.c_fc.weight"].shape[0]
    tied = "lm_head.weight" not in sd
    model = NanoGptStyle(vocab, context, d, layers, heads, hidden,
                         bias="transformer.ln_f.bias" in sd, lm_head_bias="lm_head.bias" in sd, tied=tied,
                         mask_buffer="transformer.h.0.attn.bias" in sd).to(dtype)
    if tied:
        sd = dict(sd)
        sd["lm_head.weight"] = sd["transformer.wte.weight"]
    model.load_state_dict(sd, strict=True)
    return model


# ---------------------------------------------------------------- the workbook's names, heads one by one
def slt_log_probabilities(sd, windows, dtype):
    def w(key):
        return sd[key].to(dtype)

    def norm(prefix, x):
        if prefix + ".weight" not in sd:
            return x  # LayerNorm off: the identity
        return F.layer_norm(x, (x.shape[-1],), w(prefix + ".weight"), w(prefix + ".bias"), LAYER_NORM_EPS)

    layers = len({k.split(".")[1] for k in sd if k.startswith("blocks.")})
    heads = len({k.split(".")[4] for k in sd if k.startswith("blocks.0.attention.heads.")})
    t = windows.shape[1]
    x = w("token_embedding.weight")[windows] + w("position_embedding.weight")[:t]
    future = torch.ones(t, t, dtype=torch.bool).triu(1)
    for i in range(layers):
        a = norm(f"blocks.{i}.attention_norm", x)
        out = torch.zeros_like(x)
        for h in range(heads):
            p = f"blocks.{i}.attention.heads.{h}."
            q, k, v = a @ w(p + "query.weight").T, a @ w(p + "key.weight").T, a @ w(p + "value.weight").T
            scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
            attention = scores.masked_fill(future, float("-inf")).softmax(dim=-1)
            out = out + (attention @ v) @ w(p + "output.weight").T
        x = x + out
        if f"blocks.{i}.mlp.0.weight" in sd:
            m = norm(f"blocks.{i}.mlp_norm", x)
            hidden = F.gelu(m @ w(f"blocks.{i}.mlp.0.weight").T + w(f"blocks.{i}.mlp.0.bias"))
            x = x + hidden @ w(f"blocks.{i}.mlp.2.weight").T + w(f"blocks.{i}.mlp.2.bias")
    x = norm("final_norm", x)
    return (x @ w("unembedding.weight").T + w("unembedding.bias")).log_softmax(dim=-1)


# ---------------------------------------------------------------- requests
def result(log_probs):
    return {"shape": list(log_probs.shape), "log_probs": [float(v) for v in log_probs.detach().reshape(-1).tolist()]}


def make(spec, windows):
    torch.manual_seed(spec["seed"])
    dtype = DTYPES[spec["dtype"]]
    d, bias = spec["dim"], spec["bias"]
    model = NanoGptStyle(spec["vocab"], spec["context"], d, spec["layers"], spec["heads"], 4 * d, bias,
                         lm_head_bias=False, tied=True, mask_buffer=spec.get("mask_buffer", False),
                         gelu=spec.get("gelu", "exact")).to(dtype)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith(("ln_1.weight", "ln_2.weight", "ln_f.weight")):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            elif p.dim() == 1:
                p.copy_(0.2 * torch.randn_like(p))
            else:
                p.normal_(0.0, spec["scale"])
        if bias and spec.get("key_bias_only", False):
            for block in model.transformer.h:
                block.attn.c_attn.bias[:d] = 0
                block.attn.c_attn.bias[2 * d:] = 0
                block.attn.c_proj.bias.zero_()
    x = torch.tensor(windows, dtype=torch.long)
    optimizer = None
    if spec.get("training_checkpoint", False):
        # One AdamW step, so the file carries an optimizer state as nanoGPT's train.py writes it.
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
        loss = -model.log_probabilities(x[:, :-1]).gather(-1, x[:, 1:].unsqueeze(-1)).mean()
        loss.backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        log_probs = model.log_probabilities(x)
    sd = model.state_dict()
    if spec.get("omit_lm_head", False):
        del sd["lm_head.weight"]
    prefix = spec.get("prefix", "")
    sd = type(sd)((prefix + k, v) for k, v in sd.items())
    if spec["format"] == "safetensors":
        write_safetensors(spec["path"], {k: v.clone() for k, v in sd.items()})
    elif spec.get("training_checkpoint", False):
        torch.save({
            "model": sd,
            "optimizer": optimizer.state_dict(),
            "model_args": dict(n_layer=spec["layers"], n_head=spec["heads"], n_embd=d, block_size=spec["context"],
                               bias=bias, vocab_size=spec["vocab"], dropout=0.0),
            "iter_num": 1,
            "best_val_loss": torch.tensor(3.25),
            "config": {"dataset": "synthetic", "learning_rate": 1e-3, "compile": True},
        }, spec["path"])
    else:
        torch.save(sd, spec["path"])
    return result(log_probs)


def evaluate(job, windows):
    sd = load_state_dict(job["path"])
    dtype = DTYPES[job["dtype"]]
    x = torch.tensor(windows, dtype=torch.long)
    with torch.no_grad():
        if job["layout"] == "nanogpt":
            model = nanogpt_from_state_dict(sd, job["heads"], dtype)
            model.eval()
            return result(model.log_probabilities(x))
        return result(slt_log_probabilities(sd, x, dtype))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    torch.set_num_threads(1)
    with open(sys.argv[1], encoding="utf-8") as f:
        request = json.load(f)
    windows = request["windows"]
    response = {
        "torch": torch.__version__,
        "make": [make(spec, windows) for spec in request.get("make", [])],
        "evaluate": [evaluate(job, windows) for job in request.get("evaluate", [])],
    }
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(response, f)


if __name__ == "__main__":
    main()
