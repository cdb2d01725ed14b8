"""Sharing without a hub: ``zoo pretrained pack --archive`` on one machine, ``zoo
pretrained add`` on another, then ``pretrained:NAME`` works; a damaged archive is refused
with one line naming what is wrong, and nothing is installed."""

import io
import json
import tarfile

import pytest

from zoo_core import plugins


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """vae_2d packed again as ``vae_2d.fmnist-v1``, as one archive (and its SHA-256)."""
    from click.testing import CliRunner

    from zoo_core.cli import cli

    folder = tmp_path_factory.mktemp("packed")
    path = folder / "vae_2d.fmnist-v1.tar.gz"
    r = CliRunner().invoke(
        cli,
        ["pretrained", "pack", "pretrained:vae_2d", "vae_2d.fmnist-v1", "--archive", str(path)],
        catch_exceptions=False,
    )
    assert r.exit_code == 0, r.output
    digest = r.stderr.split("SHA-256 ")[1].split()[0]
    return path, digest


@pytest.fixture
def fresh_store(tmp_path, monkeypatch):
    """Another machine: an empty store and an empty cache."""
    monkeypatch.setenv("ZOO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    plugins.reset()
    return tmp_path / "home" / "pretrained"


def rewrite(src, dst, change):
    """A copy of the archive with ``change(name, data) -> data | None`` (None drops it)
    applied to each file, and ``change("+", None)`` returning extra files."""
    with tarfile.open(src) as tin, tarfile.open(dst, "w:gz") as tout:
        for m in tin:
            data = change(m.name, tin.extractfile(m).read())
            if data is not None:
                m.size = len(data)
                tout.addfile(m, io.BytesIO(data))
        for name, data in (change("+", None) or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tout.addfile(info, io.BytesIO(data))
    return dst


def test_an_archive_added_to_a_fresh_store_samples_everywhere(archive, fresh_store, run_cli):
    path, digest = archive
    with tarfile.open(path) as tar:
        names = sorted(tar.getnames())
    assert "vae_2d.fmnist-v1/README.md" in names and "vae_2d.fmnist-v1/model.keras" in names
    r = run_cli("pretrained", "add", str(path), "--sha256", digest)
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == "pretrained:vae_2d.fmnist-v1"
    assert (fresh_store / "vae_2d.fmnist-v1" / "pretrained.json").is_file()
    out = fresh_store.parent / "s.png"
    r = run_cli("sample", "pretrained:vae_2d.fmnist-v1", "--n", "4", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert out.stat().st_size > 0
    listed = json.loads(run_cli("pretrained", "--json").stdout)
    assert "vae_2d.fmnist-v1" in {row["name"] for row in listed}
    # the same archive again changes nothing
    assert run_cli("pretrained", "add", str(path)).exit_code == 0


def first_line_of_the_card(name, data):
    return data + b"\n" if name.endswith("/README.md") else data


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda p, d: d.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "truncated"),
        (
            lambda p, d: rewrite(
                p, d, lambda n, x: x[:-8] + b"tampered" if n.endswith("model.keras") else x
            ),
            "model.keras does not match its SHA-256",
        ),
        (lambda p, d: rewrite(p, d, first_line_of_the_card), "README.md does not match"),
        (
            lambda p, d: rewrite(
                p, d, lambda n, x: {"vae_2d.fmnist-v1/extra.py": b"x"} if n == "+" else x
            ),
            "extra.py not listed",
        ),
        (
            lambda p, d: rewrite(p, d, lambda n, x: {"../evil.txt": b"x"} if n == "+" else x),
            "leaves the package's folder",
        ),
    ],
    ids=["truncated", "weights", "card", "unlisted", "traversal"],
)
def test_a_damaged_archive_is_refused_naming_what_and_installs_nothing(
    archive, fresh_store, run_cli, tmp_path, damage, message
):
    path, _ = archive
    bad = tmp_path / "bad.tar.gz"
    damage(path, bad)
    r = run_cli("pretrained", "add", str(bad))
    assert r.exit_code == 2, r.output
    assert message in r.output and len(r.output.strip().splitlines()) == 1, r.output
    assert not fresh_store.exists() or [p.name for p in fresh_store.iterdir()] == []
    assert not (tmp_path / "evil.txt").exists()


def test_a_wrong_published_digest_and_a_taken_name_are_refused(
    archive, fresh_store, run_cli, tmp_path
):
    path, digest = archive
    r = run_cli("pretrained", "add", str(path), "--sha256", "0" * 64)
    assert r.exit_code == 2 and "not the" in r.output
    assert run_cli("pretrained", "add", str(path), "--sha256", digest).exit_code == 0
    # another model under the same name and tag: refused, the installed one kept
    other = rewrite(
        path,
        tmp_path / "other.tar.gz",
        lambda n, x: (
            x.replace(b'"summary": "', b'"summary": "changed ')
            if n.endswith("pretrained.json")
            else x
        ),
    )
    before = (fresh_store / "vae_2d.fmnist-v1" / "pretrained.json").read_bytes()
    r = run_cli("pretrained", "add", str(other))
    assert r.exit_code == 2 and "new version tag" in r.output, r.output
    assert (fresh_store / "vae_2d.fmnist-v1" / "pretrained.json").read_bytes() == before


def test_a_built_in_name_cannot_be_taken_by_an_archive(archive, fresh_store, run_cli, tmp_path):
    path, _ = archive
    with tarfile.open(path) as tin, tarfile.open(tmp_path / "as_dcgan.tar.gz", "w:gz") as t:
        for m in tin:
            data = tin.extractfile(m).read()
            if m.name.endswith("pretrained.json"):
                data = data.replace(b'"name": "vae_2d.fmnist-v1"', b'"name": "dcgan"')
            m.name = m.name.replace("vae_2d.fmnist-v1/", "dcgan/")
            m.size = len(data)
            t.addfile(m, io.BytesIO(data))
    r = run_cli("pretrained", "add", str(tmp_path / "as_dcgan.tar.gz"))
    assert r.exit_code == 2 and "already installed" in r.output, r.output
