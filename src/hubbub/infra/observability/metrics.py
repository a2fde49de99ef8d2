"""Prometheus metrics. Names follow ARCHITECTURE.md (`hubbub_*`)."""

from prometheus_client import Counter, Gauge, Histogram

WS_CONNECTIONS = Gauge("hubbub_ws_connections", "Open WebSocket connections on this process")
MESSAGES_SENT = Counter("hubbub_messages_sent_total", "Messages durably stored (new, not retries)")
MESSAGES_DELIVERED = Counter(
    "hubbub_messages_delivered_total", "new_message frames written to client sockets"
)
DELIVERY_SECONDS = Histogram(
    "hubbub_delivery_seconds",
    "From commit of a message to its frame being written to a socket",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
WS_FRAMES_DROPPED = Counter(
    "hubbub_ws_frames_dropped_total", "Droppable frames (typing, presence) shed under pressure"
)
WS_SLOW_CLOSED = Counter(
    "hubbub_ws_slow_consumers_closed_total", "Connections closed because their queue stayed full"
)
WS_ERRORS = Counter("hubbub_ws_error_frames_total", "error frames sent, by code", ["code"])
HTTP_DURATION = Histogram(
    "hubbub_http_request_duration_seconds",
    "HTTP request duration",
    ["method", "route", "status"],
)
WRITE_BATCH_SIZE = Histogram(
    "hubbub_message_write_batch_size",
    "Messages committed per group-commit transaction",
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
FANOUT_PUBLISH_ERRORS = Counter(
    "hubbub_fanout_publish_errors_total",
    "Fan-out publishes that did not reach other gateways (clients catch up with sync)",
)
FANOUT_RECONNECTS = Counter(
    "hubbub_fanout_reconnects_total", "Times the fan-out subscriber reconnected and resubscribed"
)
OUTBOX_RELAYED = Counter("hubbub_outbox_relayed_total", "Outbox rows published to the bus")
OUTBOX_LAG_SECONDS = Gauge(
    "hubbub_outbox_lag_seconds",
    "Bus lag: how long the oldest event of the relay's latest pass waited between its commit "
    "and the bus accepting it (0 when nothing was waiting)",
)
OUTBOX_RELAY_ERRORS = Counter(
    "hubbub_outbox_relay_errors_total", "Relay passes that failed (rows stay and are retried)"
)
BUS_DEAD_LETTERED = Counter(
    "hubbub_bus_dead_lettered_total",
    "Bus records given up on after their handler kept failing",
    ["topic", "group"],
)
ASSISTANT_PROVIDER_CALLS = Counter(
    "hubbub_assistant_provider_calls_total",
    "Calls to the assistant's model, by provider and outcome "
    "(ok, declined, error, timeout, circuit_open)",
    ["provider", "outcome"],
)
ASSISTANT_JOBS = Counter(
    "hubbub_assistant_jobs_total",
    "Assistant jobs finished, by kind and outcome (done, declined, failed, cancelled, limited)",
    ["kind", "outcome"],
)
ASSISTANT_JOB_SECONDS = Histogram(
    "hubbub_assistant_job_seconds",
    "From a job being queued to its result (advice stored or reply posted)",
    ["kind"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0),
)
GRPC_DURATION = Histogram(
    "hubbub_grpc_request_duration_seconds",
    "gRPC calls between services, by side (client: the whole call as its caller waited, "
    "retries included; server: the handler), service, method and status code",
    ["side", "service", "method", "code"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
