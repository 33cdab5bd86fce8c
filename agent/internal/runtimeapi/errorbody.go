package runtimeapi

import (
	"encoding/json"
	"unicode/utf8"
)

// maxErrorMessage caps a message taken from a body that was not JSON.
const maxErrorMessage = 4096

// ErrorBody is a runtime-reported error, normalized to Lambda's shape.
type ErrorBody struct {
	ErrorType    string
	ErrorMessage string
	StackTrace   json.RawMessage // as the runtime sent it; nil when absent
	Trace        json.RawMessage // Node.js runtimes' name for it ("trace"); nil when absent
}

// parseErrorBody accepts what real clients send: the documented JSON object,
// JSON without errorType (the type then comes from the header), or plain text.
// The Lambda-Runtime-Function-Error-Type header wins over the body's errorType.
func parseErrorBody(body []byte, headerType, fallbackType string) ErrorBody {
	var parsed struct {
		ErrorType    string          `json:"errorType"`
		ErrorMessage json.RawMessage `json:"errorMessage"`
		StackTrace   json.RawMessage `json:"stackTrace"`
		Trace        json.RawMessage `json:"trace"`
	}
	e := ErrorBody{}
	if err := json.Unmarshal(body, &parsed); err == nil {
		e.ErrorType = parsed.ErrorType
		if err := json.Unmarshal(parsed.ErrorMessage, &e.ErrorMessage); err != nil && len(parsed.ErrorMessage) > 0 {
			e.ErrorMessage = string(parsed.ErrorMessage) // a non-string message, kept as its JSON
		}
		if len(parsed.StackTrace) > 0 && string(parsed.StackTrace) != "null" {
			e.StackTrace = parsed.StackTrace
		}
		if len(parsed.Trace) > 0 && string(parsed.Trace) != "null" {
			e.Trace = parsed.Trace
		}
	} else {
		e.ErrorMessage = truncateUTF8(string(body), maxErrorMessage)
	}
	if headerType != "" {
		e.ErrorType = headerType
	}
	if e.ErrorType == "" {
		e.ErrorType = fallbackType
	}
	return e
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// ParseErrorBody is parseErrorBody for errors that arrive on the built-in
// runtime channel rather than over HTTP.
func ParseErrorBody(body []byte, headerType, fallbackType string) ErrorBody {
	return parseErrorBody(body, headerType, fallbackType)
}
