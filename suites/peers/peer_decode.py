"""peer_decode.py - the decoding kernels of the mcbench peer adapter
(peer.py, through peer_infer.py's tables) on MLX and PyTorch: greedy
generation with a KV cache (decode), by full recompute
(decode_recompute), and one decoding step (decode_step).

Definitions: src/lib/workload_decode.c; model and cache layouts:
kernels/ref/decode.h. A model is n layers of decoder.h's packed layer
(sliced here by peer_infer.dec_split), a final RMS norm and an untied LM
head [hidden x vocab]. Greedy: the argmax of the last row's logits, on the
device (no host round trip per token on torch; MLX evaluates each token as
mlx_lm's generate does). The output is the generated ids [1, gen] (the
logits [1, vocab] for decode_step).

Each framework's own pieces, as in the components: F.scaled_dot_product_
attention (is_causal for the prompt's pass, no mask for one query, which
sees every cached key; enable_gqa), F.rms_norm, F.silu, torch.addmm, HF
Qwen2's rotate-half RoPE from inv_freq at the pass's positions;
mx.fast.scaled_dot_product_attention (mask="causal" for a pass of several
tokens), mx.fast.rope(offset=position), mx.fast.rms_norm, nn.silu. The KV
cache: decode preallocates [kv, prompt + gen, head_dim] per layer for K
and V and writes each pass's rows in place (mlx_lm's KVCache; HF's
StaticCache); decode_step appends the new token's row to the given cache
by concatenation (HF's DynamicCache), since the given one is full.

Variant fp16: decode_step alone (FP16_KERNELS), on the float16 arrays
peer.py made; the RoPE tables are cast to the activations' dtype and the
caches take the weights' dtype, so nothing here promotes back to fp32.
decode and decode_recompute stay fp32: see peer_infer.FP16_KERNELS.
"""

from peer_infer import DEC_EPS, ROPE_BASE, dec_split

FP16_KERNELS = {"decode_step"}


def model_dims(p):
    return p["hidden"], p["heads"], p["kv_heads"], p["head_dim"]


def layer_weights(p, layers):
    return [dec_split(layers[i], p, "layer") for i in range(p["layers"])]


# -------------------------------------------------------------- PyTorch

class TorchModel:
    """The model's forward pass over rows x [n, hidden] at positions
    p0..p0+n-1; cache(l, p0, k, v) returns the keys and values the pass
    attends to (k, v [kv, n, d] after RoPE)."""

    def __init__(self, peer, p, layers, gf, head):
        self.torch, self.F = peer.torch, peer.F
        self.hid, self.h, self.kv, self.d = model_dims(p)
        self.ws = layer_weights(p, layers)
        self.gf, self.head = gf, head
        self.dev = head.device
        torch = self.torch
        self.inv = 1.0 / (ROPE_BASE ** (torch.arange(0, self.d, 2, dtype=torch.float32,
                                                      device=self.dev) / self.d))

    def forward(self, x, p0, cache):
        torch, F = self.torch, self.F
        n, h, kv, d = x.shape[0], self.h, self.kv, self.d
        freqs = torch.outer(torch.arange(p0, p0 + n, dtype=torch.float32,
                                         device=self.dev), self.inv)
        emb = torch.cat((freqs, freqs), dim=-1)
        cos, sin = emb.cos().to(x.dtype), emb.sin().to(x.dtype)

        def rot(t):
            t1, t2 = t[..., :d // 2], t[..., d // 2:]
            return t * cos + torch.cat((-t2, t1), dim=-1) * sin

        for l, w in enumerate(self.ws):
            a = F.rms_norm(x, (self.hid,), w["g1"], DEC_EPS)
            q = torch.addmm(w["bq"], a, w["wq"]).view(n, h, d).transpose(0, 1)
            k = torch.addmm(w["bk"], a, w["wk"]).view(n, kv, d).transpose(0, 1)
            v = torch.addmm(w["bv"], a, w["wv"]).view(n, kv, d).transpose(0, 1)
            q, k = rot(q), rot(k)
            if cache is not None:
                k, v = cache(l, p0, k, v)
            o = F.scaled_dot_product_attention(q[None], k[None], v[None],
                                               is_causal=n > 1, enable_gqa=True)
            x = x + o[0].transpose(0, 1).reshape(n, h * d) @ w["wo"]
            m = F.rms_norm(x, (self.hid,), w["g2"], DEC_EPS)
            x = x + (F.silu(m @ w["wg"]) * (m @ w["wu"])) @ w["wd"]
        return x

    def logits(self, row):
        return self.F.rms_norm(row, (self.hid,), self.gf, DEC_EPS) @ self.head


def torch_decode(self, p, t):
    torch = self.torch
    prompt, emb, layers, gf, head = t
    model = TorchModel(self, p, layers, gf, head)
    P, G = p["prompt"], p["gen"]
    ids = prompt.reshape(-1).long()
    shape = (model.kv, P + G, model.d)

    def f():
        ks = [torch.empty(shape, dtype=head.dtype, device=head.device)
              for _ in model.ws]
        vs = [torch.empty(shape, dtype=head.dtype, device=head.device)
              for _ in model.ws]

        def cache(l, p0, k, v):
            ks[l][:, p0:p0 + k.shape[1]] = k
            vs[l][:, p0:p0 + k.shape[1]] = v
            return ks[l][:, :p0 + k.shape[1]], vs[l][:, :p0 + k.shape[1]]

        out = torch.empty(G, dtype=torch.long, device=head.device)
        x = model.forward(emb[ids], 0, cache)
        out[0] = tok = torch.argmax(model.logits(x[-1]))
        for i in range(1, G):
            x = model.forward(emb[tok].reshape(1, -1), P + i - 1, cache)
            out[i] = tok = torch.argmax(model.logits(x[0]))
        return out.float().reshape(1, G)
    return f


def torch_decode_recompute(self, p, t):
    torch = self.torch
    prompt, emb, layers, gf, head = t
    model = TorchModel(self, p, layers, gf, head)
    P, G = p["prompt"], p["gen"]
    ids = prompt.reshape(-1).long()

    def f():
        seq = torch.empty(P + G, dtype=torch.long, device=head.device)
        seq[:P] = ids
        for i in range(G):
            x = model.forward(emb[seq[:P + i]], 0, None)
            seq[P + i] = torch.argmax(model.logits(x[-1]))
        return seq[P:].float().reshape(1, G)
    return f


def torch_decode_step(self, p, t):
    torch = self.torch
    x, past, layers, gf, head = t
    model = TorchModel(self, p, layers, gf, head)
    C = p["ctx"]

    def cache(l, p0, k, v):
        return (torch.cat((past[2 * l], k), dim=1),
                torch.cat((past[2 * l + 1], v), dim=1))

    def f():
        y = model.forward(x.reshape(1, -1), C, cache)
        return model.logits(y).reshape(1, -1)
    return f


TORCH_BUILDS = {
    "decode": torch_decode,
    "decode_recompute": torch_decode_recompute,
    "decode_step": torch_decode_step,
}


# ------------------------------------------------------------------ MLX

class MLXModel:
    """As TorchModel, on rows x [1, n, hidden] (MLX's [batch, seq, ...])."""

    def __init__(self, peer, p, layers, gf, head):
        self.mx, self.nn = peer.mx, peer.nn
        self.hid, self.h, self.kv, self.d = model_dims(p)
        self.ws = layer_weights(p, layers)
        self.gf, self.head = gf, head
        self.mx.eval([a for w in self.ws for a in w.values()])

    def forward(self, x, p0, cache):
        mx, nn = self.mx, self.nn
        n, h, kv, d = x.shape[1], self.h, self.kv, self.d

        def heads(a, wm, b, nh):
            return mx.addmm(b, a, wm).reshape(1, n, nh, d).transpose(0, 2, 1, 3)

        for l, w in enumerate(self.ws):
            a = mx.fast.rms_norm(x, w["g1"], DEC_EPS)
            q = heads(a, w["wq"], w["bq"], h)
            k = heads(a, w["wk"], w["bk"], kv)
            v = heads(a, w["wv"], w["bv"], kv)
            q = mx.fast.rope(q, d, traditional=False, base=ROPE_BASE, scale=1.0, offset=p0)
            k = mx.fast.rope(k, d, traditional=False, base=ROPE_BASE, scale=1.0, offset=p0)
            if cache is not None:
                k, v = cache(l, p0, k, v)
            o = mx.fast.scaled_dot_product_attention(
                q, k, v, scale=d ** -0.5, mask="causal" if n > 1 else None)
            x = x + o.transpose(0, 2, 1, 3).reshape(1, n, h * d) @ w["wo"]
            m = mx.fast.rms_norm(x, w["g2"], DEC_EPS)
            x = x + (nn.silu(m @ w["wg"]) * (m @ w["wu"])) @ w["wd"]
        return x

    def logits(self, row):
        return self.mx.fast.rms_norm(row, self.gf, DEC_EPS) @ self.head


def mlx_decode(self, p, t):
    mx = self.mx
    prompt, emb, layers, gf, head = t
    model = MLXModel(self, p, layers, gf, head)
    P, G = p["prompt"], p["gen"]
    ids = prompt.reshape(-1).astype(mx.int32)
    shape = (1, model.kv, P + G, model.d)
    mx.eval(ids)

    def f():
        ks = [mx.zeros(shape, dtype=head.dtype) for _ in model.ws]
        vs = [mx.zeros(shape, dtype=head.dtype) for _ in model.ws]

        def cache(l, p0, k, v):
            n = k.shape[2]
            ks[l][:, :, p0:p0 + n, :] = k
            vs[l][:, :, p0:p0 + n, :] = v
            return ks[l][:, :, :p0 + n, :], vs[l][:, :, :p0 + n, :]

        x = model.forward(emb[ids][None], 0, cache)
        tok = mx.argmax(model.logits(x[0, -1]))
        mx.eval(tok)
        toks = [tok]
        for i in range(1, G):
            x = model.forward(emb[tok].reshape(1, 1, -1), P + i - 1, cache)
            tok = mx.argmax(model.logits(x[0, -1]))
            mx.eval(tok)
            toks.append(tok)
        out = mx.stack(toks).reshape(1, G)
        return out, out
    return f


def mlx_decode_recompute(self, p, t):
    mx = self.mx
    prompt, emb, layers, gf, head = t
    model = MLXModel(self, p, layers, gf, head)
    P, G = p["prompt"], p["gen"]
    ids = prompt.reshape(-1).astype(mx.int32)
    mx.eval(ids)

    def f():
        seq = ids
        for _ in range(G):
            x = model.forward(emb[seq][None], 0, None)
            tok = mx.argmax(model.logits(x[0, -1])).reshape(1).astype(mx.int32)
            seq = mx.concatenate([seq, tok])
            mx.eval(seq)
        out = seq[P:].reshape(1, G)
        return out, out
    return f


def mlx_decode_step(self, p, t):
    mx = self.mx
    x, past, layers, gf, head = t
    model = MLXModel(self, p, layers, gf, head)
    C = p["ctx"]

    def cache(l, p0, k, v):
        return (mx.concatenate([past[2 * l][None], k], axis=2),
                mx.concatenate([past[2 * l + 1][None], v], axis=2))

    def f():
        y = model.logits(model.forward(x, C, cache)[0, -1]).reshape(1, -1)
        return y, y
    return f


MLX_BUILDS = {
    "decode": mlx_decode,
    "decode_recompute": mlx_decode_recompute,
    "decode_step": mlx_decode_step,
}
