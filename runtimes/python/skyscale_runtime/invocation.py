# The invocation loop: take the next event from the transport, call the handler,
# mark the end of its output, answer. Plus what each invocation needs around it: the
# result as JSON, the trace id, and Lambda's log format once the user imports logging.

import json
import os
import sys
import time

from .context import LambdaContext, static_context_fields
from .errors import FaultError, error_from_exception, log_error

END_MARKER = "\x1eSKYSCALE-END %s\n"

# Set while an invocation runs; the lazily installed logging filter reads it.
current_request_id = ""


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
