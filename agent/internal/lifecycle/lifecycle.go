// Package lifecycle is the agent's state machine: the contract's "Agent states"
// diagram plus the two states the host does not see as such (a prestarted
// runtime waiting for its function, and the end once the host is gone). Every
// transition is listed in one table; anything not in it is refused with
// Agent.InvalidState and leaves the state unchanged, so a confused host can
// never push the agent into an undefined state.
package lifecycle

import "fmt"

type State int

const (
	Starting     State = iota
	Idle               // no runtime: init starts one
	Prestarted         // idle, with a prestarted runtime waiting for its function
	Initializing       // the runtime loads the function
	Warm               // waiting for an invocation
	Busy               // an invocation runs
	Failed             // the runtime is gone or unusable: the host replaces the sandbox
	Stopped            // the host is gone: nothing more is sent, the agent exits
)

var stateNames = [...]string{"starting", "idle", "prestarted", "initializing", "warm", "busy", "failed", "stopped"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// RuntimeMatters reports whether a runtime's exit in state s is news: in the
// other states there is none, or it was killed on purpose.
func (s State) RuntimeMatters() bool {
	return s == Prestarted || s == Initializing || s == Warm || s == Busy
}

// Event is what moves the machine: a host message (init, invoke) or something
// the agent observed (the runtime became ready, answered, died).
type Event string

const (
	Ready           Event = "ready"            // agent announced itself
	ReadyPrestarted Event = "ready_prestarted" // agent announced itself with a prestarted runtime
	Init            Event = "init"             // host sent init
	InitOK          Event = "init_ok"          // runtime asked for its first invocation
	InitFailed      Event = "init_failed"      // checksum, package, runtime error, exit or timeout
	Invoke          Event = "invoke"           // host sent invoke
	Answered        Event = "answered"         // result ok or error: the runtime is still usable
	Lost            Event = "lost"             // result timeout or crash: the runtime is gone
	RuntimeExit     Event = "runtime_exit"     // runtime died while warm, or while prestarted
	HostLost        Event = "host_lost"        // a write to the host failed
)

var transitions = map[State]map[Event]State{
	Starting:     {Ready: Idle, ReadyPrestarted: Prestarted, HostLost: Stopped},
	Idle:         {Init: Initializing, HostLost: Stopped},
	Prestarted:   {Init: Initializing, RuntimeExit: Idle, HostLost: Stopped},
	Initializing: {InitOK: Warm, InitFailed: Failed, HostLost: Stopped},
	Warm:         {Invoke: Busy, RuntimeExit: Failed, HostLost: Stopped},
	Busy:         {Answered: Warm, Lost: Failed, HostLost: Stopped},
	Failed:       {HostLost: Stopped},
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
