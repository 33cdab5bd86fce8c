package agent

// A fake runtime for the flow tests: the test binary re-executes itself with
// FAKE_RUNTIME set (passed through the function's env in `init`, which also
// proves env reaches the runtime) and then speaks the Runtime API over HTTP
// like a real runtime would. What it does per invocation is chosen by the
// event's "action".

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"skyscale.dev/agent/internal/hostapi"
	"skyscale.dev/agent/internal/rtpipe"
)

func TestMain(m *testing.M) {
	if os.Getenv("SKYSCALE_PRESTART") != "" {
		os.Exit(fakePrestarted())
	}
	if mode := os.Getenv("FAKE_RUNTIME"); mode != "" {
		os.Exit(fakeRuntime(mode))
	}
	os.Exit(m.Run())
}

type fakeEvent struct {
	Action string `json:"action"`
	Bytes  int    `json:"bytes"`
}

func fakeRuntime(mode string) int {
	base := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime"
	fmt.Printf("init: handler=%s pid=%d\n", os.Getenv("_HANDLER"), os.Getpid())
	switch mode {
	case "initerror":
		fmt.Fprintln(os.Stderr, "Traceback: No module named 'nope'")
		fakePost(base+"/init/error", `{"errorType":"Runtime.ImportModuleError","errorMessage":"No module named 'nope'","stackTrace":[]}`, nil)
		return 1
	case "initexit":
		return 3
	case "inithang":
		time.Sleep(time.Hour)
	}
	for {
		resp, err := http.Get(base + "/invocation/next")
		if err != nil {
			fmt.Fprintln(os.Stderr, "next:", err)
			return 2
		}
		event, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
		var ev fakeEvent
		_ = json.Unmarshal(event, &ev)
		end := func() { fmt.Printf("\x1eSKYSCALE-END %s\n", id) }
		switch ev.Action {
		case "echo":
			fmt.Printf("hello from %s\n", id)
			fmt.Fprintln(os.Stderr, "to stderr")
			end()
			fakePost(base+"/invocation/"+id+"/response", string(event), nil)
		case "quiet":
			end()
			fakePost(base+"/invocation/"+id+"/response", string(event), nil)
		case "error":
			fmt.Println("about to fail")
			end()
			fakePost(base+"/invocation/"+id+"/error", `{"errorType":"ValueError","errorMessage":"it failed","stackTrace":["line 1"]}`,
				map[string]string{"Lambda-Runtime-Function-Error-Type": "Custom.Fail"})
		case "sleep":
			fmt.Println("sleeping")
			time.Sleep(time.Hour)
		case "crash":
			fmt.Println("dying")
			return 42
		case "chatty":
			fmt.Print(strings.Repeat("x", ev.Bytes))
			end()
			fakePost(base+"/invocation/"+id+"/response", "{}", nil)
		case "slowlog":
			fmt.Print(strings.Repeat("x", ev.Bytes))
			fmt.Println("first")
			time.Sleep(600 * time.Millisecond)
			fmt.Println("second")
			end()
			fakePost(base+"/invocation/"+id+"/response", "{}", nil)
		case "big":
			end()
			fakePost(base+"/invocation/"+id+"/response", strings.Repeat("x", 6*1024*1024+1), nil)
		case "env":
			env := map[string]string{}
			for _, kv := range os.Environ() {
				k, v, _ := strings.Cut(kv, "=")
				env[k] = v
			}
			env["@deadline"] = resp.Header.Get("Lambda-Runtime-Deadline-Ms")
			env["@arn"] = resp.Header.Get("Lambda-Runtime-Invoked-Function-Arn")
			env["@trace"] = resp.Header.Get("Lambda-Runtime-Trace-Id")
			env["@clientContext"] = resp.Header.Get("Lambda-Runtime-Client-Context")
			b, _ := json.Marshal(env)
			end()
			fakePost(base+"/invocation/"+id+"/response", string(b), nil)
		case "exitafter":
			end()
			fakePost(base+"/invocation/"+id+"/response", "{}", nil)
			return 7
		default:
			fakePost(base+"/invocation/"+id+"/error", `{"errorMessage":"unknown action"}`, nil)
		}
	}
}

// fakePrestarted is the fake runtime started by --prestart: it waits for its
// assignment on the pipe like the Python bootstrap, takes the environment from
// it, then runs as the mode the function's env names (over HTTP: the pipe is
// optional for invocations). A bootstrap path containing "broken" makes it
// die before saying it is waiting.
func fakePrestarted() int {
	fmt.Printf("prestart: waiting pid=%d\n", os.Getpid())
	if strings.Contains(os.Args[len(os.Args)-1], "broken") {
		return 3
	}
	if os.Getenv("SKYSCALE_RUNTIME_PIPE") != "3,4" {
		fmt.Fprintln(os.Stderr, "prestarted without the runtime pipe")
		return 2
	}
	events, answers := os.NewFile(3, "events"), os.NewFile(4, "answers")
	head, _ := hostapi.EncodeFrame(rtpipe.AnswerHeader{Type: rtpipe.TypePrestarted}, nil)
	if _, err := answers.Write(head); err != nil {
		fmt.Fprintln(os.Stderr, "prestarted:", err)
		return 2
	}
	f, err := hostapi.ReadFrame(events)
	var as rtpipe.Assignment
	if err == nil {
		err = f.Decode(&as)
	}
	if err != nil || f.Type != rtpipe.TypeAssignment {
		fmt.Fprintln(os.Stderr, "assignment:", f.Type, err)
		return 2
	}
	os.Clearenv()
	for k, v := range as.Env {
		os.Setenv(k, v)
	}
	os.Setenv("FAKE_ASSIGNMENT", fmt.Sprintf("%s|%s|%d", as.Handler, as.TaskRoot, as.RlimitAsBytes))
	return fakeRuntime(os.Getenv("FAKE_RUNTIME"))
}

func fakePost(url, body string, hdr map[string]string) {
	req, _ := http.NewRequest("POST", url, bytes.NewReader([]byte(body)))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "post:", err)
		return
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}
