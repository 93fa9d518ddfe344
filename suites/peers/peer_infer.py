"""peer_infer.py - the inference kernels of the mcbench peer adapter
(peer.py): token sampling so far, on MLX and PyTorch.

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
"""

TOP_P = 0.9          # REF_SAMPLE_P
TEMPERATURE = 0.7    # REF_SAMPLE_T


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
