"""Spec domains (domains/spec/): the spec file's errors, the chat formats, every check kind, the sandbox,
free answers, the generated training config and the registry's path form."""
from __future__ import annotations

import json
import socket
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from core.errors import DataError, UserError
from domains.base import ToolMissing

ROOT = Path(__file__).resolve().parent.parent


def write(path, text):
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def spec(tmp_path, checks: str, answer="{from: json}", extra="", name="toy"):
    jsonl(tmp_path / "train.jsonl", [{"instruction": "Give {\"a\": 1}", "output": '{"a": 1}', "kind": "x"}])
    jsonl(tmp_path / "eval.jsonl", [{"instruction": "Give {\"a\": 2}", "output": '{"a": 2}', "kind": "y"}])
    from domains.spec import SpecDomain

    head = f"train: train.jsonl\neval: eval.jsonl\nsystem: Answer with JSON.\nanswer: {answer}\n{extra}\nchecks:\n"
    path = tmp_path / f"{name}.yaml"
    path.write_text(head + textwrap.indent(textwrap.dedent(checks).strip(), "  ") + "\n", encoding="utf-8")
    return SpecDomain(path)


def test_spec_errors_name_line_expectation_and_closest_key(tmp_path):
    from domains.spec.specfile import load_spec

    path = write(tmp_path / "d.yaml", """
        train: t.jsonl
        eval: e.jsonl
        sytem: hello
        answer: {from: fenced}
        checks:
          - {kind: parse, language: json}
          - {kind: command, run: [true], expect: same_outptu}
        """)
    with pytest.raises(UserError) as exc:
        load_spec(path)
    msg = str(exc.value)
    assert f"{path}:3: unknown spec key 'sytem' (did you mean 'system'?)" in msg
    assert f"{path}:4: a fenced answer needs 'language'" in msg
    assert f"{path}:6: checks[0]: unknown kind 'parse' (did you mean 'parses'?)" in msg
    assert "checks[1]: expect 'same_outptu' (did you mean 'same_output'?)" in msg


def test_spec_name_must_be_the_file_stem(tmp_path):
    from domains.spec.specfile import load_spec

    path = write(tmp_path / "d.yaml", "name: other\ntrain: t\neval: e\nchecks: [{kind: same_json}]\n")
    with pytest.raises(UserError, match="d.yaml:1: name 'other' differs from the file's stem 'd'"):
        load_spec(path)


FORMATS = {
    "messages": {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]},
    "prompt_completion": {"prompt": "q", "completion": "a"},
    "alpaca": {"instruction": "q", "input": "", "output": "a"},
    "sharegpt": {"conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]},
    "openai_tools": {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": None,
                     "tool_calls": [{"function": {"name": "f", "arguments": "{\"x\": 1}"}}]}],
                     "tools": [{"type": "function", "function": {"name": "f"}}]},
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_each_chat_format_loads_without_configuration(tmp_path, fmt):
    dom = spec(tmp_path, "- {kind: matches, mode: exact}", answer="{from: text}")
    items = dom.load(jsonl(tmp_path / "x.jsonl", [FORMATS[fmt]]))
    assert items[0]["prompt"] == [{"role": "user", "content": "q"}] and items[0]["family"] == "all"
    want = '[{"name": "f", "arguments": {"x": 1}}]' if fmt == "openai_tools" else "a"
    assert items[0]["answer"] == want and dom.validate(items[0], want).passed
    assert dom.messages(items[0])[0] == {"role": "system", "content": "Answer with JSON."}


def test_a_file_mixing_formats_or_in_none_stops_at_its_line(tmp_path):
    dom = spec(tmp_path, "- {kind: same_json}")
    mixed = jsonl(tmp_path / "m.jsonl", [FORMATS["alpaca"], FORMATS["sharegpt"]])
    with pytest.raises(DataError, match=r"m.jsonl:2: this line is ShareGPT but line 1 is Alpaca"):
        dom.load(mixed)
    with pytest.raises(DataError, match=r"n.jsonl:1: no known chat format .*expected one of: TRL conversational"):
        dom.load(jsonl(tmp_path / "n.jsonl", [{"question": "q", "answer": "a"}]))


def test_family_and_register_fields(tmp_path):
    dom = spec(tmp_path, "- {kind: same_json}", extra="family_field: kind\nstyle_field: kind")
    item = dom.load(tmp_path / "train.jsonl")[0]
    assert item["family"] == "x" and item["style"] == "x" and dom.families == ("x",)
    with pytest.raises(DataError, match="b.jsonl:1: field 'kind' .* must be a non-empty string"):
        dom.load(jsonl(tmp_path / "b.jsonl", [{"instruction": "q", "output": "{}"}]))


def test_levels_in_order_first_failure_gives_the_status(tmp_path):
    dom = spec(tmp_path, """
        - {kind: parses, language: json}
        - {kind: json_schema, schema: {type: object, required: [a]}}
        - {kind: same_json, level: right}
        """)
    item = dom.load(tmp_path / "eval.jsonl")[0]
    assert dom.levels == ("extracts", "parses", "json_schema", "right")
    ok = dom.validate(item, 'Here: {"a": 2}')
    assert ok.passed and ok.level == "right" and all(ok.levels.values())
    assert dom.validate(item, "no json here").status == "format_error"
    schema = dom.validate(item, '{"b": 2}')
    assert schema.status == "wrong_answer" and schema.level == "parses" and "'a' is a required property" in schema.detail
    wrong = dom.validate(item, '{"a": 3}')
    assert (wrong.status, wrong.level, wrong.levels["right"]) == ("wrong_answer", "json_schema", False)


@pytest.mark.parametrize("language,good,bad", [("json", "[1]", "[1,"), ("yaml", "a: 1", "a: [1"),
                                               ("python", "x = 1", "x = ("), ("dart", "void main() {}", "void main( {")])
def test_parses(tmp_path, language, good, bad):
    dom = spec(tmp_path, f"- {{kind: parses, language: {language}}}", answer="{from: text}")
    assert dom.validate({}, good).passed
    res = dom.validate({}, bad)
    assert res.status == "syntax_error" and res.level == "extracts"


def test_parses_a_grammar_not_installed_is_tool_missing(tmp_path):
    dom = spec(tmp_path, "- {kind: parses, language: tree-sitter-nosuchlang}", answer="{from: text}")
    assert [t.name for t in dom.toolchains()] == ["tree-sitter:tree-sitter-nosuchlang"]
    with pytest.raises(ToolMissing, match="tree_sitter_nosuchlang"):
        dom.validate({}, "x")


def test_matches_modes(tmp_path):
    dom = spec(tmp_path, """
        - {kind: matches, mode: regex, pattern: "[A-Z].*", level: capital}
        - {kind: matches, mode: normalised}
        """, answer="{from: text}")
    item = {"answer": "Hello   World", "fields": {}, "prompt": []}
    assert dom.validate(item, "hello world").status == "wrong_answer"
    assert dom.validate(item, "HELLO\n world").passed
    exact = spec(tmp_path, "- {kind: matches}", answer="{from: text}", name="exact")
    assert not exact.validate(item, "hello world").passed and exact.validate(item, " Hello   World\n").passed


def test_fenced_answers_are_taken_from_their_block_and_trained_fenced(tmp_path):
    dom = spec(tmp_path, "- {kind: parses, language: python}", answer="{from: fenced, language: python}")
    item = {"answer": "x = 1", "fields": {}, "prompt": []}
    assert dom.reference(item) == "```python\nx = 1\n```"
    assert dom.validate(item, "Sure:\n```python\ny = 2\n```\nand ```python\nbad(\n```").passed
    assert dom.validate(item, "x = 1").status == "format_error"
    done = dom.answer_done(item)
    assert not done("```python\nx = 1\n") and done("```python\nx = 1\n```")


CHECKER = """
import json, sys
value = json.load(open(sys.argv[1]))
print(sum(value["numbers"]))
sys.exit(0 if value["numbers"] else 3)
"""


def test_command_exit_code_and_execution_accuracy(tmp_path):
    write(tmp_path / "check.py", CHECKER)
    dom = spec(tmp_path, """
        - {kind: command, run: [python, "{spec_dir}/check.py", "{answer}"], level: runs, status: runtime_error}
        - {kind: command, run: [python, "{spec_dir}/check.py", "{answer}"], expect: same_output, level: same_sum}
        """)
    item = {"answer": '{"numbers": [1, 2, 3]}', "fields": {}, "prompt": []}
    assert dom.validate(item, '{"numbers": [3, 3]}').passed
    empty = dom.validate(item, '{"numbers": []}')
    assert (empty.status, empty.level) == ("runtime_error", "extracts") and "exit 3" in empty.detail
    assert dom.validate(item, '{"numbers": [5]}').status == "wrong_answer"
    # a free answer runs only the checks that need no gold
    assert dom.validate_open([], '{"numbers": [5]}').passed


def test_command_on_stdin_with_item_fields_as_arguments(tmp_path):
    dom = spec(tmp_path, '- {kind: command, input: stdin, run: [python, "-c", '
                         '"import sys; sys.exit(sys.stdin.read().strip() != sys.argv[1])", "{kind}"]}',
               answer="{from: text}")
    item = dom.load(tmp_path / "eval.jsonl")[0]
    assert dom.validate(item, "y").passed and dom.validate(item, "x").status == "wrong_answer"


def test_a_misspelled_item_field_in_run_is_named_not_passed_on_as_text(tmp_path):
    dom = spec(tmp_path, '- {kind: command, input: stdin, run: [python, "-c", "print(1)", "{kidn}"]}',
               answer="{from: text}")
    item = dom.load(tmp_path / "eval.jsonl")[0]
    with pytest.raises(UserError) as exc:
        dom.validate(item, "y")
    assert "{kidn}" in str(exc.value) and "did you mean 'kind'?" in str(exc.value) and "toy.yaml" in str(exc.value) and "line 1)" in str(exc.value)


def test_command_is_killed_at_its_time_limit_with_its_children(tmp_path):
    dom = spec(tmp_path, '- {kind: command, input: stdin, timeout: 1, run: [sh, "-c", "sleep 30 & sleep 30"]}',
               answer="{from: text}")
    res = dom.validate({"fields": {}}, "x")
    assert res.status == "timeout"


def test_command_reaches_no_loopback_listener_of_the_host(tmp_path):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(3)
    port = srv.getsockname()[1]
    hits = []
    waiter = threading.Thread(target=lambda: hits.append(_accept(srv)), daemon=True)
    waiter.start()
    probe = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2)"
    dom = spec(tmp_path, f'- {{kind: command, input: stdin, run: [python, "-c", "{probe}"]}}', answer="{from: text}")
    res = dom.validate({"fields": {}}, "x")
    waiter.join(5)
    srv.close()
    assert res.status == "wrong_answer" and ("refused" in res.detail or "unreachable" in res.detail), res.detail
    assert hits == [None]   # the listener saw no connection


def _accept(srv):
    try:
        return srv.accept()
    except OSError:
        return None


def test_a_missing_program_is_tool_missing_in_gate_a_and_validate(tmp_path):
    dom = spec(tmp_path, "- {kind: command, run: [no-such-checker-xyz, '{answer}']}")
    chains = {t.name: t.check() for t in dom.toolchains()}
    assert chains["command:no-such-checker-xyz"][0] is False and chains["sandbox"][0] is True
    with pytest.raises(ToolMissing, match="no-such-checker-xyz"):
        dom.validate({"fields": {}}, "{}")


def test_python_check_gets_item_fields_and_answer(tmp_path):
    write(tmp_path / "mine.py", """
        def check(item, answer):
            return answer.get("a") == len(item["kind"]), f"a should be {len(item['kind'])}"
        """)
    dom = spec(tmp_path, "- {kind: python, file: mine.py, function: check}")
    item = dom.load(tmp_path / "eval.jsonl")[0]
    assert dom.validate(item, '{"a": 1}').passed
    res = dom.validate(item, '{"a": 2}')
    assert res.status == "wrong_answer" and res.detail == "a should be 1"
    assert dom.validate_open([], '{"a": 2}').passed   # needs the item: not run on free answers


def sql_spec(tmp_path):
    write(tmp_path / "db.sql", """
        CREATE TABLE t (id INTEGER, name TEXT);
        INSERT INTO t VALUES (1, 'b'), (2, 'a');
        """)
    return spec(tmp_path, """
        - {kind: sql, mode: prepare, database: db.sql, level: parses}
        - {kind: sql, mode: run, database: db.sql, level: runs, timeout: 1}
        - {kind: sql, mode: compare, database: db.sql, level: same_result}
        """, answer="{from: fenced, language: sql}")


@pytest.mark.parametrize("reference,answer,status", [
    ("SELECT name FROM t", "SELECT name FROM t ORDER BY name", "ok"),           # no order asked: any order
    ("SELECT name FROM t ORDER BY id", "SELECT name FROM t ORDER BY name", "wrong_answer"),
    ("SELECT name FROM t ORDER BY id", "SELECT name FROM t WHERE id IN (SELECT id FROM t ORDER BY 1)", "ok"),
    ("SELECT name FROM t", "SELEC name FROM t", "syntax_error"),
    ("SELECT name FROM t", "SELECT nme FROM t", "compile_error"),
    ("SELECT name FROM t", "DELETE FROM t", "compile_error"),
    ("SELECT name FROM t", "ATTACH DATABASE '/tmp/x.db' AS x", "compile_error"),
    ("SELECT name FROM t", "SELECT 1; DROP TABLE t", "syntax_error"),
    ("SELECT name FROM t", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                           "SELECT count(*) FROM c", "timeout"),
    ("SELECT name FROM t", "SELECT name FROM t WHERE id = 1", "wrong_answer"),
])
def test_sql_read_only_time_limited_execution_accuracy(tmp_path, reference, answer, status):
    dom = sql_spec(tmp_path)
    item = {"answer": reference, "fields": {}, "prompt": []}
    assert dom.validate(item, dom.reference(item)).passed
    assert dom.validate(item, f"```sql\n{answer}\n```").status == status


def test_training_config_from_the_spec_loads(tmp_path, monkeypatch):
    import domains.spec.tools as tools
    from training import config

    monkeypatch.setattr(tools, "ROOT", tmp_path)
    dom = spec(tmp_path, "- {kind: same_json}", extra="training: {max_steps: 7, learning_rate: 0.0005}")
    path = dom.default_training_config()
    assert dom.demo_config == path and path == "results/toy/training/toy_lora.yaml"
    cfg = config.resolve(tmp_path / path, {})
    assert (cfg.max_steps, cfg.learning_rate, cfg.domain) == (7, 0.0005, str(dom.spec.path))


def test_registry_takes_a_spec_path_and_names_the_closest_domain(tmp_path):
    import domains

    dom = spec(tmp_path, "- {kind: same_json}")
    assert domains.get(str(dom.spec.path)).name == "toy" and domains.folder_name(str(dom.spec.path)) == "toy"
    with pytest.raises(UserError, match="did you mean 'sql'"):
        domains.get("sqll")
    with pytest.raises(UserError, match="nope.yaml: cannot read the domain spec"):
        domains.get(str(tmp_path / "nope.yaml"))


def test_python_resolves_to_this_interpreter(tmp_path):
    from domains.spec.checks import program

    assert program({"run": ["python", "x"]}) == sys.executable


def test_free_conversations_get_the_spec_system_prompt(tmp_path):
    dom = spec(tmp_path, "- {kind: parses, language: json}\n- {kind: same_json}")
    msgs = dom.chat_messages([{"role": "user", "content": "Give JSON"}])
    assert msgs == [{"role": "system", "content": "Answer with JSON."}, {"role": "user", "content": "Give JSON"}]
    res = dom.validate_open(msgs, "{bad")
    assert res.status == "format_error" and list(res.levels) == ["extracts", "parses"]


def test_the_sql_example_builds_the_shipped_bytes(tmp_path):
    import domains

    stats = domains.get("sql").build(tmp_path)
    assert stats["totals"] == {"train": 429, "eval": 105}
    # the plain-request slice: eval only, after the other eval items (a --limit run picks the same items)
    assert stats["registers"]["eval"]["forum"] == 15 and "forum" not in stats["registers"]["train"]
    rows = [json.loads(x) for x in (tmp_path / "eval.jsonl").read_text().splitlines()]
    assert [r["register"] for r in rows[-15:]] == ["forum"] * 15 and "forum" not in {r["register"] for r in rows[:-15]}
    for name in ("train.jsonl", "eval.jsonl", "shop.sql"):
        assert (tmp_path / name).read_bytes() == (ROOT / "data" / "sql" / name).read_bytes(), name


def test_sql_a_broken_reference_fails_the_item_and_says_so(tmp_path):
    dom = sql_spec(tmp_path)
    item = {"answer": "SELECT nope FROM t", "fields": {}, "prompt": []}
    res = dom.validate(item, "```sql\nSELECT name FROM t\n```")
    assert res.status == "runtime_error" and "the reference query itself fails" in res.detail
