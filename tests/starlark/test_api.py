"""The public names of starflow.starlark (design.md's contract) stay put."""

import starflow.starlark as sl

CONTRACT = {
    "exec_file",
    "check",
    "freeze",
    "to_python",
    "from_python",
    "StarlarkError",
    "StarlarkSyntaxError",
    "EvalError",
    "SnapshotError",
}


def test_contract_names_are_exported():
    assert CONTRACT <= set(sl.__all__)
    for name in CONTRACT:
        assert getattr(sl, name) is not None


def test_errors_form_one_hierarchy():
    assert issubclass(sl.StarlarkSyntaxError, sl.StarlarkError)
    assert issubclass(sl.EvalError, sl.StarlarkError)
    assert issubclass(sl.SnapshotError, sl.StarlarkError)
