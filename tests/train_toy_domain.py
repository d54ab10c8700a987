"""A tiny domain for the training tests: arithmetic questions with short answers, written on the fly.

Only the domain contract training uses (load, messages, reference, chat_kwargs, describe), so the
training tests do not depend on the real domains' progress.
"""
from __future__ import annotations

import os

from core.files import atomic_write_jsonl, read_jsonl
from domains.base import Domain, Result


class ToyDomain(Domain):
    name = "toy"
    version = "1"
    families = ("add",)
    default_train = ""

    def load(self, path):
        return read_jsonl(path)

    def messages(self, item):
        return [{"role": "system", "content": "You add numbers."},
                {"role": "user", "content": item["q"]}]

    def reference(self, item):
        return item["a"]

    def default_training_config(self):
        return ""  # no shipped YAML: the tests give every key as a flag

    levels = ("answered", "exact")

    def validate(self, item, completion):
        """answered: some text; exact: the reference, nothing else (the GRPO tests' reward). With TOY_SEEN set,
        each scored item's id is appended to that file (the GRPO kill test compares the prompts each run saw)."""
        if os.environ.get("TOY_SEEN"):
            with open(os.environ["TOY_SEEN"], "a") as f:
                f.write(f"{item['id']}\n")
        text = completion.strip()
        levels = {"answered": bool(text), "exact": text == item["a"]}
        if not text:
            return Result("format_error", "empty answer", "", levels)
        if not levels["exact"]:
            return Result("wrong_answer", f"expected {item['a']!r}", "answered", levels)
        return Result("ok", "", "exact", levels)


def write_toy_data(path, n: int = 24, answer_words: int = 12):
    rows = []
    for i in range(n):
        a, b = i * 7 % 50, i * 13 % 40
        rows.append({"id": f"t{i}", "family": "add", "q": f"What is {a} plus {b}?",
                     "a": f"The sum of {a} and {b} is {a + b}. " + " ".join(["Indeed."] * answer_words)})
    atomic_write_jsonl(path, rows)
    return path


def write_colour_data(path, n: int = 16, answers=("red", "blue")):
    """Items asking for a colour, answered in turn by `answers`: SFT on red/blue teaches both words evenly;
    GRPO on answers=("red",) then rewards one of them."""
    rows = [{"id": f"c{i}", "family": "add", "q": f"Name a colour ({i}).", "a": answers[i % len(answers)]}
            for i in range(n)]
    atomic_write_jsonl(path, rows)
    return path


def register(monkeypatch=None):
    import domains

    if monkeypatch is not None:
        monkeypatch.setitem(domains.REGISTRY, "toy", "train_toy_domain:ToyDomain")
        monkeypatch.setattr(domains, "_cache", {})
    else:
        domains.REGISTRY["toy"] = "train_toy_domain:ToyDomain"
