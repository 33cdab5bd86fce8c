package hostapi

import (
	"bufio"
	"io"
	"sync"
)

// smallBody is the size under which a frame is written with one Write call:
// one syscall beats a copy for event-sized payloads, not for megabytes.
const smallBody = 64 << 10

// Conn is the agent's end of the host stream. Reading happens in one goroutine
// (Receive); Send may be called from anywhere and writes whole frames atomically.
type Conn struct {
	// Notify, if set before Receive, is called after each frame (and the
	// final error) is queued.
	Notify func()
	r      *bufio.Reader
	mu     sync.Mutex
	w      io.Writer
}

func NewConn(r io.Reader, w io.Writer) *Conn {
	return &Conn{r: bufio.NewReaderSize(r, 64<<10), w: w}
}

// Receive reads frames into out until the stream ends, then reports why on
// the returned channel (io.EOF for a clean close) and closes out.
func (c *Conn) Receive() (<-chan Frame, <-chan error) {
	out := make(chan Frame, 4)
	done := make(chan error, 1)
	go func() {
		defer close(out)
		for {
			f, err := ReadFrame(c.r)
			if err != nil {
				done <- err
				c.notify()
				return
			}
			out <- f
			c.notify()
		}
	}()
	return out, done
}

func (c *Conn) notify() {
	if c.Notify != nil {
		c.Notify()
	}
}

// Send writes one frame. The mutex keeps frames from interleaving.
func (c *Conn) Send(header any, body []byte) error {
	head, err := EncodeFrame(header, body)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(body) <= smallBody {
		_, err = c.w.Write(append(head, body...))
		return err
	}
	if _, err = c.w.Write(head); err != nil {
		return err
	}
	_, err = c.w.Write(body)
	return err
}
