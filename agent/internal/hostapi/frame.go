// Package hostapi owns the agent's side of the agent⇄host protocol
// (contracts/agent-protocol.md): the frame codec, the typed messages and the
// connection that reads frames in one goroutine and serializes writes.
package hostapi

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Limits from the contract's framing table.
const (
	MinHeaderLen = 2
	MaxHeaderLen = 4 << 20
	MaxBodyLen   = 512 << 20
)

// ErrProtocol marks a frame the contract calls a protocol error; the receiver
// reports it and closes the stream.
var ErrProtocol = errors.New("protocol error")

// Frame is one decoded message. Header keeps the raw JSON so each message type
// is decoded once into its own struct (unknown fields are ignored that way).
type Frame struct {
	Type   string
	Header []byte
	Body   []byte
}

// Decode unmarshals the header into a message struct.
func (f Frame) Decode(v any) error {
	if err := json.Unmarshal(f.Header, v); err != nil {
		return fmt.Errorf("%s header: %w", f.Type, err)
	}
	return nil
}

// ReadFrame reads exactly one frame. A clean end of stream before the first
// byte is io.EOF; anything malformed wraps ErrProtocol.
func ReadFrame(r io.Reader) (Frame, error) {
	var prefix [8]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		if err == io.EOF {
			return Frame{}, io.EOF
		}
		return Frame{}, fmt.Errorf("%w: truncated length prefix: %v", ErrProtocol, err)
	}
	h := binary.BigEndian.Uint32(prefix[0:4])
	b := binary.BigEndian.Uint32(prefix[4:8])
	if h < MinHeaderLen || h > MaxHeaderLen {
		return Frame{}, fmt.Errorf("%w: header length %d out of range", ErrProtocol, h)
	}
	if b > MaxBodyLen {
		return Frame{}, fmt.Errorf("%w: body length %d out of range", ErrProtocol, b)
	}
	buf := make([]byte, int(h)+int(b))
	if _, err := io.ReadFull(r, buf); err != nil {
		return Frame{}, fmt.Errorf("%w: truncated frame: %v", ErrProtocol, err)
	}
	typ, err := HeaderType(buf[:h])
	if err != nil {
		return Frame{}, err
	}
	return Frame{Type: typ, Header: buf[:h:h], Body: buf[h:]}, nil
}

// HeaderType checks that the header is a JSON object with a string `type` and
// returns it. The key is matched exactly, as the other implementations of the
// contract do (a struct would also take "Type" or "TYPE").
func HeaderType(header []byte) (string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(header, &fields); err != nil || fields == nil {
		return "", fmt.Errorf("%w: header is not a JSON object", ErrProtocol)
	}
	raw, ok := fields["type"]
	if !ok {
		return "", fmt.Errorf("%w: header has no type", ErrProtocol)
	}
	var typ string
	if err := json.Unmarshal(raw, &typ); err != nil {
		return "", fmt.Errorf("%w: header type is not a string", ErrProtocol)
	}
	return typ, nil
}

// EncodeFrame marshals header and returns the length prefix plus header; the
// body is returned separately so large bodies are never copied.
func EncodeFrame(header any, body []byte) (head []byte, err error) {
	hj, err := json.Marshal(header)
	if err != nil {
		return nil, err
	}
	if len(hj) > MaxHeaderLen || len(body) > MaxBodyLen {
		return nil, fmt.Errorf("frame too large: header %d, body %d bytes", len(hj), len(body))
	}
	head = make([]byte, 8, 8+len(hj))
	binary.BigEndian.PutUint32(head[0:4], uint32(len(hj)))
	binary.BigEndian.PutUint32(head[4:8], uint32(len(body)))
	return append(head, hj...), nil
}
