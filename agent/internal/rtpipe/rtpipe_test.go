package rtpipe

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"syscall"
	"testing"
	"time"
)

type vectors struct {
	Valid []struct {
		Name     string         `json:"name"`
		Header   map[string]any `json:"header"`
		BodyHex  string         `json:"bodyHex"`
		FrameHex string         `json:"frameHex"`
	} `json:"valid"`
	Invalid []struct {
		Name     string `json:"name"`
		FrameHex string `json:"frameHex"`
	} `json:"invalid"`
}

func loadVectors(t testing.TB) vectors {
	t.Helper()
	raw, err := os.ReadFile("../../../contracts/agent-protocol.vectors.json")
	if err != nil {
		t.Fatalf("contract vectors: %v", err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil || len(v.Valid) == 0 || len(v.Invalid) == 0 {
		t.Fatalf("contract vectors: %v", err)
	}
	return v
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// frame builds one frame by hand (not with the code under test).
func frame(header string, body []byte) []byte {
	b := make([]byte, 8, 8+len(header)+len(body))
	binary.BigEndian.PutUint32(b[0:4], uint32(len(header)))
	binary.BigEndian.PutUint32(b[4:8], uint32(len(body)))
	return append(append(b, header...), body...)
}

// pushInSteps feeds wire to a fresh decoder step bytes at a time.
func pushInSteps(wire []byte, step int) ([]Answer, error) {
	var d Decoder
	var out []Answer
	for i := 0; i < len(wire); i += step {
		got, err := d.Push(wire[i:min(i+step, len(wire))])
		out = append(out, got...)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

func TestDecoderReadsTheContractVectors(t *testing.T) {
	v := loadVectors(t)
	for _, vec := range v.Valid {
		wire := unhex(t, vec.FrameHex)
		for _, step := range []int{1, 3, 8, len(wire)} {
			got, err := pushInSteps(wire, step)
			if err != nil || len(got) != 1 {
				t.Fatalf("%s (step %d): %d answers, err %v", vec.Name, step, len(got), err)
			}
			var h map[string]any
			if err := json.Unmarshal(got[0].Frame.Header, &h); err != nil || !reflect.DeepEqual(h, vec.Header) {
				t.Errorf("%s: header %s, want %v", vec.Name, got[0].Frame.Header, vec.Header)
			}
			if got[0].Frame.Type != vec.Header["type"] || hex.EncodeToString(got[0].Frame.Body) != vec.BodyHex || got[0].TooLarge {
				t.Errorf("%s: %+v", vec.Name, got[0])
			}
		}
	}
	for _, vec := range v.Invalid {
		if got, err := pushInSteps(unhex(t, vec.FrameHex), 1); err == nil || len(got) != 0 {
			t.Errorf("%s: accepted (%d answers, err %v)", vec.Name, len(got), err)
		}
	}
}

func TestDecoder(t *testing.T) {
	ping := frame(`{"type":"next"}`, nil)
	resp := frame(`{"type":"response","requestId":"r-1"}`, []byte(`{"ok":true}`))
	huge := bytes.Repeat([]byte{'x'}, MaxAnswerBody+1)
	oversized := frame(`{"type":"response","requestId":"big"}`, huge)
	cases := []struct {
		name     string
		wire     []byte
		types    []string
		tooLarge []bool
		err      error
	}{
		{"two frames in one write", append(append([]byte{}, ping...), resp...), []string{"next", "response"}, []bool{false, false}, nil},
		{"an incomplete frame waits for the rest", resp[:len(resp)-1], nil, nil, nil},
		{"an oversized body is dropped, what follows is read", append(append([]byte{}, oversized...), ping...), []string{"response", "next"}, []bool{true, false}, nil},
		{"a body at the limit is kept", frame(`{"type":"response"}`, huge[:MaxAnswerBody]), []string{"response"}, []bool{false}, nil},
		{"header length out of range", []byte{0, 0, 0, 1, 0, 0, 0, 0, '{'}, nil, nil, ErrMalformed},
		{"header without type", frame(`{"requestId":"r"}`, nil), nil, nil, ErrNoType},
		{"header that is JSON null", frame(`null`, nil), nil, nil, ErrNoType},
		{"type key in another case", frame(`{"Type":"next"}`, nil), nil, nil, ErrNoType},
	}
	for _, tc := range cases {
		for _, step := range []int{7, 4096, len(tc.wire)} {
			got, err := pushInSteps(tc.wire, step)
			if !errors.Is(err, tc.err) {
				t.Errorf("%s (step %d): err %v, want %v", tc.name, step, err, tc.err)
			}
			var types []string
			var tooLarge []bool
			for _, a := range got {
				types = append(types, a.Frame.Type)
				tooLarge = append(tooLarge, a.TooLarge)
			}
			if !reflect.DeepEqual(types, tc.types) || !reflect.DeepEqual(tooLarge, tc.tooLarge) {
				t.Errorf("%s (step %d): types %v tooLarge %v, want %v %v", tc.name, step, types, tooLarge, tc.types, tc.tooLarge)
			}
		}
	}
}

func TestDecoderDoesNotBufferOversizedBodies(t *testing.T) {
	var d Decoder
	head := frame(`{"type":"response"}`, nil)
	binary.BigEndian.PutUint32(head[4:8], 64<<20)
	if _, err := d.Push(head); err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for range 63 {
		if got, err := d.Push(chunk); err != nil || len(got) != 0 {
			t.Fatalf("%d answers, err %v", len(got), err)
		}
	}
	if cap(d.buf) > 1<<10 {
		t.Errorf("decoder holds %d bytes of a body it drops", cap(d.buf))
	}
	got, err := d.Push(chunk)
	if err != nil || len(got) != 1 || !got[0].TooLarge || len(got[0].Frame.Body) != 0 {
		t.Fatalf("%+v %v", got, err)
	}
}

// runtimeEnds opens a channel and returns the runtime's ends (events to read,
// answers to write), closed at the end of the test.
func runtimeEnds(t *testing.T) (*Pipe, *os.File, *os.File) {
	t.Helper()
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	// Keep our own copies: Started closes the originals, as after an exec.
	ev, err := dup(p.Child()[0])
	if err != nil {
		t.Fatal(err)
	}
	ans, err := dup(p.Child()[1])
	if err != nil {
		t.Fatal(err)
	}
	p.Started()
	t.Cleanup(func() { p.Close(); ev.Close(); ans.Close() })
	return p, ev, ans
}

func dup(f *os.File) (*os.File, error) {
	fd, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}

func TestPipeReadsPartialFramesAndReportsTheRuntimeClosing(t *testing.T) {
	p, _, ans := runtimeEnds(t)
	resp := frame(`{"type":"response","requestId":"r-1"}`, []byte("result"))
	if got, err := p.Read(); err != nil || len(got) != 0 {
		t.Fatalf("empty pipe: %v %v", got, err)
	}
	ans.Write(resp[:5])
	if got, err := p.Read(); err != nil || len(got) != 0 {
		t.Fatalf("a partial frame: %v %v", got, err)
	}
	ans.Write(resp[5:])
	got, err := p.Read()
	if err != nil || len(got) != 1 || got[0].Frame.Type != "response" || string(got[0].Frame.Body) != "result" {
		t.Fatalf("%+v %v", got, err)
	}
	ans.Close()
	if _, err := p.Read(); !errors.Is(err, ErrClosed) {
		t.Fatalf("after the runtime closed its end: %v", err)
	}
}

func TestPipeReadsAnOversizedAnswerWrittenConcurrently(t *testing.T) {
	p, _, ans := runtimeEnds(t)
	k, err := NewWaker()
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	wire := append(frame(`{"type":"response","requestId":"big"}`, bytes.Repeat([]byte{'x'}, MaxAnswerBody+10)), frame(`{"type":"next"}`, nil)...)
	go func() { ans.Write(wire) }()
	var got []Answer
	for len(got) < 2 {
		if p.Wait(k, 10*time.Second, func() bool { return false }) != Readable {
			t.Fatal("the answer did not arrive")
		}
		more, err := p.Read()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, more...)
	}
	if !got[0].TooLarge || got[0].Frame.Type != "response" || got[1].Frame.Type != "next" {
		t.Fatalf("%+v", got)
	}
}

func TestPipeSendReachesTheRuntime(t *testing.T) {
	p, ev, _ := runtimeEnds(t)
	body := bytes.Repeat([]byte{'e'}, 3*directWrite) // big: written from a goroutine
	for _, b := range [][]byte{[]byte(`{"n":1}`), body} {
		if err := p.Send(map[string]string{"type": "invoke"}, b); err != nil {
			t.Fatal(err)
		}
		var d Decoder
		var got []Answer
		buf := make([]byte, 64<<10)
		for len(got) == 0 {
			n, err := ev.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			more, err := d.Push(buf[:n])
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, more...)
		}
		if got[0].Frame.Type != "invoke" || !bytes.Equal(got[0].Frame.Body, b) {
			t.Fatalf("runtime got %q with %d bytes", got[0].Frame.Type, len(got[0].Frame.Body))
		}
	}
}

func TestWait(t *testing.T) {
	p, _, ans := runtimeEnds(t)
	k, err := NewWaker()
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	nothing := func() bool { return false }
	if got := p.Wait(k, time.Millisecond, nothing); got != TimedOut {
		t.Errorf("nothing to read: %v, want TimedOut", got)
	}
	if got := p.Wait(k, time.Minute, func() bool { return true }); got != Woken {
		t.Errorf("work already pending: %v, want Woken", got)
	}
	go func() {
		for !k.waiting.Load() {
			time.Sleep(time.Millisecond)
		}
		k.Poke()
	}()
	if got := p.Wait(k, time.Minute, nothing); got != Woken {
		t.Errorf("poked: %v, want Woken", got)
	}
	ans.Write(frame(`{"type":"next"}`, nil))
	if got := p.Wait(k, time.Minute, nothing); got != Readable {
		t.Errorf("an answer written: %v, want Readable", got)
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	p, err := New()
	if err != nil {
		t.Fatal(err)
	}
	p.Close()
	p.Close()
	if err := p.Send(map[string]string{"type": "invoke"}, nil); err == nil {
		t.Error("Send after Close succeeded")
	}
}

// FuzzDecode: whatever the runtime writes, the decoder neither panics nor
// accepts a header that is not an object with a string type, and how the
// bytes are split never changes what it decodes.
func FuzzDecode(f *testing.F) {
	v := loadVectors(f)
	for _, vec := range v.Valid {
		f.Add(unhex(f, vec.FrameHex), uint8(3))
	}
	for _, vec := range v.Invalid {
		f.Add(unhex(f, vec.FrameHex), uint8(1))
	}
	f.Fuzz(func(t *testing.T, wire []byte, step uint8) {
		whole, errWhole := pushInSteps(wire, max(len(wire), 1))
		split, errSplit := pushInSteps(wire, int(step)+1)
		if (errWhole == nil) != (errSplit == nil) || len(whole) != len(split) {
			t.Fatalf("split at %d: %d answers (%v), whole: %d answers (%v)", int(step)+1, len(split), errSplit, len(whole), errWhole)
		}
		for i, a := range whole {
			var m map[string]any
			if json.Unmarshal(a.Frame.Header, &m) != nil || m["type"] != a.Frame.Type {
				t.Fatalf("accepted a header that is not an object with a string type: %q", a.Frame.Header)
			}
			if a.Frame.Type != split[i].Frame.Type || !bytes.Equal(a.Frame.Body, split[i].Frame.Body) {
				t.Fatalf("answer %d differs when split", i)
			}
		}
	})
}
