"""Foundation: atomic files, strict JSONL, resumable logs, model resolution, the domain registry."""
from __future__ import annotations

import errno
import json
import os

import pytest

from core import models
from core.errors import DataError, UserError
from core.files import AppendLog, atomic_write_json, read_jsonl


def test_read_jsonl_names_file_and_line(tmp_path):
    p = tmp_path / "d.jsonl"
    p.write_text('{"a": 1}\n{"a": 2,}\n')
    with pytest.raises(DataError, match=r"d\.jsonl:2: invalid JSON"):
        read_jsonl(p)


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"\n\n", "empty file"),
    (b'{"a": "\xff"}\n', r":1: not UTF-8"),
    (b'[1, 2]\n', r":1: expected a JSON object, got list"),
])
def test_read_jsonl_bad_inputs(tmp_path, content, message):
    p = tmp_path / "d.jsonl"
    p.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_jsonl(p)


def test_read_jsonl_refuses_huge_line(tmp_path, monkeypatch):
    import core.files
    monkeypatch.setattr(core.files, "MAX_LINE_BYTES", 100)
    p = tmp_path / "d.jsonl"
    p.write_text('{"a": 1}\n' + json.dumps({"x": "y" * 200}) + "\n")
    with pytest.raises(DataError, match=r":2: line is"):
        read_jsonl(p)


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_jsonl(tmp_path / "nope.jsonl")


def test_atomic_write_leaves_no_temp_and_keeps_old_on_failure(tmp_path):
    p = tmp_path / "out.json"
    atomic_write_json(p, {"v": 1})
    with pytest.raises(TypeError):
        atomic_write_json(p, {"v": object()})  # not serialisable: fails before anything is written
    assert json.loads(p.read_text()) == {"v": 1}
    assert [f.name for f in tmp_path.iterdir()] == ["out.json"]


@pytest.mark.parametrize("err, message", [(errno.EROFS, "cannot write here"), (errno.EACCES, "cannot write here"),
                                          (errno.ENOSPC, "disk full")])
def test_atomic_write_os_errors_are_clear_and_leave_nothing(tmp_path, monkeypatch, err, message):
    # Root ignores folder permissions, so the OS error is injected where the write happens.
    import core.files
    real_fdopen = os.fdopen

    def failing_fdopen(fd, *a, **kw):
        fh = real_fdopen(fd, *a, **kw)
        fh.write = lambda data: (_ for _ in ()).throw(OSError(err, os.strerror(err)))
        return fh

    monkeypatch.setattr(core.files.os, "fdopen", failing_fdopen)
    with pytest.raises(UserError, match=message):
        atomic_write_json(tmp_path / "x.json", {"a": 1})
    assert list(tmp_path.iterdir()) == []


def test_append_log_recovers_from_torn_last_line(tmp_path):
    p = tmp_path / "gen.jsonl"
    with AppendLog(p, key=lambda r: r["k"]) as log:
        log.append({"k": 1})
        log.append({"k": 2})
    with open(p, "ab") as fh:
        fh.write(b'{"k": 3, "trunc')  # kill -9 in the middle of a write
    log = AppendLog(p, key=lambda r: r["k"])
    assert log.done == {1, 2}
    log.append({"k": 2})  # already there: not repeated
    log.append({"k": 3})
    log.close()
    assert [json.loads(x)["k"] for x in p.read_text().splitlines()] == [1, 2, 3]


def test_resolve_embedded():
    ref = models.resolve("embedded")
    assert ref.kind == "embedded" and "SmolLM2-135M" in ref.name


def test_resolve_missing_path_is_clear():
    with pytest.raises(UserError, match="does not exist"):
        models.resolve("./no/such/model")


def test_resolve_adapter_folder_is_refused(tmp_path):
    (tmp_path / "adapter_config.json").write_text("{}")
    with pytest.raises(UserError, match="LoRA adapter, not a base model"):
        models.resolve(str(tmp_path))


def test_hub_id_is_offline_by_default(monkeypatch):
    monkeypatch.delenv("ALLOW_DOWNLOAD", raising=False)
    ref = models.resolve("nobody-here/no-such-model-xyz")
    assert ref.kind == "hub"
    with pytest.raises(UserError, match="ALLOW_DOWNLOAD=1"):
        models.load_tokenizer(ref)


def test_local_tiny_model_loads(tiny_model_dir):
    ref = models.resolve(str(tiny_model_dir))
    assert ref.kind == "local"
    tok = models.load_tokenizer(ref)
    model = models.load_model(ref)
    assert tok.pad_token != tok.eos_token  # EOS must stay a learnable label
    assert model.config.num_hidden_layers == 2


def test_unknown_domain_lists_known_ones():
    import domains
    with pytest.raises(UserError, match=r"did you mean 'luanti'.*known: .*luanti, mcp_tools"):
        domains.get("luanit")


def test_shipped_defaults_are_found_from_any_working_directory(tmp_path, monkeypatch):
    import domains
    from core.files import shipped
    from core.meta import ROOT
    from eval.cli import read_data

    dom = domains.get("luanti")
    monkeypatch.chdir(ROOT)
    assert shipped(dom.default_eval) == "data/luanti/eval.jsonl"  # recorded as given from the repo root
    monkeypatch.chdir(tmp_path)
    assert shipped(dom.default_eval) == str(ROOT / "data/luanti/eval.jsonl")
    path, items, read = read_data(dom, None, limit=3)
    assert path == ROOT / "data/luanti/eval.jsonl" and len(items) == 3 and read == 107
    (tmp_path / "data/luanti").mkdir(parents=True)  # a local file of the same name wins: nothing is hidden
    (tmp_path / "data/luanti/eval.jsonl").write_text("")
    assert shipped(dom.default_eval) == "data/luanti/eval.jsonl"
    assert shipped("") == "" and shipped("no/such/file.jsonl") == "no/such/file.jsonl"
