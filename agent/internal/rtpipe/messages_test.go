package rtpipe

import (
	"testing"

	"skyscale.dev/agent/internal/schemacheck"
)

// TestPipeMessagesMatchTheContract checks the headers the agent sends on the
// pipe, and the shapes it reads, against the schema.
func TestPipeMessagesMatchTheContract(t *testing.T) {
	s, err := schemacheck.Load()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		def string
		msg any
	}{
		{"agent-to-runtime.invoke", Invoke{Type: TypeInvoke, RequestID: "r", DeadlineMs: 1763900000000, InvokedFunctionArn: "arn", TraceID: "Root=1-x"}},
		{"agent-to-runtime.invoke", Invoke{Type: TypeInvoke, RequestID: "r", DeadlineMs: 1, InvokedFunctionArn: "arn", TraceID: "t", ClientContext: `{"custom":{}}`}},
		{"agent-to-runtime.assignment", Assignment{Type: TypeAssignment, Handler: "h.h", TaskRoot: "/var/task", Env: map[string]string{"K": "v"}, RlimitAsBytes: 402653184}},
		{"runtime-to-agent.prestarted", AnswerHeader{Type: TypePrestarted}},
		{"runtime-to-agent.next", AnswerHeader{Type: TypeNext}},
		{"runtime-to-agent.response", AnswerHeader{Type: TypeResponse, RequestID: "r", MaxRssKb: 9000, CpuMs: 1.25}},
		{"runtime-to-agent.error", AnswerHeader{Type: TypeError, RequestID: "r", ErrorType: "ValueError", MaxRssKb: 9000}},
		{"runtime-to-agent.init_error", AnswerHeader{Type: TypeInitError, ErrorType: "Runtime.ImportModuleError"}},
	}
	for _, c := range cases {
		if err := s.Check(c.def, c.msg); err != nil {
			t.Errorf("%s: %v", c.def, err)
		}
	}
}
