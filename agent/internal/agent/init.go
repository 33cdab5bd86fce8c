package agent

import (
	"errors"
	"fmt"
	"time"

	"skyscale.dev/agent/internal/codepkg"
	"skyscale.dev/agent/internal/hostapi"
	"skyscale.dev/agent/internal/lifecycle"
)

const (
	defaultLogLimit    = 256 << 10
	defaultInitTimeout = 10 * time.Second
)

type initAttempt struct {
	start    time.Time
	timer    *time.Timer // runs once the runtime is started
	deadline time.Time   // when timer fires
}

// handleInit checks, unpacks and starts the function. The steps up to starting
// the runtime are synchronous; the rest (first /next, /init/error, exit,
// timeout) arrives on the event loop.
func (a *Agent) handleInit(f hostapi.Frame) {
	var msg hostapi.Init
	if err := f.Decode(&msg); err != nil {
		a.refuse(errInvalidMessage, err.Error(), "")
		return
	}
	prestarted := a.state.State() == lifecycle.Prestarted
	if err := a.state.Fire(lifecycle.Init); err != nil {
		a.refuse(lifecycle.ErrorType, err.Error(), "")
		return
	}
	a.fn = msg
	a.initing = &initAttempt{start: time.Now()}
	a.logs.SetLimit(orDefault(msg.LogLimitBytes, defaultLogLimit))
	if prestarted {
		a.proc.Flush()
		if l := a.logs.Take(); l.Text != "" { // printed while waiting: not the function's
			a.log.Info("prestarted runtime output", "output", excerpt(l.Text))
		}
		if !canAdopt(a.cfg.Prestart, msg) {
			a.log.Info("prestarted runtime cannot serve this function; starting one for it", "runtime", msg.Runtime)
			a.dropRuntime()
			prestarted = false
		}
	}

	if err := codepkg.Verify(f.Body, msg.CodeSha256); err != nil {
		a.initFailed(agentError(errChecksumMismatch, err.Error()))
		return
	}
	spec, ok := a.runtimeSpec(msg)
	if !ok {
		a.initFailed(agentError(errUnsupported, fmt.Sprintf("runtime %q is not supported", msg.Runtime)))
		return
	}
	if err := codepkg.Extract(f.Body, a.cfg.TaskDir); err != nil {
		if !errors.Is(err, codepkg.ErrInvalid) {
			err = fmt.Errorf("extracting into %s: %w", a.cfg.TaskDir, err)
		}
		a.initFailed(agentError(errInvalidPackage, err.Error()))
		return
	}
	if prestarted {
		a.assign(msg)
	} else {
		if _, err := a.startRuntime(spec, true); err != nil {
			a.initFailed(agentError(errExit, "Runtime failed to start: "+err.Error()))
			return
		}
	}
	timeout := time.Duration(msg.TimeoutMs) * time.Millisecond
	if timeout <= 0 {
		timeout = defaultInitTimeout
	}
	a.initing.timer = time.NewTimer(timeout)
	a.initing.deadline = time.Now().Add(timeout)
	a.log.Debug("runtime started", "pid", a.proc.Pid(), "runtime", msg.Runtime)
}

// initSucceeded: the runtime asked for its first invocation.
func (a *Agent) initSucceeded() {
	if err := a.state.Fire(lifecycle.InitOK); err != nil {
		a.log.Error("state", "err", err)
		return
	}
	at := a.initing
	at.timer.Stop()
	a.initing = nil
	a.proc.Flush() // everything printed before /next belongs to init
	l := a.logs.Take()
	a.send(hostapi.InitResult{Type: hostapi.TypeInitResult, OK: true, InitMs: millis(time.Since(at.start)), Log: l.Text}, nil)
}

func (a *Agent) initTimedOut() {
	limit := time.Duration(a.fn.TimeoutMs) * time.Millisecond
	if limit <= 0 {
		limit = defaultInitTimeout
	}
	a.initFailed(agentError(errInitTimeout, fmt.Sprintf("Init timed out after %.2f seconds", limit.Seconds())))
}

// initFailed reports e and leaves the agent failed; the runtime, if any, is
// killed first so its last words are in the log.
func (a *Agent) initFailed(e *hostapi.ErrorObject) {
	if err := a.state.Fire(lifecycle.InitFailed); err != nil {
		a.log.Error("state", "err", err)
		return
	}
	at := a.initing
	a.initing = nil
	if at.timer != nil {
		at.timer.Stop()
	}
	if a.proc != nil {
		a.proc.KillAndWait(killWait)
	}
	l := a.logs.Take()
	a.log.Warn("init failed", "errorType", e.ErrorType, "msg", e.ErrorMessage)
	a.send(hostapi.InitResult{Type: hostapi.TypeInitResult, OK: false, InitMs: millis(time.Since(at.start)), Log: l.Text, Error: e}, nil)
}
