# Skyscale Python runtime: a Lambda Runtime API client (contracts/agent-protocol.md,
# "The runtime's side"). The agent starts it with cwd = task dir and the Lambda
# environment; it imports the handler once (init), then loops: GET the next event,
# call the handler, POST the result or the error. Standard library only.
#
# Start-up cost matters (it is on every cold start), so only what the first
# invocation needs is imported up front; traceback, logging, inspect and decimal
# are touched lazily. http.client is not used: importing it costs ~20 ms (email,
# ssl, ...) on Debian's python3.11, more than the interpreter's own start, so a
# small HTTP/1.1 client over _socket (socket.py would add ~3 ms of enum/selectors)
# speaks to the Runtime API instead.

import json
import os
import sys
import time

import _socket

API_PREFIX = "/2018-06-01/runtime"
NEXT_PATH = API_PREFIX + "/invocation/next"
ASSIGNMENT_PATH = API_PREFIX + "/skyscale/assignment"
INIT_ERROR_PATH = API_PREFIX + "/init/error"
END_MARKER = "\x1eSKYSCALE-END %s\n"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
RECV_SIZE = 256 * 1024
FunctionType = type(lambda: None)  # types.FunctionType without importing types
CO_VARARGS, CO_VARKEYWORDS = 0x04, 0x08  # inspect's constants, stable since 2.x

# Set while an invocation runs; the lazily installed logging filter reads it.
current_request_id = ""


# ---------------------------------------------------------------- HTTP client


class ConnectionDropped(Exception):
    """The peer closed the connection before a complete response arrived."""


def open_connection(address):
    """Connect to "host:port" with TCP_NODELAY set.

    Without TCP_NODELAY a request written after a small response waits for the
    peer's delayed ACK (Nagle): ~40 ms per invocation instead of <1 ms.
    """
    host, _, port = address.rpartition(":")
    # bytes, because a str host makes getaddrinfo import the idna codec (~1 ms).
    host = (host.strip("[]") or "127.0.0.1").encode("ascii")
    last_error = OSError("no address for %r" % address)
    for family, type_, proto, _, sockaddr in _socket.getaddrinfo(
        host, int(port), 0, _socket.SOCK_STREAM
    ):
        sock = _socket.socket(family, type_, proto)
        try:
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            sock.connect(sockaddr)
            return sock
        except OSError as e:
            sock.close()
            last_error = e
    raise last_error


class RuntimeAPIClient:
    """One persistent HTTP/1.1 connection to the Runtime API.

    Handles Content-Length, chunked and close-delimited bodies, which is all a
    Runtime API server (the Go agent, or a test's http.server) sends.
    """

    def __init__(self, address):
        self.address = address
        self.sock = None
        self.buf = bytearray()

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None
        self.buf = bytearray()

    def request(self, method, path, body=b"", headers=None):
        """Send one request; returns (status, headers, body).

        A dropped connection (the server closed an idle keep-alive, or restarted)
        is retried once on a new connection.
        """
        head = "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (
            method, path, self.address, len(body))
        for name, value in (headers or {}).items():
            head += "%s: %s\r\n" % (name, value)
        data = head.encode("latin-1", "replace") + b"\r\n" + body
        for attempt in (1, 2):
            try:
                if self.sock is None:
                    self.sock = open_connection(self.address)
                self.sock.sendall(data)
                return self._read_response()
            except (OSError, ConnectionDropped):
                self.close()
                if attempt == 2:
                    raise

    def _fill(self):
        chunk = self.sock.recv(RECV_SIZE)
        if not chunk:
            raise ConnectionDropped()
        self.buf += chunk

    def _readline(self):
        while True:
            end = self.buf.find(b"\n")
            if end >= 0:
                line = bytes(self.buf[:end + 1])
                del self.buf[:end + 1]
                return line
            self._fill()

    def _read_exactly(self, n):
        while len(self.buf) < n:
            self._fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def _read_until_close(self):
        try:
            while True:
                self._fill()
        except ConnectionDropped:
            pass
        return bytes(self.buf)

    def _read_chunked(self):
        parts = []
        while True:
            size = int(self._readline().split(b";", 1)[0], 16)
            if size == 0:
                break
            parts.append(self._read_exactly(size))
            self._readline()  # CRLF after the chunk
        while self._readline().strip():  # trailers, up to the blank line
            pass
        return b"".join(parts)

    def _read_response(self):
        status_line = self._readline().split(None, 2)
        version, status = status_line[0], int(status_line[1])
        headers = {}
        while True:
            line = self._readline()
            if not line.strip():
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()

        connection = headers.get("connection", "").lower()
        keep_alive = (connection != "close" if version == b"HTTP/1.1"
                      else connection == "keep-alive")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked()
        elif "content-length" in headers:
            body = self._read_exactly(int(headers["content-length"]))
        elif status in (204, 304):
            body = b""
        else:
            body = self._read_until_close()
            keep_alive = False
        if not keep_alive:
            self.close()
        return status, headers, body


class HTTPTransport:
    """Invocations over the Lambda Runtime API (any Runtime API server)."""

    def __init__(self, client):
        self.client = client

    def next(self):
        status, headers, body = self.client.request("GET", NEXT_PATH)
        if status != 200:
            raise RuntimeError("GET %s answered %d: %r" % (NEXT_PATH, status, body[:200]))
        return headers, body

    def answer(self, request_id, result, error):
        post_result(self.client, request_id, result, error)

    def init_error(self, error):
        self.client.request("POST", INIT_ERROR_PATH, json.dumps(error).encode("utf-8"),
                            {"Content-Type": "application/json",
                             ERROR_TYPE_HEADER: error["errorType"]})


class PipeTransport:
    """Invocations over the Skyscale agent's built-in runtime channel: two
    pipes (events in, answers out) carrying frames in the host protocol's
    framing (contracts/agent-protocol.md, "Built-in runtime channel"). Saves
    the HTTP hop, which inside gVisor costs more than the handler itself."""

    def __init__(self, events_fd, answers_fd):
        self.rfd, self.wfd = events_fd, answers_fd
        self.buf = bytearray()
        # Reads land in this reusable buffer: os.read(fd, 256 KiB) would mmap a
        # fresh 256 KiB bytes object, mremap it down and munmap it, three
        # syscalls per event on top of the read (each one a gVisor trap).
        self.rbuf = bytearray(RECV_SIZE)
        self.announced = False

    @staticmethod
    def open(spec):
        """From SKYSCALE_RUNTIME_PIPE ("3,4"); None if the fds are not there."""
        try:
            rfd, wfd = (int(x) for x in spec.split(","))
            for fd in (rfd, wfd):
                os.fstat(fd)
                os.set_inheritable(fd, False)  # not for the user's subprocesses
        except (ValueError, OSError):
            return None
        return PipeTransport(rfd, wfd)

    def _send(self, header, body=b""):
        head = json.dumps(header).encode("utf-8")
        data = len(head).to_bytes(4, "big") + len(body).to_bytes(4, "big") + head
        if len(body) < 65536:
            data += body
            body = b""
        view = memoryview(data)
        while view:
            view = view[os.write(self.wfd, view):]
        view = memoryview(body)
        while view:
            view = view[os.write(self.wfd, view):]

    def _read_exactly(self, n):
        while len(self.buf) < n:
            rbuf = self.rbuf
            if len(rbuf) < n - len(self.buf):  # a big event: one read for all of it
                rbuf = bytearray(n - len(self.buf))
            got = os.readv(self.rfd, [rbuf])
            if not got:
                raise ConnectionDropped()
            self.buf += memoryview(rbuf)[:got]
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def next(self):
        if not self.announced:  # init is over: the agent reports it now
            self._send({"type": "next"})
            self.announced = True
        prefix = self._read_exactly(8)
        header = json.loads(self._read_exactly(int.from_bytes(prefix[:4], "big")))
        body = self._read_exactly(int.from_bytes(prefix[4:], "big"))
        headers = {
            "lambda-runtime-aws-request-id": header.get("requestId", ""),
            "lambda-runtime-deadline-ms": str(header.get("deadlineMs", "")),
            "lambda-runtime-invoked-function-arn": header.get("invokedFunctionArn", ""),
            "lambda-runtime-trace-id": header.get("traceId", ""),
        }
        if header.get("clientContext"):
            headers["lambda-runtime-client-context"] = header["clientContext"]
        return headers, body

    def answer(self, request_id, result, error):
        if error is None:
            self._send({"type": "response", "requestId": request_id,
                        "maxRssKb": peak_rss_kb()}, result)
        else:
            self._send({"type": "error", "requestId": request_id,
                        "errorType": error["errorType"], "maxRssKb": peak_rss_kb()},
                       json.dumps(error).encode("utf-8"))

    def init_error(self, error):
        self._send({"type": "init_error", "errorType": error["errorType"]},
                   json.dumps(error).encode("utf-8"))


def peak_rss_kb():
    """The runtime's peak RSS (ru_maxrss, kB: VmHWM), 0 when unknown. Cheaper
    than the agent reading /proc/<pid>/status, which gVisor renders in full."""
    resource = sys.modules.get("resource")
    if resource is None:
        return 0
    try:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    except OSError:
        return 0


# ---------------------------------------------------------------- context


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name",
                 "app_version_code", "app_package_name")


class ClientContext:
    __slots__ = ("custom", "env", "client")


def obj_from_dict(cls, values):
    """Like AWS's make_obj_from_dict: every slot set, missing keys None."""
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field))
    return obj


def parse_json_header(value):
    if not value:
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


class LambdaContext:
    """The `context` argument, with the attributes of AWS's LambdaContext."""

    def __init__(self, request_id, headers, static):
        self.aws_request_id = request_id
        self.request_id = request_id  # Skyscale alias (the seeds' examples use it)
        self.function_name = static["function_name"]
        self.function_version = static["function_version"]
        self.memory_limit_in_mb = static["memory_limit_in_mb"]
        self.log_group_name = static["log_group_name"]
        self.log_stream_name = static["log_stream_name"]
        self.invoked_function_arn = (headers.get("lambda-runtime-invoked-function-arn")
                                     or static["invoked_function_arn"])
        try:
            self._deadline_ms = int(headers.get("lambda-runtime-deadline-ms", ""))
        except ValueError:
            self._deadline_ms = int(time.time() * 1000) + 3000

        client_context = parse_json_header(headers.get("lambda-runtime-client-context"))
        self.client_context = obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = obj_from_dict(Client, self.client_context.client)

        identity = parse_json_header(headers.get("lambda-runtime-cognito-identity")) or {}
        self.identity = CognitoIdentity()
        self.identity.cognito_identity_id = identity.get("cognitoIdentityId")
        self.identity.cognito_identity_pool_id = identity.get("cognitoIdentityPoolId")

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def log(self, msg):
        sys.stdout.write(str(msg))


def static_context_fields():
    """The environment-derived context attributes, read once at init."""
    env = os.environ
    try:
        memory = int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
    except ValueError:
        memory = 128
    return {
        "function_name": env.get("AWS_LAMBDA_FUNCTION_NAME", ""),
        "function_version": env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        "memory_limit_in_mb": memory,
        "log_group_name": env.get("AWS_LAMBDA_LOG_GROUP_NAME", ""),
        "log_stream_name": env.get("AWS_LAMBDA_LOG_STREAM_NAME", ""),
        "invoked_function_arn": env.get("SKYSCALE_INVOKED_FUNCTION_ARN", ""),
    }


# ---------------------------------------------------------------- errors


class FaultError(Exception):
    """A runtime-level failure with a Lambda error type (Runtime.*)."""

    def __init__(self, error_type, message, stack_trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


def is_runtime_frame(filename):
    return filename == __file__ or filename.startswith("<frozen importlib")


def format_stack(tb):
    """The traceback as AWS's python runtime reports it: a list of
    traceback.format_list strings, without the runtime's own leading frames."""
    import traceback
    frames = traceback.extract_tb(tb)
    while frames and is_runtime_frame(frames[0].filename):
        frames.pop(0)
    return traceback.format_list(frames)


def clear_frames(tb):
    while tb is not None:
        try:
            tb.tb_frame.clear()
        except RuntimeError:
            pass  # a frame still running: the runtime's own
        tb = tb.tb_next


def safe_str(value):
    try:
        return str(value)
    except Exception:
        return "<unprintable %s object>" % type(value).__name__


def error_from_exception(exc, request_id=None):
    """Build the error object for an exception raised by user code."""
    if isinstance(exc, FaultError):
        error_type, message, stack = exc.error_type, exc.message, exc.stack_trace
    else:
        error_type, message = type(exc).__name__, safe_str(exc)
        try:
            stack = format_stack(exc.__traceback__)
        except MemoryError:
            # The handler's frames may still hold what exhausted memory: free
            # their locals, then try once more.
            clear_frames(exc.__traceback__)
            try:
                stack = format_stack(exc.__traceback__)
            except MemoryError:
                stack = []
    error = {"errorMessage": message, "errorType": error_type, "stackTrace": stack}
    if request_id is not None:
        error["requestId"] = request_id
    return error


def log_error(error):
    """Print the error like AWS's runtime: "[ERROR] Type: message" + traceback."""
    lines = ["[ERROR] %s: %s" % (error["errorType"], error["errorMessage"]),
             "Traceback (most recent call last):"]
    for element in error["stackTrace"]:
        lines.extend(element.splitlines())
    try:
        sys.stderr.write("\n".join(lines) + "\n")
    except Exception:
        pass


# ---------------------------------------------------------------- init


def set_memory_limit(value=None):
    """Apply SKYSCALE_RLIMIT_AS_BYTES so an oversized allocation raises a clean
    MemoryError instead of the sandbox's cgroup killing the whole runtime."""
    if value is None:
        value = os.environ.get("SKYSCALE_RLIMIT_AS_BYTES")
    if not value:
        return
    try:
        import resource
        limit = int(value)
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY and hard <= limit:
            return  # already at or below the requested limit
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError, ImportError) as e:
        sys.stderr.write("[skyscale] cannot set RLIMIT_AS=%s: %s\n" % (value, e))


def set_task_root_path(task_root=None, python_path=()):
    """Task root first on sys.path, and the runtime's own directory (the
    script's, put there by `python3 bootstrap.py`) off it: runtime files must
    not shadow the user's modules or their dependencies.

    python_path: PYTHONPATH entries the interpreter did not see at start-up (a
    prestarted runtime); they go right after the task root, where start-up
    would have put them.
    """
    task_root = os.path.abspath(task_root or os.environ.get("LAMBDA_TASK_ROOT") or ".")
    drop = (task_root, os.path.dirname(os.path.abspath(__file__)))
    extra = [p for p in python_path if p and os.path.abspath(p) not in drop]
    sys.path[:] = [p for p in sys.path
                   if os.path.abspath(p or ".") not in drop and p not in extra]
    sys.path[0:0] = [task_root] + extra
    # A finder cached for the task root before the code arrived would not see it.
    for p in [task_root] + extra:
        sys.path_importer_cache.pop(p, None)


def import_module(module_name):
    """Import the handler's module, mapping failures to Lambda's fault types."""
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise FaultError("Runtime.BuiltInModuleConflict",
                         "Cannot use built-in module %s as a handler module" % module_name)
    dotted = module_name.replace("/", ".")
    try:
        __import__(dotted)
        return sys.modules[dotted]
    except ImportError as e:
        raise FaultError("Runtime.ImportModuleError",
                         "Unable to import module '%s': %s" % (module_name, e))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultError("Runtime.UserCodeSyntaxError",
                         "Syntax error in module '%s': %s" % (module_name, e), trace)


def load_handler(handler_name):
    try:
        module_name, func_name = handler_name.rsplit(".", 1)
    except ValueError as e:
        raise FaultError("Runtime.MalformedHandlerName",
                         "Bad handler '%s': %s" % (handler_name, e))
    if not module_name or not func_name:
        raise FaultError("Runtime.MalformedHandlerName", "Bad handler '%s'" % handler_name)
    module = import_module(module_name)
    handler = getattr(module, func_name, None)
    if handler is None or not callable(handler):
        raise FaultError("Runtime.HandlerNotFound",
                         "Handler '%s' missing on module '%s'" % (func_name, module_name))
    return handler


def parameter_shape(fn):
    """(positional parameter count, has *args, has **kwargs) of a callable.

    Plain functions are read from __code__ (inspect costs ~10 ms to import);
    anything else (bound methods, partials, callable objects, and decorated
    functions, whose __wrapped__ inspect follows) goes to inspect.
    """
    if type(fn) is FunctionType and not hasattr(fn, "__wrapped__"):
        code = fn.__code__
        return (code.co_argcount, bool(code.co_flags & CO_VARARGS),
                bool(code.co_flags & CO_VARKEYWORDS))
    import inspect
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return 2, False, False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return (sum(p.kind in positional for p in params),
            any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in params),
            any(p.kind == inspect.Parameter.VAR_KEYWORD for p in params))


def adapt_arity(handler):
    """A callable taking (event, context) that passes the handler only the
    parameters it declares: `def handler():` and `def handler(event):` work."""
    count, var_args, var_kwargs = parameter_shape(handler)
    if var_args or count >= 2:
        return handler
    if count == 1:
        if var_kwargs:
            return lambda event, context: handler(event, context=context)
        return lambda event, context: handler(event)
    if var_kwargs:
        return lambda event, context: handler(event=event, context=context)
    return lambda event, context: handler()


# ---------------------------------------------------------------- logging


def configure_logging_if_imported():
    """Give the root logger AWS's format once the user's code imports logging.

    Importing logging ourselves would cost ~10 ms of every start; a function
    that never imports it never needs it. Returns True once configured.
    """
    logging = sys.modules.get("logging")
    if logging is None:
        return False
    root = logging.getLogger()
    if root.handlers:
        return True  # the user configured logging themselves; keep theirs

    class RequestIdFilter(logging.Filter):
        def filter(self, record):
            record.aws_request_id = current_request_id
            return True

    formatter = logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s",
        "%Y-%m-%dT%H:%M:%S")
    formatter.converter = time.gmtime
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL", "").upper()
    if level in ("DEBUG", "INFO", "WARN", "WARNING", "ERROR", "CRITICAL", "FATAL"):
        root.setLevel("WARNING" if level == "WARN" else level)
    return True


# ---------------------------------------------------------------- invocation


def json_default(obj):
    """Serialise Decimal as a number, as AWS's runtime does; refuse the rest."""
    # If decimal was never imported the object cannot be a Decimal.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(obj, decimal.Decimal):
        if obj.is_nan():
            return float("nan")
        if obj == obj.to_integral_value():
            return int(obj)
        return float(obj)
    raise TypeError("Object of type %s is not JSON serializable" % type(obj).__name__)


def to_json(result):
    try:
        return json.dumps(result, default=json_default).encode("utf-8")
    except (TypeError, ValueError, OverflowError, RecursionError) as e:
        raise FaultError("Runtime.MarshalError", "Unable to marshal response: %s" % e)


def parse_event(body):
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except ValueError as e:
        raise FaultError("Runtime.UnmarshalError", "Unable to unmarshal input: %s" % e)


def flush_output():
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:
            pass  # the user replaced or closed it


def flush_and_mark_end(request_id):
    """Flush everything the handler printed, then write the end marker on the
    raw fd, so the agent sees all of this invocation's output before it."""
    flush_output()
    os.write(1, (END_MARKER % request_id).encode("utf-8"))


def set_trace_id(headers):
    trace_id = headers.get("lambda-runtime-trace-id")
    if trace_id:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)


def run_invocation(call, headers, body, static):
    """Run the handler for one event: (b"json result", None) or (None, error)."""
    request_id = headers.get("lambda-runtime-aws-request-id", "")
    try:
        event = parse_event(body)
        context = LambdaContext(request_id, headers, static)
        return to_json(call(event, context)), None
    except Exception as exc:
        error = error_from_exception(exc, request_id)
    log_error(error)
    return None, error


def post_result(client, request_id, result, error):
    path = "%s/invocation/%s/" % (API_PREFIX, request_id)
    if error is None:
        status, _, body = client.request("POST", path + "response", result,
                                         {"Content-Type": "application/json"})
    else:
        status, _, body = client.request(
            "POST", path + "error", json.dumps(error).encode("utf-8"),
            {"Content-Type": "application/json", ERROR_TYPE_HEADER: error["errorType"]})
    if status >= 300:
        # The agent reports what went wrong (e.g. 413 too large); keep serving.
        sys.stderr.write("[skyscale] runtime API answered %d to %s: %s\n"
                         % (status, request_id, body[:200].decode("utf-8", "replace")))


def serve(transport, call):
    global current_request_id
    static = static_context_fields()
    logging_ready = configure_logging_if_imported()
    while True:
        headers, body = transport.next()
        request_id = headers.get("lambda-runtime-aws-request-id", "")
        current_request_id = request_id
        set_trace_id(headers)
        if not logging_ready:
            logging_ready = configure_logging_if_imported()
        result, error = run_invocation(call, headers, body, static)
        flush_and_mark_end(request_id)
        current_request_id = ""
        transport.answer(request_id, result, error)


def init(transport):
    """Import the handler; on failure report to /init/error and exit(1)."""
    try:
        return adapt_arity(load_handler(os.environ.get("_HANDLER", "")))
    except Exception as exc:
        error = error_from_exception(exc)
    log_error(error)
    flush_output()  # the agent sends init's log as soon as the error arrives
    try:
        transport.init_error(error)
    except (OSError, ConnectionDropped) as e:
        sys.stderr.write("[skyscale] cannot report the init error: %s\n" % e)
    sys.exit(1)


def keep_output_ordered():
    """Line-buffer stdout/stderr when PYTHONUNBUFFERED is not set (a run by
    hand), so the log interleaves them in the order they were written."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None and not getattr(stream, "write_through", True):
            stream.reconfigure(line_buffering=True)


def await_assignment(client):
    """Prestart mode (SKYSCALE_PRESTART=1): the interpreter and this module are
    loaded before any function is known. Long-poll the agent for the function,
    then make the process look exactly like one started for it: the full
    environment (nothing of the generic one left over), RLIMIT_AS, sys.path.
    """
    import resource  # noqa: F401  (set_memory_limit needs it; load it now, not at init)
    status, _, body = client.request("GET", ASSIGNMENT_PATH)
    if status != 200:
        sys.stderr.write("[skyscale] GET %s answered %d: %r\n" % (ASSIGNMENT_PATH, status, body[:200]))
        sys.exit(1)
    assignment = json.loads(body)
    env = assignment["env"]
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    task_root = assignment.get("taskRoot") or env.get("LAMBDA_TASK_ROOT") or "."
    python_path = env.get("PYTHONPATH", "").split(":")
    set_memory_limit(str(assignment.get("rlimitAsBytes") or "") or None)
    set_task_root_path(task_root, python_path)
    try:
        os.chdir(task_root)
    except OSError:
        pass
    if client.address != env.get("AWS_LAMBDA_RUNTIME_API", client.address):
        client.close()
        client.address = env["AWS_LAMBDA_RUNTIME_API"]


def main():
    keep_output_ordered()
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write("[skyscale] AWS_LAMBDA_RUNTIME_API is not set\n")
        sys.exit(1)
    pipe = os.environ.pop("SKYSCALE_RUNTIME_PIPE", None)
    client = RuntimeAPIClient(address)
    if os.environ.get("SKYSCALE_PRESTART"):
        await_assignment(client)
    else:
        set_memory_limit()
        set_task_root_path()
    transport = (pipe and PipeTransport.open(pipe)) or HTTPTransport(client)
    serve(transport, init(transport))


if __name__ == "__main__":
    main()
