"""Registers (`style`) of the Flutter items' requests, chosen per item by a seeded RNG (build.py):

* `spec`      the renderer's own sentence naming every class, widget, field and callback (render.py);
* `terse`     one line: the main class, the record's fields, then the names to use, in one of a few orders;
* `checklist` a heading and one bullet per kind of name (classes, widgets, members, callbacks, routes);
* `chatty`    HELD OUT of training (domains/registers.py): a situation, one of the above, a sign-off;
* `forum`     eval only: a plain question ("How do I list my books in a ListView and do something when one
              is tapped? Call it BookListView."), numbers in words, no field list. Its spec keeps only what
              the question names: classes, widgets and routes written out, and fields or callbacks written as
              identifiers (onTap, _count), not English words (a "title" in a sentence asks for no field).

Every register states the names its spec checks, except `forum`, whose spec is narrowed to what it states.
"""
from __future__ import annotations

import random
import re

from domains import registers
from domains.flutter.catalogue import Subject, fields_text

TRAINED = ("spec", "terse", "checklist")
KIND_WORDS = {"stateless": "stateless widget", "stateful": "StatefulWidget", "form": "form",
              "list": "list widget", "navigation": "two-screen app", "provider": "Provider-based screen",
              "future": "async loading screen", "theming": "themed app"}
OPENERS = ("Hey, building my first Flutter app.", "Hi, our app's release is Friday and this screen is missing.")
FORUM = {
    "stateless": ("How do I show one {noun} ({words}) in a {w0} with a ListTile? I'm calling it {cls}.",
                  "Need a small {cls} widget that shows a {noun} in a {w0} and can be tapped. How?"),
    "stateful": ("How can I make a {cls} with two {w0} widgets that counts {plural}, never below zero or above ten?",
                 "Counter widget {cls}: up to ten {plural}, not below zero, a {w0} for plus and one for minus. Best way?"),
    "form": ("How do I make a form {cls} to enter a new {noun} ({words}) with validation and a save button?",
             "Want a {cls} where people type in the {noun}'s {words} and hit save; empty fields should show an error."),
    "list": ("How do I list my {plural} in a ListView with the {f0} on top, and react when one is tapped? "
             "Call it {cls}.", "{cls}: show a list of {plural} in a ListView, 'No {plural} yet' when it's empty. "
                               "How would you write it?"),
    "navigation": ("Simple app {app}: a list of {count} {plural}, tap one to open its details on the route "
                   "{route}. How do I wire that up?",
                   "How do I pass a {noun} to a details screen with the named route {route}? App class {app}."),
    "provider": ("How do I keep a list of {plural} in a ChangeNotifier ({model}) and show it with Provider so "
                 "adding one updates the screen?", "Provider question: {model} holds my {plural}, the list should "
                                                   "rebuild when I add or remove one. Example?"),
    "future": ("How do I show a spinner while my {plural} load and then list them? Widget {cls}, with a "
               "FutureBuilder I guess.", "{cls} loads {plural} from an async function; what's the right way to "
                                        "show loading, errors and the list?"),
    "theming": ("How do I give my app {app} a light and a dark theme from one {colour} seed colour?",
                "Want {app} to follow the system dark mode, both themes from a {colour} seed. How?"),
}


def _words(s: Subject) -> str:
    names = [re.sub(r"(?<!^)([A-Z])", r" \1", n).lower() for n, _, _ in s.fields]
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


def terse(kind: str, s: Subject, spec: dict, rng: random.Random) -> str:
    main = spec["classes"][0]
    uses = "; ".join(f"{k}: {', '.join(v)}" for k, v in spec.items() if v and k != "classes")
    others = [c for c in spec["classes"][1:] if c != s.name]
    more = f" Also {', '.join(others)}." if others else ""
    return rng.choice((f"Flutter {KIND_WORDS[kind]} {main} for {s.name} ({fields_text(s)}).{more} {uses}.",
                       f"{main} ({KIND_WORDS[kind]}), model {s.name}: {fields_text(s)}.{more} Use {uses}.",
                       f"{KIND_WORDS[kind].capitalize()} {main}: {uses}. {s.name} has {fields_text(s)}.{more}"))


def checklist(kind: str, s: Subject, spec: dict) -> str:
    lines = [f"A Flutter {KIND_WORDS[kind]} for {s.plural}. {s.name}: {fields_text(s)}.",
             f"- classes: {', '.join(spec['classes'])}"]
    lines += [f"- {k}: {', '.join(v)}" for k, v in spec.items() if v and k != "classes"]
    return "\n".join(lines)


def _pieces(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[.;:]\s+|,\s+(?![^()]*\))", text.strip().rstrip(".")) if p.strip()]


def distinct(instruction: str, others: list[str]) -> str:
    """The parts of a variant's instruction no other variant of its (kind, subject) has (its border, delay,
    theme mode, ...): what the spec's names do not say, so terse and checklist keep variants apart."""
    theirs = {p for o in others for p in _pieces(o)}
    return "; ".join(p for p in _pieces(instruction) if p not in theirs)


def phrase(item: dict, s: Subject, style: str, rng: random.Random, others: list[str] = ()) -> dict:
    """The item in `style`; `others`: the spec instructions of the other variants of its (kind, subject)."""
    base = rng.choice(TRAINED) if style == registers.HELD_OUT else style
    kind, spec = item["kind"], item["spec"]
    detail = distinct(item["instruction"], list(others)) if base != "spec" else ""
    text = (terse(kind, s, spec, rng) if base == "terse" else checklist(kind, s, spec) if base == "checklist"
            else item["instruction"])
    if detail:
        text += f" Details: {detail}." if base == "terse" else f"\n- details: {detail}"
    if style == registers.HELD_OUT:
        text = registers.chatty(text, rng, OPENERS)
    return dict(item, instruction=text, style=style)


def forum(item: dict, s: Subject, rng: random.Random) -> dict:
    """The item asked as a forum question, its spec narrowed to the names the question writes out."""
    spec, kind = item["spec"], item["kind"]
    route = spec["routes"][0] if spec["routes"] else ""
    count = (re.findall(r"\blists (\d+) sample", item["instruction"]) or [""])[0]   # navigation's sample size
    text = rng.choice(FORUM[kind]).format(
        cls=spec["classes"][0], app=spec["classes"][0], model=spec["classes"][0], noun=s.name.lower(),
        plural=s.plural, words=_words(s), f0=_words(s).split(",")[0].split(" and ")[0], route=route,
        w0=spec["widgets"][0], colour=re.sub(r"(?<!^)([A-Z])", r" \1", s.colour).lower(), count=count)
    text = registers.in_words(text)
    ident = lambda n: n != n.lower() or n.startswith("_")   # onTap, _count: an identifier, not a word
    narrowed = {k: [n for n in registers.mentioned(v, text) if k not in ("fields", "callbacks") or ident(n)]
                for k, v in spec.items()}
    return dict(item, instruction=text, spec=narrowed, style=registers.FORUM)
