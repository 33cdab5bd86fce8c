package agent

import (
	"encoding/json"
	"strconv"
	"time"

	"skyscale.dev/agent/internal/hostapi"
	"skyscale.dev/agent/internal/runtimeapi"
)

// emptyTrace is the stackTrace of errors the agent raises itself.
var emptyTrace = json.RawMessage("[]")

func agentError(errorType, message string) *hostapi.ErrorObject {
	return &hostapi.ErrorObject{ErrorType: errorType, ErrorMessage: message, StackTrace: emptyTrace}
}

func errorObject(e runtimeapi.ErrorBody) *hostapi.ErrorObject {
	return &hostapi.ErrorObject{ErrorType: e.ErrorType, ErrorMessage: e.ErrorMessage, StackTrace: e.StackTrace, Trace: e.Trace}
}

func marshal(e *hostapi.ErrorObject) []byte {
	b, err := json.Marshal(e)
	if err != nil { // only a malformed raw stackTrace or trace can get here
		e.StackTrace, e.Trace = nil, nil
		b, _ = json.Marshal(e)
	}
	return b
}

// millis is a duration in milliseconds with microsecond precision.
func millis(d time.Duration) float64 {
	return float64(d.Microseconds()) / 1000
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func quote(s string) string { return strconv.Quote(s) }

// excerpt keeps diagnostics one short line.
func excerpt(s string) string {
	const n = 512
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s
}
