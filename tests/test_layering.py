"""The interpreter is standalone: starflow/starlark imports nothing from the engine."""

import ast
import pathlib

PKG = pathlib.Path(__file__).resolve().parent.parent / "starflow" / "starlark"
FORBIDDEN_TOP = {"psycopg", "psycopg_pool", "boto3", "botocore", "google", "pickle", "marshal"}


def _imports(path: pathlib.Path):
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name, 0
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, node.module or "", node.level


def test_interpreter_imports_nothing_from_the_engine_or_drivers():
    bad = []
    for path in sorted(PKG.rglob("*.py")):
        for line, mod, level in _imports(path):
            top = mod.split(".")[0]
            if level == 0 and (top == "starflow" and not mod.startswith("starflow.starlark")):
                bad.append(f"{path.name}:{line}: imports {mod}")
            if level == 0 and top in FORBIDDEN_TOP:
                bad.append(f"{path.name}:{line}: imports {mod}")
            if level >= 2:
                bad.append(f"{path.name}:{line}: relative import beyond the package")
    assert bad == []
