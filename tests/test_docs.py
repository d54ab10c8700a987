"""The docs name only what exists: README.md and docs/**/*.md, checked against the repository.

    .venv/bin/python -m pytest tests/test_docs.py -q

What is checked, each error reported as `file:line: what is missing`:
* every `make <target>` (in code spans and code blocks) is a target of the Makefile;
* every flag after a script path (`scripts/train.py --lora-r 8`) is an option of that script's
  `make_parser()`, and every flag in `make <target> ... ARGS="..."` is one of the script the target runs
  (shell variables assigned earlier in the same code block are expanded first);
* every repository path named in a code span or a shell block (`scripts/...`, `docs/...`, `data/...`, ...)
  exists; outputs (`adapters/`, `results/`, `exports/`, `.cache/`) need not, templated paths
  (`data/<domain>/`, `data/D/`: a part in capitals is a placeholder) are skipped;
* every relative link and image resolves, and every `#anchor` is a heading of the page it points to
  (GitHub's slugs).
What it does not check: prose outside code spans, flags named without their script, make variables.
"""
from __future__ import annotations

import importlib.util
import os
import re
import shlex
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Pages linked before parallel work merges them: while one is missing, a link to it is a warning, not an
# error. Empty since issue 30's pages (trust, containment, open-verdict, deploy-models, training-config,
# own-domain, domains/sql) were merged.
PENDING_PAGES: set[str] = set()
# Written by the commands, not shipped: a path under these need not exist.
OUTPUT_DIRS = ("adapters/", "results/", "exports/", ".cache/", ".venv/")
REPO_DIRS = ("scripts", "bench", "env", "core", "domains", "data", "training", "eval", "serve", "deploy",
             "teacher", "prompts", "tests", "docs", ".ci")
# One name per flag across scripts (issue 30); the old spellings stay accepted as deprecated aliases.
FLAG_ALIASES = [{"--out", "--output", "--output-dir", "--run-dir"}, {"--train-data", "--train"},
                {"--eval-data", "--data", "--eval"}, {"--base-url", "--judge-url"}]

FENCE = re.compile(r"^\s*(```|~~~)")
SPAN = re.compile(r"(?<!`)`([^`]+)`(?!`)")  # may cross a line break, never a blank line
LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
PATH = re.compile(r"(?<![\w./$-])((?:%s)/[\w./-]*|Makefile|Dockerfile)(?=(.?))" % "|".join(
    re.escape(d) for d in REPO_DIRS))
MAKE = re.compile(r"(?:^|[\s;&|(])make((?:\s+[A-Za-z_]\w*=(?:\"[^\"]*\"|'[^']*'|\S+))*)\s+([a-z][a-z0-9-]*)")
SCRIPT = re.compile(r"^(?:\./)?((?:scripts|bench|env)/[\w/]+\.py)$")
SHELL = {"", "bash", "sh", "shell", "console", "text"}  # blocks of other languages show file contents
ASSIGN = re.compile(r"^\s*([A-Za-z_]\w*)=(\"[^\"]*\"|'[^']*'|\S*)\s*(?:;.*)?$")


def doc_files(root: Path) -> list[Path]:
    files = [root / "README.md"] if (root / "README.md").exists() else []
    return files + sorted((root / "docs").rglob("*.md"))


def split_doc(text: str):
    """(prose lines, shell blocks): prose as (lineno, text) outside fences; the fenced blocks without a
    language or in a shell's (not YAML, JSON, Python: file contents, whose paths are their own) as lists of
    (lineno, text)."""
    prose, blocks, block = [], [], None
    for n, line in enumerate(text.split("\n"), 1):
        if FENCE.match(line):
            if block is None:
                block, lang = [], FENCE.sub("", line).strip().lower()
            else:
                if lang in SHELL:
                    blocks.append(block)
                block = None
        elif block is not None:
            block.append((n, line))
        elif re.match(r"^ {4,}(make |\.venv/|python )", line):  # an indented code block's command
            blocks.append([(n, line.strip())])
        else:
            prose.append((n, line))
    return prose, blocks


def paragraphs(prose):
    """Prose as (first lineno, text) per paragraph or table row: code spans may cross line breaks."""
    out, cur = [], []
    for n, line in prose + [(0, "")]:
        if not line.strip() or line.lstrip().startswith(("|", "#")):
            if cur:
                out.append((cur[0][0], "\n".join(t for _, t in cur)))
            cur = []
            if line.strip():
                out.append((n, line))
        else:
            cur.append((n, line))
    return out


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: rendered text, lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    prose, _ = split_doc(path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    out = set()
    for _, line in prose:
        m = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            base = slug(m.group(1))
            k = seen.get(base, 0)
            seen[base] = k + 1
            out.add(base if k == 0 else f"{base}-{k}")
        out.update(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", line))
    return out


def makefile(root: Path) -> tuple[set[str], dict[str, str]]:
    """The Makefile's targets, and the script each target's recipe runs."""
    targets, scripts, current = set(), {}, None
    for line in (root / "Makefile").read_text().split("\n"):
        m = re.match(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", line)
        if m and not m.group(1).startswith("."):
            current = m.group(1)
            targets.add(current)
        elif line.startswith("\t") and current:
            s = re.search(r"((?:scripts|bench|env)/[\w/]+\.py)", line)
            if s and current not in scripts:
                scripts[current] = s.group(1)
        elif not line.startswith("\t"):
            current = None
    return targets, scripts


_FLAGS: dict[tuple[Path, str], set[str] | None] = {}


def script_flags(root: Path, script: str) -> set[str] | None:
    """Option strings of a script's make_parser(); None when it has none (then its source is searched)."""
    key = (root, script)
    if key not in _FLAGS:
        path = root / script
        name = "_docs_" + re.sub(r"\W", "_", str(path))
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up while the file runs
        try:
            spec.loader.exec_module(module)
            parser = getattr(module, "make_parser", None)
            _FLAGS[key] = {o for a in parser()._actions for o in a.option_strings} if parser else None
        finally:
            sys.modules.pop(name, None)
    return _FLAGS[key]


def flag_known(root: Path, script: str, flag: str) -> bool:
    flags = script_flags(root, script)
    names = next((g for g in FLAG_ALIASES if flag in g), {flag})
    if flags is None:
        source = (root / script).read_text()
        return any(f'"{n}"' in source or f"'{n}'" in source for n in names)
    return bool(flags & names)


def commands(block):
    """Logical shell commands of a code block as (lineno, text): continuations joined, comments dropped,
    variables assigned earlier in the block expanded."""
    env, out, pending, start = {}, [], "", None
    for n, line in block:
        line = re.sub(r"(^|\s)#.*$", "", line)
        start = n if not pending else start
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text, pending = pending + line, ""
        a = ASSIGN.match(text)
        if a:
            env[a.group(1)] = a.group(2).strip("\"'")
        text = re.sub(r"\$\{?([A-Za-z_]\w*)\}?", lambda m: env.get(m.group(1), m.group(0)), text)
        out.extend((start, part) for part in re.split(r"&&|;|\|", text) if part.strip())
    return out


def tokens(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def check_command(root, where, text, targets, recipes, errors):
    for m in MAKE.finditer(text):
        target = m.group(2)
        if target not in targets:
            errors.append(f"{where}: `make {target}`: no such target in the Makefile")
            continue
        args = re.search(r"ARGS=(\"[^\"]*\"|'[^']*'|\S+)", m.group(0) + text[m.end():])
        script = recipes.get(target)
        if args and script:
            for flag in (t.split("=")[0] for t in tokens(args.group(1).strip("\"'")) if t.startswith("--")):
                if not flag_known(root, script, flag):
                    errors.append(f"{where}: `make {target} ARGS=...{flag}`: {script} has no option {flag}")
    words = tokens(text)
    for i, word in enumerate(words):
        s = SCRIPT.match(word)
        if not s or not (root / s.group(1)).exists():
            continue
        for flag in (w.split("=")[0] for w in words[i + 1:] if w.startswith("--")):
            if not flag_known(root, s.group(1), flag):
                errors.append(f"{where}: `{s.group(1)} {flag}`: the script has no option {flag}")


def check_paths(root, where, text, errors):
    for m in PATH.finditer(text):
        path, after = m.group(1).rstrip("."), m.group(2)
        if after and after in "<{*$[" or path.startswith(OUTPUT_DIRS):
            continue
        if any(re.fullmatch(r"[A-Z][A-Z0-9_]*", part) for part in path.split("/")):  # data/D/, data/NAME/
            continue
        if not (root / path).exists():
            errors.append(f"{where}: path `{path}` does not exist")
        else:
            t = re.match(r"::(\w+)", text[m.end():])
            if t and path.endswith(".py") and f"def {t.group(1)}(" not in (root / path).read_text():
                errors.append(f"{where}: `{path}::{t.group(1)}`: no such test")


def check_link(root, doc, where, target, errors, warns):
    if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
        return
    path_part, _, frag = target.partition("#")
    dest = Path(os.path.normpath(doc.parent / path_part)) if path_part else doc  # symlinks kept as named
    try:
        rel = dest.relative_to(root).as_posix()
    except ValueError:
        errors.append(f"{where}: link `{target}` leaves the repository")
        return
    if rel.startswith(OUTPUT_DIRS):
        return
    if not dest.exists():
        if rel in PENDING_PAGES:
            warns.append(f"{where}: `{target}`: {rel} is not merged yet")
        else:
            errors.append(f"{where}: link `{target}`: {rel} does not exist")
        return
    if frag and dest.suffix == ".md" and frag not in anchors(dest):
        errors.append(f"{where}: link `{target}`: no heading with anchor #{frag} in {rel}")


def check_docs(root: Path, files: list[Path] | None = None) -> tuple[list[str], list[str]]:
    """All problems of the docs under root, as 'file:line: what is missing' strings, and warnings."""
    targets, recipes = makefile(root)
    errors, warns = [], []
    for doc in files or doc_files(root):
        rel = doc.relative_to(root).as_posix()
        prose, blocks = split_doc(doc.read_text(encoding="utf-8"))
        for n, para in paragraphs(prose):
            def where(offset):
                return f"{rel}:{n + para.count(chr(10), 0, offset)}"
            for m in LINK.finditer(SPAN.sub(lambda s: " " * len(s.group(0)), para)):
                check_link(root, doc, where(m.start()), m.group(1), errors, warns)
            for m in SPAN.finditer(para):
                span = m.group(1).replace("\n", " ")
                check_command(root, where(m.start()), span, targets, recipes, errors)
                if not span.startswith(("error:", "warning:")):  # quoted output, e.g. `error: data/x.jsonl:12: ...`
                    check_paths(root, where(m.start()), span, errors)
        for block in blocks:
            for n, text in commands(block):
                check_command(root, f"{rel}:{n}", text, targets, recipes, errors)
                check_paths(root, f"{rel}:{n}", text, errors)
    return errors, warns


def test_the_docs_name_only_what_exists():
    errors, warns = check_docs(ROOT)
    if warns:
        warnings.warn("pages not merged yet:\n" + "\n".join(warns))
    assert not errors, "\n" + "\n".join(errors)


def test_every_registered_domain_has_its_page_and_the_readme_links_it():
    import domains

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [f"docs/domains/{n}.md" for n in domains.names() if not (ROOT / f"docs/domains/{n}.md").exists()]
    assert not missing, f"registered domains without a page: {missing}"
    unlinked = [n for n in domains.names() if f"(docs/domains/{n}.md)" not in readme]
    assert not unlinked, f"README.md links no page of: {unlinked}"


def test_readme_is_short_and_its_figures_link_to_their_records():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.count("\n") <= 250, f"README.md has {text.count(chr(10))} lines, at most 250"
    assert not re.search(r"^#+ .*\b[0-9a-f]{7,40}\b", text, re.M), "a commit hash in a README heading"
    assert figures_without_record(text) == []


FIGURE = re.compile(r"\d+\.\d+ ?(?:%|pp|x\b|min|minutes|s\b|tokens/s)|\d+ min \d+ s|\d+ passed")


def figures_without_record(text: str) -> list[str]:
    """Paragraphs and table rows outside code that quote a measured figure but link no docs/results/ page."""
    prose, _ = split_doc(text)
    return [f"README.md:{n}: {para.split(chr(10))[0][:60]}" for n, para in paragraphs(prose)
            if FIGURE.search(para) and "docs/results/" not in para]


def _repo(tmp_path: Path, readme: str, page: str = "# Title\n\n## A section\n") -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "scripts").mkdir()
    (tmp_path / "Makefile").write_text("## demo: the demo\ndemo:\n\tpython scripts/demo.py $(ARGS)\n")
    (tmp_path / "scripts" / "demo.py").write_text(
        "import argparse\n\ndef make_parser():\n    p = argparse.ArgumentParser()\n"
        "    p.add_argument('--out')\n    return p\n")
    (tmp_path / "docs" / "page.md").write_text(page)
    (tmp_path / "README.md").write_text(readme)
    return tmp_path


def test_a_good_anchor_passes_and_a_broken_one_fails_with_file_and_line(tmp_path):
    root = _repo(tmp_path, "# R\n\nSee [a section](docs/page.md#a-section).\n\nAnd [gone](docs/page.md#gone).\n")
    errors, _ = check_docs(root)
    assert errors == ["README.md:5: link `docs/page.md#gone`: no heading with anchor #gone in docs/page.md"]


def test_missing_targets_flags_paths_and_pages_each_fail(tmp_path):
    readme = ("# R\n\n```bash\nmake demo ARGS=\"--out x --nope 1\"\nmake nosuch\n"
              "F=\"--bad 2\"\npython scripts/demo.py --output o $F\n```\n\n"
              "```yaml\ntrain: data/train.jsonl   # relative to the spec: not checked\n```\n\n"
              "`domains/nothere.py`, `data/D/x.jsonl` and [a page](docs/missing.md), [self](#r), [x](#no-such).\n")
    errors, _ = check_docs(_repo(tmp_path, readme))
    assert errors == [
        "README.md:14: link `docs/missing.md`: docs/missing.md does not exist",
        "README.md:14: link `#no-such`: no heading with anchor #no-such in README.md",
        "README.md:14: path `domains/nothere.py` does not exist",
        "README.md:4: `make demo ARGS=...--nope`: scripts/demo.py has no option --nope",
        "README.md:5: `make nosuch`: no such target in the Makefile",
        "README.md:7: `scripts/demo.py --bad`: the script has no option --bad",
    ]


def test_a_figure_without_its_record_is_found():
    text = "# R\n\nIt took 11.5 min.\n\nIt took 11.5 min ([r](docs/results/x.md)).\n\n| a | 3.2% |\n"
    assert figures_without_record(text) == ["README.md:3: It took 11.5 min.", "README.md:7: | a | 3.2% |"]


@pytest.mark.parametrize("heading, anchor", [
    ("Quick start", "quick-start"),
    ("`luanti`: Luanti (Minetest) Lua mods", "luanti-luanti-minetest-lua-mods"),
    ("The longer demo (`make demo DEMO=long`, commit 80c160a): PROCEED, held out 70.4%, 50 minutes",
     "the-longer-demo-make-demo-demolong-commit-80c160a-proceed-held-out-704-50-minutes"),
    ("After the verdict: serve, chat, export", "after-the-verdict-serve-chat-export"),
])
def test_slugs_are_githubs(heading, anchor):
    assert slug(heading) == anchor
