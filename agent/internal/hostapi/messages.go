package hostapi

import "encoding/json"

// Protocol is the version announced in `ready`.
const Protocol = 1

// Message types, host → agent.
const (
	TypeInit     = "init"
	TypeInvoke   = "invoke"
	TypePing     = "ping"
	TypeShutdown = "shutdown"
)

// Message types, agent → host.
const (
	TypeReady       = "ready"
	TypeInitResult  = "init_result"
	TypeResult      = "result"
	TypeRuntimeExit = "runtime_exit"
	TypePong        = "pong"
	TypeError       = "error"
	TypeLog         = "log"
)

// Result statuses.
const (
	StatusOK      = "ok"
	StatusError   = "error"
	StatusTimeout = "timeout"
	StatusCrash   = "crash"
)

type Init struct {
	Runtime            string            `json:"runtime"`
	Handler            string            `json:"handler"`
	CodeSha256         string            `json:"codeSha256"`
	FunctionName       string            `json:"functionName"`
	FunctionVersion    string            `json:"functionVersion"`
	MemoryMb           int               `json:"memoryMb"`
	TimeoutMs          int64             `json:"timeoutMs"`
	Env                map[string]string `json:"env"`
	InvokedFunctionArn string            `json:"invokedFunctionArn"`
	LogGroupName       string            `json:"logGroupName"`
	LogStreamName      string            `json:"logStreamName"`
	LogLimitBytes      int               `json:"logLimitBytes"`
}

type Invoke struct {
	RequestID          string          `json:"requestId"`
	DeadlineMs         int64           `json:"deadlineMs"`
	TimeoutMs          int64           `json:"timeoutMs"`
	InvokedFunctionArn string          `json:"invokedFunctionArn"`
	ClientContext      json.RawMessage `json:"clientContext"`
	TraceID            string          `json:"traceId"`
	// LogStream asks for `log` frames while the invocation runs (optional: an
	// agent that does not know it ignores it, and a host that does not set it
	// never receives one).
	LogStream bool `json:"logStream,omitempty"`
}

// LogChunk carries output the runtime wrote during a streamed invocation, past
// Offset bytes of its log already sent. Body: the bytes. Dropped counts the
// bytes cut so far by the log cap.
type LogChunk struct {
	Type      string `json:"type"`
	RequestID string `json:"requestId"`
	Offset    int    `json:"offset"`
	Dropped   int    `json:"dropped"`
}

type Ready struct {
	Type         string `json:"type"`
	Protocol     int    `json:"protocol"`
	AgentVersion string `json:"agentVersion"`
	Pid          int    `json:"pid"`
	// Prestarted names the runtime that is already started and waiting for
	// its assignment ("python"); empty when none is.
	Prestarted string `json:"prestarted,omitempty"`
}

// ErrorObject is the Lambda-shaped error carried in init_result and result
// bodies. StackTrace stays raw so a runtime's own trace passes through as is.
type ErrorObject struct {
	ErrorType    string          `json:"errorType"`
	ErrorMessage string          `json:"errorMessage"`
	StackTrace   json.RawMessage `json:"stackTrace,omitempty"`
	Trace        json.RawMessage `json:"trace,omitempty"` // a Node.js runtime's stack, as it gave it
}

type InitResult struct {
	Type   string       `json:"type"`
	OK     bool         `json:"ok"`
	InitMs float64      `json:"initMs"`
	Log    string       `json:"log"`
	Error  *ErrorObject `json:"error,omitempty"`
}

type Result struct {
	Type       string  `json:"type"`
	RequestID  string  `json:"requestId"`
	Status     string  `json:"status"`
	DurationMs float64 `json:"durationMs"`
	MaxRssKb   *int64  `json:"maxRssKb,omitempty"`
	// CPU time (user+system, ms) the runtime used for this invocation, as the
	// built-in runtime reports it; absent when unknown (runtimes over HTTP)
	CpuMs        *float64 `json:"cpuMs,omitempty"`
	Log          string   `json:"log"`
	LogTruncated bool     `json:"logTruncated"`
}

// RuntimeExit: ExitCode is -1 and Signal names the signal ("SIGKILL") when the
// runtime was killed by one.
type RuntimeExit struct {
	Type     string `json:"type"`
	ExitCode int    `json:"exitCode"`
	Signal   string `json:"signal"`
}

type Pong struct {
	Type string `json:"type"`
}

type Error struct {
	Type         string `json:"type"`
	ErrorType    string `json:"errorType"`
	ErrorMessage string `json:"errorMessage"`
	RequestID    string `json:"requestId,omitempty"`
}
