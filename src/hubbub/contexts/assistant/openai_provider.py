"""The `openai` provider: any OpenAI-compatible chat completions endpoint.

OpenAI itself, vLLM, Ollama or llama.cpp's server, at `POST {base_url}/chat/completions`.
Each call is retried with exponential backoff and jitter on what is usually transient
(transport errors, timeouts, 429, 5xx), and the whole call sits behind a circuit breaker:
once an endpoint keeps failing, every job gets one fast ProviderError instead of waiting
through `max_attempts` timeouts, until the breaker lets a trial call through again.
"""

from __future__ import annotations

from typing import Any

import httpx
import structlog
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from hubbub.contexts.assistant.openai_prompts import (
    MAX_TRANSCRIPT_CHARS,
    build_messages,
    clean_answer,
)
from hubbub.contexts.assistant.ports import Answer, Prompt, ProviderError
from hubbub.infra.observability.metrics import ASSISTANT_PROVIDER_CALLS

log = structlog.get_logger(__name__)

# A blackholed host should not hold a job for the whole read timeout on every attempt.
MAX_CONNECT_SECONDS = 5.0
# Statuses that blame this request, not the endpoint, so the circuit breaker ignores them
# (401, 403 or 404 blame the configuration: those do count).
_REJECTED = frozenset({400, 413, 422})


class ProviderTimeout(ProviderError):
    """The endpoint did not answer in time, on every attempt."""


class CircuitOpen(ProviderError):
    """Recent calls kept failing: this one was refused without trying."""


class RequestRejected(ProviderError):
    """The server refused this request (e.g. longer than the model's context): not a fault."""


_OUTCOMES: dict[type[ProviderError], str] = {
    CircuitOpen: "circuit_open",
    ProviderTimeout: "timeout",
}


class _RetryableStatus(Exception):
    """An HTTP status that is worth another try (429, 5xx)."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f"HTTP {response.status_code}: {_detail(response)}")
        self.retry_after = _retry_after(response)


class OpenAIProvider:
    """Advice and replies from a chat model behind an OpenAI-compatible HTTP API."""

    name = "openai"

    def __init__(
        self,
        *,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout_seconds: float = 20.0,
        max_attempts: int = 3,
        retry_base_seconds: float = 0.5,
        retry_max_seconds: float = 8.0,
        breaker_threshold: int = 5,
        breaker_recovery_seconds: float = 30.0,
        advice_max_tokens: int = 160,
        reply_max_tokens: int = 120,
        temperature: float = 0.3,
        max_prompt_chars: int = MAX_TRANSCRIPT_CHARS,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self._api_key = api_key
        self._timeout_seconds = timeout_seconds
        self._max_attempts = max(1, max_attempts)
        self._retry_max_seconds = retry_max_seconds
        self._backoff = wait_exponential_jitter(
            multiplier=retry_base_seconds, max=retry_max_seconds, jitter=retry_base_seconds
        )
        self._breaker_threshold = breaker_threshold
        self._breaker_recovery_seconds = breaker_recovery_seconds
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=breaker_threshold,
            default_ttl=breaker_recovery_seconds,
            exclude=[RequestRejected],
        )
        self._max_tokens = {"advice": advice_max_tokens, "autoreply": reply_max_tokens}
        self._temperature = temperature
        self._max_prompt_chars = max_prompt_chars
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        """Open the HTTP client (the endpoint is first contacted by the first call)."""
        if self._client is not None:
            return
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(
                self._timeout_seconds, connect=min(self._timeout_seconds, MAX_CONNECT_SECONDS)
            ),
            transport=self._transport,
        )
        await self._breakers.initialize()

    async def stop(self) -> None:
        """Close the HTTP client."""
        client, self._client = self._client, None
        if client is not None:
            await client.aclose()

    async def answer(self, prompt: Prompt) -> Answer | None:
        """Advice or a reply for `prompt`, or None when the model says nothing."""
        payload = {
            "model": self.model,
            "messages": build_messages(prompt, self._max_prompt_chars),
            "max_tokens": self._max_tokens[prompt.kind],
            "temperature": self._temperature,
            "stream": False,
        }
        try:
            content = await self._guarded_call(payload)
        except ProviderError as exc:
            outcome = _OUTCOMES.get(type(exc), "error")
            ASSISTANT_PROVIDER_CALLS.labels(self.name, outcome).inc()
            log.warning(
                "assistant_provider_failed", provider=self.name, outcome=outcome, error=str(exc)
            )
            raise
        text = clean_answer(content, prompt.owner_name)
        if not text:
            ASSISTANT_PROVIDER_CALLS.labels(self.name, "declined").inc()
            return None
        ASSISTANT_PROVIDER_CALLS.labels(self.name, "ok").inc()
        return Answer(text=text)

    async def _guarded_call(self, payload: dict[str, Any]) -> str:
        if self._client is None:
            raise ProviderError("openai provider is not started")
        try:
            breaker = await self._breakers.get_breaker(self.name)
            # Retries happen inside: the breaker counts a call once, after its last attempt.
            async with breaker:
                response = await self._post_with_retries(self._client, payload)
                return _content(response, self.base_url)
        except OpenedState:
            raise CircuitOpen(
                f"openai: circuit open after {self._breaker_threshold} failed calls to "
                f"{self.base_url}; retrying after {self._breaker_recovery_seconds:g}s"
            ) from None

    async def _post_with_retries(
        self, client: httpx.AsyncClient, payload: dict[str, Any]
    ) -> httpx.Response:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self._max_attempts),
            wait=self._wait,
            retry=retry_if_exception(_is_transient),
            before_sleep=_log_retry,
            reraise=True,
        )
        url = f"{self.base_url}/chat/completions"
        tries = f"{self._max_attempts} attempt(s)"
        try:
            async for attempt in retrying:
                with attempt:
                    response = await client.post("/chat/completions", json=payload)
                    if response.status_code == 429 or response.status_code >= 500:
                        raise _RetryableStatus(response)
                    if response.is_error:  # any other 4xx: retrying the same request is futile
                        rejected = response.status_code in _REJECTED
                        raise (RequestRejected if rejected else ProviderError)(
                            f"openai: HTTP {response.status_code} from {url}: {_detail(response)}"
                        )
                    return response
        except httpx.TimeoutException as exc:
            raise ProviderTimeout(
                f"openai: no answer from {url} within {self._timeout_seconds:g}s ({tries})"
            ) from exc
        except httpx.HTTPError as exc:
            raise ProviderError(f"openai: cannot reach {url} ({tries}): {exc!r}") from exc
        except _RetryableStatus as exc:
            raise ProviderError(f"openai: {exc} from {url} ({tries})") from exc
        raise AssertionError("unreachable: tenacity returns or re-raises")

    def _wait(self, state: RetryCallState) -> float:
        """Exponential backoff with jitter, or the server's Retry-After when it sent one."""
        error = state.outcome.exception() if state.outcome is not None else None
        if isinstance(error, _RetryableStatus) and error.retry_after is not None:
            return min(error.retry_after, self._retry_max_seconds)
        return self._backoff(state)


def _is_transient(error: BaseException) -> bool:
    # Not httpx.TransportError as a whole: a bad URL scheme will not fix itself.
    transient = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)
    return isinstance(error, (*transient, _RetryableStatus))


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    log.info("assistant_provider_retry", attempt=state.attempt_number, error=repr(error))


def _content(response: httpx.Response, base_url: str) -> str:
    """The first choice's message text ("" when the model returned none)."""
    try:
        content = response.json()["choices"][0]["message"].get("content")
    except (ValueError, LookupError, TypeError, AttributeError) as exc:
        raise ProviderError(
            f"openai: unexpected answer from {base_url}/chat/completions: {response.text[:200]!r}"
        ) from exc
    if content is None:  # a refusal or a tool call: nothing to say
        return ""
    if not isinstance(content, str):
        raise ProviderError(f"openai: unexpected message content type {type(content).__name__}")
    return content


def _detail(response: httpx.Response) -> str:
    """The server's error message, short enough for a log line."""
    try:
        message = response.json()["error"]["message"]
    except (ValueError, LookupError, TypeError):
        message = response.text
    return " ".join(str(message).split())[:200]


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:  # absent, or an HTTP date: fall back to our own backoff
        return None
