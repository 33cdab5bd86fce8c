package runtimeapi

import (
	"io"
	"net/http"
	"strconv"
	"time"
)

// handleNext is the long poll: it returns when an invocation is dispatched or
// the runtime hangs up.
func (s *Server) handleNext(w http.ResponseWriter, r *http.Request) {
	s.nextOnce.Do(func() { close(s.firstNext); s.notify() })
	var inv Invocation
	select {
	case inv = <-s.pending:
	case <-r.Context().Done():
		return
	case <-s.closed:
		return
	}
	h := w.Header()
	h["Lambda-Runtime-Aws-Request-Id"] = []string{inv.RequestID}
	h["Lambda-Runtime-Deadline-Ms"] = []string{strconv.FormatInt(inv.DeadlineMs, 10)}
	h["Lambda-Runtime-Invoked-Function-Arn"] = []string{inv.InvokedFunctionArn}
	h["Lambda-Runtime-Trace-Id"] = []string{inv.TraceID}
	if inv.ClientContext != "" {
		h["Lambda-Runtime-Client-Context"] = []string{inv.ClientContext}
	}
	h["Content-Type"] = []string{"application/json"}
	h["Content-Length"] = []string{strconv.Itoa(len(inv.Event))}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.Event)
}

func (s *Server) handleResponse(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	id := r.PathValue("id")
	if !s.isOpen(id) {
		invalidRequestID(w)
		return
	}
	body, tooLarge, err := readBody(r, MaxResponseBytes)
	if err != nil {
		// The runtime hung up mid-body; it can still post again.
		writeJSON(w, http.StatusBadRequest, `{"errorMessage":"could not read the response body","errorType":"InvalidRequest"}`)
		return
	}
	if !s.claim(id) {
		invalidRequestID(w)
		return
	}
	if tooLarge {
		s.emit(Event{Kind: ResponseTooLarge, RequestID: id, At: at})
		writeJSON(w, http.StatusRequestEntityTooLarge,
			`{"errorMessage":"Exceeded maximum allowed payload size (6291456 bytes).","errorType":"RequestEntityTooLarge"}`)
		return
	}
	s.emit(Event{Kind: Response, RequestID: id, At: at, Body: body})
	accepted(w)
}

func (s *Server) handleFunctionError(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	id := r.PathValue("id")
	if !s.isOpen(id) {
		invalidRequestID(w)
		return
	}
	body, _, err := readBody(r, MaxResponseBytes)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, `{"errorMessage":"could not read the error body","errorType":"InvalidRequest"}`)
		return
	}
	if !s.claim(id) {
		invalidRequestID(w)
		return
	}
	e := parseErrorBody(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"), "Unhandled")
	s.emit(Event{Kind: FunctionError, RequestID: id, At: at, Error: e})
	accepted(w)
}

func (s *Server) handleInitError(w http.ResponseWriter, r *http.Request) {
	at := time.Now()
	body, _, _ := readBody(r, MaxResponseBytes)
	e := parseErrorBody(body, r.Header.Get("Lambda-Runtime-Function-Error-Type"), "Runtime.Unknown")
	s.emit(Event{Kind: InitError, At: at, Error: e})
	accepted(w)
}

// readBody reads up to limit bytes; tooLarge reports that there was more. The
// excess is not read: net/http closes the connection rather than drain it.
func readBody(r *http.Request, limit int64) (body []byte, tooLarge bool, err error) {
	if r.ContentLength > limit {
		return nil, true, nil
	}
	body, err = io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(body)) > limit {
		return nil, true, nil
	}
	return body, false, nil
}

func accepted(w http.ResponseWriter) {
	writeJSON(w, http.StatusAccepted, `{"status":"OK"}`)
}

func invalidRequestID(w http.ResponseWriter) {
	writeJSON(w, http.StatusBadRequest, `{"errorMessage":"Invalid request ID","errorType":"InvalidRequestID"}`)
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header()["Content-Type"] = []string{"application/json"}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
