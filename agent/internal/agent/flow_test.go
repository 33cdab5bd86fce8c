package agent

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"skyscale.dev/agent/internal/hostapi"
)

func TestSuccessThenSecondInvoke(t *testing.T) {
	h := startAgent(t, agentOpts{})
	ir := h.initFake("serve", nil)
	if !ir.OK || !strings.HasPrefix(ir.Log, "init: handler=handler.handler pid=") || ir.InitMs <= 0 {
		t.Fatalf("init_result %+v", ir)
	}
	for _, id := range []string{"r-1", "r-2"} {
		event := `{"action":"echo","n":"` + id + `"}`
		r, body := h.invoke(id, 3000, event)
		if r.Status != hostapi.StatusOK || string(body) != event {
			t.Fatalf("%s: %+v body %q", id, r, body)
		}
		if want := "hello from " + id + "\nto stderr\n"; r.Log != want || r.LogTruncated {
			t.Errorf("%s log = %q, want %q", id, r.Log, want)
		}
		if r.DurationMs <= 0 || r.DurationMs > 3000 {
			t.Errorf("durationMs = %v", r.DurationMs)
		}
		if r.MaxRssKb == nil || *r.MaxRssKb <= 0 {
			t.Errorf("maxRssKb missing")
		}
	}
	h.send(map[string]any{"type": "ping"}, nil)
	h.expect(hostapi.TypePong)
}

func TestRefusalsChangeNothing(t *testing.T) {
	h := startAgent(t, agentOpts{})
	h.send(map[string]any{"type": "invoke", "requestId": "early", "timeoutMs": 1000}, []byte("{}"))
	if e := h.expectError("Agent.InvalidState"); e.RequestID != "early" {
		t.Errorf("refusal names %q", e.RequestID)
	}
	h.send(map[string]any{"type": "reset"}, nil)
	h.expectError("Agent.UnknownMessageType")
	h.send(map[string]any{"type": "init", "memoryMb": "lots"}, nil)
	h.expectError("Agent.InvalidMessage")

	if ir := h.initFake("serve", nil); !ir.OK {
		t.Fatalf("init after refusals: %+v", ir)
	}
	h.send(initMsg(strings.Repeat("0", 64), nil), nil)
	h.expectError("Agent.InvalidState")
	h.send(map[string]any{"type": "invoke", "requestId": "no-timeout"}, []byte("{}"))
	h.expectError("Agent.InvalidMessage")
	if r, _ := h.invoke("still-warm", 3000, `{"action":"quiet"}`); r.Status != hostapi.StatusOK {
		t.Fatalf("result %+v", r)
	}
}

func TestFunctionError(t *testing.T) {
	h := startAgent(t, agentOpts{})
	h.initFake("serve", nil)
	r, body := h.invoke("r-e", 3000, `{"action":"error"}`)
	e := errorBody(t, body)
	if r.Status != hostapi.StatusError || e.ErrorType != "Custom.Fail" || e.ErrorMessage != "it failed" || string(e.StackTrace) != `["line 1"]` {
		t.Fatalf("result %+v body %s", r, body)
	}
	if r.Log != "about to fail\n" {
		t.Errorf("log %q", r.Log)
	}
	if r, _ := h.invoke("r-after", 3000, `{"action":"quiet"}`); r.Status != hostapi.StatusOK {
		t.Fatalf("an error must leave the runtime warm: %+v", r)
	}
}

func TestTimeoutKillsWithinDeadline(t *testing.T) {
	h := startAgent(t, agentOpts{})
	ir := h.initFake("serve", nil)
	pid := fakePid(t, ir.Log)
	start := time.Now()
	r, body := h.invoke("r-t", 300, `{"action":"sleep"}`)
	took := time.Since(start)
	if took < 300*time.Millisecond || took > 1500*time.Millisecond {
		t.Errorf("timeout result after %v, want just over 300ms", took)
	}
	e := errorBody(t, body)
	if r.Status != hostapi.StatusTimeout || e.ErrorType != "Sandbox.Timedout" {
		t.Fatalf("result %+v body %s", r, body)
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z r-t Task timed out after 0\.30 seconds$`).MatchString(e.ErrorMessage) {
		t.Errorf("message %q", e.ErrorMessage)
	}
	if r.Log != "sleeping\n" {
		t.Errorf("log %q", r.Log)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		t.Errorf("runtime %d still exists after the timeout", pid)
	}
	h.send(map[string]any{"type": "invoke", "requestId": "after", "timeoutMs": 1000}, []byte("{}"))
	h.expectError("Agent.InvalidState")
}

func TestCrash(t *testing.T) {
	h := startAgent(t, agentOpts{})
	h.initFake("serve", nil)
	r, body := h.invoke("r-c", 3000, `{"action":"crash"}`)
	e := errorBody(t, body)
	if r.Status != hostapi.StatusCrash || e.ErrorType != "Runtime.ExitError" ||
		e.ErrorMessage != "RequestId: r-c Error: Runtime exited with error: exit status 42" {
		t.Fatalf("result %+v body %s", r, body)
	}
	if r.Log != "dying\n" {
		t.Errorf("log %q", r.Log)
	}
	h.send(map[string]any{"type": "invoke", "requestId": "after", "timeoutMs": 1000}, []byte("{}"))
	h.expectError("Agent.InvalidState")
}

func TestRuntimeExitWhileWarm(t *testing.T) {
	h := startAgent(t, agentOpts{})
	h.initFake("serve", nil)
	if r, _ := h.invoke("r-x", 3000, `{"action":"exitafter"}`); r.Status != hostapi.StatusOK {
		t.Fatalf("result %+v", r)
	}
	var ex hostapi.RuntimeExit
	mustDecode(t, h.expect(hostapi.TypeRuntimeExit), &ex)
	if ex.ExitCode != 7 || ex.Signal != "" {
		t.Fatalf("runtime_exit %+v", ex)
	}
}

func TestInitFailures(t *testing.T) {
	cases := []struct {
		name, mode, errorType, logHas string
		tweak                         func(map[string]any)
	}{
		{"runtime posts init error", "initerror", "Runtime.ImportModuleError", "Traceback: No module named 'nope'", nil},
		{"runtime exits", "initexit", "Runtime.ExitError", "init: handler=", nil},
		{"runtime hangs", "inithang", "Runtime.InitTimeout", "init: handler=", func(m map[string]any) { m["timeoutMs"] = 300 }},
		{"checksum mismatch", "serve", "Agent.CodeChecksumMismatch", "", func(m map[string]any) { m["codeSha256"] = strings.Repeat("ab", 32) }},
		{"unsupported runtime", "serve", "Runtime.Unsupported", "", func(m map[string]any) { m["runtime"] = "nodejs20.x" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := startAgent(t, agentOpts{})
			ir := h.initFake(tc.mode, tc.tweak)
			if ir.OK || ir.Error == nil || ir.Error.ErrorType != tc.errorType {
				t.Fatalf("init_result %+v", ir)
			}
			if !strings.Contains(ir.Log, tc.logHas) {
				t.Errorf("log %q lacks %q", ir.Log, tc.logHas)
			}
			h.send(map[string]any{"type": "invoke", "requestId": "x", "timeoutMs": 1000}, []byte("{}"))
			h.expectError("Agent.InvalidState")
		})
	}
}

func TestInvalidCodePackage(t *testing.T) {
	h := startAgent(t, agentOpts{})
	pkg, sha := codePackage(t, file{"../escape.py", "x"})
	h.send(initMsg(sha, nil), pkg)
	var ir hostapi.InitResult
	mustDecode(t, h.expect(hostapi.TypeInitResult), &ir)
	if ir.OK || ir.Error.ErrorType != "Agent.InvalidCodePackage" {
		t.Fatalf("init_result %+v", ir)
	}
}

func TestPrintALotIsTruncated(t *testing.T) {
	h := startAgent(t, agentOpts{})
	h.initFake("serve", func(m map[string]any) { m["logLimitBytes"] = 1000 })
	r, _ := h.invoke("r-big-log", 3000, `{"action":"chatty","bytes":500000}`)
	want := strings.Repeat("x", 1000) + "\n[skyscale] log truncated: 499000 bytes dropped\n"
	if r.Status != hostapi.StatusOK || r.Log != want || !r.LogTruncated {
		t.Fatalf("status %s truncated %v log %d bytes: %.80q…", r.Status, r.LogTruncated, len(r.Log), r.Log)
	}
	if r, _ := h.invoke("r-next", 3000, `{"action":"echo"}`); r.Log != "hello from r-next\nto stderr\n" || r.LogTruncated {
		t.Fatalf("next log %q", r.Log)
	}
}

func TestResponseTooLarge(t *testing.T) {
	h := startAgent(t, agentOpts{})
	h.initFake("serve", nil)
	r, body := h.invoke("r-6mb", 5000, `{"action":"big"}`)
	if e := errorBody(t, body); r.Status != hostapi.StatusError || e.ErrorType != "Function.ResponseSizeTooLarge" {
		t.Fatalf("result %+v body %s", r, body)
	}
	if r, _ := h.invoke("r-small", 3000, `{"action":"quiet"}`); r.Status != hostapi.StatusOK {
		t.Fatalf("after 413: %+v", r)
	}
}

// TestRuntimeEnvironment checks the runtime's environment, started at init
// and prestarted (where it arrives in the assignment): the same either way.
func TestRuntimeEnvironment(t *testing.T) {
	for _, prestart := range []string{"", "python"} {
		t.Run("prestart="+prestart, func(t *testing.T) { testRuntimeEnvironment(t, prestart) })
	}
}

func testRuntimeEnvironment(t *testing.T, prestart string) {
	h := startAgent(t, agentOpts{prestart: prestart})
	h.initFake("serve", func(m map[string]any) { m["memoryMb"] = 512 })
	h.send(map[string]any{"type": "invoke", "requestId": "r-env", "timeoutMs": 3000, "deadlineMs": 1763900000000,
		"invokedFunctionArn": "arn:aws:lambda:local:000000000000:function:hello:live", "clientContext": map[string]any{"custom": 1}},
		[]byte(`{"action":"env"}`))
	f := h.expect(hostapi.TypeResult)
	var env map[string]string
	if err := json.Unmarshal(f.Body, &env); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"USER_KEY": "user value", "AWS_REGION": "local", "AWS_DEFAULT_REGION": "local",
		"AWS_LAMBDA_RUNTIME_API": h.agent.RuntimeAPIAddr(), "_HANDLER": "handler.handler",
		"LAMBDA_TASK_ROOT": h.taskDir, "AWS_LAMBDA_FUNCTION_NAME": "hello", "AWS_LAMBDA_FUNCTION_VERSION": "1",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512", "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/hello",
		"AWS_LAMBDA_LOG_STREAM_NAME": "2026/11/23/[1]abc", "SKYSCALE_INVOKED_FUNCTION_ARN": "arn:aws:lambda:local:000000000000:function:hello",
		"SKYSCALE_RLIMIT_AS_BYTES": fmt.Sprint((512 + 256) << 20), "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1",
		"HOME": "/tmp", "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "TZ": ":UTC", "PYTHONPATH": h.taskDir, "LAMBDA_RUNTIME_DIR": ".",
		"@deadline": "1763900000000", "@arn": "arn:aws:lambda:local:000000000000:function:hello:live", "@clientContext": `{"custom":1}`,
	}
	for k, v := range want {
		if env[k] != v {
			t.Errorf("%s = %q, want %q", k, env[k], v)
		}
	}
	if !strings.HasPrefix(env["@trace"], "Root=1-") {
		t.Errorf("trace id %q", env["@trace"])
	}
	if _, ok := env["SKYSCALE_PRESTART"]; ok {
		t.Error("SKYSCALE_PRESTART survived the assignment")
	}
	if prestart != "" && env["FAKE_ASSIGNMENT"] != fmt.Sprintf("handler.handler|%s|%d", h.taskDir, (512+256)<<20) {
		t.Errorf("assignment %q", env["FAKE_ASSIGNMENT"])
	}
	if _, leaked := env["GOFLAGS"]; leaked && os.Getenv("GOFLAGS") != "" {
		t.Error("the agent's own environment leaked into the runtime")
	}
}

func TestShutdownKillsRuntime(t *testing.T) {
	h := startAgent(t, agentOpts{})
	pid := fakePid(t, h.initFake("serve", nil).Log)
	h.send(map[string]any{"type": "shutdown"}, nil)
	select {
	case code := <-h.exit:
		if code != 0 {
			t.Errorf("exit code %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("agent did not exit on shutdown")
	}
	if f, ok := h.next(time.Second); ok {
		t.Errorf("frame after shutdown: %s %s", f.Type, f.Header)
	}
	if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
		t.Errorf("runtime %d survived shutdown", pid)
	}
	h.exit <- 0 // for the cleanup
}

func TestBrokenStreamIsAProtocolError(t *testing.T) {
	h := startAgent(t, agentOpts{})
	h.toAgent.Write([]byte{0, 0, 0, 3, 0, 0, 0, 0, '[', '1', ']'})
	h.expectError("Agent.ProtocolError")
	if code := <-h.exit; code != 1 {
		t.Errorf("exit code %d", code)
	}
	h.exit <- 1
}

func fakePid(t *testing.T, initLog string) int {
	t.Helper()
	m := regexp.MustCompile(`pid=(\d+)`).FindStringSubmatch(initLog)
	if m == nil {
		t.Fatalf("no pid in init log %q", initLog)
	}
	pid, _ := strconv.Atoi(m[1])
	return pid
}

// BenchmarkRoundTrip measures host → agent → fake runtime (HTTP) → agent →
// host for a small event on loopback and pipes, and reports the agent's own
// durationMs beside it. Run with go test -bench RoundTrip ./internal/agent.
func BenchmarkRoundTrip(b *testing.B) {
	h := startAgent(b, agentOpts{})
	h.initFake("serve", nil)
	var agentMs float64
	i := 0
	for b.Loop() {
		r, _ := h.invoke("rt-"+strconv.Itoa(i), 3000, `{"action":"quiet"}`)
		agentMs += r.DurationMs
		i++
	}
	b.ReportMetric(agentMs/float64(i), "agent-ms/op")
}
