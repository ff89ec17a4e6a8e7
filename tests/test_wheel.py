"""The wheel is pure Python and carries the grammar: build it, parse through it."""

import pathlib
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_is_pure_python_and_parses_with_its_own_grammar(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("starflow-*.whl")
    assert wheel.name.endswith("-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        assert "starflow/grammar/starlark.lark" in names
        assert "starflow/py.typed" in names
        z.extractall(tmp_path / "site")
    # Run from the unpacked wheel only (not the source tree): the grammar must come from it.
    code = (
        "import starflow.starlark as s, pathlib;"
        "assert 'site' in pathlib.Path(s.__file__).parts;"
        "print(s.exec_file('w.star', 'x = [i * i for i in range(4)]')['x'])"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); {code}",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout
    assert out.strip() == "[0, 1, 4, 9]"
