"""The domain's validator as a reinforcement-learning reward (TRL's `reward_funcs` contract).

reward(completion) = the fraction of the item's validator levels the completion reaches (extracts -> parses ->
runs -> meets the request, as the domain defines them), and 1.0 only for a pass: a completion that reaches
every level but is not `ok` gets at most (L-1)/L. An answer to an edit request that changes nothing (the file
as given; `Domain.unchanged_edit`) earns 0, although the unchanged file may well parse and run.

The verdict comes from `domain.validate(item, completion)`, the same call gates B and D score with, so the same
sandbox, compiler or browser and the same limits apply. It runs in the training process, one completion after
another (gate B's scorer spreads them over worker processes; a reward batch is small). A validator whose
toolchain is missing raises ToolMissing: training stops, it never scores 0 silently.

Logged each step (TRL averages them per logging step; TensorBoard and log.jsonl get them): `levels/<name>`,
the share of completions reaching each level; `pass_rate`; `unchanged_edit_rate`. TRL logs the mean reward
itself (`reward`, `rewards/validator/mean`) and the KL to the reference (`kl`).
"""
from __future__ import annotations

from collections import defaultdict

from domains.base import Result, ToolMissing


def level_flags(domain, result: Result) -> dict:
    """{level: reached} for this verdict: its own levels, or the domain's up to the deepest one reached."""
    if result.levels:
        return {k: bool(v) for k, v in result.levels.items()}
    names = list(domain.levels)
    depth = names.index(result.level) + 1 if result.level in names else 0
    return {name: i < depth for i, name in enumerate(names)}


def score(domain, item: dict, completion: str, result: Result) -> float:
    """The reward of one verdict (module docstring)."""
    if result.passed:
        return 1.0
    if domain.unchanged_edit(item, completion, result):
        return 0.0
    flags = level_flags(domain, result)
    if not flags:
        return 0.0
    total = len(flags)
    return min(sum(flags.values()) / total, (total - 1) / total)


def completion_text(completion) -> str:
    """TRL hands a string for a string prompt, a list of messages for a conversational one."""
    if isinstance(completion, list):
        return str(completion[-1].get("content") or "") if completion else ""
    return str(completion)


class ValidatorReward:
    """reward_funcs=[ValidatorReward(domain, items)]; the dataset carries each row's item id (`item_id`)."""
    __name__ = "validator"  # TRL names the logged reward after the function: rewards/validator/mean

    def __init__(self, domain, items: list[dict]):
        self.domain = domain
        self.items = {str(it["id"]): it for it in items}

    def verdict(self, item: dict, text: str) -> Result:
        res = self.domain.validate(item, text)
        if not isinstance(res, Result):
            raise TypeError(f"{self.domain.name}.validate returned {type(res).__name__}, expected a Result")
        if res.status == "tool_missing":
            raise ToolMissing(res.detail or "validator toolchain missing")
        return res

    def __call__(self, prompts, completions, item_id, log_metric=None, **kwargs) -> list[float]:
        rewards, reached, passed, unchanged = [], defaultdict(list), [], []
        for completion, iid in zip(completions, item_id):
            item, text = self.items[str(iid)], completion_text(completion)
            res = self.verdict(item, text)
            rewards.append(score(self.domain, item, text, res))
            for level, ok in level_flags(self.domain, res).items():
                reached[level].append(float(ok))
            passed.append(float(res.passed))
            unchanged.append(float(not res.passed and self.domain.unchanged_edit(item, text, res)))
        if log_metric is not None and rewards:
            for level, flags in reached.items():
                log_metric(f"levels/{level}", sum(flags) / len(flags))
            log_metric("pass_rate", sum(passed) / len(passed))
            log_metric("unchanged_edit_rate", sum(unchanged) / len(unchanged))
        return rewards
