package rtpipe

// Frame types on the pipe (contracts/agent-protocol.md, "Built-in runtime
// channel"; their headers are in contracts/agent-protocol.schema.json).
const (
	TypePrestarted = "prestarted" // runtime: loaded, waiting for its assignment
	TypeAssignment = "assignment" // agent: the function a prestarted runtime is to load
	TypeNext       = "next"       // runtime: init is done, send invocations here
	TypeInvoke     = "invoke"     // agent: an invocation
	TypeResponse   = "response"   // runtime: the result
	TypeError      = "error"      // runtime: the function's error
	TypeInitError  = "init_error" // runtime: loading the function failed
)

// Invoke is the header of an invocation; the body is the event.
type Invoke struct {
	Type               string `json:"type"`
	RequestID          string `json:"requestId"`
	DeadlineMs         int64  `json:"deadlineMs"`
	InvokedFunctionArn string `json:"invokedFunctionArn"`
	TraceID            string `json:"traceId"`
	ClientContext      string `json:"clientContext,omitempty"`
}

// Assignment gives a prestarted runtime its function.
type Assignment struct {
	Type          string            `json:"type"`
	Handler       string            `json:"handler"`
	TaskRoot      string            `json:"taskRoot"`
	Env           map[string]string `json:"env"`
	RlimitAsBytes int64             `json:"rlimitAsBytes"`
}

// AnswerHeader is any header the runtime sends: prestarted, next, response,
// error, init_error (each uses the fields it needs).
type AnswerHeader struct {
	Type      string `json:"type"`
	RequestID string `json:"requestId,omitempty"`
	ErrorType string `json:"errorType,omitempty"`
	MaxRssKb  int64  `json:"maxRssKb,omitempty"`
	// CPU time (user+system, ms) used since the runtime's previous answer (or the
	// end of its init): the invocation's, measured by the getrusage that also
	// gives maxRssKb
	CpuMs float64 `json:"cpuMs,omitempty"`
}
