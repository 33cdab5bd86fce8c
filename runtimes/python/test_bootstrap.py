# Tests for the built-in runtime (bootstrap.py and the skyscale_runtime package). A
# fake agent serves a queue of events and records what the runtime answers, over the
# agent's pipe (the production path) or over a fake Runtime API (http.server in a
# thread, the fallback); bootstrap.py runs as a subprocess over a temporary task dir of
# test handlers, the way the agent runs it.
# Run from the repo root: python3 -m unittest discover -s runtimes/python -p 'test_*.py'

import json
import os
import queue
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from skyscale_runtime import http_client, invocation, loader
from test_transport import schema_check

BOOTSTRAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bootstrap.py")
PREFIX = "/2018-06-01/runtime"
ARN = "arn:aws:lambda:local:000000000000:function:hello"
WAIT_SECONDS = 20


def marker(request_id):
    return "\x1eSKYSCALE-END %s\n" % request_id


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the runtime is killed mid-connection at the end of every test


class FakeRuntimeAPI:
    """A Runtime API server: serves queued events on /next, records posts.

    Each recorded post keeps a snapshot of the runtime's output file taken when
    the post arrived, so tests can check what was written before it.
    """

    def __init__(self, events, output_path, protocol="HTTP/1.1", chunked=False, headers=None):
        self.output_path = output_path
        self.chunked = chunked
        self.extra_headers = headers or {}
        self.pending = queue.Queue()
        for i, body in enumerate(events, 1):
            self.pending.put(("req-%d" % i, body))
        self.expected = len(events)
        self.results = {}  # request id -> {"kind", "headers", "body", "output"}
        self.init_error = None
        self.next_times = []  # time.monotonic() of every GET /next
        self.clients = []  # (host, port) of the connection of every request
        self.done = threading.Event()
        self.closed = False
        self.lock = threading.Lock()

        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = protocol
            disable_nagle_algorithm = True  # as the Go agent does; else 40 ms a reply

            def log_message(self, *args):
                pass

            def do_GET(self):
                api.handle_next(self)

            def do_POST(self):
                api.handle_post(self)

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.address = "127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True).start()

    def close(self):
        self.closed = True
        self.server.shutdown()
        self.server.server_close()

    def handle_next(self, req):
        with self.lock:
            self.next_times.append(time.monotonic())
            self.clients.append(req.client_address)
        if req.path != PREFIX + "/invocation/next":
            return self.reply(req, 404, b"{}")
        while not self.closed:
            try:
                request_id, body = self.pending.get(timeout=0.05)
                break
            except queue.Empty:
                continue
        else:
            return
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        headers = {
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + 3000),
            "Lambda-Runtime-Invoked-Function-Arn": ARN,
            "Lambda-Runtime-Trace-Id": "Root=1-trace-" + request_id,
            "Content-Type": "application/json",
        }
        headers.update(self.extra_headers)
        self.reply(req, 200, body, headers)

    def handle_post(self, req):
        body = req.rfile.read(int(req.headers.get("Content-Length", 0)))
        with open(self.output_path, "rb") as f:
            output = f.read().decode("utf-8", "replace")
        record = {"headers": dict(req.headers), "body": body, "output": output}
        with self.lock:
            self.clients.append(req.client_address)
            if req.path == PREFIX + "/init/error":
                record["kind"] = "init_error"
                self.init_error = record
                self.done.set()
            else:
                parts = req.path[len(PREFIX):].split("/")  # "", invocation, id, kind
                record["kind"] = parts[3]
                self.results[parts[2]] = record
                if len(self.results) == self.expected:
                    self.done.set()
        self.reply(req, 202, b'{"status":"OK"}')

    def reply(self, req, status, body, headers=None):
        req.send_response(status)
        for name, value in (headers or {}).items():
            req.send_header(name, value)
        if self.chunked:
            req.send_header("Transfer-Encoding", "chunked")
            req.end_headers()
            for i in range(0, len(body), 7000):
                piece = body[i:i + 7000]
                req.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            req.wfile.write(b"0\r\n\r\n")
        elif req.protocol_version == "HTTP/1.0" and req.command == "GET":
            req.end_headers()  # close-delimited body
            req.wfile.write(body)
        else:
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            req.wfile.write(body)


def read_exactly(fd, n):
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def write_frame(fd, header, body=b""):
    head = json.dumps(header).encode()
    data = len(head).to_bytes(4, "big") + len(body).to_bytes(4, "big") + head + body
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class FakeAgentPipe:
    """The agent's end of the built-in runtime channel: serves queued events
    after the runtime's "next", records its answers (with the output snapshot
    taken when each arrived, as FakeRuntimeAPI does), and hands a prestarted
    runtime its assignment. Frames are built and parsed here by hand, not with
    the code under test, and every header the runtime sends is checked against
    the contract's schema."""

    def __init__(self, events, output_path, headers=None, before_assign=None):
        self.output_path = output_path
        self.events = [("req-%d" % i, body) for i, body in enumerate(events, 1)]
        self.expected = len(events)
        self.extra_headers = headers or {}
        self.assignment = None  # prestart: the assignment's fields
        self.before_assign = before_assign
        self.assignment_polls = 0
        self.results = {}
        self.init_error = None
        self.frames = []  # every header the runtime sent
        self.done = threading.Event()
        self.ev_r, self.ev_w = os.pipe()
        self.an_r, self.an_w = os.pipe()
        self.child_fds = (self.ev_r, self.an_w)
        self.spec = "%d,%d" % self.child_fds
        self.thread = threading.Thread(target=self.serve, daemon=True)

    def started(self):
        """The runtime has its ends: close ours, so its exit ends the stream."""
        os.close(self.ev_r)
        os.close(self.an_w)
        self.thread.start()

    def close(self):
        for fd in (self.ev_w, self.an_r):
            try:
                os.close(fd)
            except OSError:
                pass

    def send_next_event(self):
        if not self.events:
            return
        request_id, body = self.events.pop(0)
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        header = {"type": "invoke", "requestId": request_id,
                  "deadlineMs": int(time.time() * 1000) + 3000,
                  "invokedFunctionArn": ARN, "traceId": "Root=1-trace-" + request_id}
        if "Lambda-Runtime-Client-Context" in self.extra_headers:
            header["clientContext"] = self.extra_headers["Lambda-Runtime-Client-Context"]
        write_frame(self.ev_w, header, body)

    def serve(self):
        try:
            self._serve()
        except OSError:
            pass  # closed under us at the end of a test
        finally:
            self.done.set()

    def _serve(self):
        while True:
            prefix = read_exactly(self.an_r, 8)
            if prefix is None:
                return
            header = json.loads(read_exactly(self.an_r, int.from_bytes(prefix[:4], "big")))
            body = read_exactly(self.an_r, int.from_bytes(prefix[4:], "big")) or b""
            self.frames.append(header)
            kind = header["type"]
            if kind == "prestarted":
                self.assignment_polls += 1
                if self.before_assign:
                    self.before_assign()
                write_frame(self.ev_w, dict(self.assignment, type="assignment"))
                continue
            if kind == "next":
                self.send_next_event()
                continue
            with open(self.output_path, "rb") as f:
                output = f.read().decode("utf-8", "replace")
            headers = {}
            if "errorType" in header:
                headers["Lambda-Runtime-Function-Error-Type"] = header["errorType"]
            record = {"kind": kind, "headers": headers, "body": body, "output": output}
            if kind == "init_error":
                self.init_error = record
                return
            self.results[header["requestId"]] = record
            if len(self.results) == self.expected:
                self.done.set()
            self.send_next_event()


class Run:
    def __init__(self, api, output, returncode):
        self.api = api
        self.output = output
        self.returncode = returncode

    def result(self, request_id="req-1"):
        """The parsed body posted to /response, failing on anything else."""
        record = self.api.results[request_id]
        if record["kind"] != "response":
            raise AssertionError("%s got %s: %s\n--- output:\n%s" % (
                request_id, record["kind"], record["body"], self.output))
        return json.loads(record["body"])

    def error(self, request_id="req-1"):
        record = self.api.results[request_id]
        if record["kind"] != "error":
            raise AssertionError("%s got %s: %s" % (request_id, record["kind"], record["body"]))
        return record["headers"], json.loads(record["body"])


class BootstrapTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="skyscale-bootstrap-test-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.task_dir = os.path.join(self.tmp, "task")
        os.mkdir(self.task_dir)

    def write(self, path, source):
        full = os.path.join(self.task_dir, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(textwrap.dedent(source))

    transport = "pipe"  # the production path; subclasses run the HTTP fallback

    def run_runtime(self, handler, events, env=None, expect_exit=False, prestart=None,
                    **api_options):
        """Run the bootstrap. prestart: None for a normal start, else the
        generic environment the agent starts a prestarted runtime with; the
        normal environment (plus env) then goes in the assignment."""
        output_path = os.path.join(self.tmp, "output")
        if self.transport == "pipe" or prestart is not None:
            api = FakeAgentPipe(events, output_path, **api_options)
            address = "127.0.0.1:9"  # never used: the pipe carries everything
        else:
            api = FakeRuntimeAPI(events, output_path, **api_options)
            address = api.address
        self.addCleanup(api.close)
        full_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.tmp,
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "PYTHONUNBUFFERED": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": self.task_dir,
            "AWS_LAMBDA_RUNTIME_API": address,
            "_HANDLER": handler,
            "LAMBDA_TASK_ROOT": self.task_dir,
            "LAMBDA_RUNTIME_DIR": os.path.dirname(BOOTSTRAP),
            "AWS_LAMBDA_FUNCTION_NAME": "hello",
            "AWS_LAMBDA_FUNCTION_VERSION": "7",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/hello",
            "AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/23/[7]abc",
            "AWS_REGION": "local",
            "AWS_DEFAULT_REGION": "local",
            "SKYSCALE_INVOKED_FUNCTION_ARN": ARN,
        }
        full_env.update(env or {})
        if prestart is not None:
            api.assignment = {"handler": handler, "taskRoot": self.task_dir, "env": full_env,
                              "rlimitAsBytes": int(full_env.get("SKYSCALE_RLIMIT_AS_BYTES", 0))}
            full_env = dict(prestart, AWS_LAMBDA_RUNTIME_API=address, SKYSCALE_PRESTART="1")
        pass_fds = ()
        if isinstance(api, FakeAgentPipe):
            full_env["SKYSCALE_RUNTIME_PIPE"] = api.spec
            pass_fds = api.child_fds
        with open(output_path, "wb") as output:
            proc = subprocess.Popen([sys.executable, BOOTSTRAP], cwd=self.task_dir,
                                    env=full_env, stdout=output, stderr=subprocess.STDOUT,
                                    pass_fds=pass_fds)
        if isinstance(api, FakeAgentPipe):
            api.started()
        try:
            finished = api.done.wait(WAIT_SECONDS)
            if expect_exit:
                proc.wait(WAIT_SECONDS)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        with open(output_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        self.assertTrue(finished, "runtime did not answer every event; output:\n" + text)
        if isinstance(api, FakeAgentPipe):
            for header in api.frames:
                schema_check("runtime-to-agent." + header["type"], header)
        return Run(api, text, proc.returncode)

    def assert_init_error(self, run, error_type, message_part=""):
        self.assertIsNotNone(run.api.init_error, run.output)
        body = json.loads(run.api.init_error["body"])
        self.assertEqual(body["errorType"], error_type, body)
        self.assertEqual(run.api.init_error["headers"]["Lambda-Runtime-Function-Error-Type"],
                         error_type)
        self.assertIn(message_part, body["errorMessage"])
        self.assertIsInstance(body["stackTrace"], list)
        self.assertEqual(run.returncode, 1)
        self.assertIn("[ERROR] %s:" % error_type, run.output)
        self.assertEqual(run.api.results, {})
        return body


class InvocationTests(BootstrapTestCase):
    def test_success_with_context_attributes(self):
        self.write("handler.py", """
            import os
            def handler(event, context):
                cc = context.client_context
                return {
                    "event": event,
                    "aws_request_id": context.aws_request_id,
                    "request_id": context.request_id,
                    "function_name": context.function_name,
                    "function_version": context.function_version,
                    "memory_limit_in_mb": context.memory_limit_in_mb,
                    "invoked_function_arn": context.invoked_function_arn,
                    "log_group_name": context.log_group_name,
                    "log_stream_name": context.log_stream_name,
                    "remaining": context.get_remaining_time_in_millis(),
                    "identity_id": context.identity.cognito_identity_id,
                    "custom": cc.custom, "env": cc.env, "app_title": cc.client.app_title,
                    "trace": os.environ.get("_X_AMZN_TRACE_ID"),
                }
        """)
        client_context = {"custom": {"k": "v"}, "env": {"platform": "x"},
                          "client": {"app_title": "demo"}}
        run = self.run_runtime("handler.handler", [{"name": "Ada"}], headers={
            "Lambda-Runtime-Client-Context": json.dumps(client_context),
            "Lambda-Runtime-Cognito-Identity": json.dumps({"cognitoIdentityId": "id-1"}),
        })
        result = run.result()
        over_http = self.transport == "http"
        remaining = result.pop("remaining")
        self.assertGreater(remaining, 0)
        self.assertLessEqual(remaining, 3000)
        self.assertEqual(result, {
            "event": {"name": "Ada"},
            "aws_request_id": "req-1",
            "request_id": "req-1",
            "function_name": "hello",
            "function_version": "7",
            "memory_limit_in_mb": 256,
            "invoked_function_arn": ARN,
            "log_group_name": "/aws/lambda/hello",
            "log_stream_name": "2026/11/23/[7]abc",
            # Only the Runtime API carries a Cognito identity (Skyscale has none to give).
            "identity_id": "id-1" if over_http else None,
            "custom": {"k": "v"}, "env": {"platform": "x"}, "app_title": "demo",
            "trace": "Root=1-trace-req-1",
        })
        if over_http:
            self.assertEqual(run.api.results["req-1"]["headers"]["Content-Type"],
                             "application/json")

    def test_only_what_the_transport_needs_is_imported(self):
        self.write("handler.py", """
            import sys
            def handler(event, context):
                return sorted(m for m in sys.modules
                              if m.startswith("skyscale_runtime") or m in ("_socket", "socket"))
        """)
        loaded = self.run_runtime("handler.handler", [{}]).result()
        runtime = ["skyscale_runtime", "skyscale_runtime.context", "skyscale_runtime.errors",
                   "skyscale_runtime.invocation", "skyscale_runtime.loader",
                   "skyscale_runtime.main", "skyscale_runtime.transport"]
        if self.transport == "http":
            runtime = sorted(runtime + ["_socket", "skyscale_runtime.http_client"])
        self.assertEqual(loaded, runtime)

    def test_zero_arg_handler(self):
        self.write("handler.py", """
            def handler():
                print("hello fire")
        """)
        run = self.run_runtime("handler.handler", [{}])
        self.assertIsNone(run.result())
        self.assertIn("hello fire\n", run.output)

    def test_one_arg_handler(self):
        self.write("handler.py", """
            def handler(event):
                return "hi " + event["name"]
        """)
        run = self.run_runtime("handler.handler", [{"name": "Ada"}])
        self.assertEqual(run.result(), "hi Ada")

    def test_other_handler_shapes(self):
        self.write("shapes.py", """
            import functools
            def kwargs_only(**kw):
                return sorted(kw)
            def event_and_kwargs(event, **kw):
                return [event, sorted(kw)]
            def varargs(*args):
                return len(args)
            def logged(f):
                @functools.wraps(f)
                def wrapper(*args, **kwargs):
                    return f(*args, **kwargs)
                return wrapper
            @logged
            def decorated_zero_arg():
                return "decorated"
            class Callable:
                def __call__(self, event):
                    return event
            instance = Callable()
        """)
        cases = {"kwargs_only": ["context", "event"], "event_and_kwargs": [1, ["context"]],
                 "varargs": 2, "decorated_zero_arg": "decorated", "instance": 1}
        for name, expected in cases.items():
            with self.subTest(name):
                self.assertEqual(self.run_runtime("shapes." + name, [1]).result(), expected)

    def test_handler_raising(self):
        self.write("handler.py", """
            def fail(message):
                raise ValueError(message)

            def handler(event, context):
                print("before")
                fail("boom")
        """)
        run = self.run_runtime("handler.handler", [{}])
        headers, body = run.error()
        self.assertEqual(headers["Lambda-Runtime-Function-Error-Type"], "ValueError")
        self.assertEqual(body["errorType"], "ValueError")
        self.assertEqual(body["errorMessage"], "boom")
        self.assertEqual(body["requestId"], "req-1")
        stack = body["stackTrace"]
        self.assertEqual(len(stack), 2, stack)  # no bootstrap frames
        path = os.path.join(self.task_dir, "handler.py")
        self.assertEqual(stack[0], '  File "%s", line 7, in handler\n    fail("boom")\n' % path)
        self.assertEqual(stack[1],
                         '  File "%s", line 3, in fail\n    raise ValueError(message)\n' % path)
        self.assertIn("[ERROR] ValueError: boom\nTraceback (most recent call last):\n"
                      '  File "%s", line 7, in handler\n' % path, run.output)
        self.assertLess(run.output.index("before"), run.output.index("[ERROR]"))
        self.assertLess(run.output.index("[ERROR]"), run.output.index(marker("req-1")))

    def test_non_serialisable_result_is_marshal_error(self):
        self.write("handler.py", """
            def handler(event, context):
                return {"raw": b"bytes"} if event == 1 else {1, 2}
        """)
        run = self.run_runtime("handler.handler", [1, 2, {}])
        for request_id, type_name in (("req-1", "bytes"), ("req-2", "set")):
            headers, body = run.error(request_id)
            self.assertEqual(body["errorType"], "Runtime.MarshalError")
            self.assertEqual(headers["Lambda-Runtime-Function-Error-Type"],
                             "Runtime.MarshalError")
            self.assertEqual(body["errorMessage"], "Unable to marshal response: Object of "
                             "type %s is not JSON serializable" % type_name)

    def test_decimal_result_is_a_number(self):
        self.write("handler.py", """
            from decimal import Decimal
            def handler(event, context):
                return {"price": Decimal("1.25"), "count": Decimal("42"),
                        "big": Decimal("12345678901234567890")}
        """)
        run = self.run_runtime("handler.handler", [{}])
        body = run.api.results["req-1"]["body"]
        self.assertEqual(json.loads(body), {"price": 1.25, "count": 42,
                                            "big": 12345678901234567890})
        self.assertIn(b'"count": 42,', body)

    def test_event_parsing(self):
        self.write("handler.py", """
            def handler(event, context):
                return event
        """)
        run = self.run_runtime("handler.handler", [b"", b"not json", b'"text"'])
        self.assertEqual(run.result("req-1"), {})
        _, body = run.error("req-2")
        self.assertEqual(body["errorType"], "Runtime.UnmarshalError")
        self.assertEqual(run.result("req-3"), "text")

    def test_nested_module_paths(self):
        self.write("pkg/mod.py", """
            def handler(event, context):
                return __name__
        """)
        self.write("pkg/sub/deep.py", """
            def handler(event, context):
                return __name__
        """)
        for spec, module in (("pkg/mod.handler", "pkg.mod"), ("pkg.mod.handler", "pkg.mod"),
                             ("pkg/sub/deep.handler", "pkg.sub.deep")):
            with self.subTest(spec):
                self.assertEqual(self.run_runtime(spec, [{}]).result(), module)

    def test_end_marker_follows_output_and_precedes_post(self):
        self.write("handler.py", """
            import sys
            def handler(event, context):
                print("out 1 of", context.aws_request_id)
                sys.stderr.write("err of %s\\n" % context.aws_request_id)
                print("out 2 of", context.aws_request_id, end="")  # no newline
                return event
        """)
        run = self.run_runtime("handler.handler", [1, 2])
        first = run.api.results["req-1"]["output"]
        self.assertTrue(first.endswith(
            "out 1 of req-1\nerr of req-1\nout 2 of req-1" + marker("req-1")), repr(first))
        second = run.api.results["req-2"]["output"]
        self.assertTrue(second.startswith(first), repr(second))
        self.assertEqual(second[len(first):],
                         "out 1 of req-2\nerr of req-2\nout 2 of req-2" + marker("req-2"))

    def test_remaining_time_decreases(self):
        self.write("handler.py", """
            import time
            def handler(event, context):
                first = context.get_remaining_time_in_millis()
                time.sleep(0.1)
                return [first, context.get_remaining_time_in_millis()]
        """)
        first, second = self.run_runtime("handler.handler", [{}]).result()
        self.assertLessEqual(first, 3000)
        self.assertGreaterEqual(first - second, 90)
        self.assertGreater(second, 0)

    def test_memory_limit_gives_memory_error(self):
        self.write("handler.py", """
            def handler(event, context):
                if event == "big":
                    return len(bytearray(1 << 30))
                if event == "grow":  # holds what it allocated when memory runs out
                    hog = []
                    while True:
                        hog.append(" " * 4096 + str(len(hog)))
                return "still alive"
        """)
        run = self.run_runtime("handler.handler", ["big", "grow", "small"],
                               env={"SKYSCALE_RLIMIT_AS_BYTES": str(300 << 20)})
        for request_id, line in (("req-1", "bytearray(1 << 30)"), ("req-2", "hog.append(")):
            headers, body = run.error(request_id)
            self.assertEqual(body["errorType"], "MemoryError")
            self.assertEqual(headers["Lambda-Runtime-Function-Error-Type"], "MemoryError")
            self.assertEqual(len(body["stackTrace"]), 1, body)
            self.assertIn(line, body["stackTrace"][0])
        self.assertEqual(run.result("req-3"), "still alive")

    def test_memory_limit_is_applied(self):
        self.write("handler.py", """
            import resource
            def handler(event, context):
                return resource.getrlimit(resource.RLIMIT_AS)
        """)
        run = self.run_runtime("handler.handler", [{}],
                               env={"SKYSCALE_RLIMIT_AS_BYTES": str(300 << 20)})
        self.assertEqual(run.result(), [300 << 20, 300 << 20])

    def test_logging_uses_lambda_format(self):
        self.write("handler.py", """
            import logging
            logger = logging.getLogger()
            logger.setLevel(logging.INFO)
            def handler(event, context):
                logger.info("hello %s", event)
        """)
        run = self.run_runtime("handler.handler", ["Ada"])
        self.assertRegex(run.output, r"\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
                                     r"\treq-1\thello Ada\n\x1eSKYSCALE-END req-1\n")


class InvocationOverHTTPTests(InvocationTests):
    """The same, over the Runtime API: the runtime's fallback without a pipe."""
    transport = "http"


class ConnectionTests(BootstrapTestCase):
    transport = "http"

    def setUp(self):
        super().setUp()
        self.write("handler.py", """
            def handler(event, context):
                return event
        """)

    def test_one_persistent_connection(self):
        run = self.run_runtime("handler.handler", list(range(50)))
        self.assertEqual([run.result("req-%d" % i) for i in range(1, 51)], list(range(50)))
        self.assertEqual(len(set(run.api.clients)), 1, set(run.api.clients))

    def test_reconnects_when_the_server_closes_connections(self):
        run = self.run_runtime("handler.handler", [1, 2, 3], protocol="HTTP/1.0")
        self.assertEqual([run.result("req-%d" % i) for i in (1, 2, 3)], [1, 2, 3])
        self.assertGreater(len(set(run.api.clients)), 1)

    def test_chunked_event_body(self):
        event = {"data": "x" * 100000}
        run = self.run_runtime("handler.handler", [event, 2], chunked=True)
        self.assertEqual(run.result("req-1"), event)
        self.assertEqual(run.result("req-2"), 2)

    def test_connection_sets_tcp_nodelay(self):
        listener = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(listener.close)
        sock = http_client.open_connection("127.0.0.1:%d" % listener.getsockname()[1])
        self.addCleanup(sock.close)
        self.assertNotEqual(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 0)


class InitErrorTests(BootstrapTestCase):
    def test_missing_module(self):
        run = self.run_runtime("nothere.handler", [], expect_exit=True)
        body = self.assert_init_error(run, "Runtime.ImportModuleError",
                                      "Unable to import module 'nothere': No module named")
        self.assertEqual(body["stackTrace"], [])

    def test_import_error_inside_module(self):
        self.write("handler.py", "import no_such_dependency\n")
        run = self.run_runtime("handler.handler", [], expect_exit=True)
        self.assert_init_error(run, "Runtime.ImportModuleError", "no_such_dependency")

    def test_syntax_error(self):
        self.write("handler.py", "def handler(event, context)\n    return 1\n")
        run = self.run_runtime("handler.handler", [], expect_exit=True)
        body = self.assert_init_error(run, "Runtime.UserCodeSyntaxError",
                                      "Syntax error in module 'handler'")
        self.assertIn("handler.py", body["stackTrace"][0])

    def test_missing_handler(self):
        self.write("handler.py", "other = 1\nnot_callable = 2\n")
        for name in ("handler", "not_callable"):
            with self.subTest(name):
                run = self.run_runtime("handler." + name, [], expect_exit=True)
                self.assert_init_error(run, "Runtime.HandlerNotFound",
                                       "Handler '%s' missing on module 'handler'" % name)

    def test_malformed_handler_name(self):
        run = self.run_runtime("nodot", [], expect_exit=True)
        self.assert_init_error(run, "Runtime.MalformedHandlerName", "Bad handler 'nodot'")

    def test_exception_during_import(self):
        self.write("handler.py", """
            print("importing")
            raise RuntimeError("bad config")
        """)
        run = self.run_runtime("handler.handler", [], expect_exit=True)
        body = self.assert_init_error(run, "RuntimeError", "bad config")
        self.assertEqual(len(body["stackTrace"]), 1, body["stackTrace"])
        self.assertIn("handler.py", body["stackTrace"][0])
        self.assertIn("importing\n", run.output)


class InitErrorOverHTTPTests(InitErrorTests):
    transport = "http"


class PrestartTests(BootstrapTestCase):
    """SKYSCALE_PRESTART=1: started with a generic environment and no code, the
    runtime long-polls the assignment, then behaves as if started for it."""

    GENERIC = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "GENERIC_ONLY": "must not survive the assignment",
    }

    def test_assignment_sets_environment_path_and_limits(self):
        lib = os.path.join(self.tmp, "lib")
        os.mkdir(lib)
        with open(os.path.join(lib, "helper.py"), "w") as f:
            f.write("VALUE = 'from PYTHONPATH'\n")

        def arrive():  # the code arrives only once the runtime is waiting
            self.write("handler.py", """
                import os, resource, sys, helper
                print("importing handler")
                def handler(event, context):
                    print("invoked")
                    return {"env": dict(os.environ), "path": sys.path[:3],
                            "rlimit": resource.getrlimit(resource.RLIMIT_AS)[0],
                            "cwd": os.getcwd(), "helper": helper.VALUE,
                            "fn": context.function_name, "mem": context.memory_limit_in_mb}
            """)
        limit = str(1024 << 20)
        run = self.run_runtime("handler.handler", [{}, {}], prestart=self.GENERIC,
                               before_assign=arrive,
                               env={"USER_KEY": "user value", "SKYSCALE_RLIMIT_AS_BYTES": limit,
                                    "PYTHONPATH": self.task_dir + ":" + lib})
        self.assertEqual(run.api.assignment_polls, 1)
        out = run.result("req-1")
        self.assertEqual(run.result("req-2")["env"]["USER_KEY"], "user value")
        expected = dict(run.api.assignment["env"])
        expected["_X_AMZN_TRACE_ID"] = "Root=1-trace-req-1"
        self.assertEqual(out["env"], expected)
        self.assertNotIn("GENERIC_ONLY", out["env"])
        self.assertNotIn("SKYSCALE_PRESTART", out["env"])
        self.assertEqual(out["path"][:2], [self.task_dir, lib])
        self.assertNotIn(os.path.dirname(BOOTSTRAP), out["path"])
        self.assertEqual(out["rlimit"], int(limit))
        self.assertEqual(out["cwd"], self.task_dir)
        self.assertEqual(out["helper"], "from PYTHONPATH")
        self.assertEqual((out["fn"], out["mem"]), ("hello", 256))
        self.assertIn("importing handler\n", run.output)
        self.assertIn("invoked\n" + marker("req-1"), run.output)

    def test_init_error_after_assignment(self):
        run = self.run_runtime("nothere.handler", [], expect_exit=True, prestart=self.GENERIC)
        self.assertEqual(run.api.assignment_polls, 1)
        self.assert_init_error(run, "Runtime.ImportModuleError",
                               "Unable to import module 'nothere'")

    def test_prestart_without_the_pipe_exits(self):
        env = dict(self.GENERIC, AWS_LAMBDA_RUNTIME_API="127.0.0.1:9", SKYSCALE_PRESTART="1")
        proc = subprocess.run([sys.executable, BOOTSTRAP], cwd=self.task_dir, env=env,
                              capture_output=True, timeout=WAIT_SECONDS)
        self.assertEqual(proc.returncode, 1)
        self.assertIn(b"a prestarted runtime needs the agent's pipe", proc.stderr)


class UnitTests(unittest.TestCase):
    def test_json_default(self):
        from decimal import Decimal
        self.assertEqual(invocation.to_json([Decimal("2.50"), Decimal("3"), None]),
                         b"[2.5, 3, null]")
        with self.assertRaises(invocation.FaultError) as caught:
            invocation.to_json(object())
        self.assertEqual(caught.exception.error_type, "Runtime.MarshalError")

    def test_parameter_shape(self):
        class Obj:
            def method(self, event):
                pass
        self.assertEqual(loader.parameter_shape(lambda: 0), (0, False, False))
        self.assertEqual(loader.parameter_shape(lambda e, c=None, *a, **k: 0),
                         (2, True, True))
        self.assertEqual(loader.parameter_shape(Obj().method), (1, False, False))


if __name__ == "__main__":
    unittest.main()
