"""Types of request parameters shared by the routers: no coercion a client did not ask for."""

from typing import Annotated, Any

from pydantic import BeforeValidator

INT32_MAX = 2**31 - 1
"""The bound of every integer parameter without a smaller one of its own (offsets, seqs)."""


def _true_or_false(value: Any) -> Any:
    # A query string carries text: only `true` and `false` are booleans (not 1, yes, on…).
    if isinstance(value, str):
        if value in ("true", "false"):
            return value == "true"
        raise ValueError("a boolean is `true` or `false`")
    return value


QueryBool = Annotated[bool, BeforeValidator(_true_or_false)]
"""A boolean query parameter: `true` or `false`, nothing else."""
