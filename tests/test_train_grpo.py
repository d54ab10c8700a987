"""GRPO with the domain's validator as the reward: the reward's rules (fraction of levels, 1.0 only for a pass,
nothing for an unchanged edit, a missing toolchain stops), and on a tiny model continuing a tiny SFT adapter,
the mean reward rising over a few steps, the levels and KL logged, resume continuing the run."""
from __future__ import annotations

import json

import pytest

from domains.base import Domain, Result, ToolMissing
from training import config, runs
from training.rewards import ValidatorReward, score
from training.run import train
from train_toy_domain import ToyDomain, register, write_colour_data


class Graded(Domain):
    name = "graded"
    levels = ("parses", "runs", "meets")


@pytest.mark.parametrize("result, completion, want", [
    (Result("ok", levels={"parses": True, "runs": True, "meets": True}), "x = 2", 1.0),
    (Result("runtime_error", levels={"parses": True, "runs": False, "meets": False}), "x = 2", 1 / 3),
    (Result("wrong_answer", levels={"parses": True, "runs": True, "meets": True}), "x = 2", 2 / 3),  # not a pass
    (Result("syntax_error", level=""), "x = ", 0.0),
    (Result("wrong_answer", level="runs"), "x = 2", 2 / 3),  # levels from the deepest one reached
    (Result("wrong_answer", levels={"parses": True, "runs": True, "meets": False}), "x = 1", 0.0),  # unchanged
    (Result("wrong_answer", levels={"parses": True, "runs": True, "meets": False}), "```lua\nx = 1\n```", 0.0),
    (Result("wrong_answer", levels={"parses": True, "runs": True, "meets": False},
            metrics={"edit_no_change": 1}), "<<<<<<< SEARCH", 0.0),
])
def test_reward_is_the_fraction_of_levels_reached(result, completion, want):
    item = {"id": "a", "input": "x = 1"}
    assert score(Graded(), item, completion, result) == pytest.approx(want)


def test_reward_logs_levels_and_stops_on_a_missing_toolchain():
    class NoTool(ToyDomain):
        def validate(self, item, completion):
            return Result("tool_missing", "luajit not found")

    items = [{"id": "c0", "q": "?", "a": "red"}]
    logged = {}
    reward = ValidatorReward(ToyDomain(), items)
    got = reward(["p"] * 3, ["red", "blue", ""], ["c0"] * 3, log_metric=logged.__setitem__)
    assert got == [1.0, 0.5, 0.0]
    assert logged == {"levels/answered": pytest.approx(2 / 3), "levels/exact": pytest.approx(1 / 3),
                      "pass_rate": pytest.approx(1 / 3), "unchanged_edit_rate": 0.0}
    with pytest.raises(ToolMissing, match="luajit"):
        ValidatorReward(NoTool(), items)(["p"], ["red"], ["c0"])


@pytest.fixture(scope="module")
def colour_sft(tiny_model_dir, tmp_path_factory):
    """A tiny model fine-tuned (full weights: a random 2-layer model learns two words in 16 steps that way, a
    LoRA adapter does not) to answer 'red' or 'blue' or nothing. Module-wide: the GRPO runs continue it."""
    mp = pytest.MonkeyPatch()
    register(mp)
    tmp = tmp_path_factory.mktemp("grpo")
    data = write_colour_data(tmp / "sft.jsonl")
    train(config.resolve(None, {
        "domain": "toy", "model_name_or_path": str(tiny_model_dir), "train_data": str(data), "out": str(tmp / "sft"),
        "max_steps": 16, "save_steps": 100, "logging_steps": 4, "per_device_train_batch_size": 8, "max_length": 64,
        "learning_rate": 1e-2, "report_to": "none", "warmup_steps": 0.0, "lr_scheduler_type": "constant",
        "use_peft": False, "batching": "padded"}))
    yield {"run": tmp / "sft", "prompts": write_colour_data(tmp / "grpo.jsonl", answers=("red",)), "tmp": tmp}
    mp.undo()


def _grpo(sft, out, **kw):
    return config.resolve(None, {
        "domain": "toy", "model_name_or_path": kw.pop("model"), "method": "grpo", "sft_run": str(sft["run"]),
        "train_data": str(sft["prompts"]), "out": str(out), "max_steps": 6, "save_steps": 3,
        "logging_steps": 1, "per_device_train_batch_size": 8, "num_generations": 8, "max_completion_length": 4,
        "learning_rate": 2e-3, "lr_scheduler_type": "constant", "warmup_steps": 0.0, "beta": 0.04,
        "temperature": 1.0, "report_to": "none", **kw}, note=lambda _: None)


def test_grpo_raises_the_validator_reward_and_logs_levels_and_kl(tiny_model_dir, colour_sft, monkeypatch):
    register(monkeypatch)
    out = colour_sft["tmp"] / "grpo"
    record = train(_grpo(colour_sft, out, model=str(tiny_model_dir)))
    lines = [json.loads(x) for x in (out / "log.jsonl").read_text().splitlines()]
    rewards = [r["reward"] for r in lines]
    assert [r["step"] for r in lines] == list(range(1, 7))
    assert sum(rewards[-2:]) / 2 > sum(rewards[:2]) / 2 + 0.1, rewards
    assert all({"levels/answered", "levels/exact", "pass_rate", "kl"} <= set(r) for r in lines)
    assert lines[-1]["kl"] > 0, "the policy moved away from the reference, and the KL says so"
    assert record["status"] == "finished" and record["grpo"]["trend"]["last"]["step"] == 6
    meta = json.loads((out / "checkpoint-6" / "workbench.json").read_text())
    assert meta["method"] == "grpo" and meta["grpo"]["sft_checkpoint"].endswith("checkpoint-16")
    assert meta["config"]["use_peft"] is False and meta["adapter"] == "full", "the SFT run's shape: full weights"


def test_grpo_resumes_and_continues_the_log(tiny_model_dir, colour_sft, monkeypatch):
    register(monkeypatch)
    out = colour_sft["tmp"] / "grpo-resume"
    train(_grpo(colour_sft, out, model=str(tiny_model_dir), max_steps=2, save_steps=2))
    record = train(_grpo(colour_sft, out, model=str(tiny_model_dir), max_steps=3, save_steps=2))
    assert record["resumed_from"].endswith("checkpoint-2") and record["step"] == 3
    assert [json.loads(x)["step"] for x in (out / "log.jsonl").read_text().splitlines()] == [1, 2, 3]
    assert runs.finished_step(_grpo(colour_sft, out, model=str(tiny_model_dir), max_steps=3), str(out / "checkpoint-3")) == 3


def test_grpo_records_the_registers_its_policy_trained_on():
    """Gate E marks an eval register 'not in training' from workbench.json: GRPO continuing an SFT run
    records its prompts' registers added to that run's."""
    from training.data import style_counts

    prompts = [{"style": "terse"}, {"style": "chatty"}, {"style": "terse"}, {}]
    assert style_counts(prompts, {"styles": {"spec": 5, "terse": 1}}) == {"styles": {"chatty": 1, "spec": 5, "terse": 3}}
    assert style_counts(prompts) == {"styles": {"chatty": 1, "terse": 2}}
    assert style_counts([{}], {}) == {}
