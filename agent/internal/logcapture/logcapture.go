// Package logcapture turns the runtime's merged stdout+stderr stream into
// per-invocation logs. Output is appended to the current segment (capped at the
// function's log limit); a segment ends when the agent cuts it, or — for the
// built-in runtimes — when the runtime writes the end marker
// "\x1eSKYSCALE-END <requestId>\n" for the invocation the agent expects. Marker
// lines never reach a log.
package logcapture

import (
	"bytes"
	"fmt"
	"sync"
	"time"
)

// MaxMarkerWait is how long the agent waits for an invocation's end marker.
const MaxMarkerWait = 250 * time.Millisecond

const (
	markerStart  = 0x1e
	markerPrefix = "\x1eSKYSCALE-END "
	maxMarkerID  = 256 // longer lines are not markers, so holding them is bounded
)

// Log is one finished segment.
type Log struct {
	Text      string
	Truncated bool
}

type segment struct {
	kept    []byte
	dropped int
}

func (s *segment) add(p []byte, limit int) {
	room := max(limit-len(s.kept), 0)
	n := min(room, len(p))
	s.kept = append(s.kept, p[:n]...)
	s.dropped += len(p) - n
}

func (s *segment) log() Log {
	if s.dropped == 0 {
		return Log{Text: string(s.kept)}
	}
	return Log{Text: string(s.kept) + fmt.Sprintf("\n[skyscale] log truncated: %d bytes dropped\n", s.dropped), Truncated: true}
}

// Capture is an io.Writer fed by the output pump and read by the agent loop.
type Capture struct {
	mu     sync.Mutex
	limit  int
	cur    segment
	held   []byte        // a line that may still turn out to be a marker
	expect string        // request id whose marker ends cur
	marked chan struct{} // closed when that marker arrives
	ended  *segment      // the segment the marker ended, until taken
}

func New(limit int) *Capture { return &Capture{limit: limit} }

// SetLimit sets the cap for segments from now on (init carries logLimitBytes).
func (c *Capture) SetLimit(limit int) {
	c.mu.Lock()
	c.limit = limit
	c.mu.Unlock()
}

// Write never fails: the pump must keep draining the pipe whatever we keep.
func (c *Capture) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.scan(p)
	c.mu.Unlock()
	return len(p), nil
}

// scan appends text to the current segment and pulls marker lines out of it.
// A marker may be split across writes, so a line starting at 0x1e is held
// until it is complete or can no longer be a marker.
func (c *Capture) scan(p []byte) {
	for len(p) > 0 {
		if len(c.held) == 0 {
			i := bytes.IndexByte(p, markerStart)
			if i < 0 {
				c.cur.add(p, c.limit)
				return
			}
			c.cur.add(p[:i], c.limit)
			p = p[i:]
		}
		nl := bytes.IndexByte(p, '\n')
		if nl < 0 {
			c.held = append(c.held, p...)
			p = nil
			if isMarkerPrefix(c.held) {
				return
			}
		} else {
			c.held = append(c.held, p[:nl+1]...)
			p = p[nl+1:]
			if id, ok := parseMarker(c.held); ok {
				c.held = c.held[:0]
				c.markerSeen(id)
				continue
			}
		}
		// Not a marker after all: its first byte is text, the rest is scanned
		// again (it may hold the start of a real marker).
		rest := append(append([]byte(nil), c.held[1:]...), p...)
		c.cur.add(c.held[:1], c.limit)
		c.held = c.held[:0]
		p = rest
	}
}

func isMarkerPrefix(h []byte) bool {
	if len(h) <= len(markerPrefix) {
		return markerPrefix[:len(h)] == string(h)
	}
	return bytes.HasPrefix(h, []byte(markerPrefix)) && len(h)-len(markerPrefix) <= maxMarkerID && validID(h[len(markerPrefix):])
}

func parseMarker(line []byte) (string, bool) {
	id := bytes.TrimSuffix(line, []byte("\n"))
	if !bytes.HasPrefix(id, []byte(markerPrefix)) {
		return "", false
	}
	id = id[len(markerPrefix):]
	if len(id) == 0 || len(id) > maxMarkerID || !validID(id) {
		return "", false
	}
	return string(id), true
}

func validID(id []byte) bool {
	for _, b := range id {
		if b <= ' ' || b == 0x7f {
			return false
		}
	}
	return true
}

// markerSeen ends the current segment if the marker is the one we wait for.
// A marker for anything else (late, after its wait gave up) is just dropped.
func (c *Capture) markerSeen(id string) {
	if id != c.expect || c.ended != nil {
		return
	}
	done := c.cur
	c.ended = &done
	c.cur = segment{}
	close(c.marked)
}

// Expect announces the invocation whose end marker will close the current
// segment. Call it when the invocation is dispatched.
func (c *Capture) Expect(requestID string) {
	c.mu.Lock()
	c.expect = requestID
	c.marked = make(chan struct{})
	c.ended = nil
	c.mu.Unlock()
}

// Marked reports whether the expected marker has arrived: everything the
// runtime wrote before it is then in the ended segment already.
func (c *Capture) Marked() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended != nil
}

// TakeMarked waits up to wait for the expected marker and returns the log up
// to it. Without the marker it cuts whatever has arrived.
func (c *Capture) TakeMarked(wait time.Duration) Log {
	c.mu.Lock()
	marked := c.marked
	if c.ended != nil {
		marked = nil // there already: no timer to start and stop
	}
	c.mu.Unlock()
	if marked != nil {
		t := time.NewTimer(wait)
		select {
		case <-marked:
		case <-t.C:
		}
		t.Stop()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended != nil {
		l := c.ended.log()
		c.reset()
		return l
	}
	return c.cutLocked()
}

// Since returns a copy of what the current segment kept past offset bytes, and
// how many bytes the cap dropped so far; ok is false once the expected marker
// ended the segment (its log is about to be taken whole).
func (c *Capture) Since(offset int) (chunk []byte, dropped int, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended != nil || offset > len(c.cur.kept) {
		return nil, 0, false
	}
	return append([]byte(nil), c.cur.kept[offset:]...), c.cur.dropped, true
}

// Take cuts the current segment now (end of init, timeout, crash).
func (c *Capture) Take() Log {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cutLocked()
}

func (c *Capture) cutLocked() Log {
	// A half-written marker at a hard cut is text: nothing will complete it
	// in time for this log.
	if len(c.held) > 0 {
		c.cur.add(c.held, c.limit)
		c.held = c.held[:0]
	}
	l := c.cur.log()
	c.cur = segment{}
	c.reset()
	return l
}

func (c *Capture) reset() {
	c.expect, c.marked, c.ended = "", nil, nil
}
