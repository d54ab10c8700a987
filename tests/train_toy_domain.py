"""A tiny domain for the training tests: arithmetic questions with short answers, written on the fly.

Only the domain contract training uses (load, messages, reference, chat_kwargs, describe), so the
training tests do not depend on the real domains' progress.
"""
from __future__ import annotations

from core.files import atomic_write_jsonl, read_jsonl
from domains.base import Domain


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


def write_toy_data(path, n: int = 24, answer_words: int = 12):
    rows = []
    for i in range(n):
        a, b = i * 7 % 50, i * 13 % 40
        rows.append({"id": f"t{i}", "family": "add", "q": f"What is {a} plus {b}?",
                     "a": f"The sum of {a} and {b} is {a + b}. " + " ".join(["Indeed."] * answer_words)})
    atomic_write_jsonl(path, rows)
    return path


def register(monkeypatch=None):
    import domains

    if monkeypatch is not None:
        monkeypatch.setitem(domains.REGISTRY, "toy", "train_toy_domain:ToyDomain")
        monkeypatch.setattr(domains, "_cache", {})
    else:
        domains.REGISTRY["toy"] = "train_toy_domain:ToyDomain"
