// Package rtpipe is the lean channel between the agent and a built-in runtime:
// two pipes (events to the runtime, answers from it) carrying frames in the
// host protocol's framing, and a wake pipe, so the agent's event loop can wait
// for the runtime's answer in one ppoll(2) on its own thread instead of
// through the HTTP server's goroutines and the Go netpoller. Under gVisor every
// goroutine hand-off is a cross-thread futex wake-up that costs tens to
// hundreds of microseconds; a blocking ppoll woken by the runtime's write is
// one sentry wake-up (contracts/agent-protocol.md, "Built-in runtime channel").
package rtpipe

import (
	"encoding/binary"
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"skyscale.dev/agent/internal/hostapi"
)

// ChildEventsFd and ChildAnswersFd are where the runtime finds its ends.
const (
	ChildEventsFd  = 3
	ChildAnswersFd = 4
)

// MaxAnswerBody bounds what the agent buffers from one answer; a larger body
// is read and dropped (the caller reports it too large).
const MaxAnswerBody = 6*1024*1024 + 1

// directWrite is the largest event written on the loop's thread: the pipe is
// empty at dispatch (the runtime consumed the last event before answering), so
// a write that fits the pipe's buffer never blocks.
const directWrite = 60 << 10

// Pipe is the agent's side. All methods but Poke belong to the event loop.
type Pipe struct {
	evW    int         // blocking write end of the events pipe
	ansR   int         // non-blocking read end of the answers pipe
	child  [2]*os.File // runtime's ends, until Started
	dec    Decoder
	closed bool
}

// Waker lets other goroutines interrupt a Wait: one per agent.
type Waker struct {
	r, w    int
	waiting atomic.Bool
}

func NewWaker() (*Waker, error) {
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		return nil, err
	}
	return &Waker{r: fds[0], w: fds[1]}, nil
}

// Poke wakes a Wait in progress; other goroutines call it after they queue
// something for the event loop.
func (k *Waker) Poke() {
	if k != nil && k.waiting.Load() {
		_, _ = syscall.Write(k.w, []byte{1})
	}
}

func (k *Waker) drain() {
	var b [64]byte
	for {
		if n, err := syscall.Read(k.r, b[:]); n <= 0 || err != nil {
			return
		}
	}
}

func (k *Waker) Close() { closeAll(k.r, k.w) }

// New makes the pipes. The runtime's ends are Child(); call Started after
// the runtime is started to close them here.
func New() (*Pipe, error) {
	var ev, ans [2]int
	if err := syscall.Pipe2(ev[:], syscall.O_CLOEXEC); err != nil {
		return nil, err
	}
	if err := syscall.Pipe2(ans[:], syscall.O_CLOEXEC); err != nil {
		closeAll(ev[:]...)
		return nil, err
	}
	if err := syscall.SetNonblock(ans[0], true); err != nil {
		closeAll(ev[0], ev[1], ans[0], ans[1])
		return nil, err
	}
	p := &Pipe{evW: ev[1], ansR: ans[0]}
	p.child = [2]*os.File{os.NewFile(uintptr(ev[0]), "runtime-events"), os.NewFile(uintptr(ans[1]), "runtime-answers")}
	return p, nil
}

func closeAll(fds ...int) {
	for _, fd := range fds {
		syscall.Close(fd)
	}
}

// Child is the runtime's ends, for exec.Cmd.ExtraFiles (fds 3 and 4).
func (p *Pipe) Child() []*os.File { return p.child[:] }

// Started closes the runtime's ends in the agent, so the runtime's exit ends
// the answers stream.
func (p *Pipe) Started() {
	for i, f := range p.child {
		if f != nil {
			f.Close()
			p.child[i] = nil
		}
	}
}

// Close releases everything.
func (p *Pipe) Close() {
	if p.closed {
		return
	}
	p.closed = true
	p.Started()
	closeAll(p.evW, p.ansR)
}

// Send writes one frame to the runtime. Small frames are written directly;
// big ones from a goroutine, so a runtime that stops reading cannot block the
// event loop (its deadline still fires, the kill ends the write with EPIPE).
func (p *Pipe) Send(header any, body []byte) error {
	head, err := hostapi.EncodeFrame(header, body)
	if err != nil {
		return err
	}
	frame := append(head, body...)
	if len(frame) <= directWrite {
		return writeAll(p.evW, frame)
	}
	go func() { _ = writeAll(p.evW, frame) }()
	return nil
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := syscall.Write(fd, b)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// Outcome of Wait.
type Outcome int

const (
	Readable Outcome = iota // the answers pipe has data (or hung up): call Read
	Woken                   // Poke was called: look at the loop's channels
	TimedOut
)

// Wait blocks until an answer arrives, Poke is called or d passes. pending is
// called after the waiting flag is up: if it reports work, Wait returns Woken
// at once (so a Poke that came just before the flag is not lost).
func (p *Pipe) Wait(k *Waker, d time.Duration, pending func() bool) Outcome {
	k.waiting.Store(true)
	defer k.waiting.Store(false)
	if pending() {
		return Woken
	}
	fds := []unix.PollFd{{Fd: int32(p.ansR), Events: unix.POLLIN}, {Fd: int32(k.r), Events: unix.POLLIN}}
	deadline := time.Now().Add(d)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			return TimedOut
		}
		ts := unix.NsecToTimespec(int64(left))
		n, err := unix.Ppoll(fds, &ts, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return Readable // let Read report it
		}
		if n == 0 {
			return TimedOut
		}
		if fds[1].Revents != 0 {
			k.drain()
		}
		if fds[0].Revents != 0 {
			return Readable
		}
		return Woken
	}
}

// Answer is one frame from the runtime.
type Answer struct {
	Frame    hostapi.Frame
	TooLarge bool // the body was over MaxAnswerBody and dropped
}

// ErrClosed: the runtime closed its end (it exited).
var ErrClosed = errors.New("runtime closed its answer pipe")

// Read returns the complete answers that have arrived, without blocking. An
// answer that is still arriving stays buffered for the next Read.
func (p *Pipe) Read() ([]Answer, error) {
	var out []Answer
	var chunk [64 << 10]byte
	for {
		n, err := syscall.Read(p.ansR, chunk[:])
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if n == 0 {
			return out, ErrClosed
		}
		got, err := p.dec.Push(chunk[:n])
		out = append(out, got...)
		if err != nil {
			return out, err
		}
		// A short read emptied the pipe: reading on would only fetch EAGAIN
		// (one more syscall, a sentry trap under gVisor). Anything written
		// from now on makes the next Wait's ppoll report the pipe readable.
		if n < len(chunk) {
			return out, nil
		}
	}
}

// ErrMalformed: the runtime sent bytes that are not a frame; the stream cannot
// be resynchronised.
var ErrMalformed = errors.New("runtime sent a malformed frame")

// Decoder assembles answers from the bytes the runtime writes, however they
// are split. An answer whose body is over MaxAnswerBody is not buffered: its
// body is dropped as it arrives and the answer comes out marked TooLarge.
type Decoder struct {
	buf      []byte // bytes of an answer not complete yet
	skip     int    // body bytes of an oversized answer still to drop
	skipHead []byte // the header of that answer
}

// Push takes the next bytes and returns the answers they complete. After an
// error the decoder is unusable (the channel is broken).
func (d *Decoder) Push(data []byte) ([]Answer, error) {
	var out []Answer
	for len(data) > 0 {
		a, rest, err := d.consume(data)
		if err != nil {
			return out, err
		}
		if a != nil {
			out = append(out, *a)
		}
		data = rest
	}
	return out, nil
}

// consume takes bytes into the frame being assembled; it returns a finished
// answer, if any, and the bytes left over.
func (d *Decoder) consume(data []byte) (*Answer, []byte, error) {
	if d.skip > 0 {
		n := min(d.skip, len(data))
		d.skip -= n
		data = data[n:]
		if d.skip > 0 {
			return nil, data, nil
		}
		f, err := parseHead(d.skipHead)
		d.skipHead = nil
		return &Answer{Frame: f, TooLarge: true}, data, err
	}
	d.buf = append(d.buf, data...)
	if len(d.buf) < 8 {
		return nil, nil, nil
	}
	h := int(binary.BigEndian.Uint32(d.buf[0:4]))
	b := int(binary.BigEndian.Uint32(d.buf[4:8]))
	if h < hostapi.MinHeaderLen || h > hostapi.MaxHeaderLen || b > hostapi.MaxBodyLen {
		return nil, nil, ErrMalformed
	}
	if b > MaxAnswerBody {
		if len(d.buf) < 8+h {
			return nil, nil, nil
		}
		d.skipHead = append([]byte(nil), d.buf[8:8+h]...)
		rest := d.buf[8+h:]
		d.buf, d.skip = nil, b
		if len(rest) == 0 {
			return nil, nil, nil
		}
		return d.consume(rest)
	}
	if len(d.buf) < 8+h+b {
		return nil, nil, nil
	}
	frame := d.buf[:8+h+b]
	rest := d.buf[8+h+b:]
	d.buf = nil
	f, err := parseHead(frame[8 : 8+h])
	f.Body = frame[8+h:]
	if len(rest) > 0 {
		rest = append([]byte(nil), rest...)
	}
	return &Answer{Frame: f}, rest, err
}

// ErrNoType: a frame's header is not a JSON object with a string type.
var ErrNoType = errors.New("runtime sent a frame without a type")

func parseHead(h []byte) (hostapi.Frame, error) {
	typ, err := hostapi.HeaderType(h)
	if err != nil {
		return hostapi.Frame{Header: h}, ErrNoType
	}
	return hostapi.Frame{Type: typ, Header: h}, nil
}
