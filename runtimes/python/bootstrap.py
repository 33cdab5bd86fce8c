# Skyscale's built-in Python runtime: the path the agent runs
# (python3 /opt/skyscale/runtime/python/bootstrap.py). The program is the
# skyscale_runtime package beside this file; its .pyc files are compiled into the
# sandbox kit (src/sandbox/kit.ts), because the agent sets
# PYTHONDONTWRITEBYTECODE and the kit is read-only. This script itself is compiled at
# every start, so it stays this small.
if __name__ == "__main__":
    from skyscale_runtime.main import main
    main()
