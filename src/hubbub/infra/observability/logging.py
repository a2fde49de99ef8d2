"""structlog configuration: JSON lines for machines, a readable line for people at a terminal.

`HUBBUB_LOG_FORMAT`: `json` (one object per line, with contextvars such as request_id and
user_id), `console` (time, level, event, key=value; coloured on a terminal), or `auto` (the
default): console when stderr is a terminal, JSON otherwise (a service manager, a container, a
pipe to a log collector).
"""

import logging
import sys
from typing import Literal, TextIO

import structlog
from structlog.types import Processor

from hubbub.infra.observability.console import for_terminal
from hubbub.infra.observability.redact import redact_event

LogFormat = Literal["json", "console", "auto"]


def resolve_format(fmt: str, stream: TextIO) -> Literal["json", "console"]:
    """`auto` is `console` on a terminal and `json` anywhere else."""
    if fmt == "auto":
        return "console" if _isatty(stream) else "json"
    return "console" if fmt == "console" else "json"


def configure_logging(
    level: str = "info", fmt: str = "auto", stream: TextIO | None = None
) -> Literal["json", "console"]:
    """Route structlog and the stdlib (uvicorn, sqlalchemy) through one renderer on `stream`
    (stderr by default); returns the format chosen."""
    stream = stream or sys.stderr
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    chosen = resolve_format(fmt, stream)
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
    ]
    if chosen == "json":
        shared.append(structlog.processors.TimeStamper(fmt="iso", utc=True))
        renderer: Processor = structlog.processors.JSONRenderer()
        readable: list[Processor] = []
    else:
        shared.append(structlog.processors.TimeStamper(fmt="%H:%M:%S", utc=False))
        renderer = structlog.dev.ConsoleRenderer(colors=_isatty(stream), pad_event_to=28)
        readable = [for_terminal(verbose=numeric <= logging.DEBUG)]
    structlog.configure(
        processors=[
            *shared,
            structlog.processors.format_exc_info,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        # Every line, ours or a library's (uvicorn logs `/ws?token=…`), is masked before it is
        # shaped for a terminal or rendered.
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            redact_event,
            *readable,
            renderer,
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(numeric)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Access lines duplicate our own request log, which carries the request id.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(max(numeric, logging.WARNING))
    # aiokafka logs every failed reconnect (about ten a second while a broker is down); the
    # bus adapter logs the outage itself, once per attempt with its backoff.
    logging.getLogger("aiokafka").setLevel(max(numeric, logging.CRITICAL))
    return chosen


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no such method, or a closed stream
        return False
