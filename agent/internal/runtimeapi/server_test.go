package runtimeapi

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"
)

func start(t *testing.T) (*Server, string) {
	t.Helper()
	s, err := Listen("127.0.0.1:0", slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, "http://" + s.Addr() + "/2018-06-01/runtime"
}

func post(t *testing.T, url string, body []byte, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func nextEvent(t *testing.T, s *Server) Event {
	t.Helper()
	select {
	case ev := <-s.Events():
		return ev
	case <-time.After(2 * time.Second):
		t.Fatal("no event")
		return Event{}
	}
}

func TestNextLongPollsUntilDispatch(t *testing.T) {
	s, base := start(t)
	got := make(chan *http.Response, 1)
	go func() {
		resp, err := http.Get(base + "/invocation/next")
		if err != nil {
			t.Error(err)
		}
		got <- resp
	}()
	select {
	case <-s.FirstNext():
	case <-time.After(2 * time.Second):
		t.Fatal("first /next not noticed")
	}
	select {
	case <-got:
		t.Fatal("/next returned before anything was dispatched")
	case <-time.After(30 * time.Millisecond):
	}
	s.Dispatch(Invocation{RequestID: "r-1", DeadlineMs: 1763900000000, InvokedFunctionArn: "arn:x", TraceID: "Root=1", ClientContext: `{"a":1}`, Event: []byte(`{"n":1}`)})
	resp := <-got
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	want := map[string]string{
		"Lambda-Runtime-Aws-Request-Id": "r-1", "Lambda-Runtime-Deadline-Ms": "1763900000000",
		"Lambda-Runtime-Invoked-Function-Arn": "arn:x", "Lambda-Runtime-Trace-Id": "Root=1",
		"Lambda-Runtime-Client-Context": `{"a":1}`, "Content-Type": "application/json",
	}
	for k, v := range want {
		if resp.Header.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, resp.Header.Get(k), v)
		}
	}
	if string(body) != `{"n":1}` {
		t.Errorf("body %q", body)
	}
}

func TestResponseIsAcceptedOnce(t *testing.T) {
	s, base := start(t)
	s.Dispatch(Invocation{RequestID: "r-1"})
	if code, body := post(t, base+"/invocation/r-1/response", []byte("result"), nil); code != 202 || body != `{"status":"OK"}` {
		t.Fatalf("first response: %d %s", code, body)
	}
	ev := nextEvent(t, s)
	if ev.Kind != Response || ev.RequestID != "r-1" || string(ev.Body) != "result" || ev.At.IsZero() {
		t.Fatalf("event %+v", ev)
	}
	for _, path := range []string{"/invocation/r-1/response", "/invocation/r-1/error", "/invocation/other/response"} {
		if code, _ := post(t, base+path, []byte("again"), nil); code != 400 {
			t.Errorf("%s: %d, want 400", path, code)
		}
	}
}

func TestRetiredInvocationRefusesLateAnswers(t *testing.T) {
	s, base := start(t)
	s.Dispatch(Invocation{RequestID: "r-1"})
	s.Retire("r-1")
	if code, _ := post(t, base+"/invocation/r-1/response", nil, nil); code != 400 {
		t.Fatalf("late response: %d", code)
	}
}

func TestResponseTooLarge(t *testing.T) {
	s, base := start(t)
	s.Dispatch(Invocation{RequestID: "big"})
	code, _ := post(t, base+"/invocation/big/response", bytes.Repeat([]byte("x"), MaxResponseBytes+1), nil)
	if code != 413 {
		t.Fatalf("code %d", code)
	}
	if ev := nextEvent(t, s); ev.Kind != ResponseTooLarge || ev.RequestID != "big" {
		t.Fatalf("event %+v", ev)
	}
	// Exactly at the limit is fine.
	s.Dispatch(Invocation{RequestID: "edge"})
	if code, _ := post(t, base+"/invocation/edge/response", bytes.Repeat([]byte("x"), MaxResponseBytes), nil); code != 202 {
		t.Fatalf("6 MB exactly: %d", code)
	}
}

func TestFunctionErrorTypes(t *testing.T) {
	cases := []struct {
		name, body, header string
		want               ErrorBody
	}{
		{"body type", `{"errorType":"ValueError","errorMessage":"bad","stackTrace":["a"]}`, "",
			ErrorBody{ErrorType: "ValueError", ErrorMessage: "bad", StackTrace: []byte(`["a"]`)}},
		{"header wins", `{"errorType":"ValueError","errorMessage":"bad"}`, "Custom.Type",
			ErrorBody{ErrorType: "Custom.Type", ErrorMessage: "bad"}},
		{"no type at all", `{"errorMessage":"bad"}`, "", ErrorBody{ErrorType: "Unhandled", ErrorMessage: "bad"}},
		{"plain text", `it broke`, "", ErrorBody{ErrorType: "Unhandled", ErrorMessage: "it broke"}},
	}
	s, base := start(t)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := "e-" + string(rune('a'+i))
			s.Dispatch(Invocation{RequestID: id})
			hdr := map[string]string{}
			if tc.header != "" {
				hdr["Lambda-Runtime-Function-Error-Type"] = tc.header
			}
			if code, _ := post(t, base+"/invocation/"+id+"/error", []byte(tc.body), hdr); code != 202 {
				t.Fatalf("code %d", code)
			}
			ev := nextEvent(t, s)
			if ev.Kind != FunctionError || ev.Error.ErrorType != tc.want.ErrorType || ev.Error.ErrorMessage != tc.want.ErrorMessage || string(ev.Error.StackTrace) != string(tc.want.StackTrace) {
				t.Fatalf("event %+v", ev)
			}
		})
	}
}

func TestInitErrorAndDoubleSlash(t *testing.T) {
	s, base := start(t)
	url := strings.Replace(base, "/2018-06-01", "//2018-06-01", 1) + "/init/error"
	code, _ := post(t, url, []byte(`{"errorType":"Runtime.ImportModuleError","errorMessage":"No module named 'x'"}`), nil)
	if code != 202 {
		t.Fatalf("code %d", code)
	}
	if ev := nextEvent(t, s); ev.Kind != InitError || ev.Error.ErrorType != "Runtime.ImportModuleError" {
		t.Fatalf("event %+v", ev)
	}
}
