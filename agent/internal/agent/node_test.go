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

// The built-in Node.js runtime lives beside the agent in the repo.
const nodeBootstrap = "../../../runtimes/node/bootstrap.mjs"

const nodeHandler = `console.log("importing handler");
export const handler = async (event, context) => {
  console.log("hello", event.name);
  if (event.fail) throw new RangeError("no thanks");
  return { greeting: "Hello, " + event.name, requestId: context.awsRequestId, fn: context.functionName };
};
`

// nodeDir is a directory laid out as the sandbox image's /opt: node24/bin/node,
// here the test machine's node.
func nodeDir(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed for this test: %v", err)
	}
	if path, err = filepath.EvalSymlinks(path); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "node24", "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(path, filepath.Join(dir, "node24", "bin", "node")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func nodeInit(sha string) map[string]any {
	m := initMsg(sha, map[string]string{"GREETING": "hi"})
	m["runtime"] = "nodejs24.x"
	m["handler"] = "index.handler"
	return m
}

// TestRealNodeRuntime runs the agent against the real bootstrap.mjs, started at
// init and prestarted.
func TestRealNodeRuntime(t *testing.T) {
	for _, prestart := range []string{"", "node24"} {
		t.Run("prestart="+prestart, func(t *testing.T) {
			boot, _ := filepath.Abs(nodeBootstrap)
			h := startAgent(t, agentOpts{prestart: prestart, nodeDir: nodeDir(t), nodeBoot: boot})
			if h.ready.Prestarted != prestart {
				t.Fatalf("ready = %+v, want prestarted %q", h.ready, prestart)
			}
			pkg, sha := codePackage(t, file{"index.mjs", nodeHandler})
			h.send(nodeInit(sha), pkg)
			var ir hostapi.InitResult
			mustDecode(t, h.expect(hostapi.TypeInitResult), &ir)
			if !ir.OK {
				t.Fatalf("init failed: %+v (log %q)", ir.Error, ir.Log)
			}
			if !strings.Contains(ir.Log, "\tINFO\timporting handler\n") || h.agent.channel != overPipe {
				t.Errorf("init log %q, channel %v", ir.Log, h.agent.channel)
			}
			for _, id := range []string{"js-1", "js-2"} {
				r, body := h.invoke(id, 3000, `{"name":"Ada"}`)
				var out struct{ Greeting, RequestID, Fn string }
				if err := json.Unmarshal(body, &out); err != nil || r.Status != hostapi.StatusOK {
					t.Fatalf("%s: %+v body %q", id, r, body)
				}
				if out.Greeting != "Hello, Ada" || out.RequestID != id || out.Fn != "hello" {
					t.Errorf("%s: body %q", id, body)
				}
				if !strings.HasSuffix(r.Log, "\t"+id+"\tINFO\thello Ada\n") || strings.Contains(r.Log, "\x1e") {
					t.Errorf("%s: log %q, want the handler's console.log (marker stripped)", id, r.Log)
				}
			}
			r, body := h.invoke("js-err", 3000, `{"name":"Bob","fail":true}`)
			var e struct {
				ErrorType, ErrorMessage string
				Trace                   []string
			}
			if err := json.Unmarshal(body, &e); err != nil || r.Status != hostapi.StatusError || e.ErrorType != "RangeError" || e.ErrorMessage != "no thanks" || len(e.Trace) == 0 {
				t.Fatalf("error invoke: %+v body %s", r, body)
			}
		})
	}
}

// A Node.js version the image does not carry is Runtime.Unsupported at init.
func TestNodeVersionMissing(t *testing.T) {
	boot, _ := filepath.Abs(nodeBootstrap)
	h := startAgent(t, agentOpts{nodeDir: nodeDir(t), nodeBoot: boot})
	pkg, sha := codePackage(t, file{"index.mjs", nodeHandler})
	m := nodeInit(sha)
	m["runtime"] = "nodejs18.x"
	h.send(m, pkg)
	var ir hostapi.InitResult
	mustDecode(t, h.expect(hostapi.TypeInitResult), &ir)
	if ir.OK || ir.Error == nil || ir.Error.ErrorType != errUnsupported {
		t.Fatalf("init = %+v, want %s", ir, errUnsupported)
	}
}

func TestCanAdopt(t *testing.T) {
	for _, c := range []struct {
		prestarted, runtime string
		env                 map[string]string
		want                bool
	}{
		{"python", "python3.11", nil, true},
		{"python", "python3.12", map[string]string{"PYTHONPATH": "/x"}, true},
		{"python", "python3.11", map[string]string{"PYTHONHASHSEED": "1"}, false},
		{"python", "nodejs24.x", nil, false},
		{"node24", "nodejs24.x", map[string]string{"NODE_ENV": "production"}, true},
		{"node24", "nodejs24.x", map[string]string{"NODE_OPTIONS": "--max-old-space-size=64"}, false},
		{"node24", "nodejs24.x", map[string]string{"UV_THREADPOOL_SIZE": "8"}, false},
		{"node24", "nodejs22.x", nil, false},
		{"node22", "nodejs22.x", map[string]string{"LC_ALL": "C"}, false},
	} {
		if got := canAdopt(c.prestarted, hostapi.Init{Runtime: c.runtime, Env: c.env}); got != c.want {
			t.Errorf("canAdopt(%s, %s, %v) = %v, want %v", c.prestarted, c.runtime, c.env, got, c.want)
		}
	}
	for rt, want := range map[string]string{"python3.8": "python", "nodejs22.x": "node22", "nodejs.x": "", "nodejs22": "", "ruby3.3": ""} {
		if got := family(rt); got != want {
			t.Errorf("family(%s) = %q, want %q", rt, got, want)
		}
	}
}
