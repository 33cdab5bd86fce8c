package agent

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"skyscale.dev/agent/internal/hostapi"
	"skyscale.dev/agent/internal/lifecycle"
	"skyscale.dev/agent/internal/logcapture"
	"skyscale.dev/agent/internal/runtimeapi"
	"skyscale.dev/agent/internal/supervisor"
)

// oomShare: a runtime SIGKILLed (not by us) whose peak RSS reached this share
// of its memory limit is reported as out of memory.
const oomShare = 0.9

// A streamed invocation (invoke's logStream) sends its output in `log` frames
// once it has run streamAfter, then every streamEvery while there is news: an
// invocation shorter than that sends none, so the fast path stays one frame
// each way.
const (
	streamAfter = 150 * time.Millisecond
	streamEvery = 200 * time.Millisecond
)

type invocation struct {
	id         string
	dispatched time.Time
	timeout    time.Duration
	timer      *time.Timer
	// streaming only: the next send, the bytes of the log sent and the drops told
	stream   *time.Timer
	nextSend time.Time
	sent     int
	dropped  int
}

func (a *Agent) handleInvoke(f hostapi.Frame) {
	var msg hostapi.Invoke
	if err := f.Decode(&msg); err != nil {
		a.refuse(errInvalidMessage, err.Error(), "")
		return
	}
	if !a.state.Can(lifecycle.Invoke) {
		a.refuse(lifecycle.ErrorType, (&lifecycle.InvalidStateError{State: a.state.State(), Event: lifecycle.Invoke}).Error(), msg.RequestID)
		return
	}
	now := time.Now()
	timeout := time.Duration(msg.TimeoutMs) * time.Millisecond
	if timeout <= 0 && msg.DeadlineMs > 0 {
		timeout = time.Until(time.UnixMilli(msg.DeadlineMs))
	}
	if msg.RequestID == "" || timeout <= 0 {
		a.refuse(errInvalidMessage, "invoke needs a requestId and a positive timeoutMs or a future deadlineMs", msg.RequestID)
		return
	}
	deadline := msg.DeadlineMs
	if deadline <= 0 {
		deadline = now.Add(timeout).UnixMilli()
	}
	if err := a.state.Fire(lifecycle.Invoke); err != nil {
		a.refuse(lifecycle.ErrorType, err.Error(), msg.RequestID)
		return
	}
	a.logs.Expect(msg.RequestID)
	a.inv = &invocation{id: msg.RequestID, dispatched: now, timeout: timeout, timer: time.NewTimer(timeout)}
	if msg.LogStream {
		a.inv.nextSend = now.Add(streamAfter)
		a.inv.stream = time.NewTimer(streamAfter)
	}
	dispatch := a.api.Dispatch
	if a.channel == overPipe {
		dispatch = a.dispatchPipe
	}
	dispatch(runtimeapi.Invocation{
		RequestID:          msg.RequestID,
		DeadlineMs:         deadline,
		InvokedFunctionArn: firstNonEmpty(msg.InvokedFunctionArn, a.fn.InvokedFunctionArn),
		TraceID:            firstNonEmpty(msg.TraceID, newTraceID(now)),
		ClientContext:      clientContext(msg.ClientContext),
		Event:              f.Body,
	})
}

// invocationAnswered: the runtime posted /response or /error (or a response
// too large to accept); the runtime stays usable.
func (a *Agent) invocationAnswered(ev runtimeapi.Event) {
	inv := a.endInvocation(lifecycle.Answered)
	if inv == nil {
		return
	}
	res := hostapi.Result{Type: hostapi.TypeResult, RequestID: inv.id, DurationMs: millis(ev.At.Sub(inv.dispatched))}
	var body []byte
	switch ev.Kind {
	case runtimeapi.Response:
		res.Status, body = hostapi.StatusOK, ev.Body
	case runtimeapi.ResponseTooLarge:
		res.Status = hostapi.StatusError
		body = marshal(agentError(errResponseTooLarge, fmt.Sprintf(
			"Response payload size exceeded maximum allowed payload size (%d bytes).", runtimeapi.MaxResponseBytes)))
	default:
		res.Status, body = hostapi.StatusError, marshal(errorObject(ev.Error))
	}
	if !a.logs.Marked() { // the marker precedes the answer: usually read already
		a.proc.Flush()
	}
	a.setLog(&res, a.logs.TakeMarked(logcapture.MaxMarkerWait))
	if kb := ev.MaxRssKb; kb > 0 {
		res.MaxRssKb = &kb
	} else if kb, ok := supervisor.PeakRSSKb(a.proc.Pid()); ok {
		res.MaxRssKb = &kb
	}
	if ms := ev.CpuMs; ms > 0 {
		res.CpuMs = &ms
	}
	a.send(res, body)
}

// invocationTimedOut kills the runtime: a handler past its deadline may be in
// any state, and the sandbox is replaced anyway.
func (a *Agent) invocationTimedOut() {
	inv := a.endInvocation(lifecycle.Lost)
	if inv == nil {
		return
	}
	kb, known := supervisor.PeakRSSKb(a.proc.Pid()) // before the kill: after it there is no /proc entry
	a.proc.KillAndWait(killWait)
	if !known {
		select {
		case <-a.proc.Done(): // rusage is only there once the runtime is reaped
			kb = a.proc.Exit().MaxRssKb
			known = kb > 0
		default:
		}
	}
	msg := fmt.Sprintf("%s %s Task timed out after %.2f seconds",
		time.Now().UTC().Format("2006-01-02T15:04:05.000Z"), inv.id, inv.timeout.Seconds())
	res := hostapi.Result{Type: hostapi.TypeResult, RequestID: inv.id, Status: hostapi.StatusTimeout, DurationMs: millis(time.Since(inv.dispatched))}
	if known {
		res.MaxRssKb = &kb
	}
	a.setLog(&res, a.logs.Take())
	a.log.Warn("invocation timed out", "requestId", inv.id, "timeoutMs", inv.timeout.Milliseconds())
	a.send(res, marshal(agentError(errTimedOut, msg)))
}

func (a *Agent) invocationCrashed(exit supervisor.Exit) {
	inv := a.endInvocation(lifecycle.Lost)
	if inv == nil {
		return
	}
	l := a.logs.Take()
	errType := errExit
	if a.looksOutOfMemory(exit, l.Text) {
		errType = errOutOfMemory
	}
	res := hostapi.Result{Type: hostapi.TypeResult, RequestID: inv.id, Status: hostapi.StatusCrash, DurationMs: millis(time.Since(inv.dispatched))}
	if exit.MaxRssKb > 0 {
		res.MaxRssKb = &exit.MaxRssKb
	}
	a.setLog(&res, l)
	a.log.Warn("runtime exited during invocation", "requestId", inv.id, "exit", exit.Reason, "errorType", errType)
	a.send(res, marshal(agentError(errType, fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", inv.id, exit.Reason))))
}

// endInvocation moves the state machine and forgets the invocation.
func (a *Agent) endInvocation(ev lifecycle.Event) *invocation {
	if err := a.state.Fire(ev); err != nil {
		a.log.Error("state", "err", err)
		return nil
	}
	inv := a.inv
	a.inv = nil
	inv.timer.Stop()
	if inv.stream != nil {
		inv.stream.Stop()
	}
	a.api.Retire(inv.id)
	return inv
}

// streamLog sends what the runtime wrote since the last `log` frame, if
// anything (or news of more bytes dropped), and sets the next send.
func (a *Agent) streamLog() {
	inv := a.inv
	if inv == nil || inv.stream == nil {
		return
	}
	inv.nextSend = time.Now().Add(streamEvery)
	inv.stream.Reset(streamEvery)
	chunk, dropped, ok := a.logs.Since(inv.sent)
	if !ok || (len(chunk) == 0 && dropped == inv.dropped) {
		return
	}
	a.send(hostapi.LogChunk{Type: hostapi.TypeLog, RequestID: inv.id, Offset: inv.sent, Dropped: dropped}, chunk)
	inv.sent += len(chunk)
	inv.dropped = dropped
}

// looksOutOfMemory is a best effort: the kernel or gVisor SIGKILLs a runtime
// over its cgroup limit, and Python under RLIMIT_AS dies with MemoryError.
func (a *Agent) looksOutOfMemory(exit supervisor.Exit, log string) bool {
	limitKb := float64(orDefault(a.fn.MemoryMb, defaultMemoryMb)) * 1024
	if exit.Signal == "SIGKILL" && float64(exit.MaxRssKb) >= oomShare*limitKb {
		return true
	}
	return exit.Code != 0 && strings.Contains(log, "MemoryError")
}

func (a *Agent) setLog(res *hostapi.Result, l logcapture.Log) {
	res.Log, res.LogTruncated = l.Text, l.Truncated
}

// clientContext passes the caller's client context as the JSON header value; a
// JSON string is taken as already-encoded.
func clientContext(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// newTraceID makes an X-Ray-shaped id; tracing clients expect one on /next.
// It needs to be unique, not secret: math/rand's per-thread ChaCha8 makes it
// without the getrandom(2) call crypto/rand costs on every invocation.
func newTraceID(now time.Time) string {
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint32(b[8:], rand.Uint32())
	return "Root=1-" + strconv.FormatInt(now.Unix(), 16) + "-" + hex.EncodeToString(b[:]) + ";Sampled=0"
}
