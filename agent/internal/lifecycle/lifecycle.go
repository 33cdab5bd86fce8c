// Package lifecycle is the agent's state machine from the contract's "Agent
// states" diagram. Every transition is listed in one table; anything not in it
// is refused with Agent.InvalidState and leaves the state unchanged, so a
// confused host can never push the agent into an undefined state.
package lifecycle

import "fmt"

type State int

const (
	Starting State = iota
	Idle
	Initializing
	Warm
	Busy
	Failed
)

var stateNames = [...]string{"starting", "idle", "initializing", "warm", "busy", "failed"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Event is what moves the machine: a host message (init, invoke) or something
// the agent observed (the runtime became ready, answered, died).
type Event string

const (
	Ready       Event = "ready"        // agent announced itself
	Init        Event = "init"         // host sent init
	InitOK      Event = "init_ok"      // runtime asked for its first invocation
	InitFailed  Event = "init_failed"  // checksum, package, runtime error, exit or timeout
	Invoke      Event = "invoke"       // host sent invoke
	Answered    Event = "answered"     // result ok or error: the runtime is still usable
	Lost        Event = "lost"         // result timeout or crash: the runtime is gone
	RuntimeExit Event = "runtime_exit" // runtime died while warm
)

var transitions = map[State]map[Event]State{
	Starting:     {Ready: Idle},
	Idle:         {Init: Initializing},
	Initializing: {InitOK: Warm, InitFailed: Failed},
	Warm:         {Invoke: Busy, RuntimeExit: Failed},
	Busy:         {Answered: Warm, Lost: Failed},
}

// ErrorType is what the host sees in the `error` frame for a refusal.
const ErrorType = "Agent.InvalidState"

// InvalidStateError is a refused transition.
type InvalidStateError struct {
	State State
	Event Event
}

func (e *InvalidStateError) Error() string {
	return fmt.Sprintf("%s is not allowed in state %s", e.Event, e.State)
}

// Machine holds the current state. It is owned by the agent's single event
// loop, so it needs no lock.
type Machine struct {
	state State
}

func New() *Machine { return &Machine{state: Starting} }

func (m *Machine) State() State { return m.state }

// Can reports whether ev is allowed now, so a request can be validated before
// anything changes.
func (m *Machine) Can(ev Event) bool {
	_, ok := transitions[m.state][ev]
	return ok
}

// Fire applies ev or refuses it without changing anything.
func (m *Machine) Fire(ev Event) error {
	next, ok := transitions[m.state][ev]
	if !ok {
		return &InvalidStateError{State: m.state, Event: ev}
	}
	m.state = next
	return nil
}
