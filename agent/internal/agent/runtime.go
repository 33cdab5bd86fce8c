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

// rlimitAsBytes is the address-space limit the Python bootstrap sets on itself.
func rlimitAsBytes(msg hostapi.Init) int64 {
	return int64(orDefault(msg.MemoryMb, defaultMemoryMb)+interpreterHeadroomMb) << 20
}

// runtimeEnv is the function's env with the platform's variables winning, as
// the contract lists them. The agent's own environment is not inherited.
func (a *Agent) runtimeEnv(msg hostapi.Init) []string {
	return envList(a.runtimeEnvMap(msg))
}

func (a *Agent) runtimeEnvMap(msg hostapi.Init) map[string]string {
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
	for k, v := range a.platformEnv() {
		env[k] = v
	}
	for k, v := range map[string]string{
		"_HANDLER":                        msg.Handler,
		"AWS_LAMBDA_FUNCTION_NAME":        msg.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION":     msg.FunctionVersion,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(memoryMb),
		"AWS_LAMBDA_LOG_GROUP_NAME":       msg.LogGroupName,
		"AWS_LAMBDA_LOG_STREAM_NAME":      msg.LogStreamName,
		"AWS_REGION":                      "local",
		"AWS_DEFAULT_REGION":              "local",
		"SKYSCALE_INVOKED_FUNCTION_ARN":   msg.InvokedFunctionArn,
		"SKYSCALE_RLIMIT_AS_BYTES":        strconv.FormatInt(rlimitAsBytes(msg), 10),
		"PYTHONPATH":                      pythonPath,
	} {
		env[k] = v
	}
	return env
}

// platformEnv is the part of the runtime's environment that does not depend on
// the function: all a prestarted runtime gets before its assignment.
func (a *Agent) platformEnv() map[string]string {
	return map[string]string{
		"AWS_LAMBDA_RUNTIME_API":  a.api.Addr(),
		"LAMBDA_TASK_ROOT":        a.cfg.TaskDir,
		"LAMBDA_RUNTIME_DIR":      filepath.Dir(a.cfg.PythonBootstrap),
		"PYTHONUNBUFFERED":        "1",
		"PYTHONDONTWRITEBYTECODE": "1",
		"HOME":                    "/tmp",
		"PATH":                    "/usr/local/bin:/usr/bin:/bin",
		"LANG":                    "C.UTF-8",
		"TZ":                      ":UTC",
	}
}

func envList(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	sort.Strings(out) // deterministic, for tests and for diffing in a debugger
	return out
}
