package hostapi

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"reflect"
	"testing"
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

func loadVectors(t *testing.T) vectors {
	t.Helper()
	raw, err := os.ReadFile("../../../contracts/agent-protocol.vectors.json")
	if err != nil {
		t.Fatalf("contract vectors: %v", err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("contract vectors: %v", err)
	}
	if len(v.Valid) == 0 || len(v.Invalid) == 0 {
		t.Fatal("contract vectors are empty")
	}
	return v
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeHeader(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestValidVectorsDecodeAndReencode(t *testing.T) {
	for _, v := range loadVectors(t).Valid {
		t.Run(v.Name, func(t *testing.T) {
			wire := mustHex(t, v.FrameHex)
			body := mustHex(t, v.BodyHex)
			f, err := ReadFrame(bytes.NewReader(wire))
			if err != nil {
				t.Fatalf("ReadFrame: %v", err)
			}
			if got := decodeHeader(t, f.Header); !reflect.DeepEqual(got, v.Header) {
				t.Errorf("header = %v, want %v", got, v.Header)
			}
			if f.Type != v.Header["type"] {
				t.Errorf("type = %q", f.Type)
			}
			if !bytes.Equal(f.Body, body) {
				t.Errorf("body = %x, want %x", f.Body, body)
			}

			// Encode the vector's header + body and read it back: JSON key order
			// may differ from the vector, so compare decoded values.
			var out bytes.Buffer
			if err := NewConn(nil, &out).Send(v.Header, body); err != nil {
				t.Fatal(err)
			}
			if out.Len() != len(wire) {
				t.Errorf("encoded %d bytes, vector has %d", out.Len(), len(wire))
			}
			back, err := ReadFrame(&out)
			if err != nil {
				t.Fatalf("re-read: %v", err)
			}
			if got := decodeHeader(t, back.Header); !reflect.DeepEqual(got, v.Header) {
				t.Errorf("re-encoded header = %v", got)
			}
			if !bytes.Equal(back.Body, body) {
				t.Errorf("re-encoded body = %x", back.Body)
			}
		})
	}
}

func TestInvalidVectorsAreRefused(t *testing.T) {
	for _, v := range loadVectors(t).Invalid {
		t.Run(v.Name, func(t *testing.T) {
			_, err := ReadFrame(bytes.NewReader(mustHex(t, v.FrameHex)))
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("err = %v, want a protocol error", err)
			}
		})
	}
}

func TestStreamEnds(t *testing.T) {
	if _, err := ReadFrame(bytes.NewReader(nil)); err != io.EOF {
		t.Errorf("empty stream: %v, want io.EOF", err)
	}
	// A frame cut short is broken, not a clean close.
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 15, 0, 0})); !errors.Is(err, ErrProtocol) {
		t.Errorf("cut prefix: %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader([]byte{0, 0, 0, 15, 0, 0, 0, 0, '{'})); !errors.Is(err, ErrProtocol) {
		t.Errorf("cut header: %v", err)
	}
}

func TestLargeBodyRoundTrip(t *testing.T) {
	body := bytes.Repeat([]byte{0xab}, 3*smallBody)
	var out bytes.Buffer
	if err := NewConn(nil, &out).Send(Pong{Type: TypePong}, body); err != nil {
		t.Fatal(err)
	}
	f, err := ReadFrame(&out)
	if err != nil || f.Type != TypePong || !bytes.Equal(f.Body, body) {
		t.Fatalf("round trip: %v %q %d", err, f.Type, len(f.Body))
	}
}

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x0f\x00\x00\x00\x00{\"type\":\"ping\"}"))
	f.Add([]byte("\x00\x00\x00\x03\x00\x00\x00\x00[1]"))
	f.Fuzz(func(t *testing.T, wire []byte) {
		fr, err := ReadFrame(bytes.NewReader(wire))
		if err != nil {
			return
		}
		var m map[string]any
		if json.Unmarshal(fr.Header, &m) != nil || m["type"] != fr.Type {
			t.Fatalf("accepted a header that is not an object with a string type: %q", fr.Header)
		}
	})
}
