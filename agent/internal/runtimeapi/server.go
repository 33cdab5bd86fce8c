// Package runtimeapi serves the Lambda Runtime API (2018-06-01) to the function's
// runtime on loopback. It knows one invocation at a time: Dispatch hands it to
// the runtime's long-polling /next, and the runtime's answer comes back to the
// agent as an Event. Request ids are checked here, so a stale or repeated
// answer never reaches the agent.
package runtimeapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MaxResponseBytes is Lambda's synchronous response limit (6 MB).
const MaxResponseBytes = 6 * 1024 * 1024

// Invocation is what /next hands to the runtime.
type Invocation struct {
	RequestID          string
	DeadlineMs         int64
	InvokedFunctionArn string
	TraceID            string
	ClientContext      string // JSON; empty when the caller sent none
	Event              []byte
}

type Kind int

const (
	Response         Kind = iota // /invocation/{id}/response
	FunctionError                // /invocation/{id}/error
	ResponseTooLarge             // /response over MaxResponseBytes, answered 413
	InitError                    // /init/error
)

// Event is the runtime's answer. At is when the request reached us, so the
// measured duration does not include the agent's own queueing.
type Event struct {
	Kind      Kind
	RequestID string
	At        time.Time
	Body      []byte    // Response: exactly what the runtime posted
	Error     ErrorBody // FunctionError, InitError
	MaxRssKb  int64     // peak RSS the runtime reported itself, 0 when it did not
	CpuMs     float64   // CPU time the runtime reported for the invocation, 0 when it did not
}

// Server is the Runtime API endpoint.
type Server struct {
	ln     net.Listener
	srv    *http.Server
	log    *slog.Logger
	closed chan struct{}

	pending   chan Invocation // holds at most the one dispatched invocation
	events    chan Event
	firstNext chan struct{}
	nextOnce  sync.Once

	// notifyFn (SetNotify) is called after every event and the first /next:
	// the agent's loop may be waiting in a ppoll
	// rather than on these channels. Atomic: the server is serving (a stray
	// client may call in) before the agent has set it.
	notifyFn atomic.Pointer[func()]

	mu       sync.Mutex
	current  string // the dispatched request id
	answered bool   // current has had its /response or /error
}

// Listen binds addr ("127.0.0.1:0" picks a free port). Serving starts at once:
// the agent announces `ready` only after this returns.
func Listen(addr string, log *slog.Logger) (*Server, error) {
	ln, err := net.Listen("tcp", addr) // Go sets TCP_NODELAY on every accepted conn
	if err != nil {
		return nil, err
	}
	s := &Server{
		ln:        ln,
		log:       log,
		closed:    make(chan struct{}),
		pending:   make(chan Invocation, 1),
		events:    make(chan Event, 8),
		firstNext: make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", s.handleNext)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", s.handleResponse)
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", s.handleFunctionError)
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", s.handleInitError)
	s.srv = &http.Server{
		Handler:  collapseSlashes(mux),
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	s.srv.SetKeepAlivesEnabled(true)
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("runtime api stopped", "err", err)
		}
	}()
	return s, nil
}

// Addr is the bound host:port, for AWS_LAMBDA_RUNTIME_API.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops serving and releases any long poll.
func (s *Server) Close() error {
	select {
	case <-s.closed:
		return nil
	default:
	}
	close(s.closed)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	return s.srv.Close()
}

// FirstNext is closed when the runtime first asks for an invocation: the end
// of a successful init.
func (s *Server) FirstNext() <-chan struct{} { return s.firstNext }

// Events delivers the runtime's answers.
func (s *Server) Events() <-chan Event { return s.events }

// Dispatch makes inv the current invocation and hands it to /next.
func (s *Server) Dispatch(inv Invocation) {
	s.mu.Lock()
	s.current, s.answered = inv.RequestID, false
	s.mu.Unlock()
	select { // an invocation nobody picked up is stale now
	case <-s.pending:
	default:
	}
	s.pending <- inv
}

// Retire ends the current invocation without an answer (timeout, crash), so a
// late /response from it is refused.
func (s *Server) Retire(requestID string) {
	s.mu.Lock()
	if s.current == requestID {
		s.answered = true
	}
	s.mu.Unlock()
	select {
	case <-s.pending:
	default:
	}
}

// isOpen reports whether id is the current, unanswered invocation.
func (s *Server) isOpen(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return id != "" && id == s.current && !s.answered
}

// claim marks id answered; only the first claim wins.
func (s *Server) claim(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if id == "" || id != s.current || s.answered {
		return false
	}
	s.answered = true
	return true
}

func (s *Server) emit(ev Event) {
	select {
	case s.events <- ev:
		s.notify()
	case <-s.closed:
	}
}

// SetNotify sets the function called after every event (see notifyFn).
func (s *Server) SetNotify(f func()) { s.notifyFn.Store(&f) }

func (s *Server) notify() {
	if f := s.notifyFn.Load(); f != nil && *f != nil {
		(*f)()
	}
}

// collapseSlashes tolerates clients that build "//2018-06-01/..." (one popular
// client does); ServeMux would answer those with a redirect.
func collapseSlashes(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "//") {
			p := r.URL.Path
			for strings.Contains(p, "//") {
				p = strings.ReplaceAll(p, "//", "/")
			}
			r.URL.Path, r.URL.RawPath = p, ""
		}
		next.ServeHTTP(w, r)
	})
}
