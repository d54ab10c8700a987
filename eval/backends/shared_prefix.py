"""Continuous batching whose n samples of a prompt share one copy of the prompt's KV cache.

Why: with n samples per prompt, decoding with a plain KV cache repeats each prompt's keys and values n
times, and every step reads all of them: on a CPU, attention over those copies was half of a decode step
(160 rows, ~600-token prompts: 26 ms of memory traffic per layer against 21 ms for all the matmuls). Here
a prompt's keys and values are stored once (a "prefix group"); each sample row keeps only the tokens it
generated (its "suffix"). Attention is computed in two parts and merged exactly with the log-sum-exp
rule: the prefix part as one small matrix product per group (the n samples x query heads of a group
against its prompt's keys, read once), the suffix part per row. The cache is ~n times smaller too, so
more rows fit in memory, and larger batches make the matmuls faster on a CPU.

How it plugs in: prompts are prefilled with the model's own attention (SDPA, a padded mask) into a plain
cache, whose keys/values are copied into the prefix store; decode steps switch the model's
`config._attn_implementation` to this module's function, and the cache object given to the model is a
small one whose `update()` writes the new token's key/value into the suffix store and hands the
attention function a view of the layer (so no global state). Masks are kept here as additive biases
(0 or -inf), so transformers builds none.

Equivalence: the same attention as over the concatenated keys, up to floating-point summation order
(tests compare its greedy and sampled tokens with the plain path and with transformers' generate).
What it does not do: sliding-window or other non-causal attention layouts (decode() keeps the plain
path for those models), attention-weight outputs.
"""
from __future__ import annotations

import torch

from eval.backends.decode import Slots, left_padded, prealloc_cache, step_tokens

NAME = "wb_shared_prefix"
ROOM = 64  # suffix columns beyond max_new_tokens; when they run out, columns no live row needs are dropped


def supported(model) -> bool:
    """True for decoder models whose every layer attends causally to the whole context through
    transformers' attention interface (Llama, Qwen2/3, SmolLM, Mistral without a window...)."""
    cfg = getattr(model, "config", None)
    if cfg is None or getattr(cfg, "is_encoder_decoder", False):
        return False
    if getattr(cfg, "sliding_window", None) and getattr(cfg, "use_sliding_window", True):
        return False
    if any(t != "full_attention" for t in (getattr(cfg, "layer_types", None) or [])):
        return False
    return getattr(cfg, "_attn_implementation", None) in ("sdpa", "eager", NAME)


class _LayerView:
    """What the cache's update() returns as `key`: the store and the layer index, read by attention()."""
    __slots__ = ("store", "layer")

    def __init__(self, store, layer):
        self.store, self.layer = store, layer


class _StepCache:
    """The cache object a decode step hands to the model: update() appends the token's key/value."""

    def __init__(self, store):
        self.store = store

    def update(self, key_states, value_states, layer_idx, *args, **kwargs):
        st = self.store
        st.sk[layer_idx][:, :, st.slen] = key_states[:, :, 0]
        st.sv[layer_idx][:, :, st.slen] = value_states[:, :, 0]
        view = _LayerView(st, layer_idx)
        return view, view

    def get_seq_length(self, layer_idx: int = 0) -> int:
        return self.store.slen


def attention(module, query, key, value, attention_mask, dropout: float = 0.0, scaling=None, **kwargs):
    """query [R, Hq, 1, D]; key/value a _LayerView -> ([R, 1, Hq, D], None). Anything else (prefill,
    training) goes to transformers' SDPA."""
    if not isinstance(key, _LayerView):
        from transformers.integrations.sdpa_attention import sdpa_attention_forward

        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      **kwargs)
    st, layer = key.store, key.layer
    pk, pv, sk, sv = st.pk[layer], st.pv[layer], st.sk[layer], st.sv[layer]
    rows, hq, _, dim = query.shape
    groups, hkv = pk.shape[0], pk.shape[1]
    rep, n = hq // hkv, st.width
    scale = scaling if scaling is not None else dim ** -0.5
    q = query.reshape(rows, hkv, rep, dim) * scale  # query head h reads key/value head h // rep
    # prefix part: the n rows of a group (padded layout [G, n]) against the group's prompt, read once
    qpad = torch.cat([q, q.new_zeros((1, hkv, rep, dim))])[st.flat]
    qpad = qpad.view(groups, n, hkv, rep, dim).transpose(1, 2).reshape(groups, hkv, n * rep, dim)
    sp = torch.matmul(qpad, pk.transpose(-1, -2)) + st.pbias[:, None, None, :]
    mp = sp.amax(-1, keepdim=True)
    ep = (sp - mp).exp_()
    lp = ep.sum(-1, keepdim=True)
    op = torch.matmul(ep, pv)

    def to_rows(x, pad_value):  # [G, Hkv, n*rep, X] -> [R, Hkv, rep, X]; rows outside the table get pad_value
        x = x.view(groups, hkv, n, rep, -1).transpose(1, 2).reshape(groups * n, hkv, rep, -1)
        return torch.cat([x, x.new_full((1,) + x.shape[1:], pad_value)])[st.where]

    mp, lp, op = to_rows(mp, float("-inf")), to_rows(lp, 0.0), to_rows(op, 0.0)
    # suffix part: each row against the tokens it generated (the current one included)
    width = st.slen + 1
    ss = torch.matmul(q, sk[:, :, :width].transpose(-1, -2)) + st.sbias[:, None, None, :width]
    ms = ss.amax(-1, keepdim=True)
    es = (ss - ms).exp_()
    ls = es.sum(-1, keepdim=True)
    os_ = torch.matmul(es, sv[:, :, :width])
    m = torch.maximum(mp, ms)
    a, b = (mp - m).exp_(), (ms - m).exp_()
    out = (op * a + os_ * b) / (lp * a + ls * b)
    return out.reshape(rows, 1, hq, dim), None


def register() -> None:
    from transformers import AttentionInterface

    AttentionInterface.register(NAME, attention)


class SharedPrefixRun(Slots):
    """The slots of one continuous batch (same interface as decode._Run): row slots (samples) and group
    slots (prompts). A row's owner is its output row, or -1 when free; a group slot is free when none of
    its rows is live. Rows and groups are preallocated for `cap` rows; free ones are reused by the next
    waiting prompt, and once none wait, dead rows are dropped (a copy) when they are a quarter of the batch.
    """

    def __init__(self, model, n, max_new_tokens, cap, eos, device):
        super().__init__(model, n, max_new_tokens, cap, eos, device)
        self.row_group: list[int] = []  # per row slot: its group slot
        self.gowner: list[int] = []  # per group slot: prompt index or -1
        self.pk = self.pv = self.sk = self.sv = None  # per layer: [G, Hkv, P, D] and [R, Hkv, S, D]
        self.pbias = self.sbias = None  # [G, P], [R, S]: 0 where attended, -inf elsewhere
        self.slen, self.room = 0, max_new_tokens + ROOM
        self.pos = self.logits = None
        self.flat = self.where = None
        self.width = n  # rows per group in the attention layout (_index)
        register()

    # --- the interface decode() uses (live_slots and admissible: Slots) ------------------------------
    def free(self, slots) -> None:
        super().free(slots)
        if slots:
            self._index()

    def admit(self, prompts, rows) -> None:
        """Prefill `prompts` once into free group slots; prompt i's samples take the slots of rows[i]."""
        keys, values, mask, pos, logits = self._prefill(prompts)
        if self.pk is None:
            self._allocate(keys, values, mask.shape[1])
        width = mask.shape[1]
        if width > self.pbias.shape[1]:  # a longer prompt than the store's columns: pad it on the left
            self._pad_prefix(width - self.pbias.shape[1])
        live_groups = {self.row_group[j] for j, o in enumerate(self.owner) if o >= 0}
        free_groups = len(self.gowner) - len(live_groups)
        free_rows = sum(o < 0 for o in self.owner)
        need = sum(len(r) for r in rows)
        if free_groups < len(prompts) or free_rows < need:  # the tail dropped some
            self._grow(max(0, len(prompts) - free_groups), max(0, need - free_rows))
        self._place(keys, values, mask, pos, logits, rows)

    def _place(self, keys, values, mask, pos, logits, owners) -> None:
        """Copy freshly prefilled prompts into free group slots and give prompt i len(owners[i]) free row slots."""
        length, width = self.pbias.shape[1], mask.shape[1]
        live_groups = {self.row_group[j] for j, o in enumerate(self.owner) if o >= 0}
        groups = [g for g in range(len(self.gowner)) if g not in live_groups][:len(owners)]
        counts = [len(o) for o in owners]
        rows = [j for j, o in enumerate(self.owner) if o < 0][:sum(counts)]
        g_t = torch.tensor(groups, device=self.device)
        r_t = torch.tensor(rows, device=self.device)
        for layer, (k, v) in enumerate(zip(keys, values)):
            self.pk[layer][g_t] = 0
            self.pv[layer][g_t] = 0
            self.pk[layer][g_t, :, length - width:] = k
            self.pv[layer][g_t, :, length - width:] = v
        bias = torch.full((len(groups), length), float("-inf"), device=self.device, dtype=self.pbias.dtype)
        bias[:, length - width:] = torch.where(mask.bool(), 0.0, float("-inf"))
        self.pbias[g_t] = bias
        self.sbias[r_t] = float("-inf")  # a new row sees none of the suffix columns written before it
        slot = iter(rows)
        for g, own in zip(groups, owners):
            self.gowner[g] = own[0]
            for r in own:
                j = next(slot)
                self.owner[j], self.row_group[j] = r, g
        rep = torch.arange(len(groups), device=self.device).repeat_interleave(
            torch.tensor(counts, device=self.device))
        if self.logits is None:
            self.logits = logits.new_zeros((len(self.owner), logits.shape[1]))
        self.pos[r_t] = pos[rep]
        self.logits[r_t] = logits[rep]
        self._index()

    def step(self, going: dict, prompts_waiting: bool) -> None:

        tok = step_tokens(self, going, prompts_waiting)
        if self.slen >= self.sbias.shape[1]:
            self._shift_suffix()
        self.sbias[:, self.slen] = 0.0
        impl = self.model.config._attn_implementation
        self.model.config._attn_implementation = NAME
        try:
            out = self.model(input_ids=tok[:, None], position_ids=self.pos[:, None], past_key_values=_StepCache(self),
                             use_cache=True)
        finally:
            self.model.config._attn_implementation = impl
        self.slen += 1
        self.logits = out.logits[:, -1, :].float()
        self.pos = self.pos + 1

    # --- internals --------------------------------------------------------------------------------
    def _prefill(self, prompts):
        """Left-pad `prompts` together and prefill once with the model's own attention:
        (keys per layer [m, Hkv, W, D], values per layer, mask [m, W], next position [m], logits [m, V])."""

        ids, mask, pos = left_padded(prompts, self.pad_token, self.device)
        cache = prealloc_cache(ids.shape[1])
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, past_key_values=cache,
                         use_cache=True, logits_to_keep=1)
        keys = [layer.keys for layer in cache.layers]
        values = [layer.values for layer in cache.layers]
        return keys, values, mask, pos[:, -1] + 1, out.logits[:, -1, :].float()

    def _allocate(self, keys, values, width) -> None:
        groups, rows = self.cap // self.n, self.cap
        self.pk = [k.new_zeros((groups,) + k.shape[1:2] + (width, k.shape[3])) for k in keys]
        self.pv = [v.new_zeros((groups,) + v.shape[1:2] + (width, v.shape[3])) for v in values]
        self.sk = [k.new_zeros((rows,) + k.shape[1:2] + (self.room, k.shape[3])) for k in keys]
        self.sv = [v.new_zeros((rows,) + v.shape[1:2] + (self.room, v.shape[3])) for v in values]
        dtype = keys[0].dtype
        self.pbias = torch.full((groups, width), float("-inf"), dtype=dtype, device=self.device)
        self.sbias = torch.full((rows, self.room), float("-inf"), dtype=dtype, device=self.device)
        self.owner, self.row_group, self.gowner = [-1] * rows, [0] * rows, [-1] * groups
        self.pos = torch.zeros(rows, dtype=torch.long, device=self.device)
        self.logits = None

    def _pad_prefix(self, extra: int) -> None:
        def pad(x):
            return torch.cat([x.new_zeros(x.shape[:2] + (extra, x.shape[3])), x], 2)
        self.pk, self.pv = [pad(k) for k in self.pk], [pad(v) for v in self.pv]
        self.pbias = torch.cat([self.pbias.new_full((self.pbias.shape[0], extra), float("-inf")), self.pbias], 1)

    def _grow(self, groups: int, rows: int) -> None:
        """Room for `groups` more prompts and `rows` more rows (after the tail dropped some)."""
        def more(x, k):
            return torch.cat([x, x.new_zeros((k,) + x.shape[1:])])
        self.pk, self.pv = [more(k, groups) for k in self.pk], [more(v, groups) for v in self.pv]
        self.sk, self.sv = [more(k, rows) for k in self.sk], [more(v, rows) for v in self.sv]
        self.pbias = torch.cat([self.pbias, self.pbias.new_full((groups, self.pbias.shape[1]), float("-inf"))])
        self.sbias = torch.cat([self.sbias, self.sbias.new_full((rows, self.sbias.shape[1]), float("-inf"))])
        self.pos = torch.cat([self.pos, self.pos.new_zeros(rows)])
        self.logits = torch.cat([self.logits, self.logits.new_zeros((rows, self.logits.shape[1]))])
        self.owner += [-1] * rows
        self.row_group += [0] * rows
        self.gowner += [-1] * groups

    def _select(self, keep: list[int]) -> None:
        """Keep rows `keep` (in order) and the groups they use."""
        groups = sorted({self.row_group[j] for j in keep})
        remap = {g: i for i, g in enumerate(groups)}
        r_t, g_t = torch.tensor(keep, device=self.device), torch.tensor(groups, device=self.device)
        self.sk, self.sv = [k[r_t] for k in self.sk], [v[r_t] for v in self.sv]
        self.pk, self.pv = [k[g_t] for k in self.pk], [v[g_t] for v in self.pv]
        self.sbias, self.pbias = self.sbias[r_t], self.pbias[g_t]
        self.pos, self.logits = self.pos[r_t], self.logits[r_t]
        self.owner = [self.owner[j] for j in keep]
        self.row_group = [remap[self.row_group[j]] for j in keep]
        self.gowner = [self.gowner[g] for g in groups]
        self._index()

    def _shift_suffix(self) -> None:
        """Out of suffix columns: drop the columns no live row attends to, keep the rest at the left."""
        live = [j for j, o in enumerate(self.owner) if o >= 0]
        first = self.slen
        if live:
            seen = self.sbias[live] == 0
            start = seen.float().argmax(-1)
            start[~seen.any(-1)] = self.slen  # a row admitted since the last step has no column yet
            first = int(start.min())
        keep = self.slen - first
        # a row older than the store (a server's job asking more tokens than the batch was sized for):
        # twice the columns, so a long row costs a logarithmic number of copies
        size = self.sbias.shape[1] if keep < self.sbias.shape[1] else 2 * self.sbias.shape[1]
        for bufs in (self.sk, self.sv):
            for i, x in enumerate(bufs):
                y = x.new_zeros(x.shape[:2] + (size, x.shape[3]))
                y[:, :, :keep] = x[:, :, first:self.slen]
                bufs[i] = y
        bias = self.sbias.new_full((self.sbias.shape[0], size), float("-inf"))
        bias[:, :keep] = self.sbias[:, first:self.slen]
        self.sbias, self.slen = bias, keep

    def _index(self) -> None:
        """The padded group layout of live rows: flat [G*width] (row index, or R for an empty place) and
        where [R] (place of each row in it, or G*width for a row outside it); width = the most live rows
        of a group (prompts may have different n)."""
        rows, groups = len(self.owner), len(self.gowner)
        used = [0] * groups
        for j, o in enumerate(self.owner):
            if o >= 0:
                used[self.row_group[j]] += 1
        self.width = width = max(used, default=0) or 1
        flat, where, used = [rows] * (groups * width), [groups * width] * rows, [0] * groups
        for j, o in enumerate(self.owner):
            if o >= 0:
                g = self.row_group[j]
                place = g * width + used[g]
                used[g] += 1
                flat[place], where[j] = j, place
        self.flat = torch.tensor(flat, device=self.device)
        self.where = torch.tensor(where, device=self.device)
