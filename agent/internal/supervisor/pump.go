package supervisor

import (
	"io"
	"os"
	"sync"
	"syscall"
)

// pump copies the runtime's output pipe into the log capture. It reads with
// raw non-blocking syscalls under a mutex so that flush can take whatever is in
// the pipe *right now*: a plain blocking Read could hold bytes in its buffer
// that flush would not see.
type pump struct {
	mu  sync.Mutex
	f   *os.File
	raw syscall.RawConn
	out io.Writer
	buf []byte
	eof chan struct{}
	hit bool // EOF or a read error seen
}

func newPump(f *os.File, out io.Writer) (*pump, error) {
	raw, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	return &pump{f: f, raw: raw, out: out, buf: make([]byte, 64<<10), eof: make(chan struct{})}, nil
}

func (p *pump) run() {
	// raw.Read parks on the poller until the pipe is readable and calls us
	// again; we return true only when the stream has ended.
	_ = p.raw.Read(func(fd uintptr) bool { return p.drain(int(fd)) })
	p.f.Close()
	close(p.eof)
}

// drain reads until the pipe is empty (false: wait for more) or ended (true).
func (p *pump) drain(fd int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for !p.hit {
		n, err := syscall.Read(fd, p.buf)
		if n > 0 {
			_, _ = p.out.Write(p.buf[:n])
			if n < len(p.buf) {
				// A short read emptied the pipe; the next write to it wakes
				// the poller again, so skip the read that would see EAGAIN.
				return false
			}
			continue
		}
		if err == syscall.EINTR {
			continue
		}
		if err == syscall.EAGAIN {
			return false
		}
		p.hit = true // n == 0 is EOF; anything else ends the stream too
	}
	return true
}

func (p *pump) flush() {
	_ = p.raw.Control(func(fd uintptr) { p.drain(int(fd)) })
}
