# The runtime's start: pick the transport (the agent's pipe, else the Runtime API over
# HTTP), take the function (from the environment, or from the agent's assignment when
# prestarted), import the handler, then serve invocations.

import os
import sys
import time

from .errors import error_from_exception, log_error
from .invocation import flush_output, serve
from .loader import adapt_arity, load_handler, set_memory_limit, set_task_root_path
from .transport import ConnectionDropped, PipeTransport


def init(transport):
    """Import the handler; on failure report the init error and exit(1)."""
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


def take_assignment(pipe):
    """Prestart mode (SKYSCALE_PRESTART=1): the interpreter and this package are
    loaded before any function is known. Wait for the agent to assign one, then
    make the process look exactly like one started for it: the full environment
    (nothing of the generic one left over), RLIMIT_AS, sys.path, cwd.
    """
    import resource  # noqa: F401  (set_memory_limit needs it; load it now, not at init)
    assignment = pipe.await_assignment()
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


def open_transport():
    """The agent's pipe when it gave one; else HTTP to AWS_LAMBDA_RUNTIME_API
    (that client is imported only then)."""
    spec = os.environ.pop("SKYSCALE_RUNTIME_PIPE", None)
    pipe = spec and PipeTransport.open(spec)
    if pipe:
        return pipe
    address = os.environ.get("AWS_LAMBDA_RUNTIME_API")
    if not address:
        sys.stderr.write("[skyscale] neither SKYSCALE_RUNTIME_PIPE nor AWS_LAMBDA_RUNTIME_API is set\n")
        sys.exit(1)
    from .http_client import HTTPTransport
    return HTTPTransport(address)


def main():
    keep_output_ordered()
    transport = open_transport()
    if os.environ.get("SKYSCALE_PRESTART"):
        if not isinstance(transport, PipeTransport):
            sys.stderr.write("[skyscale] a prestarted runtime needs the agent's pipe (SKYSCALE_RUNTIME_PIPE)\n")
            sys.exit(1)
        take_assignment(transport)
    else:
        set_memory_limit()
        set_task_root_path()
    serve(transport, init(transport))
