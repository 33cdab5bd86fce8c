// Package supervisor runs the function's runtime: in its own process group (so
// a kill reaches everything it spawned), with stdout and stderr on one pipe (so
// the log keeps the order the runtime wrote in), and reports how it ended.
package supervisor

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// drainWait bounds how long exit reporting waits for the pipe to reach EOF: a
// grandchild that escaped the group could hold the write end open forever.
const drainWait = 250 * time.Millisecond

// Spec says what to run.
type Spec struct {
	Path string
	Args []string
	Dir  string
	Env  []string
	// ExtraFiles become the runtime's fds 3, 4, ... (the built-in runtime channel).
	ExtraFiles []*os.File
}

// Exit is how the runtime ended.
type Exit struct {
	Code     int    // -1 when killed by a signal
	Signal   string // "SIGKILL", or "" when it exited
	Reason   string // Go's wording: "exit status 42", "signal: killed"
	MaxRssKb int64  // peak RSS from wait4's rusage, 0 when unknown
}

// Process is a started runtime.
type Process struct {
	cmd  *exec.Cmd
	pump *pump
	done chan struct{}
	exit Exit
}

// Start launches the runtime; everything it prints is written to out.
func Start(spec Spec, out io.Writer) (*Process, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(spec.Path, spec.Args...)
	cmd.Dir = spec.Dir
	cmd.Env = spec.Env
	cmd.Stdin = nil // /dev/null: the runtime talks to us over HTTP only
	cmd.Stdout = w  // an *os.File: the child writes to the pipe directly,
	cmd.Stderr = w  // both streams into the same pipe, no copying goroutine
	cmd.ExtraFiles = spec.ExtraFiles
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, err
	}
	w.Close() // only the child holds the write end now, so its exit gives EOF
	p, err := newPump(r, out)
	if err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		r.Close()
		return nil, err
	}
	proc := &Process{cmd: cmd, pump: p, done: make(chan struct{})}
	go p.run()
	go proc.wait()
	return proc, nil
}

func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed once the runtime has exited and its output is captured.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exit is valid after Done is closed.
func (p *Process) Exit() Exit { return p.exit }

// Kill sends SIGKILL to the runtime's whole process group.
func (p *Process) Kill() {
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		_ = p.cmd.Process.Kill()
	}
}

// Flush moves everything the runtime has written so far into out. Call it
// before cutting a log at a point the runtime itself marked (its first /next,
// its /response), so nothing still sitting in the pipe is misattributed.
func (p *Process) Flush() { p.pump.flush() }

// KillAndWait kills the group and waits up to d for the exit to be reported.
func (p *Process) KillAndWait(d time.Duration) {
	p.Kill()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-p.done:
	case <-t.C:
	}
}

func (p *Process) wait() {
	err := p.cmd.Wait()
	t := time.NewTimer(drainWait)
	select {
	case <-p.pump.eof:
	case <-t.C:
		p.pump.flush()
	}
	t.Stop()
	p.exit = exitOf(p.cmd.ProcessState, err)
	close(p.done)
}

func exitOf(ps *os.ProcessState, err error) Exit {
	if ps == nil {
		return Exit{Code: -1, Reason: err.Error()}
	}
	e := Exit{Code: ps.ExitCode(), Reason: ps.String()}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		e.Signal = signalName(ws.Signal())
	}
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		e.MaxRssKb = ru.Maxrss // kilobytes on Linux
	}
	return e
}

var signalNames = map[syscall.Signal]string{
	syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE",
	syscall.SIGHUP: "SIGHUP", syscall.SIGILL: "SIGILL", syscall.SIGINT: "SIGINT",
	syscall.SIGKILL: "SIGKILL", syscall.SIGPIPE: "SIGPIPE", syscall.SIGQUIT: "SIGQUIT",
	syscall.SIGSEGV: "SIGSEGV", syscall.SIGTERM: "SIGTERM", syscall.SIGXCPU: "SIGXCPU",
}

func signalName(s syscall.Signal) string {
	if n, ok := signalNames[s]; ok {
		return n
	}
	return "SIG" + s.String()
}
