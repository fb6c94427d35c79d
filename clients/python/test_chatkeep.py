"""chatkeep.py against a real Chatkeep server (CHATKEEP_URL), partly through a proxy that fails
on cue. test/python/client.test.ts starts the server on each engine and runs this file."""

from __future__ import annotations

import hashlib
import http.client
import http.server
import json
import os
import socket
import threading
import unittest
import urllib.parse
import uuid
from typing import Any, Dict, List, Optional

from chatkeep import ChatkeepError, Client, RetryPolicy, Tokens

SERVER = os.environ.get("CHATKEEP_URL", "")
PASSWORD = "correct horse battery"
# Retries as the client makes them, with short waits: these tests count, not time.
FAST = RetryPolicy(retries=3, base_delay=0.005, max_delay=2.0)


def username() -> str:
    return f"py_{uuid.uuid4().hex[:12]}"


def problem(status: int, code: str, detail: str = "from the proxy") -> str:
    return json.dumps({"type": f"urn:chatkeep:error:{code}", "title": code, "status": status, "code": code, "detail": detail})


class FaultProxy:
    """An HTTP relay to the server that fails chosen requests: an answer of its own, or a
    connection cut before the server sees the request or after it has handled it."""

    def __init__(self, target: str) -> None:
        self.target = urllib.parse.urlsplit(target)
        self.seen: List[Dict[str, Any]] = []
        self.plans: List[Dict[str, Any]] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?")[0]
                plan = next(
                    (p for p in proxy.plans if p["left"] > 0 and p["method"] == self.command and p["path"] == path),
                    None,
                )
                if plan is not None:
                    plan["left"] -= 1
                fault = plan["fault"] if plan else None
                proxy.seen.append(
                    {"method": self.command, "path": path, "fault": fault and fault["kind"], "body": body}
                )
                self.close_connection = True
                if fault and fault["kind"] == "drop_request":
                    return
                if fault and fault["kind"] == "answer":
                    data = fault.get("body", "").encode()
                    self.send_response(fault["status"])
                    for name, value in {"content-type": "application/problem+json", **fault.get("headers", {})}.items():
                        self.send_header(name, value)
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                upstream = http.client.HTTPConnection(proxy.target.hostname, proxy.target.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                upstream.request(self.command, self.path, body=body or None, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                upstream.close()
                if fault and fault["kind"] == "drop_answer":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _relay

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def fail(self, method: str, path: str, fault: Dict[str, Any], times: int = 1) -> None:
        self.plans.append({"method": method, "path": path, "fault": fault, "left": times})

    def sent(self, method: str, path: str) -> List[Dict[str, Any]]:
        return [s for s in self.seen if s["method"] == method and s["path"] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def registered(base_url: str = SERVER, **options: Any) -> Client:
    client = Client(base_url, retry=FAST, **options)
    client.auth.register(username(), PASSWORD)
    return client


@unittest.skipUnless(SERVER, "set CHATKEEP_URL to a Chatkeep server (test/python/client.test.ts does)")
class AuthTest(unittest.TestCase):
    def test_login_keeps_the_tokens_refreshes_and_logs_out(self) -> None:
        name = username()
        Client(SERVER).auth.register(name, PASSWORD, display_name="Py")
        kept: List[Optional[Tokens]] = []
        client = Client(SERVER, on_tokens=kept.append)
        login = client.auth.login(name, PASSWORD)
        self.assertEqual(login["user"]["username"], name)
        self.assertEqual(kept, [Tokens(login["access_token"], login["refresh_token"])])
        self.assertEqual(client.users.me()["id"], login["user"]["id"])

        # The tokens kept from one client carry on in another.
        later = Client(SERVER, tokens=kept[0])
        self.assertEqual(later.users.me()["display_name"], "Py")

        renewed = client.auth.refresh()
        self.assertNotEqual(renewed.access_token, login["access_token"])
        self.assertEqual(kept[-1], renewed)
        self.assertEqual(client.users.me()["id"], login["user"]["id"])

        client.auth.logout()
        self.assertIsNone(client.tokens)
        self.assertIsNone(kept[-1])
        with self.assertRaises(ChatkeepError) as caught:
            client.users.me()
        self.assertEqual((caught.exception.code, caught.exception.status), ("unauthorized", 401))

    def test_a_wrong_password_is_unauthorized_and_not_retried(self) -> None:
        name = username()
        Client(SERVER).auth.register(name, PASSWORD)
        with self.assertRaises(ChatkeepError) as caught:
            Client(SERVER).auth.login(name, "not the password at all")
        self.assertEqual(caught.exception.code, "unauthorized")
        self.assertFalse(caught.exception.retriable)

    def test_api_keys_authenticate_until_revoked(self) -> None:
        owner = registered()
        created = owner.auth.create_api_key("py-bot", ["read", "write"])
        self.assertTrue(created["key"].startswith("ck_"))
        bot = Client(SERVER, api_key=created["key"])
        self.assertEqual(bot.users.me()["id"], owner.users.me()["id"])
        self.assertIn(created["id"], [k["id"] for k in owner.auth.list_api_keys()["data"]])
        owner.auth.revoke_api_key(created["id"])
        with self.assertRaises(ChatkeepError) as caught:
            bot.users.me()
        self.assertEqual(caught.exception.code, "unauthorized")

        reader = Client(SERVER, api_key=owner.auth.create_api_key("reader", ["read"])["key"])
        with self.assertRaises(ChatkeepError) as caught:
            reader.conversations.create(title="no")
        self.assertEqual((caught.exception.code, caught.exception.status), ("forbidden", 403))


@unittest.skipUnless(SERVER, "set CHATKEEP_URL to a Chatkeep server")
class DataTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = registered()

    def test_conversations_are_created_listed_page_by_page_updated_and_restored(self) -> None:
        c = self.client.conversations
        made = [c.create(title=f"chat {i}", metadata={"tags": ["py"]}) for i in range(5)]
        self.assertEqual(c.get(made[0]["id"])["title"], "chat 0")
        page = c.list(limit=2)
        self.assertEqual(len(page["data"]), 2)
        self.assertTrue(page["has_more"])
        self.assertEqual(sorted(x["id"] for x in c.iterate(limit=2)), sorted(m["id"] for m in made))
        self.assertEqual(c.update(made[1]["id"], title="renamed")["title"], "renamed")
        c.delete(made[2]["id"])
        with self.assertRaises(ChatkeepError) as caught:
            c.get(made[2]["id"])
        self.assertEqual(caught.exception.code, "not_found")
        self.assertEqual(c.restore(made[2]["id"])["id"], made[2]["id"])

    def test_messages_append_once_per_request_id_and_read_back(self) -> None:
        chat = self.client.conversations.create(title="py")
        m = self.client.messages
        first = m.append(chat["id"], "user", "Hi", request_id="turn-1")
        again = m.append(chat["id"], "user", "Hi", request_id="turn-1")
        self.assertEqual(again["id"], first["id"])
        with self.assertRaises(ChatkeepError) as caught:
            m.append(chat["id"], "user", "Something else", request_id="turn-1")
        self.assertEqual((caught.exception.code, caught.exception.field), ("conflict", "/request_id"))
        answer = m.append(
            chat["id"], "assistant", "Hello!", request_id="turn-1", tokens_used=12, model_version="gpt-x"
        )
        self.assertEqual((answer["sequence"], answer["tokens_used"]), (2, 12))
        batch = m.append_many(
            chat["id"], [{"role": "user", "content": f"q{i}"} for i in range(30)]
        )
        self.assertEqual([x["sequence"] for x in batch], list(range(3, 33)))

        self.assertEqual([x["content"] for x in m.last(chat["id"], 3)], ["q27", "q28", "q29"])
        self.assertEqual(len(list(m.iterate(chat["id"], limit=7))), 32)
        newest = m.list(chat["id"], order="desc", limit=1)["data"][0]
        self.assertEqual(newest["content"], "q29")
        self.assertEqual(m.set_feedback(answer["id"], 1)["feedback"], 1)
        self.assertEqual(m.get(answer["id"])["model_version"], "gpt-x")
        m.delete(newest["id"])
        self.assertEqual(m.last(chat["id"], 1)[0]["content"], "q28")
        self.assertEqual(m.restore(newest["id"])["id"], newest["id"])
        self.assertEqual(self.client.conversations.get(chat["id"])["total_tokens"], 12)

    def test_the_context_window_keeps_the_system_prompt_and_the_newest_that_fit(self) -> None:
        chat = self.client.conversations.create(title="ctx")
        m = self.client.messages
        m.append(chat["id"], "system", "Be brief.", tokens_used=5)
        for i in range(4):
            m.append(chat["id"], "user", f"q{i}", tokens_used=10)
        window = m.context(chat["id"], max_tokens=26)
        self.assertEqual([x["message"]["content"] for x in window["messages"]], ["Be brief.", "q2", "q3"])
        self.assertEqual((window["total_tokens"], window["omitted"], window["truncated"]), (25, 2, True))
        self.assertEqual(window["messages"][0]["token_source"], "tokens_used")

    def test_a_live_reply_streams_then_finishes_or_aborts(self) -> None:
        chat = self.client.conversations.create(title="live")
        m = self.client.messages
        answer = m.start(chat["id"], request_id="live-1")
        self.assertEqual((answer["status"], answer["content"]), ("streaming", ""))
        self.assertEqual(m.start(chat["id"], request_id="live-1")["id"], answer["id"])
        m.append_delta(answer["id"], "Hel")
        m.append_delta(answer["id"], "lo", parts=[{"type": "reasoning", "text": "greet"}])
        done = m.finish(answer["id"], tokens_used=3, finish_reason="stop")
        self.assertEqual(
            (done["status"], done["content"], done["tokens_used"], done["parts"]),
            ("complete", "Hello", 3, [{"type": "reasoning", "text": "greet"}]),
        )
        with self.assertRaises(ChatkeepError) as caught:
            m.append_delta(answer["id"], "more")
        self.assertEqual((caught.exception.code, caught.exception.status), ("message_not_streaming", 409))
        stopped = m.start(chat["id"])
        m.append_delta(stopped["id"], "half")
        self.assertEqual(m.abort(stopped["id"], "user")["status"], "aborted")

    def test_a_batch_with_a_bad_message_stores_none_and_names_the_field(self) -> None:
        chat = self.client.conversations.create()
        with self.assertRaises(ChatkeepError) as caught:
            self.client.messages.append_many(
                chat["id"], [{"role": "user", "content": "ok"}, {"role": "robot", "content": "no"}]
            )
        self.assertEqual(caught.exception.code, "validation_failed")
        self.assertEqual(caught.exception.status, 400)
        self.assertTrue(caught.exception.field.startswith("/messages/1"), caught.exception.field)
        self.assertEqual(self.client.messages.list(chat["id"])["data"], [])

    def test_search_finds_the_callers_messages_page_by_page(self) -> None:
        chat = self.client.conversations.create()
        word = f"zebra{uuid.uuid4().hex[:8]}"
        for i in range(3):
            self.client.messages.append(chat["id"], "user", f"the {word} number {i}")
        page = self.client.search(word, limit=2)
        self.assertEqual(len(page["data"]), 2)
        self.assertTrue(page["has_more"])
        self.assertIn("<mark>", page["data"][0]["snippet"])
        hits = list(self.client.search.iterate(word, limit=2))
        self.assertEqual(len(hits), 3)
        self.assertEqual({h["conversation_id"] for h in hits}, {chat["id"]})
        # Another user's search does not see them.
        self.assertEqual(registered().search(word)["data"], [])

    def test_similar_messages_recall_the_callers_history_by_embedding(self) -> None:
        chat = self.client.conversations.create()
        first = self.client.messages.append(chat["id"], "user", "otters", embedding=[1, 0, 0])
        later = self.client.messages.append(chat["id"], "assistant", "hold hands")
        self.client.messages.set_embedding(later["id"], [1, 1, 0])
        hits = self.client.search.similar_messages([1, 0, 0], k=2)
        self.assertEqual([h["id"] for h in hits], [first["id"], later["id"]])
        self.assertEqual(hits[0]["content"], "otters")
        answers = self.client.search.similar_messages([1, 0, 0], role="assistant")
        self.assertEqual([h["id"] for h in answers], [later["id"]])
        self.assertEqual(registered().search.similar_messages([1, 0, 0]), [])

    def test_usage_reports_the_callers_split_tokens_and_quota(self) -> None:
        chat = self.client.conversations.create()
        answer = self.client.messages.append(
            chat["id"], "assistant", "Hi", model_version="py-model", prompt_tokens=7, completion_tokens=5
        )
        self.assertEqual(answer["tokens_used"], 12)
        rows = self.client.usage.report(group_by="model")["rows"]
        self.assertEqual(
            [(r["key"], r["prompt_tokens"], r["completion_tokens"]) for r in rows],
            [("py-model", 7, 5)],
        )
        status = self.client.usage.quota()
        self.assertEqual((status["source"], status["exceeded"]), (None, []))
        self.assertEqual(status["day"]["tokens"], 12)

    def test_transcripts_are_written_listed_downloaded_and_deleted(self) -> None:
        chat = self.client.conversations.create(title="export me")
        self.client.messages.append(chat["id"], "user", "Hi")
        self.client.messages.append(chat["id"], "assistant", "Hello")
        t = self.client.transcripts.create(chat["id"], "json")
        self.assertEqual((t["format"], t["message_count"]), ("json", 2))
        self.assertEqual([x["id"] for x in self.client.transcripts.list(chat["id"])["data"]], [t["id"]])
        self.assertEqual(self.client.transcripts.get(t["id"])["sha256"], t["sha256"])
        body = self.client.transcripts.download(t["id"])
        self.assertEqual(hashlib.sha256(body).hexdigest(), t["sha256"])
        self.assertIn("Hello", body.decode("utf-8"))
        markdown = self.client.transcripts.create(chat["id"], "markdown")
        self.assertIn("Hello", self.client.transcripts.download(markdown["id"]).decode("utf-8"))
        self.client.transcripts.delete(t["id"])
        with self.assertRaises(ChatkeepError) as caught:
            self.client.transcripts.get(t["id"])
        self.assertEqual(caught.exception.code, "not_found")

    def test_errors_carry_the_servers_code_status_field_and_problem(self) -> None:
        with self.assertRaises(ChatkeepError) as caught:
            self.client.conversations.get(str(uuid.uuid4()))
        error = caught.exception
        self.assertEqual((error.code, error.status, error.field, error.retriable), ("not_found", 404, "/id", False))
        self.assertEqual(error.problem["code"], "not_found")
        with self.assertRaises(ChatkeepError) as caught:
            self.client.messages.list(str(uuid.uuid4()), limit=100000)
        self.assertEqual((caught.exception.code, caught.exception.field), ("validation_failed", "/query/limit"))
        with self.assertRaises(ChatkeepError) as caught:
            Client("ftp://example.com")
        self.assertEqual(caught.exception.code, "validation_failed")


@unittest.skipUnless(SERVER, "set CHATKEEP_URL to a Chatkeep server")
class FailureTest(unittest.TestCase):
    def setUp(self) -> None:
        self.proxy = FaultProxy(SERVER)
        self.client = registered(self.proxy.url)
        self.chat = self.client.conversations.create(title="faults")
        self.append_path = f"/v1/conversations/{self.chat['id']}/messages"

    def tearDown(self) -> None:
        self.proxy.close()

    def test_a_keyed_append_whose_answer_is_lost_is_sent_again_and_stored_once(self) -> None:
        self.proxy.fail("POST", self.append_path, {"kind": "drop_answer"})
        message = self.client.messages.append(self.chat["id"], "user", "Hi", request_id="k1")
        self.assertEqual([s["fault"] for s in self.proxy.sent("POST", self.append_path)], ["drop_answer", None])
        stored = self.client.messages.list(self.chat["id"])["data"]
        self.assertEqual([m["id"] for m in stored], [message["id"]])

    def test_an_append_without_a_key_is_sent_once_and_the_error_says_to_check(self) -> None:
        self.proxy.fail("POST", self.append_path, {"kind": "drop_answer"})
        with self.assertRaises(ChatkeepError) as caught:
            self.client.messages.append(self.chat["id"], "user", "Hi")
        self.assertEqual((caught.exception.code, caught.exception.retriable), ("unavailable", False))
        self.assertIn("may or may not have been applied", caught.exception.message)
        self.assertEqual(len(self.proxy.sent("POST", self.append_path)), 1)
        # It was applied: the server handled it before the connection was cut.
        self.assertEqual(len(self.client.messages.list(self.chat["id"])["data"]), 1)

    def test_a_batch_is_never_sent_twice(self) -> None:
        path = self.append_path + "/batch"
        self.proxy.fail("POST", path, {"kind": "drop_request"})
        with self.assertRaises(ChatkeepError):
            self.client.messages.append_many(self.chat["id"], [{"role": "user", "content": "a", "request_id": "b1"}])
        self.assertEqual(len(self.proxy.sent("POST", path)), 1)
        self.assertEqual(self.client.messages.list(self.chat["id"])["data"], [])

    def test_reads_wait_out_a_503_with_retry_after_but_not_a_long_one(self) -> None:
        path = f"/v1/conversations/{self.chat['id']}"
        busy = {"kind": "answer", "status": 503, "headers": {"retry-after": "0"}, "body": problem(503, "unavailable")}
        self.proxy.fail("GET", path, busy, times=2)
        self.assertEqual(self.client.conversations.get(self.chat["id"])["id"], self.chat["id"])
        self.assertEqual(len(self.proxy.sent("GET", path)), 3)

        later = {"kind": "answer", "status": 429, "headers": {"retry-after": "3600"}, "body": problem(429, "rate_limited")}
        self.proxy.fail("GET", path, later)
        with self.assertRaises(ChatkeepError) as caught:
            self.client.conversations.get(self.chat["id"])
        self.assertEqual((caught.exception.code, caught.exception.retriable), ("rate_limited", True))
        self.assertEqual(len(self.proxy.sent("GET", path)), 4)

    def test_a_read_that_never_gets_through_gives_up_after_the_retries(self) -> None:
        path = f"/v1/conversations/{self.chat['id']}"
        self.proxy.fail("GET", path, {"kind": "drop_request"}, times=10)
        with self.assertRaises(ChatkeepError) as caught:
            self.client.conversations.get(self.chat["id"])
        self.assertEqual((caught.exception.code, caught.exception.retriable), ("unavailable", True))
        self.assertEqual(len(self.proxy.sent("GET", path)), 1 + FAST.retries)

    def test_answers_without_a_chatkeep_body_or_with_an_unknown_code(self) -> None:
        path = f"/v1/conversations/{self.chat['id']}"
        self.proxy.fail("PATCH", path, {"kind": "answer", "status": 502, "headers": {"content-type": "text/html"}, "body": "<h1>Bad gateway</h1>"})
        with self.assertRaises(ChatkeepError) as caught:
            self.client.conversations.update(self.chat["id"], title="x")
        self.assertEqual((caught.exception.code, caught.exception.status), ("unavailable", 502))
        self.assertIn("without a Chatkeep error body", caught.exception.message)

        self.proxy.fail("PATCH", path, {"kind": "answer", "status": 422, "body": problem(422, "brand_new_code", "A newer server's refusal.")})
        with self.assertRaises(ChatkeepError) as caught:
            self.client.conversations.update(self.chat["id"], title="x")
        self.assertEqual(caught.exception.code, "validation_failed")
        self.assertEqual(caught.exception.message, "A newer server's refusal. [brand_new_code]")

    def test_a_401_refreshes_the_login_once_and_goes_again(self) -> None:
        kept: List[Optional[Tokens]] = []
        client = Client(self.proxy.url, retry=FAST, tokens=self.client.tokens, on_tokens=kept.append)
        before = client.tokens
        self.proxy.fail("GET", "/v1/users/me", {"kind": "answer", "status": 401, "body": problem(401, "unauthorized")})
        client.users.me()
        self.assertEqual(len(self.proxy.sent("POST", "/v1/auth/refresh")), 1)
        self.assertEqual(len(self.proxy.sent("GET", "/v1/users/me")), 2)
        self.assertNotEqual(client.tokens, before)
        self.assertEqual(kept, [client.tokens])

    def test_a_refused_refresh_forgets_the_tokens(self) -> None:
        kept: List[Optional[Tokens]] = []
        other = Client(self.proxy.url, tokens=self.client.tokens, on_tokens=kept.append)
        self.client.auth.logout()  # the session ends on the server; `other` holds its tokens
        with self.assertRaises(ChatkeepError) as caught:
            other.users.me()
        self.assertEqual(caught.exception.code, "unauthorized")
        self.assertIsNone(other.tokens)
        self.assertEqual(kept, [None])


if __name__ == "__main__":
    unittest.main()
