# Skyscale's built-in Python runtime (contracts/agent-protocol.md, "The runtime's
# side"). bootstrap.py beside this package is what the agent runs; main.py is the
# program. Importing the package imports nothing: every module costs start-up time,
# and start-up is on every cold start.
