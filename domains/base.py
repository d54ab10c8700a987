"""The contract every domain fulfils, so that gates B to E never know which domain they run.

A domain is data + prompt template + validator + version (see STYLE.md, nanochat's `Task`,
bigcode-evaluation-harness's task contract):

* `load(path)` reads a JSONL file into normalised items (dicts with at least `id` and `family`), raising
  `DataError` with file:line on bad input;
* `messages(item)` the chat messages (system + user) the model sees; `reference(item)` the gold answer
  text (what training teaches and `check-references` scores); `chat_kwargs(item)` extra arguments for
  `tokenizer.apply_chat_template` (e.g. `tools=`);
* `validate(item, completion)` runs the domain's real checker on a raw model completion and returns a
  `Result`, never a bare bool; in an `edit_families` item (the answer edits the item's `input`), an
  answer that leaves the input unchanged is `wrong_answer` (domains/edit.py, the no-op rule);
* `input_result(item)` the same checks on the item's unchanged input, the no-op rule aside (None outside
  the edit families): an item whose input passes them cannot tell a fix from no fix (the audit's
  "input passes" class);
* `dedup_text(item)` the text the data audit compares between train and eval sets; `template_text(item)`
  its shape (names, strings and numbers as placeholders, domains/shape.py) for the "template-near" class;
* `data_notes(items)` counts results record about the items (e.g. explicit vs derived expectations);
* loading separates schema errors (DataError, file:line) from data-quality defects, which load and are
  recorded on the items (`duplicate_of`, `gold_defect`, `line`; see domains/loading.py);
* `toolchains()` what gate A must find for the validators to work;
* `build(out_dir)` (re)builds the domain's shipped data set deterministically.

After the verdict (make serve / make chat), where a user writes the prompts and no gold answer exists:
* `chat_messages(messages, tools)` turns an OpenAI-style conversation into the messages the model was
  trained on (e.g. the domain's system prompt with the tools); `takes_tools` says whether `tools` mean
  anything to the domain;
* `tool_calls(completion)` the calls in a completion, for the OpenAI `tool_calls` field ([] for none);
* `validate_open(messages, completion, tools)` the validator's verdict without a gold answer: what can be
  checked (it parses, it runs, the calls fit their schemas) and the facts the request itself states,
  read by `request_facts(messages, tools)` (the domain's parser) and folded in by domains/verdict.py;
* `item_request(item)` an eval item as a free request (messages, tools) with its expectation facts the
  request states, to measure the parser (scripts/open_facts.py); `single_turn` says the domain's data is
  one request and one answer, so `make chat` forgets earlier turns unless asked (/multi).

`version` changes whenever prompts or validator semantics change; results made under different versions
are refused by gate E.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# Statuses a validator may report. `ok` is the only pass. `tool_missing` is an error in the
# environment, never a pass: scoring stops when it sees it.
# `compile_error`: a compiler rejected the code; `unsupported_syntax`: the only errors are a language
# feature newer than the available compiler knows (counted apart, never a pass nor a model error).
# `needs_page`: the code failed only because its host page lacks something the validation page does not
# give (an element of an example's own HTML); counted apart, never a pass nor a model error.
STATUSES = ("ok", "format_error", "syntax_error", "compile_error", "unsupported_syntax", "runtime_error",
            "timeout", "resource_limit", "wrong_answer", "tool_missing", "needs_page")


@dataclass
class Result:
    status: str                     # one of STATUSES
    detail: str = ""                # human-readable reason
    level: str = ""                 # deepest level reached, e.g. parses / runs / meets_expectations
    levels: dict = field(default_factory=dict)   # level name -> bool, in order
    metrics: dict = field(default_factory=dict)  # domain-specific numbers (e.g. parameter F1)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown validator status {self.status!r}")

    @property
    def passed(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict:
        return {"status": self.status, "passed": self.passed, "detail": self.detail, "level": self.level,
                "levels": self.levels, "metrics": self.metrics}


class ToolMissing(RuntimeError):
    """A validator's toolchain is absent. Raised, never turned into a pass or a scored failure."""


@dataclass(frozen=True)
class Option:
    """One command-line flag a domain adds to a script (Domain.script_options)."""
    flag: str            # e.g. "--server"
    dest: str            # the keyword the domain's method receives, e.g. "server"
    help: str
    type: object = None  # None = a boolean switch; else int, str, ...


@dataclass(frozen=True)
class Toolchain:
    name: str
    check: object        # callable() -> (ok: bool, detail: str)
    hint: str            # how to install it
    required: bool = True


class Domain:
    name: str = ""
    version: str = "0"
    families: tuple = ()
    edit_families: tuple = ()      # families whose answer edits the item's `input` (the no-op rule)
    levels: tuple = ()             # validator levels, in order
    stop_strings: tuple = ()       # extra stop strings besides EOS
    default_train: str = ""        # repo-relative paths of the shipped data
    default_eval: str = ""
    # `make demo DOMAIN=<name>`: the demo's training config and the items it scores (scripts/demo.py);
    # a domain without one has no demo (its gates still run one by one)
    demo_config: str = ""
    demo_limit: int = 36
    # `make demo DEMO=<profile>`: other training configs for the same demo (e.g. a longer one), name ->
    # yaml; the gates, items and settings are the demo's, outputs go to results|adapters/<domain>/demo-<profile>
    demo_profiles: dict = {}

    # --- data -------------------------------------------------------------------------------
    def parse_item(self, path, lineno: int, obj) -> dict:
        """One JSONL line -> a normalised item with an `id`, or DataError(path, lineno, what was expected)."""
        raise NotImplementedError

    def load(self, path) -> list[dict]:
        """Every line through `parse_item` (domains/loading.py: repeated ids, `line` recorded)."""
        from domains.loading import load_jsonl

        return load_jsonl(path, lambda obj, lineno: self.parse_item(path, lineno, obj))

    def build(self, out_dir: Path) -> dict:
        raise NotImplementedError

    def dedup_text(self, item: dict) -> str:
        """The text the audit compares; default: the instruction/input schema most domains share."""
        return item["instruction"] + "\n" + item["input"]

    def picture(self, item: dict, completion: str):
        """The picture validation kept of this answer (a rendered screenshot), or None: a domain that
        renders says where, and the report shows reference and tuned pictures side by side."""
        return None

    def keeps_pictures(self) -> bool:
        return type(self).picture is not Domain.picture

    def template_text(self, item: dict) -> str:
        from domains.shape import shape

        return shape(self.dedup_text(item))

    def data_notes(self, items: list[dict]) -> dict:
        return {}

    # --- prompting ----------------------------------------------------------------------------
    def messages(self, item: dict) -> list[dict]:
        raise NotImplementedError

    def reference(self, item: dict) -> str:
        raise NotImplementedError

    def chat_kwargs(self, item: dict) -> dict:
        return {}

    # --- checking -----------------------------------------------------------------------------
    def validate(self, item: dict, completion: str) -> Result:
        raise NotImplementedError

    def input_result(self, item: dict) -> Result | None:
        """The checks of `validate` on the item's input as it is, without the no-op rule; None when the
        item's family edits nothing. A domain with edit families says how its checks take the input."""
        if item.get("family") in self.edit_families:
            raise NotImplementedError(f"domain {self.name!r} has edit families but no input_result")
        return None

    def input_answer(self, item: dict) -> str:
        """The item's input written as an answer (what `input_result` checks; `warm` can take it)."""
        return self.reference({**item, "output": item["input"]})

    def toolchains(self) -> list[Toolchain]:
        return []

    def answer_done(self, item: dict):
        """None, or a predicate on a completion's text that is True once no continuation can change its
        score (the validator reads only an answer that is already closed): generation stops that sample
        there (finish "answered"). Must never be True early: tests check it against continuations."""
        return None

    def _require_tools(self):
        """Raise ToolMissing naming the first required toolchain that is absent (checked once per object)."""
        if getattr(self, "_tools_ok", False):
            return
        for tc in self.toolchains():
            ok, why = tc.check()
            if tc.required and not ok:
                raise ToolMissing(why)
        self._tools_ok = True

    # --- optional hooks: the pipeline calls each on every domain; the defaults do nothing --------
    def levels_for(self, item: dict) -> tuple:
        """The validator levels of this item's family (eval/score.py's per-family tables), e.g. Luanti's
        repair family adds `applies`. Default: the domain's `levels`."""
        return tuple(self.levels)

    def warm(self, completions: list[str]) -> int:
        """Prepare many answers at once before they are validated one by one (eval/score.py,
        domains/check.py), e.g. one compiler run for a batch. Returns how many it prepared; default 0."""
        return 0

    def breakdown(self, items: list[dict], results: list) -> dict:
        """Domain-specific tables added to a gate's results.json under `breakdown` (eval/pipeline.py),
        e.g. MCP's per-tool scores. Default {}: none."""
        return {}

    def select_training(self, items: list[dict]) -> list[dict]:
        """The items training uses out of the loaded training file (training/data.py), e.g. one
        specialist's mix. Default: all of them."""
        return items

    def configure(self, **options) -> None:
        """Domain options from a training config (training/sft.py: `specialist`). Default: the domain
        takes none, so any option is an error."""
        from core.errors import UserError

        raise UserError(f"domain {self.name!r} takes no options ({', '.join(sorted(options))}); drop them")

    def prepare(self, path, out_dir: Path) -> dict:
        """Convert a foreign data file (e.g. a seed's export) into this domain's train/eval files
        (scripts/prepare_data.py). Default: the domain has no such step."""
        from core.errors import UserError

        raise UserError(f"domain {self.name!r} has no prepare step for foreign formats")

    def default_training_config(self) -> str:
        """Repo-relative path of the training YAML `make train` and `scripts/train.py --domain NAME` use for
        this domain when no config is given."""
        return f"training/smollm2-135m_{self.name}_lora.yaml"

    # Flags a domain adds to a script's command line: script name -> tuple of Option (domains/options.py
    # adds them to the parser under "<domain> options", so they show in --help, and hands the values on).
    script_options: dict = {}

    # --- free conversations (serve, chat) -----------------------------------------------------
    takes_tools: bool = False
    single_turn: bool = False      # the data is one request -> one answer: make chat starts each turn afresh

    def request_facts(self, messages: list[dict], tools=None) -> list:
        """The facts (domains/verdict.Fact) the last user message states, read by the domain's parser."""
        raise NotImplementedError(f"domain {self.name!r} has no parser of free requests (request_facts)")

    def item_request(self, item: dict) -> tuple[list[dict], object, list]:
        """(messages, tools, facts): the item as a free request and its own expectation facts that the
        request states (what request_facts should read from it)."""
        raise NotImplementedError(f"domain {self.name!r} has no parser of free requests (item_request)")

    def chat_messages(self, messages: list[dict], tools=None) -> list[dict]:
        return [{"role": m["role"], "content": str(m.get("content") or "")} for m in messages]

    def tool_calls(self, completion: str) -> list[dict]:
        return []

    def validate_open(self, messages: list[dict], completion: str, tools=None) -> Result:
        """The check of a free answer (no gold): what `make chat` prints after each answer. A domain that
        has none says so loudly; it is never reported as a pass."""
        raise NotImplementedError(f"domain {self.name!r} has no check of free answers yet (validate_open)")

    # --- training (scripts/train.py; default_training_config above) ---------------------------
    def training_options(self):
        """None, or a dataclass of the domain's own training keys (each field with a `help`): they are read
        from the YAML and the command line like every other key, shown in `scripts/train.py --help`, and
        handed to `configure_training` before the data loads."""
        return None

    def configure_training(self, options: dict) -> None:
        """Apply the options of `training_options()` (called once, before the training data loads)."""
        if options:
            raise NotImplementedError(f"domain {self.name!r} declares training options but does not apply them")

    def unchanged_edit(self, item: dict, completion: str, result: Result) -> bool:
        """True when an answer to an edit request changes nothing: the file as given, whole or in a fenced
        block, or a verdict whose metrics say so (`edit_no_change`). Reinforcement learning gives it no
        reward, although the unchanged file may parse and run (training/rewards.py)."""
        if result.metrics.get("edit_no_change"):
            return True
        given = str(item.get("input") or "").strip()
        if not given:
            return False
        text = completion.strip()
        if text.startswith("```"):  # one fenced block: compare its body
            body = text.split("\n", 1)[1] if "\n" in text else ""
            text = body.rsplit("```", 1)[0].strip()
        return text == given

    def describe(self) -> dict:
        return {"name": self.name, "version": self.version, "families": list(self.families),
                "levels": list(self.levels)}
