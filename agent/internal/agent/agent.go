// Package agent is the sandbox agent's core: one event loop that owns the
// lifecycle state and reacts to host messages, runtime API events, runtime
// exit and deadlines. Everything that changes state happens on that loop, so
// no state is shared between goroutines except through channels.
package agent

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"time"

	"skyscale.dev/agent/internal/hostapi"
	"skyscale.dev/agent/internal/lifecycle"
	"skyscale.dev/agent/internal/logcapture"
	"skyscale.dev/agent/internal/rtpipe"
	"skyscale.dev/agent/internal/runtimeapi"
	"skyscale.dev/agent/internal/supervisor"
)

// Version is reported in `ready`.
const Version = "0.1.0"

// Error types the agent reports itself (the contract lists them).
const (
	errInvalidMessage   = "Agent.InvalidMessage"
	errUnknownMessage   = "Agent.UnknownMessageType"
	errProtocol         = "Agent.ProtocolError"
	errChecksumMismatch = "Agent.CodeChecksumMismatch"
	errInvalidPackage   = "Agent.InvalidCodePackage"
	errUnsupported      = "Runtime.Unsupported"
	errInitTimeout      = "Runtime.InitTimeout"
	errExit             = "Runtime.ExitError"
	errOutOfMemory      = "Runtime.OutOfMemory"
	errTimedOut         = "Sandbox.Timedout"
	errResponseTooLarge = "Function.ResponseSizeTooLarge"
)

// killWait bounds how long the agent waits for a killed runtime to be reaped
// and its last output captured.
const killWait = time.Second

// Config is the agent's settings after flags, env and defaults are resolved.
type Config struct {
	RuntimeAPI      string // listen address for the Runtime API
	TaskDir         string // where the code package is extracted
	Python          string // interpreter for python3.* runtimes
	PythonBootstrap string // the built-in Python runtime
	NodeDir         string // holds node<major>/bin/node for the nodejs<major>.x runtimes
	NodeBootstrap   string // the built-in Node.js runtime
	Prestart        string // "python", "node22", ...: start that runtime before `ready` (see prestart.go)
	Log             *slog.Logger
}

// Agent is one sandbox's agent. Create it with New, then Run it once.
type Agent struct {
	cfg   Config
	log   *slog.Logger
	api   *runtimeapi.Server
	host  *hostapi.Conn
	state *lifecycle.Machine
	logs  *logcapture.Capture

	fn      hostapi.Init        // the function, from init
	proc    *supervisor.Process // the runtime, once started
	initing *initAttempt        // set while initializing
	inv     *invocation         // set while busy
	pipe    *rtpipe.Pipe        // the built-in runtime channel of proc, or nil
	channel runtimeChannel      // how proc is reached (pipe.go)
	waker   *rtpipe.Waker       // interrupts the loop's ppoll; nil: no pipes at all
}

// New binds the Runtime API listener so that `ready` is true when sent.
func New(cfg Config) (*Agent, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if err := os.MkdirAll(cfg.TaskDir, 0o755); err != nil {
		return nil, err
	}
	api, err := runtimeapi.Listen(cfg.RuntimeAPI, cfg.Log)
	if err != nil {
		return nil, err
	}
	a := &Agent{
		cfg:   cfg,
		log:   cfg.Log,
		api:   api,
		state: lifecycle.New(),
		logs:  logcapture.New(defaultLogLimit),
	}
	if a.waker, err = rtpipe.NewWaker(); err != nil {
		a.log.Warn("no waker; the built-in runtime channel is off", "err", err)
		a.waker = nil
	}
	api.SetNotify(a.poke)
	return a, nil
}

// RuntimeAPIAddr is the bound Runtime API address.
func (a *Agent) RuntimeAPIAddr() string { return a.api.Addr() }

// Run serves the host on in/out until shutdown, end of input or ctx is done,
// and returns the process exit code.
func (a *Agent) Run(ctx context.Context, in io.Reader, out io.Writer) int {
	a.host = hostapi.NewConn(in, out)
	a.host.Notify = a.poke
	defer a.stop()
	stopPoke := context.AfterFunc(ctx, a.poke)
	defer stopPoke()

	ready := hostapi.Ready{Type: hostapi.TypeReady, Protocol: hostapi.Protocol, AgentVersion: Version, Pid: os.Getpid()}
	becomeIdle := lifecycle.Ready
	if a.cfg.Prestart != "" && a.prestart(ctx) {
		ready.Prestarted, becomeIdle = a.cfg.Prestart, lifecycle.ReadyPrestarted
	}
	if err := a.state.Fire(becomeIdle); err != nil {
		a.log.Error("cannot become idle", "err", err)
		return 1
	}
	a.send(ready, nil)
	frames, readErr := a.host.Receive()
	// pending: is anything queued for the select below? Checked by the ppoll
	// wait after it raised its flag, so a poke is never lost.
	pending := func() bool {
		return len(frames) > 0 || len(readErr) > 0 || ctx.Err() != nil || len(a.api.Events()) > 0 ||
			isClosed(a.runtimeDone()) || isClosed(a.firstNext())
	}
	for a.state.State() != lifecycle.Stopped {
		if deadline, ok := a.pollDeadline(); ok && a.waitPipe(deadline, pending) {
			continue
		}
		select {
		case <-ctx.Done():
			a.log.Info("stopping", "reason", context.Cause(ctx))
			return 0
		case f, ok := <-frames:
			if !ok {
				frames = nil // the reason arrives on readErr
				continue
			}
			if f.Type == hostapi.TypeShutdown {
				a.log.Info("shutdown requested")
				return 0
			}
			a.handleFrame(f)
		case err := <-readErr:
			if errors.Is(err, io.EOF) {
				a.log.Info("host closed the stream")
				return 0
			}
			a.log.Error("broken host stream", "err", err)
			a.refuse(errProtocol, err.Error(), "")
			return 1
		case <-a.firstNext():
			a.initSucceeded()
		case ev := <-a.api.Events():
			a.handleRuntimeEvent(ev)
		case <-a.runtimeDone():
			a.runtimeExited()
		case <-a.initDeadline():
			a.initTimedOut()
		case <-a.invokeDeadline():
			a.invocationTimedOut()
		case <-a.streamTick():
			a.streamLog()
		}
	}
	a.log.Info("host went away")
	return 0
}

func (a *Agent) handleFrame(f hostapi.Frame) {
	switch f.Type {
	case hostapi.TypePing:
		a.send(hostapi.Pong{Type: hostapi.TypePong}, nil)
	case hostapi.TypeInit:
		a.handleInit(f)
	case hostapi.TypeInvoke:
		a.handleInvoke(f)
	default:
		a.refuse(errUnknownMessage, "unknown message type "+quote(f.Type), "")
	}
}

func (a *Agent) handleRuntimeEvent(ev runtimeapi.Event) {
	switch {
	case ev.Kind == runtimeapi.InitError && a.initing != nil:
		a.initFailed(errorObject(ev.Error))
	case ev.Kind != runtimeapi.InitError && a.inv != nil && ev.RequestID == a.inv.id:
		a.invocationAnswered(ev)
	default:
		a.log.Debug("runtime event ignored", "kind", ev.Kind, "requestId", ev.RequestID, "state", a.state.State())
	}
}

// runtimeExited handles the runtime's exit in whatever state we are in. An
// answer the runtime posted just before exiting is handled first: select picks
// ready channels at random, and the answer is the better report.
func (a *Agent) runtimeExited() {
	for pending := true; pending; {
		select {
		case ev := <-a.api.Events():
			a.handleRuntimeEvent(ev)
		default:
			pending = false
		}
	}
	exit := a.proc.Exit()
	switch a.state.State() {
	case lifecycle.Prestarted:
		// Died before its assignment: init starts a new one the normal way.
		if a.fire(lifecycle.RuntimeExit) {
			a.log.Warn("prestarted runtime exited; init will start the runtime", "exit", exit.Reason, "output", excerpt(a.logs.Take().Text))
			a.proc = nil
			a.setRuntimePipe(nil)
		}
	case lifecycle.Initializing:
		a.initFailed(agentError(errExit, "Runtime exited with error: "+exit.Reason))
	case lifecycle.Busy:
		a.invocationCrashed(exit)
	case lifecycle.Warm:
		if a.fire(lifecycle.RuntimeExit) {
			a.log.Warn("runtime exited while warm", "exit", exit.Reason, "output", excerpt(a.logs.Take().Text))
			a.send(hostapi.RuntimeExit{Type: hostapi.TypeRuntimeExit, ExitCode: exit.Code, Signal: exit.Signal}, nil)
		}
	}
}

// fire moves the machine on an event the agent observed itself; a refusal
// here is a bug, logged rather than sent.
func (a *Agent) fire(ev lifecycle.Event) bool {
	if err := a.state.Fire(ev); err != nil {
		a.log.Error("state", "err", err)
		return false
	}
	return true
}

// send writes one frame; a failed write means the host is gone, and the
// agent stops.
func (a *Agent) send(header any, body []byte) {
	if a.state.State() == lifecycle.Stopped {
		return
	}
	if err := a.host.Send(header, body); err != nil {
		a.log.Error("write to host failed", "err", err)
		a.fire(lifecycle.HostLost)
	}
}

func (a *Agent) refuse(errorType, message, requestID string) {
	a.log.Warn("refused", "errorType", errorType, "msg", message, "requestId", requestID)
	a.send(hostapi.Error{Type: hostapi.TypeError, ErrorType: errorType, ErrorMessage: message, RequestID: requestID}, nil)
}

// stop releases everything: the runtime dies with the agent.
func (a *Agent) stop() {
	a.api.Close()
	if a.proc != nil {
		a.proc.KillAndWait(killWait)
	}
	if a.pipe != nil {
		a.pipe.Close()
	}
	if a.waker != nil {
		a.waker.Close()
	}
}

// isClosed reports whether c is closed (nil: no).
func isClosed(c <-chan struct{}) bool {
	if c == nil {
		return false
	}
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// runtimeDone is the runtime's exit while it is news: not before the runtime
// is started, nor once it was killed on purpose or the agent has failed.
func (a *Agent) runtimeDone() <-chan struct{} {
	if a.proc == nil || !a.state.State().RuntimeMatters() {
		return nil
	}
	return a.proc.Done()
}

// firstNext is the runtime's first GET /next, which only matters during init.
func (a *Agent) firstNext() <-chan struct{} {
	if a.initing == nil || a.proc == nil {
		return nil
	}
	return a.api.FirstNext()
}

func (a *Agent) initDeadline() <-chan time.Time {
	if a.initing == nil || a.initing.timer == nil {
		return nil
	}
	return a.initing.timer.C
}

func (a *Agent) streamTick() <-chan time.Time {
	if a.inv == nil || a.inv.stream == nil {
		return nil
	}
	return a.inv.stream.C
}

func (a *Agent) invokeDeadline() <-chan time.Time {
	if a.inv == nil {
		return nil
	}
	return a.inv.timer.C
}
