"""peer_infer.py - the inference kernels of the mcbench peer adapter
(peer.py), on MLX and PyTorch: token sampling, and the components of a
Qwen2-style decoder layer.

Each build takes (peer, p, t) as in peer.py's BUILDS: p the parameters, t
the inputs as framework arrays in the spec's order; an MLX build returns
fn() -> (what to evaluate, the output), a PyTorch build fn() -> the output.

Sampling (src/lib/workload_sample.c, rules in kernels/ref/sample.h): the
inputs are logits [vocab] and the draw u [1] in [0, 1); the output is the
token index [1]. Every side picks the token by the same rule with the same
u, through the framework's own ops: argmax; torch.topk, mx.argpartition
(as mlx_lm's top-k does) and a sort of the k kept; a full sort for top-p
(torch.sort, mx.argsort); softmax and cumsum; the inverse CDF as
torch.searchsorted and, where MLX has no searchsorted, as the count of
cumulative sums <= u * total (the sums are non-decreasing, so the count is
the first index above). Neither framework's own sampler can take the draw:
torch.multinomial draws from a torch.Generator and mx.random.categorical
from a PRNG key, so their tokens could not be checked against the
reference's; the ops around them (the filtering, the softmax) are what
these builds time, and the draw itself is one searchsorted. The logits have
no ties (workload_sample.c moves them apart), because torch.topk and mlx's
argpartition and argsort leave the order of ties undefined.

Decoder components (src/lib/workload_decoder.c, definitions and the
packed weight layouts in kernels/ref/decoder.h): activations [1, seq,
hidden], weights in one packed buffer per sublayer, sliced here into
views in the order decoder.h gives (dec_split). Each framework's own
pieces: torch.addmm for biased projections,
F.scaled_dot_product_attention(is_causal=True, enable_gqa=True),
F.rms_norm, F.silu, F.embedding and the rotate-half RoPE of HF's Qwen2
(cos and sin from inv_freq on every call, as its rotary module does);
mx.addmm, mx.fast.scaled_dot_product_attention(mask="causal"),
mx.fast.rope(traditional=False), mx.fast.rms_norm, nn.silu. Token ids are
converted to integers once, in the build (data, as a tokenizer's output).

Variant fp16 (peer.py casts the inputs): the same builds on float16
arrays. Only the RoPE tables are made here: in fp32 from inv_freq, then
cast to the activations' dtype, as HF Qwen2's rotary module does.
"""

TOP_P = 0.9          # REF_SAMPLE_P
TEMPERATURE = 0.7    # REF_SAMPLE_T
DEC_EPS = 1e-6       # REF_DEC_EPS
ROPE_BASE = 1e6      # REF_DEC_ROPE_BASE

# The kernels whose builds also run as the variant fp16 (peer.py), with
# decode_step from peer_decode.py below. Not decode and decode_recompute:
# their tokens must equal the reference's exactly, and fp16 arithmetic can
# legitimately turn a near tie of the fp32 logits the other way
# (workload_decode.c). The inputs named here are token ids: never cast.
FP16_KERNELS = {"embedding", "rope", "attention", "mlp", "decoder_layer"}
INDEX_INPUTS = {"ids", "prompt"}


def dec_dims(p):
    """(seq, hidden, heads, kv_heads, head_dim, mlp) of a decoder kernel's
    parameters (absent ones None)."""
    return tuple(p.get(k) for k in ("seq", "hidden", "heads", "kv_heads",
                                    "head_dim", "mlp"))


def dec_split(w, p, kind):
    """Views of the packed buffer w (1-D) by name, in decoder.h's layout:
    kind "attn", "mlp" or "layer"."""
    _, hid, h, kv, d, m = dec_dims(p)
    parts = []
    if kind in ("attn", "layer") and h:
        q, k = h * d, kv * d
        attn = [("wq", (hid, q)), ("bq", (q,)), ("wk", (hid, k)), ("bk", (k,)),
                ("wv", (hid, k)), ("bv", (k,)), ("wo", (q, hid))]
    if kind == "attn":
        parts = attn
    elif kind == "mlp":
        parts = [("wg", (hid, m)), ("wu", (hid, m)), ("wd", (m, hid))]
    else:
        parts = ([("g1", (hid,))] + attn + [("g2", (hid,))] +
                 [("wg", (hid, m)), ("wu", (hid, m)), ("wd", (m, hid))])
    out, off = {}, 0
    for name, shape in parts:
        n = 1
        for x in shape:
            n *= x
        out[name] = w[off:off + n].reshape(shape)
        off += n
    if off != w.shape[0]:
        raise ValueError(f"packed {kind} weights hold {w.shape[0]} floats, "
                         f"the layout {off}")
    return out


# ------------------------------------------------------------------ MLX

def mlx_sample_greedy(self, p, t):
    mx = self.mx
    logits, _ = t

    def f():
        tok = mx.argmax(logits).reshape(1)
        return tok, tok
    return f


def mlx_draw(mx, c, u, last):
    """The first j <= last with c[j] > u * c[last] (c non-decreasing)."""
    thr = u * mx.take(c, last)
    return mx.minimum(mx.sum(c <= thr), last)


def mlx_sample_top_k(self, p, t):
    mx = self.mx
    logits, u = t
    k = min(p["k"], p["vocab"])

    def f():
        idx = mx.argpartition(-logits, kth=k - 1)[:k]
        vals = mx.take(logits, idx)
        o = mx.argsort(-vals)
        c = mx.cumsum(mx.softmax(mx.take(vals, o)))
        tok = mx.take(mx.take(idx, o), mlx_draw(mx, c, u, k - 1)).reshape(1)
        return tok, tok
    return f


def mlx_sample_top_p(self, p, t):
    mx = self.mx
    logits, u = t
    v = p["vocab"]

    def f():
        order = mx.argsort(-logits)
        c = mx.cumsum(mx.softmax(mx.take(logits, order)))
        last = mx.minimum(mx.sum(c < TOP_P), v - 1)   # first c >= p
        tok = mx.take(order, mlx_draw(mx, c, u, last)).reshape(1)
        return tok, tok
    return f


def mlx_sample_temperature(self, p, t):
    mx = self.mx
    logits, u = t
    v = p["vocab"]

    def f():
        c = mx.cumsum(mx.softmax(logits / TEMPERATURE))
        tok = mlx_draw(mx, c, u, v - 1).reshape(1)
        return tok, tok
    return f


MLX_BUILDS = {
    "sample_greedy": mlx_sample_greedy,
    "sample_top_k": mlx_sample_top_k,
    "sample_top_p": mlx_sample_top_p,
    "sample_temperature": mlx_sample_temperature,
}


# -------------------------------------------------------------- PyTorch

def torch_sample_greedy(self, p, t):
    torch = self.torch
    logits, _ = t
    return lambda: torch.argmax(logits).reshape(1)


def torch_sample_top_k(self, p, t):
    torch = self.torch
    logits, u = t
    k = min(p["k"], p["vocab"])

    def f():
        vals, idx = torch.topk(logits, k)   # largest first
        c = torch.cumsum(torch.softmax(vals, dim=-1), dim=-1)
        j = torch.searchsorted(c, u * c[-1:], right=True).clamp_(max=k - 1)
        return idx[j]
    return f


def torch_sample_top_p(self, p, t):
    torch = self.torch
    logits, u = t
    top_p = torch.tensor([TOP_P], device=logits.device)

    def f():
        s, order = torch.sort(logits, descending=True)
        c = torch.cumsum(torch.softmax(s, dim=-1), dim=-1)
        last = torch.searchsorted(c, top_p).clamp_(max=p["vocab"] - 1)
        j = torch.searchsorted(c, u * c[last], right=True)
        return order[torch.minimum(j, last)]
    return f


def torch_sample_temperature(self, p, t):
    torch = self.torch
    logits, u = t
    v = p["vocab"]

    def f():
        c = torch.cumsum(torch.softmax(logits / TEMPERATURE, dim=-1), dim=-1)
        return torch.searchsorted(c, u * c[-1:], right=True).clamp_(max=v - 1)
    return f


TORCH_BUILDS = {
    "sample_greedy": torch_sample_greedy,
    "sample_top_k": torch_sample_top_k,
    "sample_top_p": torch_sample_top_p,
    "sample_temperature": torch_sample_temperature,
}


# ------------------------------------------------- decoder components

def mlx_parts(self, p, t, kind):
    parts = dec_split(t[1], p, kind)
    self.mx.eval(list(parts.values()))   # slicing is not part of an iteration
    return parts


def mlx_attention_of(self, p, w):
    mx = self.mx
    s, _, h, kv, d, _ = dec_dims(p)

    def heads(x, wm, b, n):
        y = mx.addmm(b, x, wm).reshape(1, s, n, d).transpose(0, 2, 1, 3)
        return y

    def attn(x):
        x2 = x[0]
        q = heads(x2, w["wq"], w["bq"], h)
        k = heads(x2, w["wk"], w["bk"], kv)
        v = heads(x2, w["wv"], w["bv"], kv)
        q = mx.fast.rope(q, d, traditional=False, base=ROPE_BASE, scale=1.0, offset=0)
        k = mx.fast.rope(k, d, traditional=False, base=ROPE_BASE, scale=1.0, offset=0)
        o = mx.fast.scaled_dot_product_attention(q, k, v, scale=d ** -0.5,
                                                 mask="causal")
        return o.transpose(0, 2, 1, 3).reshape(1, s, h * d) @ w["wo"]
    return attn


def mlx_mlp_of(self, w):
    nn = self.nn

    def mlp(x):
        return (nn.silu(x @ w["wg"]) * (x @ w["wu"])) @ w["wd"]
    return mlp


def mlx_attention(self, p, t):
    attn = mlx_attention_of(self, p, mlx_parts(self, p, t, "attn"))
    x = t[0]

    def f():
        y = attn(x)
        return y, y
    return f


def mlx_mlp(self, p, t):
    mlp = mlx_mlp_of(self, mlx_parts(self, p, t, "mlp"))
    x = t[0]

    def f():
        y = mlp(x)
        return y, y
    return f


def mlx_decoder_layer(self, p, t):
    mx = self.mx
    w = mlx_parts(self, p, t, "layer")
    attn, mlp = mlx_attention_of(self, p, w), mlx_mlp_of(self, w)
    x = t[0]

    def f():
        h = x + attn(mx.fast.rms_norm(x, w["g1"], DEC_EPS))
        y = h + mlp(mx.fast.rms_norm(h, w["g2"], DEC_EPS))
        return y, y
    return f


def mlx_rope(self, p, t):
    mx = self.mx
    x, = t
    d = p["head_dim"]

    def f():
        y = mx.fast.rope(x, d, traditional=False, base=ROPE_BASE, scale=1.0, offset=0)
        return y, y
    return f


def mlx_embedding(self, p, t):
    mx = self.mx
    table, ids = t
    ids = ids.astype(mx.int32)
    mx.eval(ids)

    def f():
        y = table[ids]
        return y, y
    return f


MLX_BUILDS.update({
    "embedding": mlx_embedding,
    "rope": mlx_rope,
    "attention": mlx_attention,
    "mlp": mlx_mlp,
    "decoder_layer": mlx_decoder_layer,
})


def torch_rope_of(torch, s, d, device):
    """HF Qwen2's rotary embedding: cos and sin of positions x inv_freq,
    computed on every call as its rotary module does, and the rotate-half
    application."""
    def rope(*xs):
        inv = 1.0 / (ROPE_BASE ** (torch.arange(0, d, 2, dtype=torch.float32,
                                                device=device) / d))
        freqs = torch.outer(torch.arange(s, dtype=torch.float32, device=device), inv)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos(), emb.sin()
        out = []
        for x in xs:
            cos, sin = cos.to(x.dtype), sin.to(x.dtype)
            x1, x2 = x[..., :d // 2], x[..., d // 2:]
            out.append(x * cos + torch.cat((-x2, x1), dim=-1) * sin)
        return out
    return rope


def torch_attention_of(self, p, w, device):
    torch, F = self.torch, self.F
    s, _, h, kv, d, _ = dec_dims(p)
    rope = torch_rope_of(torch, s, d, device)

    def heads(x, wm, b, n):
        return torch.addmm(b, x, wm).view(s, n, d).transpose(0, 1)

    def attn(x):
        x2 = x[0]
        q = heads(x2, w["wq"], w["bq"], h)
        k = heads(x2, w["wk"], w["bk"], kv)
        v = heads(x2, w["wv"], w["bv"], kv)
        q, k = rope(q, k)
        o = F.scaled_dot_product_attention(q[None], k[None], v[None],
                                           is_causal=True, enable_gqa=True)
        return (o[0].transpose(0, 1).reshape(s, h * d) @ w["wo"])[None]
    return attn


def torch_mlp_of(self, w):
    F = self.F

    def mlp(x):
        return (F.silu(x @ w["wg"]) * (x @ w["wu"])) @ w["wd"]
    return mlp


def torch_attention(self, p, t):
    attn = torch_attention_of(self, p, dec_split(t[1], p, "attn"), t[0].device)
    x = t[0]
    return lambda: attn(x)


def torch_mlp(self, p, t):
    mlp = torch_mlp_of(self, dec_split(t[1], p, "mlp"))
    x = t[0]
    return lambda: mlp(x)


def torch_decoder_layer(self, p, t):
    F = self.F
    x = t[0]
    w = dec_split(t[1], p, "layer")
    attn, mlp = torch_attention_of(self, p, w, x.device), torch_mlp_of(self, w)
    hid = (p["hidden"],)

    def f():
        h = x + attn(F.rms_norm(x, hid, w["g1"], DEC_EPS))
        return h + mlp(F.rms_norm(h, hid, w["g2"], DEC_EPS))
    return f


def torch_rope(self, p, t):
    x, = t
    rope = torch_rope_of(self.torch, p["seq"], p["head_dim"], x.device)
    return lambda: rope(x)[0]


def torch_embedding(self, p, t):
    table, ids = t
    ids = ids.long()
    return lambda: self.F.embedding(ids, table)


TORCH_BUILDS.update({
    "embedding": torch_embedding,
    "rope": torch_rope,
    "attention": torch_attention,
    "mlp": torch_mlp,
    "decoder_layer": torch_decoder_layer,
})


# The decoding kernels, in a file of their own (it imports this one's
# helpers, so it is imported last).
import peer_decode  # noqa: E402

MLX_BUILDS.update(peer_decode.MLX_BUILDS)
TORCH_BUILDS.update(peer_decode.TORCH_BUILDS)
FP16_KERNELS |= peer_decode.FP16_KERNELS


# Scaled dot-product attention alone (src/lib/workload_sdpa.c): q, k, v
# [1, heads or kv_heads, seq, head_dim], each framework's own SDPA.
# sdpa sees every key, sdpa_causal the keys up to its query.
def mlx_sdpa_of(causal):
    def build(self, p, t):
        mx = self.mx
        q, k, v = t
        mask = "causal" if causal else None

        def f():
            o = mx.fast.scaled_dot_product_attention(
                q, k, v, scale=p["head_dim"] ** -0.5, mask=mask)
            return o, o
        return f
    return build


def torch_sdpa_of(causal):
    def build(self, p, t):
        F = self.F
        q, k, v = t
        return lambda: F.scaled_dot_product_attention(q, k, v, is_causal=causal,
                                                      enable_gqa=True)
    return build


MLX_BUILDS.update({"sdpa": mlx_sdpa_of(False), "sdpa_causal": mlx_sdpa_of(True)})
TORCH_BUILDS.update({"sdpa": torch_sdpa_of(False),
                     "sdpa_causal": torch_sdpa_of(True)})
