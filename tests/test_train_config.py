"""Training config in TRL's shape: every shipped YAML loads (TRL's keys), CLI flags win, earlier keys load
with a note, bad keys and values fail all at once with file and key, TRL's arguments pass through."""
from __future__ import annotations

from pathlib import Path

import pytest

import domains
from core.errors import UserError
from training import cli, config

ROOT = Path(__file__).resolve().parent.parent
YAMLS = sorted((ROOT / "training").glob("*.yaml"))
ACCELERATE = sorted((ROOT / "training" / "accelerate").glob("*.yaml"))


def _quiet(path=None, overrides=None):
    notes = []
    cfg = config.resolve(path, overrides, note=notes.append)
    return cfg, notes


def test_configs_are_shipped():
    names = {p.name for p in YAMLS}
    assert {"smollm2-135m_luanti_demo.yaml", "smollm2-135m_luanti_lora.yaml", "smollm2-135m_mcp_tools_lora.yaml",
            "qwen2.5-coder-7b_luanti_qlora.yaml", "gpt-oss-20b_luanti_qlora.yaml"} <= names


@pytest.mark.parametrize("path", YAMLS, ids=lambda p: p.name)
def test_every_yaml_loads_with_new_keys_and_documents_itself(path):
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# ") and "scripts/train.py --config training/" + path.name in lines[0]
    keys = [ln for ln in lines if ln and not ln.startswith("#")]
    assert keys and all("  # " in ln for ln in keys), "every key carries a comment"
    cfg, notes = _quiet(path)
    assert notes == [], f"shipped YAMLs use the new keys: {notes}"
    assert cfg.domain and cfg.args.run_name == path.stem and cfg.method in config.METHODS


@pytest.mark.parametrize("name", domains.names())
def test_every_domains_default_training_config_exists_and_loads(name):
    dom = domains.get(name)
    path = ROOT / dom.default_training_config()
    assert path.is_file(), f"{name}: {path} missing"
    cfg, notes = _quiet(path)
    assert cfg.domain == name and notes == []


@pytest.mark.parametrize("path", ACCELERATE, ids=lambda p: p.name)
def test_accelerate_configs_parse(path):
    import yaml

    data = yaml.safe_load(path.read_text())
    assert path.read_text().startswith("# ") and data["num_processes"] >= 2 and data["distributed_type"]


def test_seed_config_values():
    cfg, _ = _quiet(ROOT / "training" / "gpt-oss-20b_luanti_qlora.yaml")
    assert (cfg.lora_r, cfg.lora_alpha, cfg.lora_dropout, cfg.layer_list()) == (8, 16.0, 0.1, [19, 20, 21, 22, 23])
    assert cfg.target() == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert (cfg.learning_rate, cfg.warmup_steps, cfg.max_grad_norm, cfg.per_device_train_batch_size,
            cfg.gradient_accumulation_steps, cfg.max_steps, cfg.method, cfg.load_in_4bit) == (
        5e-5, 0.05, 0.3, 2, 8, 3000, "sft", True)


def _parse(argv, method="sft", domain=None):
    return vars(cli.make_parser(method, domain).parse_args(argv))


def test_cli_overrides_win_over_yaml_and_trl_arguments_pass_through():
    demo = ROOT / "training" / "smollm2-135m_luanti_demo.yaml"
    args = _parse(["--lora-r", "64", "--bf16", "false", "--layers", "1-2", "--optim", "sgd",
                   "--neftune_noise_alpha", "5", "--eval-steps", "7", "--use-dora", "true"])
    cfg, _ = _quiet(demo, args)
    assert (cfg.lora_r, cfg.bf16, cfg.layer_list(), cfg.use_dora) == (64, "false", [1, 2], True)
    assert (cfg.args.optim, cfg.args.neftune_noise_alpha, cfg.args.eval_steps) == ("sgd", 5.0, 7)
    for flags, want in ((["--bf16", "true"], "true"), (["--bf16", "auto"], "auto"), (["--bf16", "no"], "false"),
                        ([], "auto")):
        assert _quiet(demo, _parse(flags))[0].bf16 == want, flags
    assert cfg.max_steps == config.load_yaml(demo)["max_steps"]


def test_earlier_keys_load_with_one_note_each(tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text("domain: luanti\nmethod: qlora\nbatch_size: 3\ngrad_accum: 2\nnum_epochs: 2\n"
                   "lr_scheduler: linear\nwarmup_ratio: 0.1\nmodel: embedded\ntarget_modules: all_linear\n")
    cfg, notes = _quiet(old)
    assert (cfg.per_device_train_batch_size, cfg.gradient_accumulation_steps, cfg.num_train_epochs) == (3, 2, 2.0)
    assert (cfg.method, cfg.load_in_4bit, cfg.warmup_steps, cfg.target()) == ("sft", True, 0.1, "all-linear")
    assert str(cfg.lr_scheduler_type.value if hasattr(cfg.lr_scheduler_type, "value") else cfg.lr_scheduler_type) == "linear"
    assert len(notes) == 7 and all(n.startswith(f"{old}: ") for n in notes)
    assert any("batch_size is deprecated: use per_device_train_batch_size" in n for n in notes)
    assert any("method qlora is deprecated: use method sft with load_in_4bit: true" in n for n in notes)


@pytest.mark.parametrize("spelling", ["all-linear", "all_linear", ["all-linear"]])
def test_peft_spelling_of_all_linear(spelling):
    cfg, notes = _quiet(None, {"domain": "luanti", "target_modules": spelling})
    assert cfg.target() == "all-linear" and notes == []


def test_unknown_key_suggests_nearest(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("domain: luanti\nlora_alpah: 8\n")
    with pytest.raises(UserError, match=r"bad.yaml: unknown key 'lora_alpah' \(did you mean 'lora_alpha'\?\)"):
        _quiet(bad)


def test_bad_values_are_all_reported_at_once_with_their_source(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("domain: luanti\nlora_r: eight\n")
    with pytest.raises(UserError) as err:
        _quiet(bad, {"bf16": "maybe", "per_device_train_batch_size": "x"})
    text = str(err.value)
    assert f"{bad}: lora_r: expected an integer, got 'eight'" in text
    assert "command line: bf16: expected auto, true or false, got 'maybe'" in text
    assert "command line: per_device_train_batch_size: expected an integer" in text


@pytest.mark.parametrize("overrides, message", [
    ({"lora_dropout": 1.5}, "lora_dropout must be in [0, 1)"),
    ({"max_steps": 0, "num_train_epochs": 0}, "nothing to train"),
    ({"method": "sfft"}, "did you mean 'sft'"),
    ({"batching": "pack"}, "batching 'pack' is not one of"),
    ({"layers": "23-19"}, "runs backwards"),
    ({"report_to": "tensorbord"}, "unknown logger"),
    ({"domain": ""}, "domain is required"),
    ({"domain": "luant"}, "did you mean 'luanti'"),
    ({"use_peft": False, "layers": "1"}, "need use_peft true"),
    ({"method": "grpo", "num_generations": 1}, "GRPOConfig: GRPO requires at least 2 generations"),
    ({"method": "dpo", "batching": "padded"}, "method dpo needs sft_run"),
    ({"eval_items": 2, "method": "grpo"}, "eval_items"),
    ({"lr_scheduler_type": "cosin"}, "command line: lr_scheduler_type: expected one of linear, cosine"),
    ({"dtype": "bfloat"}, "dtype 'bfloat' is not one of float32, bfloat16, float16, auto (did you mean 'bfloat16'"),
    ({"attn_implementation": "sdap"}, "attn_implementation 'sdap' is not one of eager, "),
    ({"attn_implementation": "sdap"}, "(did you mean 'sdpa'"),
    ({"load_in_8bit": True}, "load_in_8bit is not supported"),
    ({"backend": "unsloth", "dtype": "bfloat16"}, "dtype and attn_implementation apply to the peft backend"),
])
def test_contradictions_and_ranges_rejected(overrides, message):
    with pytest.raises(UserError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        _quiet(None, {"domain": "luanti", **overrides})


def test_layers_parsing():
    assert config.parse_layers("19-23") == [19, 20, 21, 22, 23]
    assert config.parse_layers("0, 2,5-6") == [0, 2, 5, 6]
    with pytest.raises(ValueError):
        config.parse_layers("a-b")


def test_resume_diff_ignores_only_restartable_keys_and_reads_earlier_configs():
    a = _quiet(None, {"domain": "luanti"})[0].to_dict()
    assert config.diff(a, {**a, "max_steps": 99, "save_steps": 3}) == []
    assert config.diff(a, {**a, "out": "elsewhere/run", "run_name": "run"}) == [], "a run folder copied elsewhere"
    assert config.diff(a, {**a, "lora_r": 99}) == ["lora_r"]
    older = {k: v for k, v in a.items() if k != "loraplus_lr_ratio"}  # written before the key existed
    assert config.diff(older, a) == []
    assert config.diff(older, {**a, "loraplus_lr_ratio": 16.0}) == ["loraplus_lr_ratio"]
    earlier = {k: v for k, v in a.items() if k != "per_device_train_batch_size"}
    assert config.diff({**earlier, "batch_size": 4}, a) == []  # a checkpoint written with the earlier key
    assert config.diff({**earlier, "batch_size": 2}, a) == ["per_device_train_batch_size"]


def test_script_reports_bad_config_with_exit_2(tmp_path, capsys):
    from scripts.train import main

    bad = tmp_path / "bad.yaml"
    bad.write_text("domain: luanti\nlerning_rate: 1\n")
    assert main(["--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "error: " in err and "did you mean 'learning_rate'" in err


def test_earlier_flags_are_accepted_with_a_note(capsys):
    args = _parse(["--output", "adapters/luanti/luanti-lora", "--train", "x.jsonl", "--batch-size", "2"])
    notes = []
    cfg = config.resolve(ROOT / "training" / "smollm2-135m_luanti_lora.yaml", args, note=notes.append)
    assert (cfg.out, cfg.args.run_name, cfg.train_data, cfg.per_device_train_batch_size) == (
        "adapters/luanti/luanti-lora", "luanti-lora", "x.jsonl", 2)
    assert len(notes) == 3 and all(n.startswith("command line: ") for n in notes)
    for flag in ("--run-dir", "--output"):
        cfg, notes = _quiet(None, {"domain": "luanti", **_parse([flag, "a/b"])})
        assert cfg.out == "a/b" and "use out" in notes[0]
    cfg, notes = _quiet(None, {"domain": "luanti", "run_name": "r", **_parse(["--output-dir", "root"])})
    assert cfg.out == str(Path("root") / "luanti" / "r") and "output_dir" in notes[0]
    assert _quiet(None, {"domain": "luanti", **_parse(["--out", "x/y"])})[0].out == "x/y"


def test_help_names_every_flag_with_text_and_shows_domain_options():
    mcp = domains.get("mcp_tools")
    parser = cli.make_parser("grpo", mcp)
    flags = [a for a in parser._actions if a.option_strings]
    assert all(a.help for a in flags), [a.option_strings for a in flags if not a.help]
    assert all(a.metavar != "V" for a in flags)
    text = parser.format_help()
    for flag in ("--specialist", "--num-generations", "--beta", "--lora-r", "--use-dora", "--out", "--train-data",
                 "--eval-items", "--print-config"):
        assert flag in text, flag
    assert "--specialist" not in cli.make_parser("sft", domains.get("luanti")).format_help()
    cfg, _ = _quiet(None, {"domain": "mcp_tools", **vars(parser.parse_args(["--specialist", "debug"]))})
    assert cfg.options == {"specialist": "debug"}
    with pytest.raises(UserError, match="unknown key 'specialist'"):
        _quiet(None, {"domain": "luanti", "specialist": "debug"})


def test_domain_alone_uses_its_default_config(capsys):
    from scripts.train import main

    assert main(["--domain", "luanti", "--print-config"]) == 0
    out = capsys.readouterr().out
    assert "domain: luanti" in out and "out: adapters/luanti/smollm2-135m_luanti_lora" in out
