package agent

// The built-in runtime channel (contracts/agent-protocol.md, "Built-in runtime
// channel"): the Python bootstrap gets two pipes as fds 3 and 4 and, when it
// uses them, the agent dispatches invocations over them and waits for the
// answer in a ppoll on the loop's own thread. A runtime that ignores them
// (custom runtimes, the tests' fake) is served over HTTP as before.

import (
	"errors"
	"time"

	"skyscale.dev/agent/internal/lifecycle"
	"skyscale.dev/agent/internal/rtpipe"
	"skyscale.dev/agent/internal/runtimeapi"
	"skyscale.dev/agent/internal/supervisor"
)

// runtimePipeEnv tells the bootstrap where its channel is; the bootstrap
// removes it from its environment before loading user code.
const runtimePipeEnv = "SKYSCALE_RUNTIME_PIPE"

// pipeHeader is what the runtime sends: next, response, error, init_error.
type pipeHeader struct {
	Type      string `json:"type"`
	RequestID string `json:"requestId"`
	ErrorType string `json:"errorType"`
	MaxRssKb  int64  `json:"maxRssKb"`
}

// pipeInvoke is what the agent sends for an invocation.
type pipeInvoke struct {
	Type               string `json:"type"`
	RequestID          string `json:"requestId"`
	DeadlineMs         int64  `json:"deadlineMs"`
	InvokedFunctionArn string `json:"invokedFunctionArn"`
	TraceID            string `json:"traceId"`
	ClientContext      string `json:"clientContext,omitempty"`
}

// newRuntimePipe makes the channel for a runtime about to start; nil (HTTP
// only) if the pipes cannot be made.
func (a *Agent) newRuntimePipe() *rtpipe.Pipe {
	p, err := rtpipe.New()
	if err != nil {
		a.log.Warn("no runtime pipe; the runtime gets HTTP only", "err", err)
		return nil
	}
	return p
}

// setRuntimePipe makes p the current runtime's channel (closing the last one).
func (a *Agent) setRuntimePipe(p *rtpipe.Pipe) {
	if a.pipe != nil {
		a.pipe.Close()
	}
	a.pipe, a.fast, a.pipeDead = p, false, false
}

func (a *Agent) poke() { a.waker.Poke() }

// pollDeadline is when the loop should stop waiting in ppoll, and whether it
// should wait there at all: while the runtime has something to say on the
// pipe (initializing, or busy with an invocation dispatched over it).
func (a *Agent) pollDeadline() (time.Time, bool) {
	if a.pipe == nil || a.waker == nil || a.pipeDead || a.procDone == nil {
		return time.Time{}, false
	}
	switch {
	case a.inv != nil && a.fast:
		return a.inv.dispatched.Add(a.inv.timeout), true
	case a.initing != nil && a.initing.timer != nil:
		return a.initing.deadline, true
	}
	return time.Time{}, false
}

// waitPipe waits in ppoll for the runtime's answer; it returns false when the
// loop's channels need the select (something is queued there, the deadline
// passed, or the pipe is gone).
func (a *Agent) waitPipe(deadline time.Time, pending func() bool) bool {
	switch a.pipe.Wait(a.waker, time.Until(deadline), pending) {
	case rtpipe.Readable:
		a.readPipe()
		return true
	case rtpipe.Woken:
		return !pending()
	default:
		return false
	}
}

func (a *Agent) readPipe() {
	answers, err := a.pipe.Read()
	for _, ans := range answers {
		a.handlePipeAnswer(ans)
	}
	if err != nil {
		a.pipeDead = true // the runtime's exit arrives on procDone
		if !errors.Is(err, rtpipe.ErrClosed) {
			a.log.Warn("runtime broke its channel; killing it", "err", err)
			a.proc.Kill()
		}
	}
}

func (a *Agent) handlePipeAnswer(ans rtpipe.Answer) {
	var h pipeHeader
	if err := ans.Frame.Decode(&h); err != nil {
		a.log.Warn("bad frame from the runtime", "err", err)
		return
	}
	now := time.Now()
	switch h.Type {
	case "next":
		if a.initing != nil && a.state.State() == lifecycle.Initializing {
			a.fast = true
			a.initSucceeded()
		}
	case "init_error":
		if a.initing != nil {
			a.initFailed(errorObject(runtimeapi.ParseErrorBody(ans.Frame.Body, h.ErrorType, "Runtime.Unknown")))
		}
	case "response", "error":
		if a.inv == nil || h.RequestID != a.inv.id {
			a.log.Debug("stale answer from the runtime", "requestId", h.RequestID)
			return
		}
		ev := runtimeapi.Event{Kind: runtimeapi.Response, RequestID: h.RequestID, At: now, Body: ans.Frame.Body, MaxRssKb: h.MaxRssKb}
		switch {
		case h.Type == "error":
			ev.Kind, ev.Body = runtimeapi.FunctionError, nil
			ev.Error = runtimeapi.ParseErrorBody(ans.Frame.Body, h.ErrorType, "Unhandled")
		case ans.TooLarge || len(ans.Frame.Body) > runtimeapi.MaxResponseBytes:
			ev.Kind, ev.Body = runtimeapi.ResponseTooLarge, nil
		}
		a.invocationAnswered(ev)
	default:
		a.log.Debug("unknown frame from the runtime", "type", h.Type)
	}
}

// dispatchPipe sends the invocation over the pipe.
func (a *Agent) dispatchPipe(inv runtimeapi.Invocation) {
	err := a.pipe.Send(pipeInvoke{
		Type: "invoke", RequestID: inv.RequestID, DeadlineMs: inv.DeadlineMs,
		InvokedFunctionArn: inv.InvokedFunctionArn, TraceID: inv.TraceID, ClientContext: inv.ClientContext,
	}, inv.Event)
	if err != nil { // the runtime is gone: its exit arrives on procDone
		a.log.Warn("cannot dispatch to the runtime", "err", err)
	}
}

// runtimeStarted records a freshly started runtime and its channel.
func (a *Agent) runtimeStarted(proc *supervisor.Process, pipe *rtpipe.Pipe) {
	a.setRuntimePipe(pipe)
	if pipe != nil {
		pipe.Started()
	}
	a.proc, a.procDone = proc, proc.Done()
	w := a.waker
	go func() {
		<-proc.Done()
		w.Poke()
	}()
}

// startRuntime starts spec with the built-in runtime channel when withPipe.
func (a *Agent) startRuntime(spec supervisor.Spec, withPipe bool) (*supervisor.Process, error) {
	var pipe *rtpipe.Pipe
	if withPipe {
		pipe = a.newRuntimePipe()
	}
	if pipe != nil {
		spec.ExtraFiles = pipe.Child()
		spec.Env = append(spec.Env, runtimePipeEnv+"=3,4")
	}
	proc, err := supervisor.Start(spec, a.logs)
	if err != nil {
		if pipe != nil {
			pipe.Close()
		}
		return nil, err
	}
	a.runtimeStarted(proc, pipe)
	return proc, nil
}
