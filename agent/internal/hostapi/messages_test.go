package hostapi

import (
	"encoding/json"
	"testing"

	"skyscale.dev/agent/internal/schemacheck"
)

func loadSchema(t *testing.T) *schemacheck.Schema {
	t.Helper()
	s, err := schemacheck.Load()
	if err != nil {
		t.Fatalf("contract schema: %v", err)
	}
	return s
}

// TestMessagesTheAgentSendsMatchTheContract encodes every message the agent
// sends, in each of its shapes, and checks it against the schema (every field
// it writes must be listed there).
func TestMessagesTheAgentSendsMatchTheContract(t *testing.T) {
	s := loadSchema(t)
	kb := int64(10240)
	cpu := 2.5
	cases := []struct {
		def string
		msg any
	}{
		{"agent-to-host.ready", Ready{Type: TypeReady, Protocol: Protocol, AgentVersion: "0.1.0", Pid: 1}},
		{"agent-to-host.ready", Ready{Type: TypeReady, Protocol: Protocol, AgentVersion: "0.1.0", Pid: 1, Prestarted: "python"}},
		{"agent-to-host.init_result", InitResult{Type: TypeInitResult, OK: true, InitMs: 41.2, Log: "hi\n"}},
		{"agent-to-host.init_result", InitResult{Type: TypeInitResult, InitMs: 12, Log: "",
			Error: &ErrorObject{ErrorType: "Runtime.ImportModuleError", ErrorMessage: "no", StackTrace: json.RawMessage(`["  File x"]`)}}},
		{"agent-to-host.init_result", InitResult{Type: TypeInitResult, Error: &ErrorObject{ErrorType: "Runtime.InitTimeout", ErrorMessage: "slow"}}},
		{"agent-to-host.result", Result{Type: TypeResult, RequestID: "r", Status: StatusOK, DurationMs: 1.84, MaxRssKb: &kb, CpuMs: &cpu, Log: "x"}},
		{"agent-to-host.result", Result{Type: TypeResult, RequestID: "r", Status: StatusTimeout, DurationMs: 3000, LogTruncated: true}},
		{"agent-to-host.result", Result{Type: TypeResult, RequestID: "r", Status: StatusCrash}},
		{"agent-to-host.result", Result{Type: TypeResult, RequestID: "r", Status: StatusError}},
		{"agent-to-host.runtime_exit", RuntimeExit{Type: TypeRuntimeExit, ExitCode: -1, Signal: "SIGKILL"}},
		{"agent-to-host.pong", Pong{Type: TypePong}},
		{"agent-to-host.log", LogChunk{Type: TypeLog, RequestID: "r", Offset: 6, Dropped: 0}},
		{"agent-to-host.error", Error{Type: TypeError, ErrorType: "Agent.InvalidState", ErrorMessage: "no"}},
		{"agent-to-host.error", Error{Type: TypeError, ErrorType: "Agent.InvalidMessage", ErrorMessage: "no", RequestID: "r"}},
		{"errorObject", ErrorObject{ErrorType: "Sandbox.Timedout", ErrorMessage: "late", StackTrace: json.RawMessage(`[]`)}},
	}
	for _, c := range cases {
		if err := s.Check(c.def, c.msg); err != nil {
			t.Errorf("%s: %v", c.def, err)
		}
	}
}

// TestMessagesTheAgentReadsAreTheContracts: every field the agent decodes
// from the host is one the schema lists, with the same type.
func TestMessagesTheAgentReadsAreTheContracts(t *testing.T) {
	s := loadSchema(t)
	init := struct {
		Type string `json:"type"`
		Init
	}{TypeInit, Init{Runtime: "python3.11", Handler: "h.h", CodeSha256: "ab", FunctionName: "f", FunctionVersion: "1",
		MemoryMb: 128, TimeoutMs: 3000, Env: map[string]string{"K": "v"}, InvokedFunctionArn: "arn", LogGroupName: "g",
		LogStreamName: "s", LogLimitBytes: 1024}}
	if err := s.Check("host-to-agent.init", init); err != nil {
		t.Error(err)
	}
	for _, cc := range []string{`null`, `{"custom":{"k":1}}`, `"{\"custom\":{}}"`} {
		invoke := struct {
			Type string `json:"type"`
			Invoke
		}{TypeInvoke, Invoke{RequestID: "r", DeadlineMs: 1763900000000, TimeoutMs: 3000, InvokedFunctionArn: "arn",
			ClientContext: json.RawMessage(cc), TraceID: "Root=1-x", LogStream: true}}
		if err := s.Check("host-to-agent.invoke", invoke); err != nil {
			t.Error(err)
		}
	}
	for _, typ := range []string{TypePing, TypeShutdown} {
		if err := s.Check("host-to-agent."+typ, map[string]string{"type": typ}); err != nil {
			t.Error(err)
		}
	}
}

func TestProtocolVersionIsTheContracts(t *testing.T) {
	ready := loadSchema(t).Def("agent-to-host.ready")
	version := ready["properties"].(map[string]any)["protocol"].(map[string]any)["const"]
	if n, ok := version.(json.Number); !ok || n.String() != "1" || Protocol != 1 {
		t.Fatalf("schema says protocol %v, the agent announces %d", version, Protocol)
	}
}

// The checker itself must refuse what the schema refuses, or the tests above
// prove nothing.
func TestTheSchemaCheckerRefuses(t *testing.T) {
	s := loadSchema(t)
	for _, bad := range []any{
		map[string]any{"type": "ready", "protocol": 2, "agentVersion": "x", "pid": 1},
		map[string]any{"type": "ready", "protocol": 1, "agentVersion": "x"},
		map[string]any{"type": "ready", "protocol": 1, "agentVersion": "x", "pid": 1.5},
		map[string]any{"type": "ready", "protocol": 1, "agentVersion": "x", "pid": 1, "prestarted": "node"},
		map[string]any{"type": "ready", "protocol": 1, "agentVersion": "x", "pid": 1, "undocumented": true},
		map[string]any{"type": "pong", "protocol": 1, "agentVersion": "x", "pid": 1},
	} {
		if s.Check("agent-to-host.ready", bad) == nil {
			t.Errorf("accepted %v", bad)
		}
	}
	if s.Check("host-to-agent.init", map[string]any{"type": "init", "runtime": "p", "handler": "h", "codeSha256": "x", "env": map[string]any{"K": 1}}) == nil {
		t.Error("accepted a non-string env value")
	}
	if s.Check("agent-to-host.init_result", map[string]any{"type": "init_result", "ok": false, "initMs": 1, "log": "", "error": map[string]any{"errorType": "x"}}) == nil {
		t.Error("accepted an error object without errorMessage")
	}
}
