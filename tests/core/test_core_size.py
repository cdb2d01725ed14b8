"""The core's size budget: ``zoo_core/`` holds the contract, the run orchestration and the
Keras runtime, and grows only when the contract does; features go to ``plugins/``.

Counted in code lines, as cloc and tokei count them: blank lines, comments and docstrings
are left out, so a docstring that says why costs no budget (``docs/reference.md`` is
generated from them). Every file also stays at most 400 lines in all.

    python tests/core/test_core_size.py     # prints the figures
"""

from __future__ import annotations

import ast
import io
import tokenize
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "zoo_core"
#: code lines in zoo_core/, in zoo_core/cli/ (list, info, plugins, run, eval, viz), per file
CORE_BUDGET, CLI_BUDGET, FILE_LINES = 3000, 350, 400


def code_lines(source: str) -> int:
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    docs = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            docs.update(range(body[0].lineno, body[0].end_lineno + 1))
    code = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in (
            tokenize.COMMENT,
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            code.update(range(tok.start[0], tok.end[0] + 1))
    return len(code - docs)


def figures(root: Path = CORE) -> dict[str, tuple[int, int]]:
    """``{relative path: (lines, code lines)}`` for every module under ``root``."""
    texts = {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*.py"))}
    return {name: (len(text.splitlines()), code_lines(text)) for name, text in texts.items()}


def test_code_lines_leave_out_blanks_comments_and_docstrings():
    source = '''"""Module docstring,
    two lines."""
import os  # a comment after code counts as code

# a comment alone


def f(x):
    """Docstring."""
    text = """a string that is
    not a docstring"""
    return (x +
            1)
'''
    assert code_lines(source) == 6  # import, def, text (2 lines), return (2 lines)


def test_the_core_stays_within_its_budget():
    fig = figures()
    core = sum(code for _, code in fig.values())
    cli = sum(code for name, (_, code) in fig.items() if name.startswith("cli/"))
    assert core <= CORE_BUDGET, (
        f"zoo_core/ has {core} code lines (budget {CORE_BUDGET}): a feature belongs in a "
        "plugin under plugins/; the core changes only with the contract"
    )
    assert cli <= CLI_BUDGET, f"zoo_core/cli/ has {cli} code lines (budget {CLI_BUDGET})"
    long = {name: lines for name, (lines, _) in fig.items() if lines > FILE_LINES}
    assert not long, f"files over {FILE_LINES} lines (split them by concept): {long}"


if __name__ == "__main__":
    fig = figures()
    for name, (lines, code) in sorted(fig.items(), key=lambda kv: -kv[1][0]):
        print(f"{lines:5} lines {code:5} code  zoo_core/{name}")
    print(
        f"{sum(v[0] for v in fig.values()):5} lines "
        f"{sum(v[1] for v in fig.values()):5} code  zoo_core/ (budget {CORE_BUDGET} code)"
    )
    cli = [v for k, v in fig.items() if k.startswith("cli/")]
    print(
        f"{sum(v[0] for v in cli):5} lines {sum(v[1] for v in cli):5} code  "
        f"zoo_core/cli/ (budget {CLI_BUDGET} code)"
    )
