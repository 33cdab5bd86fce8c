package agent

import (
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"skyscale.dev/agent/internal/hostapi"
	"skyscale.dev/agent/internal/supervisor"
)

const defaultMemoryMb = 128

// interpreterHeadroomMb is added to the function's memory for RLIMIT_AS: the
// interpreter maps far more address space than it touches.
const interpreterHeadroomMb = 256

// isPython reports whether runtime names a Python 3 runtime ("python3.11").
func isPython(runtime string) bool {
	v, ok := strings.CutPrefix(runtime, "python3.")
	if !ok || v == "" {
		return false
	}
	_, err := strconv.Atoi(v)
	return err == nil
}

// runtimeSpec says how to start the runtime for msg; false if it is unknown.
func (a *Agent) runtimeSpec(msg hostapi.Init) (supervisor.Spec, bool) {
	if !isPython(msg.Runtime) {
		return supervisor.Spec{}, false
	}
	return supervisor.Spec{
		Path: a.cfg.Python,
		Args: []string{a.cfg.PythonBootstrap},
		Dir:  a.cfg.TaskDir,
		Env:  a.runtimeEnv(msg),
	}, true
}

// runtimeEnv is the function's env with the platform's variables winning, as
// the contract lists them. The agent's own environment is not inherited.
func (a *Agent) runtimeEnv(msg hostapi.Init) []string {
	env := make(map[string]string, len(msg.Env)+24)
	for k, v := range msg.Env {
		if k != "" && !strings.ContainsAny(k, "=\x00") && !strings.ContainsRune(v, 0) {
			env[k] = v
		}
	}
	memoryMb := orDefault(msg.MemoryMb, defaultMemoryMb)
	pythonPath := a.cfg.TaskDir
	if p := env["PYTHONPATH"]; p != "" {
		pythonPath += ":" + p
	}
	for k, v := range map[string]string{
		"AWS_LAMBDA_RUNTIME_API":          a.api.Addr(),
		"_HANDLER":                        msg.Handler,
		"LAMBDA_TASK_ROOT":                a.cfg.TaskDir,
		"LAMBDA_RUNTIME_DIR":              filepath.Dir(a.cfg.PythonBootstrap),
		"AWS_LAMBDA_FUNCTION_NAME":        msg.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION":     msg.FunctionVersion,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(memoryMb),
		"AWS_LAMBDA_LOG_GROUP_NAME":       msg.LogGroupName,
		"AWS_LAMBDA_LOG_STREAM_NAME":      msg.LogStreamName,
		"AWS_REGION":                      "local",
		"AWS_DEFAULT_REGION":              "local",
		"SKYSCALE_INVOKED_FUNCTION_ARN":   msg.InvokedFunctionArn,
		"SKYSCALE_RLIMIT_AS_BYTES":        strconv.FormatInt(int64(memoryMb+interpreterHeadroomMb)<<20, 10),
		"PYTHONUNBUFFERED":                "1",
		"PYTHONDONTWRITEBYTECODE":         "1",
		"HOME":                            "/tmp",
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
		"LANG":                            "C.UTF-8",
		"TZ":                              ":UTC",
		"PYTHONPATH":                      pythonPath,
	} {
		env[k] = v
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out) // deterministic, for tests and for diffing in a debugger
	return out
}
