"""Starflow: durable workflows written in Starlark, resumed from interpreter snapshots."""

__all__: list[str] = []
