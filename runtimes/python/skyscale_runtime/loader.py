# Loading the function: the process limits and sys.path a function expects, the
# handler's module imported with Lambda's fault types, and its arity adapted.

import os
import sys

from .errors import FaultError

FunctionType = type(lambda: None)  # types.FunctionType without importing types
CO_VARARGS, CO_VARKEYWORDS = 0x04, 0x08  # inspect's constants, stable since 2.x
RUNTIME_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


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
    not shadow the user's modules or their dependencies. This package is
    imported by then, and its modules are found through its own __path__.

    python_path: PYTHONPATH entries the interpreter did not see at start-up (a
    prestarted runtime); they go right after the task root, where start-up
    would have put them.
    """
    task_root = os.path.abspath(task_root or os.environ.get("LAMBDA_TASK_ROOT") or ".")
    drop = (task_root, RUNTIME_DIR)
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
