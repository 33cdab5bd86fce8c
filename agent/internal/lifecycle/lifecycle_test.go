package lifecycle

import (
	"errors"
	"testing"
)

var allEvents = []Event{Ready, Init, InitOK, InitFailed, Invoke, Answered, Lost, RuntimeExit}

// The contract's diagram, written out independently of the table under test.
var allowed = map[State]map[Event]State{
	Starting:     {Ready: Idle},
	Idle:         {Init: Initializing},
	Initializing: {InitOK: Warm, InitFailed: Failed},
	Warm:         {Invoke: Busy, RuntimeExit: Failed},
	Busy:         {Answered: Warm, Lost: Failed},
	Failed:       {},
}

func TestEveryStateAndEvent(t *testing.T) {
	for from, moves := range allowed {
		for _, ev := range allEvents {
			m := &Machine{state: from}
			err := m.Fire(ev)
			want, ok := moves[ev]
			switch {
			case ok && err != nil:
				t.Errorf("%s --%s--> refused: %v", from, ev, err)
			case ok && m.State() != want:
				t.Errorf("%s --%s--> %s, want %s", from, ev, m.State(), want)
			case !ok:
				var ise *InvalidStateError
				if !errors.As(err, &ise) {
					t.Errorf("%s --%s--> allowed, want refusal", from, ev)
				}
				if m.State() != from {
					t.Errorf("refusal changed state %s to %s", from, m.State())
				}
				if m.Can(ev) {
					t.Errorf("Can(%s) in %s = true", ev, from)
				}
			}
		}
	}
}

func TestHappyPath(t *testing.T) {
	m := New()
	for _, ev := range []Event{Ready, Init, InitOK, Invoke, Answered, Invoke, Lost} {
		if err := m.Fire(ev); err != nil {
			t.Fatalf("%s: %v", ev, err)
		}
	}
	if m.State() != Failed {
		t.Fatalf("state %s", m.State())
	}
	if err := m.Fire(Invoke); err == nil || err.Error() != "invoke is not allowed in state failed" {
		t.Fatalf("invoke after failure: %v", err)
	}
}
