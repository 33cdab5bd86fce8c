package agent

// Prestart ("generic pre-warmed sandbox") mode: with --prestart python (or
// node22, node24: a Node.js runtime's family) the agent starts that built-in
// runtime's bootstrap before `ready`, with only the
// function-independent part of the environment and SKYSCALE_PRESTART=1. The
// bootstrap does its own imports and says "prestarted" on its pipe; `ready`
// then says `prestarted: "python"`. At `init` the agent verifies and unpacks
// the code as usual and sends the function down the pipe (handler, task root,
// the full runtime environment, RLIMIT_AS); the bootstrap then imports the
// handler and says "next" as a normally started one would. See
// contracts/agent-protocol.md, "Prestart".

import (
	"context"
	"strings"
	"time"

	"skyscale.dev/agent/internal/hostapi"
	"skyscale.dev/agent/internal/rtpipe"
	"skyscale.dev/agent/internal/supervisor"
)

// PrestartWait bounds how long `ready` waits for the prestarted runtime.
const PrestartWait = 5 * time.Second

const prestartPython = "python"

// prestart starts the runtime named by --prestart and waits (bounded) until it
// says it is waiting for its assignment. On any failure the runtime is killed
// and the agent carries on as if not prestarted: init starts the runtime the
// normal way.
func (a *Agent) prestart(ctx context.Context) bool {
	path, args, ok := a.interpreter(a.cfg.Prestart)
	if !ok {
		a.log.Warn("unknown --prestart runtime, or its interpreter is missing; not prestarting", "prestart", a.cfg.Prestart)
		return false
	}
	env := a.platformEnv(a.cfg.Prestart)
	env["SKYSCALE_PRESTART"] = "1"
	start := time.Now()
	proc, err := a.startRuntime(supervisor.Spec{
		Path: path,
		Args: args,
		Dir:  a.cfg.TaskDir,
		Env:  envList(env),
	}, true)
	if err != nil {
		a.log.Warn("prestart failed; the runtime will start at init", "err", err)
		return false
	}
	reason := "the assignment goes over the runtime pipe, which could not be made"
	if a.pipe != nil {
		reason = a.awaitPrestarted(ctx, proc)
	}
	if reason == "" {
		a.log.Info("runtime prestarted", "runtime", a.cfg.Prestart, "pid", proc.Pid(), "ms", millis(time.Since(start)))
		return true
	}
	proc.KillAndWait(killWait)
	exit := "not reaped yet"
	if isClosed(proc.Done()) { // its exit is only there once it is reaped
		exit = proc.Exit().Reason
	}
	a.log.Warn("prestart failed; the runtime will start at init", "reason", reason, "exit", exit, "output", excerpt(a.logs.Take().Text))
	a.proc = nil
	a.setRuntimePipe(nil)
	return false
}

// awaitPrestarted waits for the runtime's "prestarted" on the pipe; it returns
// why not when that does not come.
func (a *Agent) awaitPrestarted(ctx context.Context, proc *supervisor.Process) string {
	deadline := time.Now().Add(PrestartWait)
	pending := func() bool { return ctx.Err() != nil || isClosed(proc.Done()) }
	for {
		switch a.pipe.Wait(a.waker, time.Until(deadline), pending) {
		case rtpipe.TimedOut:
			return "runtime not waiting for its assignment after " + PrestartWait.String()
		case rtpipe.Readable:
			answers, err := a.pipe.Read()
			for _, ans := range answers {
				if ans.Frame.Type == rtpipe.TypePrestarted {
					return ""
				}
				a.log.Warn("unexpected frame from the prestarting runtime", "type", ans.Frame.Type)
			}
			if err != nil {
				return "runtime pipe: " + err.Error()
			}
		}
		switch {
		case ctx.Err() != nil:
			return "agent stopping"
		case isClosed(proc.Done()):
			return "runtime exited"
		}
	}
}

// canAdopt reports whether the runtime prestarted as family prestarted can
// serve msg: the same runtime family, and no function env the interpreter only
// reads at start-up (for Python: PYTHON* options other than PYTHONPATH, which
// the bootstrap applies itself; for Node.js: NODE_* other than NODE_ENV, and
// UV_*; the locale). Anything else would silently behave differently than in
// a runtime started for the function.
func canAdopt(prestarted string, msg hostapi.Init) bool {
	fam := family(msg.Runtime)
	if fam == "" || fam != prestarted {
		return false
	}
	python := fam == prestartPython
	for k := range msg.Env {
		switch {
		case k == "LC_ALL", k == "LC_CTYPE":
			return false
		case python && (k == "PYTHONPATH" || k == "PYTHONUNBUFFERED" || k == "PYTHONDONTWRITEBYTECODE"):
		case python && strings.HasPrefix(k, "PYTHON"):
			return false
		case !python && k == "NODE_ENV":
		case !python && (strings.HasPrefix(k, "NODE_") || strings.HasPrefix(k, "UV_")):
			return false
		}
	}
	return true
}

// assign sends the prestarted runtime its function. A failed write means the
// runtime is gone: its exit arrives on runtimeDone and fails the init.
func (a *Agent) assign(msg hostapi.Init) {
	err := a.pipe.Send(rtpipe.Assignment{
		Type:          rtpipe.TypeAssignment,
		Handler:       msg.Handler,
		TaskRoot:      a.cfg.TaskDir,
		Env:           a.runtimeEnvMap(msg),
		RlimitAsBytes: rlimitAsBytes(msg),
	}, nil)
	if err != nil {
		a.log.Warn("cannot send the prestarted runtime its function", "err", err)
	}
}
