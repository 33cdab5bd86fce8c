package agent

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"skyscale.dev/agent/internal/hostapi"
)

// host is the test's side of the agent: the real Run loop wired to pipes.
type host struct {
	t       testing.TB
	agent   *Agent
	taskDir string
	toAgent *io.PipeWriter
	frames  chan hostapi.Frame
	exit    chan int
	ready   hostapi.Ready
}

type agentOpts struct {
	python, bootstrap string
	prestart          string
	nodeDir, nodeBoot string
}

func startAgent(t testing.TB, opts agentOpts) *host {
	t.Helper()
	if opts.python == "" {
		self, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		opts.python = self
		if opts.bootstrap == "" {
			opts.bootstrap = "fake-bootstrap.py"
		}
	}
	taskDir := t.TempDir()
	a, err := New(Config{
		RuntimeAPI:      "127.0.0.1:0",
		TaskDir:         taskDir,
		Python:          opts.python,
		PythonBootstrap: opts.bootstrap,
		Prestart:        opts.prestart,
		NodeDir:         opts.nodeDir,
		NodeBootstrap:   opts.nodeBoot,
		Log:             slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		t.Fatal(err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	h := &host{t: t, agent: a, taskDir: taskDir, toAgent: inW, frames: make(chan hostapi.Frame, 16), exit: make(chan int, 1)}
	go func() {
		h.exit <- a.Run(context.Background(), inR, outW)
		outW.Close()
	}()
	go func() {
		defer close(h.frames)
		for {
			f, err := hostapi.ReadFrame(outR)
			if err != nil {
				return
			}
			h.frames <- f
		}
	}()
	t.Cleanup(func() {
		inW.Close()
		select {
		case <-h.exit:
		case <-time.After(5 * time.Second):
			t.Error("agent did not stop when the host went away")
		}
	})
	ready := h.expect(hostapi.TypeReady)
	var r hostapi.Ready
	mustDecode(t, ready, &r)
	if r.Protocol != 1 || r.AgentVersion == "" || r.Pid != os.Getpid() {
		t.Fatalf("ready = %+v", r)
	}
	h.ready = r
	return h
}

func (h *host) send(header any, body []byte) {
	h.t.Helper()
	head, err := hostapi.EncodeFrame(header, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.toAgent.Write(append(head, body...)); err != nil {
		h.t.Fatal(err)
	}
}

func (h *host) next(timeout time.Duration) (hostapi.Frame, bool) {
	select {
	case f, ok := <-h.frames:
		return f, ok
	case <-time.After(timeout):
		return hostapi.Frame{}, false
	}
}

func (h *host) expect(typ string) hostapi.Frame {
	h.t.Helper()
	f, ok := h.next(10 * time.Second)
	if !ok {
		h.t.Fatalf("no %s frame", typ)
	}
	if f.Type != typ {
		h.t.Fatalf("got %s frame %s, want %s", f.Type, f.Header, typ)
	}
	return f
}

// expectError reads an `error` frame and checks its type.
func (h *host) expectError(errorType string) hostapi.Error {
	h.t.Helper()
	var e hostapi.Error
	mustDecode(h.t, h.expect(hostapi.TypeError), &e)
	if e.ErrorType != errorType {
		h.t.Fatalf("error frame %+v, want %s", e, errorType)
	}
	return e
}

type file struct{ name, body string }

func codePackage(t testing.TB, files ...file) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(f.body))
	}
	tw.Close()
	sum := sha256.Sum256(buf.Bytes())
	return buf.Bytes(), hex.EncodeToString(sum[:])
}

func initMsg(sha string, env map[string]string) map[string]any {
	return map[string]any{
		"type": "init", "runtime": "python3.11", "handler": "handler.handler", "codeSha256": sha,
		"functionName": "hello", "functionVersion": "1", "memoryMb": 128, "timeoutMs": 5000, "env": env,
		"invokedFunctionArn": "arn:aws:lambda:local:000000000000:function:hello", "logGroupName": "/aws/lambda/hello",
		"logStreamName": "2026/11/23/[1]abc", "logLimitBytes": 262144,
	}
}

// initFake inits the agent with the fake runtime in the given mode.
func (h *host) initFake(mode string, tweak func(map[string]any)) hostapi.InitResult {
	h.t.Helper()
	pkg, sha := codePackage(h.t, file{"handler.py", "def handler(e, c): return e\n"})
	msg := initMsg(sha, map[string]string{"FAKE_RUNTIME": mode, "USER_KEY": "user value", "AWS_REGION": "us-east-1"})
	if tweak != nil {
		tweak(msg)
	}
	h.send(msg, pkg)
	var r hostapi.InitResult
	mustDecode(h.t, h.expect(hostapi.TypeInitResult), &r)
	return r
}

func (h *host) invoke(id string, timeoutMs int, event string) (hostapi.Result, []byte) {
	h.t.Helper()
	h.send(map[string]any{"type": "invoke", "requestId": id, "timeoutMs": timeoutMs,
		"deadlineMs": time.Now().Add(time.Duration(timeoutMs) * time.Millisecond).UnixMilli()}, []byte(event))
	f := h.expect(hostapi.TypeResult)
	var r hostapi.Result
	mustDecode(h.t, f, &r)
	if r.RequestID != id {
		h.t.Fatalf("result for %q, want %q", r.RequestID, id)
	}
	return r, f.Body
}

func mustDecode(t testing.TB, f hostapi.Frame, v any) {
	t.Helper()
	if err := f.Decode(v); err != nil {
		t.Fatal(err)
	}
}

func errorBody(t *testing.T, body []byte) hostapi.ErrorObject {
	t.Helper()
	var e hostapi.ErrorObject
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e
}
