package agent

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"skyscale.dev/agent/internal/hostapi"
)

// invokeStreamed sends an invoke with logStream and collects the `log` frames
// that arrive before its result.
func (h *host) invokeStreamed(id string, event string) ([]hostapi.LogChunk, []string, hostapi.Result) {
	h.t.Helper()
	h.send(map[string]any{"type": "invoke", "requestId": id, "timeoutMs": 5000, "logStream": true}, []byte(event))
	var chunks []hostapi.LogChunk
	var bodies []string
	for {
		f, ok := h.next(10 * time.Second)
		if !ok {
			h.t.Fatal("no result")
		}
		switch f.Type {
		case hostapi.TypeLog:
			var c hostapi.LogChunk
			mustDecode(h.t, f, &c)
			chunks, bodies = append(chunks, c), append(bodies, string(f.Body))
		case hostapi.TypeResult:
			var r hostapi.Result
			mustDecode(h.t, f, &r)
			return chunks, bodies, r
		default:
			h.t.Fatalf("unexpected %s frame", f.Type)
		}
	}
}

func TestStreamedLogArrivesBeforeTheResult(t *testing.T) {
	h := startAgent(t, agentOpts{})
	h.initFake("serve", nil)
	chunks, bodies, r := h.invokeStreamed("r-live", `{"action":"slowlog"}`)
	if r.Status != hostapi.StatusOK || r.Log != "first\nsecond\n" || r.LogTruncated {
		t.Fatalf("result %+v", r)
	}
	if len(chunks) == 0 || bodies[0] != "first\n" {
		t.Fatalf("chunks %+v %q: the first line should come alone, while the handler sleeps", chunks, bodies)
	}
	// the chunks are the log's bytes in order, each at the offset the last one ended
	offset := 0
	for i, c := range chunks {
		if c.RequestID != "r-live" || c.Offset != offset || c.Dropped != 0 {
			t.Fatalf("chunk %d: %+v, want offset %d", i, c, offset)
		}
		offset += len(bodies[i])
	}
	if !strings.HasPrefix(r.Log, strings.Join(bodies, "")) {
		t.Fatalf("streamed %q is not a prefix of the log %q", strings.Join(bodies, ""), r.Log)
	}
	// a short invocation sends none, and one not asked to stream never does
	_, none, _ := h.invokeStreamed("r-short", `{"action":"echo"}`)
	if len(none) != 0 {
		t.Fatalf("a short invocation streamed %q", none)
	}
	if r, _ := h.invoke("r-plain", 5000, `{"action":"slowlog"}`); r.Log != "first\nsecond\n" {
		t.Fatalf("plain log %q", r.Log)
	}
}

func TestStreamedLogSaysWhatTheCapDropped(t *testing.T) {
	h := startAgent(t, agentOpts{})
	h.initFake("serve", func(m map[string]any) { m["logLimitBytes"] = 1000 })
	chunks, bodies, r := h.invokeStreamed("r-cut", `{"action":"slowlog","bytes":3000}`)
	if !r.LogTruncated || !strings.HasSuffix(r.Log, "log truncated: 2013 bytes dropped\n") {
		t.Fatalf("result log %.60q… truncated %v", r.Log, r.LogTruncated)
	}
	if len(chunks) == 0 || bodies[0] != strings.Repeat("x", 1000) || chunks[0].Dropped != 2006 {
		t.Fatalf("chunks %+v", chunks)
	}
}

// BenchmarkRoundTripStreamed is BenchmarkRoundTrip with logStream asked for: a
// short invocation sends no `log` frame, so the cost is its timer's.
func BenchmarkRoundTripStreamed(b *testing.B) {
	h := startAgent(b, agentOpts{})
	h.initFake("serve", nil)
	var agentMs float64
	i := 0
	for b.Loop() {
		id := "rts-" + strconv.Itoa(i)
		h.send(map[string]any{"type": "invoke", "requestId": id, "timeoutMs": 3000, "logStream": true}, []byte(`{"action":"quiet"}`))
		var r hostapi.Result
		mustDecode(b, h.expect(hostapi.TypeResult), &r)
		agentMs += r.DurationMs
		i++
	}
	b.ReportMetric(agentMs/float64(i), "agent-ms/op")
}
