"""The terminal chat of `make chat`: base + adapter, each answer followed by the domain validator's verdict.

Commands (a line starting with '/'):
  /reset          forget the conversation
  /scale X        merge the adapter at scale X (0..2) from now on
  /base           answer the last prompt again with the base model (no adapter), with its verdict
  /multi          keep the conversation: each prompt is sent with the earlier turns
  /single         each prompt alone (the default for domains whose data is single-turn)
  /help           this list
  /quit           leave (Ctrl-D too)
Everything else is a user message. Free prompts have no gold answer: the verdict is the domain's
`validate_open`, printed by domains/verdict.verdict_label: the deepest level passed (Luanti: extracts,
parses, runs in the sandbox; MCP: parses, known tools, arguments fit the schemas) and how many of the
facts the request states were met, e.g. `✓ runs; ✗ 2 of 3 stated facts: light_source missing`, or that
no fact could be read from the request (then the expectation level is not claimed).
A domain whose data is single-turn (`Domain.single_turn`) sends each prompt alone unless /multi.

Generation is greedy unless --temperature is given; answers are streamed as they are made.
"""
from __future__ import annotations

import sys

from core.errors import UserError
from domains.verdict import verdict_label
from eval.settings import check_scale
from serve.engine import Engine, Request

HELP = "commands: /reset  /scale X  /base  /multi  /single  /help  /quit"


def verdict_line(result) -> str:
    return verdict_label(result)


class Chat:
    def __init__(self, domain, model_spec, adapter=None, scale=1.0, precision="fp32", temperature=0.0,
                 max_tokens=400, out=sys.stdout):
        self.domain, self.model_spec, self.adapter = domain, model_spec, adapter
        self.temperature, self.max_tokens, self.out = temperature, max_tokens, out
        self.precision = precision
        self.base = Engine(domain, model_spec, None, 1.0, precision, default_max_tokens=max_tokens)
        self.tuned = self._merge(scale) if adapter else None
        self.scale = scale
        self.history: list[dict] = []
        self.multi = not getattr(domain, "single_turn", False)

    def _merge(self, scale):
        """An engine with the adapter merged at `scale` into a copy of the loaded base weights."""
        b = self.base.backend
        return Engine(self.domain, self.model_spec, self.adapter, scale, self.precision,
                      default_max_tokens=self.max_tokens, loaded=(b.ref, b.tokenizer, b.model))

    def say(self, text=""):
        print(text, file=self.out, flush=True)

    def answer(self, engine, messages) -> str:
        def show(_, delta):
            print(delta, end="", file=self.out, flush=True)

        req = Request(messages=messages, temperature=self.temperature, max_tokens=self.max_tokens, seed=0)
        choices, _ = engine.generate(req, on_delta=show)
        text = choices[0]["text"]
        self.say()
        self.say(verdict_line(self.domain.validate_open(messages, text)))
        return text

    def command(self, line: str) -> bool:
        """Run a /command; False means quit."""
        word, _, arg = line[1:].strip().partition(" ")
        if word in ("quit", "exit", "q"):
            return False
        if word == "reset":
            self.history = []
            self.say("(conversation cleared)")
        elif word == "scale":
            if not self.adapter:
                self.say("no adapter loaded (--adapter): nothing to scale")
                return True
            try:
                scale = check_scale(float(arg))
            except (ValueError, UserError) as exc:
                self.say(f"/scale takes a number in 0..2 ({exc})")
                return True
            self.tuned, self.scale = self._merge(scale), scale
            self.say(f"(adapter scale {scale:g})")
        elif word in ("multi", "single"):
            self.multi = word == "multi"
            self.say("(each prompt is sent with the earlier turns)" if self.multi else "(each prompt is sent alone)")
        elif word == "base":
            if not self.history:
                self.say("(nothing asked yet)")
                return True
            last_user = max(i for i, m in enumerate(self.history) if m["role"] == "user")
            self.say("[base model]")
            self.answer(self.base, self.history[:last_user + 1] if self.multi else [self.history[last_user]])
        else:
            self.say(HELP)
        return True

    def turn(self, line: str):
        self.history.append({"role": "user", "content": line})
        label = f"[adapter, scale {self.scale:g}]" if self.tuned else "[base model]"
        self.say(label)
        try:
            text = self.answer(self.tuned or self.base, self.history if self.multi else self.history[-1:])
        except ValueError as exc:   # ContextTooLong: the conversation outgrew the model
            self.history.pop()
            self.say(f"✗ {exc} (/reset to start over)")
            return
        self.history.append({"role": "assistant", "content": text})

    def loop(self, read=input):
        turns = "earlier turns kept (/single to stop)" if self.multi else "each prompt alone (/multi to keep history)"
        self.say(f"chat with {self.model_spec} + {self.adapter or 'no adapter'} (domain {self.domain.name}); "
                 f"{turns}. {HELP}")
        while True:
            try:
                line = read("> ").strip()
            except EOFError:
                self.say()
                return
            if not line:
                continue
            if line.startswith("/"):
                if not self.command(line):
                    return
            else:
                self.turn(line)
