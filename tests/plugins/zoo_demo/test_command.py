"""``zoo demo`` itself: loopback unless asked, a warning when not, one line when Gradio or a
named run is missing, the shipped models when there is nothing else to offer."""

from __future__ import annotations

import sys

import pytest

from zoo_core.cli import cli


class FakePage:
    local_url = "http://127.0.0.1:7860/"

    def block_thread(self):
        pass

    def close(self):
        pass


@pytest.fixture
def started(monkeypatch):
    calls = []

    def fake_start(lib, host="127.0.0.1", port=None, *, block=True):
        calls.append({"lib": lib, "host": host, "port": port})
        return FakePage()

    monkeypatch.setattr("zoo_demo.command.start", fake_start)
    return calls


def invoke(*args):
    from click.testing import CliRunner

    return CliRunner().invoke(cli, ["demo", *args])


def test_it_serves_on_loopback_the_shipped_models_and_the_runs_under_its_root(started, tmp_path):
    pytest.importorskip("gradio")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "config.json").write_text('{"model": {"name": "vae_2d"}}')
    result = invoke("--root", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert started[0]["host"] == "127.0.0.1"
    refs = [o.reference for o in started[0]["lib"].offered()]
    assert "pretrained:vae_2d" in refs and "pretrained:ddpm" in refs and refs[-1] == "mine"
    assert "pretrained:dqn" not in refs  # an agent draws no images
    assert "warning" not in result.output
    assert "http://127.0.0.1:7860/" in result.output


def test_another_host_is_served_with_a_one_line_warning(started, tmp_path):
    pytest.importorskip("gradio")
    result = invoke("pretrained:vae_2d", "--host", "0.0.0.0", "--port", "8123", "--root",
                    str(tmp_path))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [o.reference for o in started[0]["lib"].offered()] == ["pretrained:vae_2d"]
    assert started[0]["host"] == "0.0.0.0" and started[0]["port"] == 8123
    warning = [line for line in result.output.splitlines() if line.startswith("warning")]
    assert warning == [
        "warning: serving on 0.0.0.0: anyone who can reach this address can run the models"
    ]


@pytest.mark.parametrize(
    "host, loopback",
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("127.0.0.2", True),
     ("0.0.0.0", False), ("192.168.1.4", False), ("example.org", False)],
)  # fmt: skip
def test_what_counts_as_loopback(host, loopback):
    from zoo_demo.command import is_loopback

    assert is_loopback(host) is loopback


def test_without_gradio_it_says_how_to_install_it(monkeypatch, started):
    monkeypatch.setitem(sys.modules, "gradio", None)
    result = invoke("pretrained:vae_2d")
    assert result.exit_code == 2
    assert (
        result.output.strip()
        .splitlines()[-1]
        .endswith("zoo demo needs Gradio: pip install 'zoo[demo]'")
    )
    assert started == []


def test_a_named_folder_that_is_no_run_is_refused_before_serving(started, tmp_path):
    pytest.importorskip("gradio")
    result = invoke(str(tmp_path))
    assert result.exit_code == 2
    assert "is not a run folder" in result.output and "Traceback" not in result.output
    assert started == []
