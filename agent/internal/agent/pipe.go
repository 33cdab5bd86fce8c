package agent

// The built-in runtime channel (contracts/agent-protocol.md, "Built-in runtime
// channel"): the Python bootstrap gets two pipes as fds 3 and 4. A prestarted
// one receives its function there; once it says "next" there, the agent
// dispatches invocations over them and waits for the answer in a ppoll on the
// loop's own thread. A runtime that ignores them (custom runtimes, the tests'
// fake) is served over HTTP.

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

// runtimeChannel is how the current runtime is reached.
type runtimeChannel int

const (
	httpOnly    runtimeChannel = iota // no pipe: the Runtime API only
	pipeOffered                       // the runtime has the pipe but has not said "next" on it
	overPipe                          // it said "next" there: invocations go over the pipe
	pipeClosed                        // it hung up or broke the pipe; its exit arrives on runtimeDone
)

// setRuntimePipe makes p the current runtime's channel (closing the last one).
func (a *Agent) setRuntimePipe(p *rtpipe.Pipe) {
	if a.pipe != nil {
		a.pipe.Close()
	}
	a.pipe, a.channel = p, httpOnly
	if p != nil {
		a.channel = pipeOffered
	}
}

func (a *Agent) poke() { a.waker.Poke() }

// pollDeadline is when the loop should stop waiting in ppoll, and whether it
// should wait there at all: while the runtime has something to say on the
// pipe (initializing, or busy with an invocation dispatched over it).
func (a *Agent) pollDeadline() (time.Time, bool) {
	if (a.channel != pipeOffered && a.channel != overPipe) || a.runtimeDone() == nil {
		return time.Time{}, false
	}
	switch {
	case a.inv != nil && a.channel == overPipe:
		deadline := a.inv.dispatched.Add(a.inv.timeout)
		if a.inv.stream != nil && a.inv.nextSend.Before(deadline) {
			deadline = a.inv.nextSend // back to the select for the stream's tick
		}
		return deadline, true
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
		a.pipeBroke(err)
	}
}

// pipeBroke: the runtime closed its end (it is exiting) or wrote garbage (it
// is killed); either way its exit arrives on runtimeDone.
func (a *Agent) pipeBroke(err error) {
	a.channel = pipeClosed
	if !errors.Is(err, rtpipe.ErrClosed) {
		a.log.Warn("runtime broke its channel; killing it", "err", err)
		a.proc.Kill()
	}
}

func (a *Agent) handlePipeAnswer(ans rtpipe.Answer) {
	var h rtpipe.AnswerHeader
	if err := ans.Frame.Decode(&h); err != nil {
		a.log.Warn("bad frame from the runtime", "err", err)
		return
	}
	now := time.Now()
	switch h.Type {
	case rtpipe.TypeNext:
		if a.initing != nil && a.state.State() == lifecycle.Initializing {
			a.channel = overPipe
			a.initSucceeded()
		}
	case rtpipe.TypeInitError:
		if a.initing != nil {
			a.initFailed(errorObject(runtimeapi.ParseErrorBody(ans.Frame.Body, h.ErrorType, "Runtime.Unknown")))
		}
	case rtpipe.TypeResponse, rtpipe.TypeError:
		if a.inv == nil || h.RequestID != a.inv.id {
			a.log.Debug("stale answer from the runtime", "requestId", h.RequestID)
			return
		}
		ev := runtimeapi.Event{Kind: runtimeapi.Response, RequestID: h.RequestID, At: now, Body: ans.Frame.Body, MaxRssKb: h.MaxRssKb, CpuMs: h.CpuMs}
		switch {
		case h.Type == rtpipe.TypeError:
			ev.Kind, ev.Body = runtimeapi.FunctionError, nil
			ev.Error = runtimeapi.ParseErrorBody(ans.Frame.Body, h.ErrorType, "Unhandled")
		case ans.TooLarge || len(ans.Frame.Body) > runtimeapi.MaxResponseBytes:
			ev.Kind, ev.Body = runtimeapi.ResponseTooLarge, nil
		}
		a.invocationAnswered(ev)
	default:
		a.log.Debug("unexpected frame from the runtime", "type", h.Type, "state", a.state.State())
	}
}

// dispatchPipe sends the invocation over the pipe.
func (a *Agent) dispatchPipe(inv runtimeapi.Invocation) {
	err := a.pipe.Send(rtpipe.Invoke{
		Type: rtpipe.TypeInvoke, RequestID: inv.RequestID, DeadlineMs: inv.DeadlineMs,
		InvokedFunctionArn: inv.InvokedFunctionArn, TraceID: inv.TraceID, ClientContext: inv.ClientContext,
	}, inv.Event)
	if err != nil { // the runtime is gone: its exit arrives on runtimeDone
		a.log.Warn("cannot dispatch to the runtime", "err", err)
	}
}

// startRuntime starts spec, with the built-in runtime channel when withPipe
// and the pipes can be made (else the runtime gets HTTP only).
func (a *Agent) startRuntime(spec supervisor.Spec, withPipe bool) (*supervisor.Process, error) {
	var pipe *rtpipe.Pipe
	if withPipe && a.waker != nil {
		var err error
		if pipe, err = rtpipe.New(); err != nil {
			a.log.Warn("no runtime pipe; the runtime gets HTTP only", "err", err)
			pipe = nil
		}
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
	a.setRuntimePipe(pipe)
	if pipe != nil {
		pipe.Started()
	}
	a.proc = proc
	w := a.waker
	go func() {
		<-proc.Done()
		w.Poke()
	}()
	return proc, nil
}

// dropRuntime kills the runtime and forgets it and its channel; its last
// words belong to no invocation.
func (a *Agent) dropRuntime() {
	a.proc.KillAndWait(killWait)
	a.proc = nil
	a.setRuntimePipe(nil)
	a.logs.Take()
}
