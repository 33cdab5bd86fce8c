package agent

// Prestart ("generic pre-warmed sandbox") mode: with --prestart python the
// agent starts the Python bootstrap before `ready`, with only the
// function-independent part of the environment and SKYSCALE_PRESTART=1. The
// bootstrap does its own imports and long-polls the private assignment
// endpoint; `ready` says `prestarted: "python"` once that poll has arrived.
// At `init` the agent verifies and unpacks the code as usual and answers the
// poll with the function (handler, task root, the full runtime environment,
// RLIMIT_AS); the bootstrap then imports the handler and asks for /next as a
// normally started one would. See contracts/agent-protocol.md, "Prestart".

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"skyscale.dev/agent/internal/hostapi"
	"skyscale.dev/agent/internal/supervisor"
)

// PrestartWait bounds how long `ready` waits for the prestarted runtime.
const PrestartWait = 5 * time.Second

const prestartPython = "python"

// assignment is the body of the answer to the assignment poll.
type assignment struct {
	Handler       string            `json:"handler"`
	TaskRoot      string            `json:"taskRoot"`
	Env           map[string]string `json:"env"`
	RlimitAsBytes int64             `json:"rlimitAsBytes"`
}

// prestart starts the runtime named by --prestart and waits (bounded) until it
// polls for its assignment. On any failure the runtime is killed and the agent
// carries on as if not prestarted: init starts the runtime the normal way.
func (a *Agent) prestart(ctx context.Context) {
	if a.cfg.Prestart != prestartPython {
		a.log.Warn("unknown --prestart runtime; not prestarting", "prestart", a.cfg.Prestart)
		return
	}
	env := a.platformEnv()
	env["SKYSCALE_PRESTART"] = "1"
	start := time.Now()
	proc, err := a.startRuntime(supervisor.Spec{
		Path: a.cfg.Python,
		Args: []string{a.cfg.PythonBootstrap},
		Dir:  a.cfg.TaskDir,
		Env:  envList(env),
	}, a.waker != nil)
	if err != nil {
		a.log.Warn("prestart failed; the runtime will start at init", "err", err)
		return
	}
	t := time.NewTimer(PrestartWait)
	defer t.Stop()
	var reason string
	select {
	case <-a.api.AssignmentWaiting():
		a.warmRT = prestartPython
		a.log.Info("runtime prestarted", "runtime", prestartPython, "pid", proc.Pid(), "ms", millis(time.Since(start)))
		return
	case <-proc.Done():
		reason = "runtime exited: " + proc.Exit().Reason
	case <-t.C:
		reason = "runtime not waiting for its assignment after " + PrestartWait.String()
	case <-ctx.Done():
		reason = "agent stopping"
	}
	proc.KillAndWait(killWait)
	a.proc, a.procDone = nil, nil
	a.setRuntimePipe(nil)
	a.log.Warn("prestart failed; the runtime will start at init", "reason", reason, "output", excerpt(a.logs.Take().Text))
}

// canAdopt reports whether the prestarted runtime can serve msg: the same
// runtime family, and no function env the interpreter only reads at start-up
// (PYTHON* options other than PYTHONPATH, which the bootstrap applies itself;
// the locale). Anything else would silently behave differently than in a
// runtime started for the function.
func (a *Agent) canAdopt(msg hostapi.Init) bool {
	if a.warmRT != prestartPython || !isPython(msg.Runtime) {
		return false
	}
	for k := range msg.Env {
		switch {
		case k == "PYTHONPATH", k == "PYTHONUNBUFFERED", k == "PYTHONDONTWRITEBYTECODE":
		case strings.HasPrefix(k, "PYTHON"), k == "LC_ALL", k == "LC_CTYPE":
			return false
		}
	}
	return true
}

// dropPrestarted kills a prestarted runtime that will not be used.
func (a *Agent) dropPrestarted() {
	a.procDone = nil
	a.proc.KillAndWait(killWait)
	a.proc, a.warmRT = nil, ""
	a.setRuntimePipe(nil)
	a.logs.Take() // its last words belong to no invocation
}

func (a *Agent) assignmentFor(msg hostapi.Init) []byte {
	b, err := json.Marshal(assignment{
		Handler:       msg.Handler,
		TaskRoot:      a.cfg.TaskDir,
		Env:           a.runtimeEnvMap(msg),
		RlimitAsBytes: rlimitAsBytes(msg),
	})
	if err != nil { // a map of strings always marshals
		panic(err)
	}
	return b
}
