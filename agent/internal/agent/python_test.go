package agent

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"skyscale.dev/agent/internal/hostapi"
)

// The built-in Python runtime lives beside the agent in the repo.
const pythonBootstrap = "../../../runtimes/python/bootstrap.py"

const pythonHandler = `
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
	bootstrap, err := filepath.Abs(pythonBootstrap)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bootstrap); err != nil {
		t.Fatalf("the Python runtime is missing: %s does not exist (runtimes/python/bootstrap.py must be written before the agent can be tested end to end): %v", bootstrap, err)
	}
	python := realPython(t)

	h := startAgent(t, agentOpts{python: python, bootstrap: bootstrap})
	pkg, sha := codePackage(t, file{"handler.py", pythonHandler})
	h.send(initMsg(sha, map[string]string{"GREETING": "hi"}), pkg)
	var ir hostapi.InitResult
	mustDecode(t, h.expect(hostapi.TypeInitResult), &ir)
	if !ir.OK {
		t.Fatalf("init failed: %+v (log %q)", ir.Error, ir.Log)
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
		t.Logf("%s: durationMs %.3f maxRssKb %v", id, r.DurationMs, deref(r.MaxRssKb))
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
