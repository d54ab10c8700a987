"""Training config: every shipped YAML loads, CLI flags win, bad keys and values fail with clear errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import UserError
from training import config

ROOT = Path(__file__).resolve().parent.parent
YAMLS = sorted((ROOT / "training").glob("*.yaml"))
ACCELERATE = sorted((ROOT / "training" / "accelerate").glob("*.yaml"))


def test_configs_are_shipped():
    names = {p.name for p in YAMLS}
    assert {"smollm2-135m_luanti_demo.yaml", "smollm2-135m_luanti_lora.yaml", "smollm2-135m_mcp_tools_lora.yaml",
            "qwen2.5-coder-7b_luanti_qlora.yaml", "gpt-oss-20b_luanti_qlora.yaml"} <= names


@pytest.mark.parametrize("path", YAMLS, ids=lambda p: p.name)
def test_every_yaml_loads_and_documents_itself(path):
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# ") and "scripts/train.py --config training/" + path.name in lines[0]
    keys = [ln for ln in lines if ln and not ln.startswith("#")]
    assert keys and all("  # " in ln for ln in keys), "every key carries a comment"
    cfg = config.resolve(path)
    assert cfg.domain and cfg.run_name == path.stem


@pytest.mark.parametrize("path", ACCELERATE, ids=lambda p: p.name)
def test_accelerate_configs_parse(path):
    import yaml

    data = yaml.safe_load(path.read_text())
    assert path.read_text().startswith("# ") and data["num_processes"] >= 2 and data["distributed_type"]


def test_seed_config_values():
    cfg = config.resolve(ROOT / "training" / "gpt-oss-20b_luanti_qlora.yaml")
    assert (cfg.lora_r, cfg.lora_alpha, cfg.lora_dropout, cfg.layer_list()) == (8, 16.0, 0.1, [19, 20, 21, 22, 23])
    assert cfg.target() == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert (cfg.learning_rate, cfg.warmup_ratio, cfg.max_grad_norm, cfg.batch_size, cfg.grad_accum,
            cfg.max_steps, cfg.method) == (5e-5, 0.05, 0.3, 2, 8, 3000, "qlora")


def test_cli_overrides_win_over_yaml():
    import argparse

    parser = argparse.ArgumentParser()
    config.add_arguments(parser)
    args = vars(parser.parse_args(["--lora-r", "64", "--no-bf16", "--layers", "1-2"]))
    cfg = config.resolve(ROOT / "training" / "smollm2-135m_luanti_demo.yaml", args)
    assert (cfg.lora_r, cfg.bf16, cfg.layer_list()) == (64, "false", [1, 2])
    for flags, want in ((["--bf16"], "true"), (["--bf16", "auto"], "auto"), (["--bf16", "no"], "false"), ([], "auto")):
        got = config.resolve(ROOT / "training" / "smollm2-135m_luanti_demo.yaml", vars(parser.parse_args(flags)))
        assert got.bf16 == want, flags
    assert cfg.max_steps == config.load_yaml(ROOT / "training" / "smollm2-135m_luanti_demo.yaml")["max_steps"]


def test_unknown_key_suggests_nearest(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("domain: toy\nlora_rank: 8\n")
    with pytest.raises(UserError, match=r"bad.yaml: unknown key 'lora_rank' \(did you mean 'lora_r'\?\)"):
        config.resolve(bad)


def test_bad_values_are_all_reported_at_once():
    with pytest.raises(UserError) as err:
        config.resolve(None, {"domain": "toy", "lora_r": "eight", "bf16": "maybe"})
    assert "lora_r: expected an integer, got 'eight'" in str(err.value)
    assert "bf16: expected auto, true or false, got 'maybe'" in str(err.value)


@pytest.mark.parametrize("overrides, message", [
    ({"lora_dropout": 1.5}, "lora_dropout must be in [0, 1)"),
    ({"max_steps": 0, "num_epochs": 0}, "nothing to train"),
    ({"method": "qlorra"}, "did you mean 'qlora'"),
    ({"batching": "pack"}, "batching 'pack' is not one of"),
    ({"layers": "23-19"}, "runs backwards"),
    ({"report_to": "none,wandb"}, "cannot be combined"),
    ({"domain": ""}, "domain is required"),
])
def test_contradictions_and_ranges_rejected(overrides, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        config.resolve(None, {"domain": "toy", **overrides})


def test_layers_parsing():
    assert config.parse_layers("19-23") == [19, 20, 21, 22, 23]
    assert config.parse_layers("0, 2,5-6") == [0, 2, 5, 6]
    with pytest.raises(ValueError):
        config.parse_layers("a-b")


def test_resume_diff_ignores_only_restartable_keys():
    a = config.TrainConfig(domain="toy").to_dict()
    assert config.diff(a, {**a, "max_steps": 99, "save_steps": 3}) == []
    assert config.diff(a, {**a, "lora_r": 99}) == ["lora_r"]
    older = {k: v for k, v in a.items() if k != "loraplus_lr_ratio"}  # written before the key existed
    assert config.diff(older, a) == []
    assert config.diff(older, {**a, "loraplus_lr_ratio": 16.0}) == ["loraplus_lr_ratio"]


def test_script_reports_bad_config_with_exit_2(tmp_path, capsys):
    from scripts.train import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("domain: toy\nlerning_rate: 1\n")
    assert main(["--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "did you mean 'learning_rate'" in err


def test_makefile_flag_names_are_accepted():
    import argparse

    parser = argparse.ArgumentParser()
    config.add_arguments(parser)
    args = vars(parser.parse_args(["--output", "adapters/luanti/luanti-lora", "--train", "x.jsonl",
                                   "--specialist", "debug"]))
    cfg = config.resolve(ROOT / "training" / "smollm2-135m_luanti_lora.yaml", args)
    assert (cfg.run_dir, cfg.run_name, cfg.train_data, cfg.specialist) == (
        "adapters/luanti/luanti-lora", "luanti-lora", "x.jsonl", "debug")
