package logcapture

import (
	"strings"
	"testing"
	"time"
)

func marker(id string) string { return "\x1eSKYSCALE-END " + id + "\n" }

func TestCapAndTruncationNote(t *testing.T) {
	c := New(10)
	c.Write([]byte("0123456789abcdef"))
	c.Write([]byte("ghij"))
	l := c.Take()
	want := "0123456789\n[skyscale] log truncated: 10 bytes dropped\n"
	if l.Text != want || !l.Truncated {
		t.Fatalf("got %q truncated=%v", l.Text, l.Truncated)
	}
	if l := c.Take(); l.Text != "" || l.Truncated {
		t.Fatalf("next segment not empty: %+v", l)
	}
}

func TestMarkerEndsSegmentAndIsStripped(t *testing.T) {
	cases := []struct {
		name   string
		writes []string
		want   string
		next   string
	}{
		{"whole", []string{"hello\n" + marker("r-1") + "after\n"}, "hello\n", "after\n"},
		{"split everywhere", splitBytes("a\nb\n" + marker("r-1")), "a\nb\n", ""},
		{"no trailing newline before marker", []string{"partial", marker("r-1")}, "partial", ""},
		{"other id is stripped but does not end", []string{"x\n", marker("old"), "y\n", marker("r-1")}, "x\ny\n", ""},
		{"lookalike stays text", []string{"\x1eSKYSCALE-ENDX r-1\n", marker("r-1")}, "\x1eSKYSCALE-ENDX r-1\n", ""},
		{"record separator in text", []string{"a\x1eb\n\x1e\x1eSKYSCALE-END r-1\n"}, "a\x1eb\n\x1e", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := New(1 << 20)
			c.Expect("r-1")
			for _, w := range tc.writes {
				c.Write([]byte(w))
			}
			start := time.Now()
			l := c.TakeMarked(MaxMarkerWait)
			if time.Since(start) > 50*time.Millisecond {
				t.Errorf("waited %v although the marker was there", time.Since(start))
			}
			if l.Text != tc.want {
				t.Errorf("log = %q, want %q", l.Text, tc.want)
			}
			if next := c.Take(); next.Text != tc.next {
				t.Errorf("next = %q, want %q", next.Text, tc.next)
			}
		})
	}
}

func TestMarkerCountsNothingAgainstTheCap(t *testing.T) {
	c := New(4)
	c.Expect("r-1")
	c.Write([]byte("abcdefgh" + marker("r-1")))
	l := c.TakeMarked(MaxMarkerWait)
	if l.Text != "abcd\n[skyscale] log truncated: 4 bytes dropped\n" {
		t.Fatalf("got %q", l.Text)
	}
}

func TestWaitIsBounded(t *testing.T) {
	c := New(100)
	c.Expect("r-1")
	c.Write([]byte("no marker\n"))
	start := time.Now()
	l := c.TakeMarked(MaxMarkerWait)
	waited := time.Since(start)
	if waited < MaxMarkerWait || waited > MaxMarkerWait+150*time.Millisecond {
		t.Errorf("waited %v, want about %v", waited, MaxMarkerWait)
	}
	if l.Text != "no marker\n" {
		t.Errorf("log = %q", l.Text)
	}
	// The late marker belongs to nobody now: it is dropped, not logged.
	c.Write([]byte(marker("r-1") + "later\n"))
	if l := c.Take(); l.Text != "later\n" {
		t.Errorf("after late marker: %q", l.Text)
	}
}

func TestMarkerArrivingDuringWait(t *testing.T) {
	c := New(100)
	c.Expect("r-2")
	c.Write([]byte("line\n"))
	go func() {
		time.Sleep(20 * time.Millisecond)
		c.Write([]byte(marker("r-2")))
	}()
	start := time.Now()
	l := c.TakeMarked(MaxMarkerWait)
	if time.Since(start) >= MaxMarkerWait || l.Text != "line\n" {
		t.Fatalf("log %q after %v", l.Text, time.Since(start))
	}
}

func TestHeldPartialMarkerIsTextOnHardCut(t *testing.T) {
	c := New(100)
	c.Write([]byte("x\x1eSKYSCALE-E"))
	if l := c.Take(); l.Text != "x\x1eSKYSCALE-E" {
		t.Fatalf("got %q", l.Text)
	}
}

func TestLongLineStartingWithSeparatorIsNotHeldForever(t *testing.T) {
	c := New(1 << 20)
	long := "\x1eSKYSCALE-END " + strings.Repeat("z", 1000)
	c.Write([]byte(long))
	if l := c.Take(); l.Text != long {
		t.Fatalf("lost %d bytes", len(long)-len(l.Text))
	}
}

func splitBytes(s string) []string {
	out := make([]string, len(s))
	for i := range s {
		out[i] = s[i : i+1]
	}
	return out
}

func TestMarkedReportsTheMarkerOnlyOnceItArrived(t *testing.T) {
	c := New(1 << 20)
	c.Expect("r-1")
	c.Write([]byte("printed\n"))
	if c.Marked() {
		t.Fatal("Marked before the marker was written")
	}
	c.Write([]byte(marker("other")))
	if c.Marked() {
		t.Fatal("a marker of another request must not count")
	}
	c.Write([]byte(marker("r-1")))
	if !c.Marked() {
		t.Fatal("Marked is false after the marker")
	}
	if l := c.TakeMarked(MaxMarkerWait); l.Text != "printed\n" {
		t.Errorf("log = %q", l.Text)
	}
}
