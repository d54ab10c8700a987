"""scripts/demo.py: which domains have a demo, and what it runs."""
from __future__ import annotations

from pathlib import Path

import domains

ROOT = Path(__file__).resolve().parent.parent


def test_luanti_and_mcp_have_demo_configs_that_exist_and_name_their_domain():
    import scripts.demo as demo
    from training import config

    for name in ("luanti", "mcp_tools"):
        cfg, limit = demo.demo_settings(name)
        assert (ROOT / cfg).exists() and limit == ["--limit", str(domains.get(name).demo_limit)]
        assert config.load_yaml(ROOT / cfg)["domain"] == name
        cmds = dict(demo.gate_commands("py", Path("o"), Path("r"), name))
        assert cmds["C"][-3:] == [cfg, "--output", "r"] and cmds["B"][cmds["B"].index("--domain") + 1] == name


def test_a_domain_without_a_demo_is_a_clear_error(capsys):
    import scripts.demo as demo

    without = [n for n in domains.names() if not domains.get(n).demo_config]
    assert without, "every domain has a demo now: pick another check"
    assert demo.main(["--domain", without[0]]) == 2
    err = capsys.readouterr().err
    assert "has no demo" in err and "luanti" in err and "mcp_tools" in err
