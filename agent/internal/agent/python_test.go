package agent

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"skyscale.dev/agent/internal/hostapi"
)

// The built-in Python runtime lives beside the agent in the repo.
const pythonBootstrap = "../../../runtimes/python/bootstrap.py"

const pythonHandler = `
print("importing handler")

def handler(event, context):
    print("hello", event["name"])
    if event.get("fail"):
        raise ValueError("no thanks")
    return {"greeting": "Hello, " + event["name"], "requestId": context.aws_request_id}
`

// TestRealPythonRuntime runs the agent against the real bootstrap.py and a
// real python3. It fails (rather than skips) when the bootstrap is missing: the
// agent and the runtime ship together.
func TestRealPythonRuntime(t *testing.T) {
	for _, prestart := range []string{"", "python"} {
		t.Run("prestart="+prestart, func(t *testing.T) { testRealPythonRuntime(t, prestart) })
	}
}

func testRealPythonRuntime(t *testing.T, prestart string) {
	bootstrap, err := filepath.Abs(pythonBootstrap)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bootstrap); err != nil {
		t.Fatalf("the Python runtime is missing: %s does not exist (runtimes/python/bootstrap.py must be written before the agent can be tested end to end): %v", bootstrap, err)
	}
	python := realPython(t)

	h := startAgent(t, agentOpts{python: python, bootstrap: bootstrap, prestart: prestart})
	if h.ready.Prestarted != prestart {
		t.Fatalf("ready = %+v, want prestarted %q", h.ready, prestart)
	}
	pkg, sha := codePackage(t, file{"handler.py", pythonHandler})
	h.send(initMsg(sha, map[string]string{"GREETING": "hi"}), pkg)
	var ir hostapi.InitResult
	mustDecode(t, h.expect(hostapi.TypeInitResult), &ir)
	if !ir.OK {
		t.Fatalf("init failed: %+v (log %q)", ir.Error, ir.Log)
	}
	if ir.Log != "importing handler\n" {
		t.Errorf("init log %q, want what the import printed", ir.Log)
	}
	if h.agent.channel != overPipe { // read after init_result: the loop is idle
		t.Error("the built-in runtime does not use the pipe channel")
	}
	t.Logf("init took %.1f ms", ir.InitMs)

	for _, id := range []string{"py-1", "py-2"} {
		r, body := h.invoke(id, 3000, `{"name":"Ada"}`)
		var out struct{ Greeting, RequestID string }
		if err := json.Unmarshal(body, &out); err != nil || r.Status != hostapi.StatusOK {
			t.Fatalf("%s: %+v body %q", id, r, body)
		}
		if out.Greeting != "Hello, Ada" || out.RequestID != id {
			t.Errorf("%s: body %q", id, body)
		}
		if r.Log != "hello Ada\n" {
			t.Errorf("%s: log %q, want exactly the handler's print (marker stripped)", id, r.Log)
		}
		if r.CpuMs == nil || *r.CpuMs <= 0 || r.MaxRssKb == nil || *r.MaxRssKb <= 0 {
			t.Errorf("%s: cpuMs %v maxRssKb %v, want both reported by the built-in runtime", id, r.CpuMs, r.MaxRssKb)
		} else {
			t.Logf("%s: durationMs %.3f maxRssKb %d cpuMs %.3f", id, r.DurationMs, *r.MaxRssKb, *r.CpuMs)
		}
	}

	r, body := h.invoke("py-err", 3000, `{"name":"Bob","fail":true}`)
	e := errorBody(t, body)
	if r.Status != hostapi.StatusError || e.ErrorType == "" || !strings.Contains(e.ErrorMessage, "no thanks") {
		t.Fatalf("error invoke: %+v body %s", r, body)
	}
	if !strings.HasPrefix(r.Log, "hello Bob\n") || strings.Contains(r.Log, "\x1e") {
		t.Errorf("error log %q", r.Log)
	}
}

// realPython finds the interpreter itself: a pyenv shim on PATH would not run
// under the runtime's fixed PATH.
func realPython(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import sys; print(sys.executable)").Output()
	if err != nil {
		t.Fatalf("python3 is needed for this test: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

const pythonEdgeHandler = `
import os, time
def handler(event, context):
    a = event.get("action")
    print("action", a)
    if a == "big":
        return "x" * (6 * 1024 * 1024 + 1)
    if a == "sleep":
        time.sleep(60)
    if a == "exit":
        os._exit(42)
    if a == "echo":
        return {"event": event, "ctx": context.client_context.custom if context.client_context else None}
    return "ok"
`

// TestRealPythonPipeEdgeCases drives the built-in channel's edges with the
// real bootstrap: an answer over 6 MB, a client context, a timeout and a crash.
func TestRealPythonPipeEdgeCases(t *testing.T) {
	bootstrap, _ := filepath.Abs(pythonBootstrap)
	h := startAgent(t, agentOpts{python: realPython(t), bootstrap: bootstrap, prestart: "python"})
	pkg, sha := codePackage(t, file{"handler.py", pythonEdgeHandler})
	h.send(initMsg(sha, nil), pkg)
	var ir hostapi.InitResult
	mustDecode(t, h.expect(hostapi.TypeInitResult), &ir)
	if !ir.OK || h.agent.channel != overPipe {
		t.Fatalf("init %+v channel=%v", ir, h.agent.channel)
	}
	r, body := h.invoke("big", 5000, `{"action":"big"}`)
	if e := errorBody(t, body); r.Status != hostapi.StatusError || e.ErrorType != "Function.ResponseSizeTooLarge" || r.Log != "action big\n" {
		t.Fatalf("big: %+v %s", r, body)
	}
	h.send(map[string]any{"type": "invoke", "requestId": "cc", "timeoutMs": 3000, "clientContext": map[string]any{"custom": map[string]int{"k": 1}}},
		[]byte(`{"action":"echo"}`))
	f := h.expect(hostapi.TypeResult)
	if string(f.Body) != `{"event": {"action": "echo"}, "ctx": {"k": 1}}` {
		t.Errorf("client context: %s", f.Body)
	}
	start := time.Now()
	r, body = h.invoke("slow", 300, `{"action":"sleep"}`)
	if e := errorBody(t, body); r.Status != hostapi.StatusTimeout || e.ErrorType != "Sandbox.Timedout" || time.Since(start) > 2*time.Second {
		t.Fatalf("timeout: %+v %s after %v", r, body, time.Since(start))
	}
}

func TestRealPythonPipeCrash(t *testing.T) {
	bootstrap, _ := filepath.Abs(pythonBootstrap)
	h := startAgent(t, agentOpts{python: realPython(t), bootstrap: bootstrap})
	pkg, sha := codePackage(t, file{"handler.py", pythonEdgeHandler})
	h.send(initMsg(sha, nil), pkg)
	h.expect(hostapi.TypeInitResult)
	r, body := h.invoke("bye", 3000, `{"action":"exit"}`)
	if e := errorBody(t, body); r.Status != hostapi.StatusCrash || !strings.Contains(e.ErrorMessage, "exit status 42") || r.Log != "action exit\n" {
		t.Fatalf("crash: %+v %s", r, body)
	}
}
