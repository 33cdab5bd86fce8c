package agent

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"skyscale.dev/agent/internal/hostapi"
)

func TestPrestartServesInit(t *testing.T) {
	h := startAgent(t, agentOpts{prestart: "python"})
	if h.ready.Prestarted != "python" {
		t.Fatalf("ready = %+v, want prestarted python", h.ready)
	}
	warmPid := h.agent.proc.Pid() // set before ready was sent; the loop is idle
	ir := h.initFake("serve", nil)
	if !ir.OK || ir.InitMs <= 0 {
		t.Fatalf("init = %+v", ir)
	}
	// What it printed while waiting is not the function's; what it printed
	// once assigned is init's log.
	if !strings.HasPrefix(ir.Log, "init: handler=handler.handler pid=") || strings.Contains(ir.Log, "prestart:") {
		t.Errorf("init log %q", ir.Log)
	}
	if pid := fakePid(t, ir.Log); pid != warmPid {
		t.Errorf("init ran in pid %d, the prestarted runtime is %d", pid, warmPid)
	}
	r, body := h.invoke("p-1", 3000, `{"action":"echo"}`)
	if r.Status != hostapi.StatusOK || string(body) != `{"action":"echo"}` || r.Log != "hello from p-1\nto stderr\n" {
		t.Fatalf("invoke: %+v body %q", r, body)
	}
}

func TestPrestartInitError(t *testing.T) {
	h := startAgent(t, agentOpts{prestart: "python"})
	ir := h.initFake("initerror", nil)
	if ir.OK || ir.Error == nil || ir.Error.ErrorType != "Runtime.ImportModuleError" || !strings.Contains(ir.Log, "No module named 'nope'") {
		t.Fatalf("init = %+v", ir)
	}
	h.send(map[string]any{"type": "invoke", "requestId": "x", "timeoutMs": 1000}, []byte(`{}`))
	h.expectError("Agent.InvalidState")
}

func TestPrestartChecksumMismatchKillsIt(t *testing.T) {
	h := startAgent(t, agentOpts{prestart: "python"})
	proc := h.agent.proc
	ir := h.initFake("serve", func(m map[string]any) { m["codeSha256"] = strings.Repeat("0", 64) })
	if ir.OK || ir.Error.ErrorType != "Agent.CodeChecksumMismatch" {
		t.Fatalf("init = %+v", ir)
	}
	select {
	case <-proc.Done():
	case <-time.After(2 * time.Second):
		t.Error("the prestarted runtime survived a failed init")
	}
}

func TestPrestartFallsBackWhenTheRuntimeDies(t *testing.T) {
	h := startAgent(t, agentOpts{bootstrap: "fake-bootstrap-broken.py", prestart: "python"})
	if h.ready.Prestarted != "" {
		t.Fatalf("ready = %+v, want not prestarted", h.ready)
	}
	ir := h.initFake("serve", nil)
	if !ir.OK || strings.Contains(ir.Log, "prestart:") {
		t.Fatalf("init = %+v", ir)
	}
	if r, _ := h.invoke("f-1", 3000, `{"action":"quiet"}`); r.Status != hostapi.StatusOK {
		t.Fatalf("invoke: %+v", r)
	}
}

func TestPrestartNotUsedForStartupOnlyEnv(t *testing.T) {
	h := startAgent(t, agentOpts{prestart: "python"})
	warm := h.agent.proc
	ir := h.initFake("serve", func(m map[string]any) {
		m["env"].(map[string]string)["PYTHONHASHSEED"] = "0"
	})
	if !ir.OK {
		t.Fatalf("init = %+v", ir)
	}
	if pid := fakePid(t, ir.Log); pid == warm.Pid() {
		t.Error("the prestarted runtime served a function with PYTHONHASHSEED")
	}
	select {
	case <-warm.Done():
	case <-time.After(2 * time.Second):
		t.Error("the unused prestarted runtime is still running")
	}
	if r, _ := h.invoke("e-1", 3000, `{"action":"quiet"}`); r.Status != hostapi.StatusOK {
		t.Fatalf("invoke: %+v", r)
	}
}

func TestPrestartedRuntimeDyingWhileIdle(t *testing.T) {
	h := startAgent(t, agentOpts{prestart: "python"})
	// Not h.agent.proc.Kill(): with an *os.File stdin nothing orders this
	// goroutine's read of a.proc before the loop's write, so -race objects.
	killRuntimes(t)
	time.Sleep(200 * time.Millisecond) // the loop notices; nothing is sent
	if f, ok := h.next(100 * time.Millisecond); ok {
		t.Fatalf("unexpected frame %s %s", f.Type, f.Header)
	}
	ir := h.initFake("serve", nil)
	if !ir.OK {
		t.Fatalf("init after the prestarted runtime died = %+v", ir)
	}
}

// killRuntimes SIGKILLs the process group of every child of the test process
// running the fake bootstrap (only the current agent's runtime is alive).
func killRuntimes(t *testing.T) {
	t.Helper()
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	killed := 0
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, field := range strings.Fields(string(b)) {
			pid, err := strconv.Atoi(field)
			if err != nil {
				continue
			}
			if cmd, _ := os.ReadFile("/proc/" + field + "/cmdline"); strings.Contains(string(cmd), "fake-bootstrap.py") {
				if syscall.Kill(-pid, syscall.SIGKILL) == nil {
					killed++
				}
			}
		}
	}
	if killed == 0 {
		t.Fatal("no runtime to kill")
	}
}
