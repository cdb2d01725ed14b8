"""The code's shape, held by tools rather than by a line count: the layers and the
forbidden imports declared for import-linter in ``pyproject.toml`` (``lint-imports``), no
import cycle at any depth of the core, the Keras runtime or the API, ruff's lint and format,
and no file over 400 lines.

    python tests/core/test_structure.py     # prints the sizes of the core and the runtime
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PACKAGES = ["zoo", "zoo_core", "zoo_keras"]
FILE_LINES = 400


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is not installed; `pip install -e '.[test]'` installs it"
    return found


def lint_imports(cwd: Path, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [tool("lint-imports"), "--no-cache"], cwd=cwd, capture_output=True, text=True, env=env
    )


def test_the_declared_layers_and_forbidden_imports_hold():
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout and "0 broken" in result.stdout


def python_sources(root: Path, into: Path) -> None:
    """The importable packages, Python files only, copied for a planted change."""
    for pkg in [*PACKAGES, *(p.name for p in (root / "plugins").iterdir())]:
        src = root / pkg if (root / pkg).is_dir() else root / "plugins" / pkg
        if not (src / "__init__.py").is_file():
            continue
        shutil.copytree(
            src,
            into / pkg,
            ignore=lambda d, names: [
                n for n in names if not (n.endswith(".py") or (Path(d) / n).is_dir())
            ],
        )
    shutil.copy(root / "pyproject.toml", into / "pyproject.toml")


@pytest.mark.parametrize(
    "module, planted, contract",
    [
        # two modules of one folder importing each other
        ("zoo_core/run/plan.py", "from zoo_core.run import runner", "No import cycles"),
        # two folders: the runtime's pipeline importing its model, which imports it
        ("zoo_keras/pipeline.py", "import zoo_keras.model", "No import cycles"),
        # a layer importing the one above it
        ("zoo_core/contract.py", "import zoo_core.run.plan", "The core is layered"),
        # the contract importing the Keras runtime
        ("zoo_core/settings.py", "import zoo_keras", "The Keras runtime is imported by"),
    ],
)
def test_a_planted_cycle_or_upward_import_is_caught(tmp_path, module, planted, contract):
    python_sources(REPO, tmp_path)
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{planted}  # planted\n")
    env = {"PATH": str(BIN), "PYTHONPATH": str(tmp_path), "HOME": str(tmp_path)}
    result = lint_imports(tmp_path, env=env)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout[-3000:]


def test_ruff_finds_nothing_to_fix_or_reformat():
    lint = subprocess.run([tool("ruff"), "check", "."], cwd=REPO, capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout[-3000:]
    fmt = subprocess.run(
        [tool("ruff"), "format", "--check", "."], cwd=REPO, capture_output=True, text=True
    )
    assert fmt.returncode == 0, fmt.stdout[-3000:]


def sources() -> list[Path]:
    return [p for pkg in PACKAGES for p in sorted((REPO / pkg).rglob("*.py"))]


def test_no_file_of_the_core_the_runtime_or_the_api_is_over_400_lines():
    long = {
        str(p.relative_to(REPO)): n
        for p in sources()
        if (n := len(p.read_text().splitlines())) > FILE_LINES
    }
    assert not long, f"over {FILE_LINES} lines: {long}; split by concept"


if __name__ == "__main__":  # pragma: no cover
    for pkg in PACKAGES:
        files = sorted((REPO / pkg).rglob("*.py"))
        total = sum(len(p.read_text().splitlines()) for p in files)
        print(f"{pkg}/: {len(files)} files, {total} lines")
