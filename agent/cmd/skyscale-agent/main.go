// Command skyscale-agent runs inside every sandbox: it speaks the framed host
// protocol on stdin/stdout and serves the Lambda Runtime API to the function's
// runtime. Settings come from flags, then SKYSCALE_AGENT_* env vars, then
// defaults. Nothing but protocol frames is ever written to stdout.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"skyscale.dev/agent/internal/agent"
)

// setting is one configurable value: its flag, env var and default, in one list.
type setting struct {
	flag, env, def, usage string
	value                 *string
}

func main() {
	var cfg agent.Config
	var level string
	settings := []setting{
		{"runtime-api", "SKYSCALE_AGENT_RUNTIME_API", "127.0.0.1:9001", "Runtime API listen address (127.0.0.1:0 picks a free port)", &cfg.RuntimeAPI},
		{"task-dir", "SKYSCALE_AGENT_TASK_DIR", "/var/task", "directory the code package is extracted into", &cfg.TaskDir},
		{"python", "SKYSCALE_AGENT_PYTHON", "python3", "Python interpreter for python3.* runtimes", &cfg.Python},
		{"python-bootstrap", "SKYSCALE_AGENT_PYTHON_BOOTSTRAP", "/opt/skyscale/runtime/python/bootstrap.py", "the built-in Python runtime", &cfg.PythonBootstrap},
		{"node-dir", "SKYSCALE_AGENT_NODE_DIR", "/opt", "directory holding node<major>/bin/node for nodejs<major>.x runtimes", &cfg.NodeDir},
		{"node-bootstrap", "SKYSCALE_AGENT_NODE_BOOTSTRAP", "/opt/skyscale/runtime/node/bootstrap.mjs", "the built-in Node.js runtime", &cfg.NodeBootstrap},
		{"prestart", "SKYSCALE_AGENT_PRESTART", "", "start this runtime (python, node22, node24) before ready, to be assigned a function at init", &cfg.Prestart},
		{"log-level", "SKYSCALE_AGENT_LOG_LEVEL", "info", "debug, info, warn or error (diagnostics go to stderr)", &level},
	}
	for _, s := range settings {
		def := s.def
		if v, ok := os.LookupEnv(s.env); ok && v != "" {
			def = v
		}
		flag.StringVar(s.value, s.flag, def, s.usage+" (env "+s.env+")")
	}
	flag.Parse()

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		fmt.Fprintf(os.Stderr, "skyscale-agent: bad --log-level %q: want debug, info, warn or error\n", level)
		os.Exit(2)
	}
	cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})).With("component", "agent")

	// A write to a closed stdout must fail with EPIPE, not kill us with
	// SIGPIPE. Notify (unlike Ignore) is not inherited by the runtime.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	a, err := agent.New(cfg)
	if err != nil {
		cfg.Log.Error("cannot start", "err", err)
		os.Exit(1)
	}
	code := a.Run(ctx, os.Stdin, os.Stdout)
	stop()
	os.Exit(code)
}
