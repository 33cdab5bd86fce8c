package lifecycle

import (
	"errors"
	"testing"
)

// reach drives a new machine through events, as the agent would.
func reach(t *testing.T, events ...Event) *Machine {
	t.Helper()
	m := New()
	for _, ev := range events {
		if err := m.Fire(ev); err != nil {
			t.Fatalf("after %v: %v", events, err)
		}
	}
	return m
}

// refused checks that ev is refused in m's state, with an error naming both,
// and that the refusal changed nothing.
func refused(t *testing.T, m *Machine, ev Event) {
	t.Helper()
	before := m.State()
	if m.Can(ev) {
		t.Errorf("Can(%s) in %s", ev, before)
	}
	err := m.Fire(ev)
	var ise *InvalidStateError
	if !errors.As(err, &ise) || ise.State != before || ise.Event != ev {
		t.Fatalf("%s in %s: err %v, want an InvalidStateError naming both", ev, before, err)
	}
	if m.State() != before {
		t.Errorf("refusing %s moved the agent from %s to %s", ev, before, m.State())
	}
}

var (
	toIdle = []Event{Ready}
	toWarm = []Event{Ready, Init, InitOK}
	toBusy = []Event{Ready, Init, InitOK, Invoke}
)

func TestNothingIsAcceptedBeforeReady(t *testing.T) {
	m := New()
	refused(t, m, Init)
	refused(t, m, Invoke)
}

func TestInvokeNeedsASuccessfulInit(t *testing.T) {
	m := reach(t, toIdle...)
	refused(t, m, Invoke)
	if err := m.Fire(Init); err != nil {
		t.Fatal(err)
	}
	refused(t, m, Invoke)
	refused(t, m, Init)
	if err := m.Fire(InitOK); err != nil {
		t.Fatal(err)
	}
	if err := m.Fire(Invoke); err != nil || m.State() != Busy {
		t.Fatalf("invoke when warm: %v, state %s", err, m.State())
	}
}

func TestOneInvocationAtATimeAndTheRuntimeIsReused(t *testing.T) {
	m := reach(t, toBusy...)
	refused(t, m, Invoke)
	refused(t, m, Init)
	for range 3 {
		if err := m.Fire(Answered); err != nil {
			t.Fatal(err)
		}
		if err := m.Fire(Invoke); err != nil {
			t.Fatalf("invoke after an answer: %v", err)
		}
	}
}

func TestAFailedAgentIsNeverReused(t *testing.T) {
	paths := map[string][]Event{
		"init failed":              {Ready, Init, InitFailed},
		"prestarted, init failed":  {ReadyPrestarted, Init, InitFailed},
		"invocation timed out":     append(toBusy, Lost),
		"runtime exited when warm": append(toWarm, RuntimeExit),
	}
	for name, path := range paths {
		t.Run(name, func(t *testing.T) {
			m := reach(t, path...)
			if m.State() != Failed {
				t.Fatalf("state %s, want failed", m.State())
			}
			for _, ev := range []Event{Init, Invoke, InitOK, Answered, RuntimeExit} {
				refused(t, m, ev)
			}
			if m.State().RuntimeMatters() {
				t.Error("a failed agent still cares about its runtime's exit")
			}
		})
	}
}

func TestAPrestartedRuntimeThatDiesLeavesTheAgentUsable(t *testing.T) {
	m := reach(t, ReadyPrestarted)
	if !m.State().RuntimeMatters() {
		t.Error("the prestarted runtime's exit is not news")
	}
	refused(t, m, Invoke)
	if err := m.Fire(RuntimeExit); err != nil || m.State() != Idle {
		t.Fatalf("prestarted runtime exit: %v, state %s", err, m.State())
	}
	refused(t, m, RuntimeExit) // no runtime left to exit
	if err := m.Fire(Init); err != nil {
		t.Fatalf("init after the prestarted runtime died: %v", err)
	}
}

func TestLosingTheHostStopsTheAgentFromAnyState(t *testing.T) {
	paths := [][]Event{nil, toIdle, {ReadyPrestarted}, {Ready, Init}, toWarm, toBusy, {Ready, Init, InitFailed}}
	for _, path := range paths {
		m := reach(t, path...)
		from := m.State()
		if err := m.Fire(HostLost); err != nil || m.State() != Stopped {
			t.Errorf("host lost in %s: %v, state %s", from, err, m.State())
		}
		for _, ev := range []Event{Ready, Init, Invoke, Answered, RuntimeExit, HostLost} {
			refused(t, m, ev)
		}
	}
}

func TestRefusalMessageNamesEventAndState(t *testing.T) {
	m := reach(t, append(toBusy, Lost)...)
	if err := m.Fire(Invoke); err == nil || err.Error() != "invoke is not allowed in state failed" {
		t.Fatalf("invoke after failure: %v", err)
	}
}
