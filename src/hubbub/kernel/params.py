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


def _json_integer(value: Any) -> Any:
    # JSON Schema's integer: a number without a fraction (`3` or `3.0`), never a string or a
    # boolean (which pydantic would otherwise turn into one).
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("an integer is a JSON number without a fraction")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("an integer is a JSON number without a fraction")
        return int(value)
    return value


BodyInt = Annotated[int, BeforeValidator(_json_integer)]
"""An integer in a JSON body, as JSON Schema reads one: no strings, no booleans."""
