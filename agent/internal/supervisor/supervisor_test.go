package supervisor

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func run(t *testing.T, script string) (*Process, *syncBuf) {
	t.Helper()
	out := &syncBuf{}
	p, err := Start(Spec{Path: "/bin/sh", Args: []string{"-c", script}, Dir: t.TempDir(), Env: []string{"PATH=/usr/bin:/bin"}}, out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.KillAndWait(time.Second) })
	return p, out
}

func waitDone(t *testing.T, p *Process) Exit {
	t.Helper()
	select {
	case <-p.Done():
		return p.Exit()
	case <-time.After(5 * time.Second):
		t.Fatal("runtime did not exit")
		return Exit{}
	}
}

func TestMergedOutputInOrderAndExitCode(t *testing.T) {
	p, out := run(t, "echo one; echo two >&2; echo three; exit 42")
	e := waitDone(t, p)
	if e.Code != 42 || e.Signal != "" || e.Reason != "exit status 42" {
		t.Errorf("exit = %+v", e)
	}
	if out.String() != "one\ntwo\nthree\n" {
		t.Errorf("output = %q", out.String())
	}
}

func TestKillReachesTheWholeGroup(t *testing.T) {
	pidFile := t.TempDir() + "/child"
	p, _ := run(t, "sleep 60 & echo $! > "+pidFile+"; wait")
	var child int
	for deadline := time.Now().Add(5 * time.Second); child == 0; {
		if b, err := os.ReadFile(pidFile); err == nil && len(bytes.TrimSpace(b)) > 0 {
			child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
		if time.Now().After(deadline) {
			t.Fatal("child pid never written")
		}
		time.Sleep(5 * time.Millisecond)
	}
	p.KillAndWait(2 * time.Second)
	e := p.Exit()
	if e.Signal != "SIGKILL" || e.Reason != "signal: killed" || e.Code != -1 {
		t.Errorf("exit = %+v", e)
	}
	for deadline := time.Now().Add(2 * time.Second); ; {
		// The orphan is reaped by init (or is a zombie until then): gone or Z.
		st, err := os.ReadFile("/proc/" + strconv.Itoa(child) + "/stat")
		if err != nil || strings.Contains(string(st), ") Z ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("grandchild %d survived the group kill", child)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFlushTakesWhatIsInThePipe(t *testing.T) {
	p, out := run(t, "printf ready; exec sleep 60")
	for deadline := time.Now().Add(5 * time.Second); ; {
		p.Flush()
		if out.String() == "ready" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("output = %q", out.String())
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPeakRSS(t *testing.T) {
	if kb, ok := PeakRSSKb(os.Getpid()); !ok || kb <= 0 {
		t.Errorf("own VmHWM = %d, %v", kb, ok)
	}
	if _, ok := PeakRSSKb(1 << 30); ok {
		t.Error("VmHWM of a missing process")
	}
}
