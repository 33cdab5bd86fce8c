# Errors as Lambda reports them: the error object {errorMessage, errorType,
# stackTrace} built from an exception, and the "[ERROR]" line in the log. traceback
# is imported only when a handler fails.

import os
import sys

# The runtime's own files (bootstrap.py and this package): their frames are cut from
# the front of a user's stack trace.
RUNTIME_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class FaultError(Exception):
    """A runtime-level failure with a Lambda error type (Runtime.*)."""

    def __init__(self, error_type, message, stack_trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


def is_runtime_frame(filename):
    return filename.startswith(RUNTIME_DIR) or filename.startswith("<frozen importlib")


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
