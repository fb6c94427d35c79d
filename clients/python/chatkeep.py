"""A client of a Chatkeep server for Python 3.9+, in one file, with the standard library only.

Copy this file into your project (there is nothing to install)::

    from chatkeep import Client

    client = Client("http://127.0.0.1:8080", api_key="ck_...")
    chat = client.conversations.create(title="Trip")
    client.messages.append(chat["id"], "user", "Hi", request_id="turn-1")
    context = client.messages.last(chat["id"], 20)  # oldest first, for the LLM

Answers are the server's snake_case JSON objects, typed as TypedDicts (``Message``,
``Conversation``, ...). Every failure is a ``ChatkeepError`` with the server's stable ``code``,
its HTTP ``status`` and ``retriable``. Reads, and appends that carry a ``request_id``, are sent
again after a lost connection, a 429, 502, 503 or 504 (honouring ``Retry-After``); no other
write is ever sent twice. A login's access token is refreshed once on a 401.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, TypedDict

__all__ = [
    "ERROR_CODES",
    "ApiKey",
    "ChatkeepError",
    "Client",
    "Conversation",
    "CreatedApiKey",
    "Message",
    "Page",
    "RetryPolicy",
    "SearchHit",
    "SearchPage",
    "TokenResponse",
    "Tokens",
    "Transcript",
    "User",
]

# The server's error codes and their HTTP statuses (src/errors.ts; a test keeps them equal).
ERROR_CODES: Dict[str, int] = {
    "validation_failed": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "request_timeout": 408,
    "conflict": 409,
    "conversation_closed": 409,
    "legal_hold": 409,
    "message_not_streaming": 409,
    "search_disabled": 409,
    "cursor_expired": 410,
    "content_shredded": 410,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "headers_too_large": 431,
    "backup_corrupt": 422,
    "rate_limited": 429,
    "quota_exceeded": 429,
    "invalid_config": 500,
    "schema_out_of_date": 503,
    "schema_too_new": 503,
    "unavailable": 503,
    "store_closed": 503,
    "storage_full": 503,
    "storage_failed": 503,
    "decryption_failed": 500,
    "backup_failed": 500,
    "transcript_corrupt": 500,
    "internal": 500,
}

# The code of an answer that carries none of ours (a proxy's page), by its status.
_CODE_OF_STATUS = {
    400: "validation_failed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    408: "request_timeout",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    431: "headers_too_large",
    502: "unavailable",
    503: "unavailable",
    504: "unavailable",
}
# Failures that pass by themselves, when the server does not say.
_RETRIABLE = {"unavailable", "rate_limited"}
# Answers worth coming back for: too many requests, a server or proxy that is passing.
_PASSING_STATUSES = {429, 502, 503, 504}
# Routes that need no token: their 401 is the answer itself (a wrong password).
_PUBLIC_AUTH = {"/v1/auth/login", "/v1/auth/register", "/v1/auth/refresh"}


class ChatkeepError(Exception):
    """A failure, with the server's stable ``code`` (docs/errors.md).

    ``status`` is the HTTP status, ``field`` the JSON pointer of the input at fault (for bad
    input), ``retriable`` whether the same call may succeed later and is safe to repeat, and
    ``problem`` the problem+json body as sent (None when there was no answer).
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: Optional[int] = None,
        field: Optional[str] = None,
        retriable: Optional[bool] = None,
        problem: Optional[Mapping[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status if status is not None else ERROR_CODES.get(code, 500)
        self.field = field
        self.retriable = retriable if retriable is not None else code in _RETRIABLE
        self.problem = problem

    def __repr__(self) -> str:
        return f"ChatkeepError({self.code!r}, {self.message!r}, status={self.status})"


# The data the server hands out. They are TypedDicts, so the answers are plain dicts: a newer
# server's extra fields arrive too, and json.dumps(message) just works.


class User(TypedDict):
    id: str
    username: str
    display_name: Optional[str]
    email: Optional[str]
    role: str
    is_active: bool
    discord_id: Optional[str]
    preferences: Dict[str, Any]
    created_at: str
    updated_at: str
    last_login_at: Optional[str]


class Conversation(TypedDict):
    id: str
    short_id: str
    user_id: str
    title: Optional[str]
    status: str
    origin: str
    discord_channel_id: Optional[str]
    parameters: Dict[str, Any]
    metadata: Dict[str, Any]
    message_count: int
    total_tokens: int
    created_at: str
    updated_at: str
    last_activity: str
    archived_at: Optional[str]
    ended_at: Optional[str]
    deleted_at: Optional[str]


class Message(TypedDict):
    id: str
    conversation_id: str
    user_id: str
    sequence: int
    parent_id: Optional[str]
    role: str
    content: str
    request_id: Optional[str]
    tokens_used: int
    prompt_tokens: Optional[int]
    completion_tokens: Optional[int]
    model_version: Optional[str]
    context_documents: List[Any]
    metadata: Dict[str, Any]
    feedback: Optional[int]
    created_at: str
    deleted_at: Optional[str]


class Page(TypedDict):
    """One page of a list: the next one is ``after=page["last_id"]``."""

    data: List[Any]
    has_more: bool
    first_id: Optional[str]
    last_id: Optional[str]


class SearchHit(TypedDict):
    id: str
    object: str
    score: float
    snippet: str
    created_at: str
    conversation_id: Optional[str]
    role: Optional[str]
    document_id: Optional[str]
    chunk_index: Optional[int]
    content_hash: Optional[str]
    title: Optional[str]
    source_url: Optional[str]
    doc_type: Optional[str]


class SearchPage(TypedDict):
    """One page of hits, best first: the next one is ``after=page["next_cursor"]``."""

    object: str
    data: List[SearchHit]
    has_more: bool
    next_cursor: Optional[str]


class Transcript(TypedDict):
    id: str
    conversation_id: str
    user_id: str
    format: str
    storage: str
    storage_key: str
    file_size_bytes: int
    message_count: int
    sha256: str
    created_at: str


class TokenResponse(TypedDict):
    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str
    user: User


class ApiKey(TypedDict):
    id: str
    name: str
    prefix: str
    scopes: List[str]
    created_at: str
    last_used_at: Optional[str]


class CreatedApiKey(ApiKey):
    key: str


@dataclass(frozen=True)
class Tokens:
    """A login's two tokens: keep them to carry on later (``Client(tokens=...)``)."""

    access_token: str
    refresh_token: str


@dataclass(frozen=True)
class RetryPolicy:
    """Attempts after the first for a request that is safe to repeat, and the waits between.

    A wait is ``Retry-After`` when the answer has one, else a random time up to
    ``base_delay * 2**attempt`` (full jitter), capped at ``max_delay`` seconds. A
    ``Retry-After`` longer than ``max_delay`` is not waited for: its answer stands.
    """

    retries: int = 3
    base_delay: float = 0.2
    max_delay: float = 30.0


@dataclass
class _Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


class Client:
    """A client of the Chatkeep server at ``base_url``.

    Authenticate with ``api_key``, with the ``tokens`` of an earlier login, or by calling
    ``auth.login``. ``on_tokens`` is called with the new ``Tokens`` after every login and
    refresh, and with None once they end (logout, a refused refresh). One client may be used
    from several threads.
    """

    def __init__(
        self,
        base_url: str,
        *,
        api_key: Optional[str] = None,
        tokens: Optional[Tokens] = None,
        on_tokens: Optional[Callable[[Optional[Tokens]], None]] = None,
        retry: RetryPolicy = RetryPolicy(),
        timeout: float = 30.0,
    ) -> None:
        parsed = urllib.parse.urlsplit(base_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ChatkeepError(
                "validation_failed",
                f"base_url {base_url!r} is not an http(s) URL; give the server's address, "
                "like http://127.0.0.1:8080.",
                field="/base_url",
            )
        self.base_url = base_url.rstrip("/")
        self.retry = retry
        self.timeout = timeout
        self._api_key = api_key
        self._tokens = tokens
        self._on_tokens = on_tokens
        self._refreshing = threading.Lock()
        self.auth = _Auth(self)
        self.users = _Users(self)
        self.conversations = _Conversations(self)
        self.messages = _Messages(self)
        self.search = _Search(self)
        self.transcripts = _Transcripts(self)
        self.usage = _Usage(self)

    @property
    def tokens(self) -> Optional[Tokens]:
        """The login's tokens the client holds now."""
        return self._tokens

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Optional[Mapping[str, Any]] = None,
    ) -> Any:
        """Any route: the parsed JSON of a 2xx (None for a 204); anything else raises."""
        answer = self._send(method, path, body=body, query=query)
        if not answer.body:
            return None
        return json.loads(answer.body)

    # -- the transport ------------------------------------------------------------------------

    def _send(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: Optional[Mapping[str, Any]] = None,
    ) -> _Answer:
        url = self.base_url + path
        if query:
            pairs = {k: _query_value(v) for k, v in query.items() if v is not None}
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        data = None if body is None else json.dumps(body).encode("utf-8")
        # Sending these twice does what sending once does: reads, keyed appends, and a refresh
        # (the server answers a refresh token presented again within 10 s with a second pair).
        repeatable = (
            method in ("GET", "HEAD")
            or (method == "POST" and path == "/v1/auth/refresh")
            or (
                method == "POST"
                and _is_append(path)
                and isinstance(body, dict)
                and isinstance(body.get("request_id"), str)
            )
        )
        bearer = self._bearer()
        answer = self._attempts(method, url, path, data, bearer, repeatable)
        if (
            answer.status == 401
            and path not in _PUBLIC_AUTH
            and self._api_key is None
            and self._tokens is not None
        ):
            if self._renew(bearer):
                answer = self._attempts(method, url, path, data, self._bearer(), repeatable)
        if answer.status >= 400:
            raise _error_of(answer)
        return answer

    def _bearer(self) -> Optional[str]:
        if self._api_key is not None:
            return self._api_key
        return self._tokens.access_token if self._tokens is not None else None

    def _attempts(
        self,
        method: str,
        url: str,
        path: str,
        data: Optional[bytes],
        bearer: Optional[str],
        repeatable: bool,
    ) -> _Answer:
        attempt = 0
        while True:
            again = repeatable and attempt < self.retry.retries
            try:
                answer = self._once(method, url, data, bearer)
            except (OSError, http.client.HTTPException) as error:
                if not again:
                    raise _connection_lost(self.base_url, method, path, error, repeatable, attempt + 1)
                time.sleep(self._backoff(attempt))
                attempt += 1
                continue
            if not again or answer.status not in _PASSING_STATUSES:
                return answer
            wait = _retry_after(answer.headers.get("retry-after"))
            if wait is None:
                wait = self._backoff(attempt)
            if wait > self.retry.max_delay:
                return answer
            time.sleep(wait)
            attempt += 1

    def _once(self, method: str, url: str, data: Optional[bytes], bearer: Optional[str]) -> _Answer:
        headers = {"accept": "application/json"}
        if data is not None:
            headers["content-type"] = "application/json"
        if bearer is not None:
            headers["authorization"] = f"Bearer {bearer}"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _Answer(response.status, _lower(response.headers), response.read())
        except urllib.error.HTTPError as error:
            with error:
                return _Answer(error.code, _lower(error.headers), error.read())

    def _backoff(self, attempt: int) -> float:
        return random.random() * min(self.retry.max_delay, self.retry.base_delay * 2**attempt)

    def _renew(self, sent: Optional[str]) -> bool:
        """Trades the refresh token for new tokens; requests refused together refresh once."""
        with self._refreshing:
            current = self._tokens
            if current is None:
                return False
            if current.access_token != sent:
                return True  # another thread renewed them while this one waited
            try:
                answer = self.request(
                    "POST", "/v1/auth/refresh", body={"refresh_token": current.refresh_token}
                )
            except ChatkeepError as error:
                # Refused (logged out, revoked, expired, reused): these tokens are done.
                if error.code == "unauthorized":
                    self._set_tokens(None)
                raise
            self._set_tokens(Tokens(answer["access_token"], answer["refresh_token"]))
            return True

    def _set_tokens(self, tokens: Optional[Tokens]) -> None:
        self._tokens = tokens
        if self._on_tokens is not None:
            self._on_tokens(tokens)


def _is_append(path: str) -> bool:
    parts = path.split("/")
    return len(parts) == 5 and parts[1:3] == ["v1", "conversations"] and parts[4] == "messages"


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _lower(headers: Any) -> Dict[str, str]:
    return {k.lower(): v for k, v in headers.items()} if headers is not None else {}


def _retry_after(value: Optional[str]) -> Optional[float]:
    """``Retry-After`` in seconds from now: delta-seconds or an HTTP date; None when absent."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _error_of(answer: _Answer) -> ChatkeepError:
    """The ChatkeepError of an answer that is not a 2xx: its problem+json, else its status."""
    fallback = _CODE_OF_STATUS.get(
        answer.status, "internal" if answer.status >= 500 else "validation_failed"
    )
    request_id = answer.headers.get("x-request-id")
    # A 5xx is logged by the server under its request id: name it, to find the log line.
    logged = f" (request {request_id})" if answer.status >= 500 and request_id else ""
    try:
        problem = json.loads(answer.body)
    except ValueError:
        problem = None
    if isinstance(problem, dict) and isinstance(problem.get("code"), str) and isinstance(
        problem.get("detail"), str
    ):
        code = problem["code"] if problem["code"] in ERROR_CODES else fallback
        detail = problem["detail"] if code == problem["code"] else f"{problem['detail']} [{problem['code']}]"
        retriable = problem.get("retriable")
        field = problem.get("field")
        return ChatkeepError(
            code,
            detail + logged,
            status=answer.status,
            field=field if isinstance(field, str) else None,
            retriable=retriable if isinstance(retriable, bool) else None,
            problem=problem,
        )
    return ChatkeepError(
        fallback,
        f"The server answered {answer.status} without a Chatkeep error body; "
        f"is base_url a Chatkeep server?{logged}",
        status=answer.status,
    )


def _connection_lost(
    base_url: str, method: str, path: str, error: BaseException, repeatable: bool, attempts: int
) -> ChatkeepError:
    """A request that got no answer: whether it took effect is unknown unless it is repeatable."""
    why = getattr(error, "reason", None) or error
    what = f"{method} {path}"
    if repeatable:
        message = (
            f"Cannot reach the Chatkeep server at {base_url} ({what}, {attempts} attempts: {why}); "
            "check base_url and that the server is up."
        )
    else:
        message = (
            f"The connection to {base_url} failed before {what} was answered ({why}): it may or "
            "may not have been applied. Check before sending it again; an append with a "
            "request_id is safe to repeat."
        )
    failure = ChatkeepError("unavailable", message, retriable=repeatable)
    failure.__cause__ = error
    return failure


def _pages(fetch: Callable[[Optional[str]], Page], after: Optional[str] = None) -> Iterator[Any]:
    """Every item of a keyset list, asking for the next page only when the loop reaches it."""
    while True:
        page = fetch(after)
        yield from page["data"]
        if not page["has_more"] or page["last_id"] is None:
            return
        after = page["last_id"]


def _id(value: str) -> str:
    return urllib.parse.quote(value, safe="")


class _Auth:
    def __init__(self, client: Client) -> None:
        self._client = client

    def register(self, username: str, password: str, **fields: Any) -> TokenResponse:
        """Creates an account (``display_name``, ``email`` in ``fields``) and logs in as it."""
        return self._keep(
            self._client.request(
                "POST", "/v1/auth/register", body={"username": username, "password": password, **fields}
            )
        )

    def login(self, username: str, password: str) -> TokenResponse:
        return self._keep(
            self._client.request(
                "POST", "/v1/auth/login", body={"username": username, "password": password}
            )
        )

    def refresh(self) -> Tokens:
        """New tokens now, rather than on the next 401; raises ``unauthorized`` when refused."""
        client = self._client
        if client._tokens is None:
            raise ChatkeepError("unauthorized", "There is no login to refresh; log in first.")
        client._renew(client._tokens.access_token)
        assert client._tokens is not None
        return client._tokens

    def logout(self) -> None:
        """Ends the session on the server and forgets its tokens."""
        self._client.request("POST", "/v1/auth/logout")
        self._client._set_tokens(None)

    def create_api_key(self, name: str, scopes: Optional[List[str]] = None) -> CreatedApiKey:
        """A new API key; its whole ``key`` is in this answer only."""
        body: Dict[str, Any] = {"name": name}
        if scopes is not None:
            body["scopes"] = scopes
        return self._client.request("POST", "/v1/auth/api-keys", body=body)

    def list_api_keys(self, **options: Any) -> Page:
        return self._client.request("GET", "/v1/auth/api-keys", query=options)

    def revoke_api_key(self, key_id: str) -> None:
        self._client.request("DELETE", f"/v1/auth/api-keys/{_id(key_id)}")

    def _keep(self, answer: TokenResponse) -> TokenResponse:
        self._client._set_tokens(Tokens(answer["access_token"], answer["refresh_token"]))
        return answer


class _Users:
    def __init__(self, client: Client) -> None:
        self._client = client

    def me(self) -> User:
        return self._client.request("GET", "/v1/users/me")

    def update_me(self, **patch: Any) -> User:
        return self._client.request("PATCH", "/v1/users/me", body=patch)


class _Conversations:
    def __init__(self, client: Client) -> None:
        self._client = client

    def create(self, **fields: Any) -> Conversation:
        """A new conversation: ``title``, ``origin``, ``parameters``, ``metadata``."""
        return self._client.request("POST", "/v1/conversations", body=fields)

    def get(self, conversation_id: str) -> Conversation:
        return self._client.request("GET", f"/v1/conversations/{_id(conversation_id)}")

    def list(self, **options: Any) -> Page:
        """One page, most recently active first: ``limit``, ``after``, ``status``, ``tag``, ..."""
        return self._client.request("GET", "/v1/conversations", query=options)

    def iterate(self, **options: Any) -> Iterator[Conversation]:
        """Every conversation, a page (``limit``) at a time."""
        after = options.pop("after", None)
        return _pages(lambda cursor: self.list(**options, after=cursor), after)

    def update(self, conversation_id: str, **patch: Any) -> Conversation:
        return self._client.request("PATCH", f"/v1/conversations/{_id(conversation_id)}", body=patch)

    def delete(self, conversation_id: str) -> None:
        """Soft-deletes it with its messages; ``restore`` brings both back."""
        self._client.request("DELETE", f"/v1/conversations/{_id(conversation_id)}")

    def restore(self, conversation_id: str) -> Conversation:
        return self._client.request("POST", f"/v1/conversations/{_id(conversation_id)}/restore")


class _Messages:
    def __init__(self, client: Client) -> None:
        self._client = client

    def append(
        self,
        conversation_id: str,
        role: str,
        content: str,
        *,
        request_id: Optional[str] = None,
        **fields: Any,
    ) -> Message:
        """Appends a message (``tokens_used`` or ``prompt_tokens`` and ``completion_tokens``,
        ``model_version``, ``context_documents``, ``metadata``, ``parent_id``, ``embedding`` in
        ``fields``).

        With a ``request_id`` it is idempotent, and so sent again after a lost connection or a
        503: it lands once whatever happens to the answer. The same key with another body is a
        ``conflict``.
        """
        body: Dict[str, Any] = {"role": role, "content": content, **fields}
        if request_id is not None:
            body["request_id"] = request_id
        return self._client.request(
            "POST", f"/v1/conversations/{_id(conversation_id)}/messages", body=body
        )

    def append_many(self, conversation_id: str, messages: List[Mapping[str, Any]]) -> List[Message]:
        """Several messages in one transaction: all or none. Never sent twice."""
        answer = self._client.request(
            "POST",
            f"/v1/conversations/{_id(conversation_id)}/messages/batch",
            body={"messages": list(messages)},
        )
        return answer["data"]

    def list(self, conversation_id: str, **options: Any) -> Page:
        """One page in sequence order (``order="desc"`` for newest first, ``role``, ``limit``)."""
        return self._client.request(
            "GET", f"/v1/conversations/{_id(conversation_id)}/messages", query=options
        )

    def iterate(self, conversation_id: str, **options: Any) -> Iterator[Message]:
        after = options.pop("after", None)
        return _pages(lambda cursor: self.list(conversation_id, **options, after=cursor), after)

    def last(self, conversation_id: str, n: int) -> List[Message]:
        """The last ``n`` live messages, oldest first: the context window for an LLM."""
        return self.list(conversation_id, last=n)["data"]

    def context(
        self,
        conversation_id: str,
        *,
        max_tokens: Optional[int] = None,
        max_messages: Optional[int] = None,
        leaf: Optional[str] = None,
    ) -> Dict[str, Any]:
        """The window to send an LLM: the system prompt, then the newest messages of the path
        that fit, oldest first (``messages``: each ``message`` with its ``tokens`` and
        ``token_source``), and ``total_tokens``, ``total_messages``, ``omitted``, ``truncated``."""
        query = {"max_tokens": max_tokens, "max_messages": max_messages, "leaf": leaf}
        return self._client.request(
            "GET",
            f"/v1/conversations/{_id(conversation_id)}/context",
            query={k: v for k, v in query.items() if v is not None},
        )

    def start(self, conversation_id: str, role: str = "assistant", **fields: Any) -> Message:
        """Starts a live reply (status ``streaming``): its id and sequence are fixed at once.
        Idempotent with a ``request_id`` in ``fields``, and so sent again when an answer is lost."""
        return self._client.request(
            "POST",
            f"/v1/conversations/{_id(conversation_id)}/messages",
            body={"role": role, "status": "streaming", **fields},
        )

    def append_delta(
        self, message_id: str, content: str = "", parts: Optional[List[Mapping[str, Any]]] = None
    ) -> None:
        """Adds text (and parts) to a live reply. Never sent twice: a lost answer may have
        stored it, so the error says to read the message before sending more."""
        body: Dict[str, Any] = {"content": content}
        if parts is not None:
            body["parts"] = list(parts)
        self._client.request("POST", f"/v1/messages/{_id(message_id)}/deltas", body=body)

    def finish(self, message_id: str, **fields: Any) -> Message:
        """Ends a live reply as ``complete`` (``tokens_used``, ``finish_reason``, ``metadata``)."""
        return self._client.request("POST", f"/v1/messages/{_id(message_id)}/finish", body=fields)

    def abort(self, message_id: str, finish_reason: Optional[str] = None) -> Message:
        """Ends a live reply as ``aborted``, keeping what arrived."""
        body = {} if finish_reason is None else {"finish_reason": finish_reason}
        return self._client.request("POST", f"/v1/messages/{_id(message_id)}/abort", body=body)

    def get(self, message_id: str) -> Message:
        return self._client.request("GET", f"/v1/messages/{_id(message_id)}")

    def set_feedback(self, message_id: str, feedback: Optional[int]) -> Message:
        """1 (good), -1 (bad) or None (none)."""
        return self._client.request(
            "PUT", f"/v1/messages/{_id(message_id)}/feedback", body={"feedback": feedback}
        )

    def set_embedding(self, message_id: str, embedding: Optional[List[float]]) -> None:
        """Sets, replaces or (None) clears the embedding ``search.similar_messages`` finds."""
        self._client.request(
            "PUT", f"/v1/messages/{_id(message_id)}/embedding", body={"embedding": embedding}
        )

    def delete(self, message_id: str) -> None:
        self._client.request("DELETE", f"/v1/messages/{_id(message_id)}")

    def restore(self, message_id: str) -> Message:
        return self._client.request("POST", f"/v1/messages/{_id(message_id)}/restore")


class _Search:
    def __init__(self, client: Client) -> None:
        self._client = client

    def __call__(self, q: str, **options: Any) -> SearchPage:
        """Full text over the caller's messages (or ``scope="documents"``), best first."""
        return self._client.request("GET", "/v1/search", query={"q": q, **options})

    def iterate(self, q: str, **options: Any) -> Iterator[SearchHit]:
        """Every hit, page after page."""
        after = options.pop("after", None)
        while True:
            page = self(q, **options, **({"after": after} if after else {}))
            yield from page["data"]
            if not page["has_more"] or page["next_cursor"] is None:
                return
            after = page["next_cursor"]

    def similar(self, embedding: List[float], **options: Any) -> List[Dict[str, Any]]:
        """The document chunks nearest an embedding (cosine): ``k``, ``min_score``, ..."""
        answer = self._client.request(
            "POST", "/v1/search/similar", body={"embedding": embedding, **options}
        )
        return answer["data"]

    def similar_messages(self, embedding: List[float], **options: Any) -> List[Dict[str, Any]]:
        """Semantic recall: the caller's messages nearest an embedding (cosine), best first:
        ``k``, ``conversation_id``, ``role``, ``min_score``."""
        answer = self._client.request(
            "POST", "/v1/search/messages/similar", body={"embedding": embedding, **options}
        )
        return answer["data"]


class _Usage:
    def __init__(self, client: Client) -> None:
        self._client = client

    def report(self, **options: Any) -> Dict[str, Any]:
        """Tokens and their cost: ``group_by`` user, model or day, ``since``, ``until``,
        ``user_id`` (an admin's). A user sees their own usage only."""
        return self._client.request("GET", "/v1/usage", query=options)

    def quota(self, user_id: Optional[str] = None) -> Dict[str, Any]:
        """Where the caller (or, for an admin, ``user_id``) stands against their quota."""
        query = {} if user_id is None else {"user_id": user_id}
        return self._client.request("GET", "/v1/usage/quota", query=query)


class _Transcripts:
    def __init__(self, client: Client) -> None:
        self._client = client

    def create(self, conversation_id: str, format: str = "json") -> Transcript:
        """Writes the conversation to a file on the server: ``json``, ``csv`` or ``markdown``."""
        return self._client.request(
            "POST",
            f"/v1/conversations/{_id(conversation_id)}/transcripts",
            body={"format": format},
        )

    def list(self, conversation_id: str, **options: Any) -> Page:
        return self._client.request(
            "GET", f"/v1/conversations/{_id(conversation_id)}/transcripts", query=options
        )

    def get(self, transcript_id: str) -> Transcript:
        return self._client.request("GET", f"/v1/transcripts/{_id(transcript_id)}")

    def download(self, transcript_id: str) -> bytes:
        """The file's bytes, as the server checked them against its sha256."""
        return self._client._send("GET", f"/v1/transcripts/{_id(transcript_id)}/content").body

    def delete(self, transcript_id: str) -> None:
        self._client.request("DELETE", f"/v1/transcripts/{_id(transcript_id)}")
