package agent

import (
	"os"
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

// nodeMajor is the major version a Node.js runtime name asks for
// ("nodejs22.x" → "22"); false for any other name.
func nodeMajor(runtime string) (string, bool) {
	v, ok := strings.CutPrefix(runtime, "nodejs")
	if !ok {
		return "", false
	}
	v, ok = strings.CutSuffix(v, ".x")
	if !ok || v == "" {
		return "", false
	}
	if _, err := strconv.Atoi(v); err != nil {
		return "", false
	}
	return v, true
}

// family is the prestart name of runtime's interpreter: "python" for every
// python3.*, "node22" for nodejs22.x; "" for a runtime the agent cannot start.
func family(runtime string) string {
	if isPython(runtime) {
		return prestartPython
	}
	if major, ok := nodeMajor(runtime); ok {
		return "node" + major
	}
	return ""
}

// interpreter is how to start the built-in runtime of a family: the
// interpreter and the bootstrap it runs. False when the family is unknown or
// its interpreter is not in this sandbox (a Node.js the image does not carry).
func (a *Agent) interpreter(fam string) (path string, args []string, ok bool) {
	if fam == prestartPython {
		return a.cfg.Python, []string{a.cfg.PythonBootstrap}, true
	}
	major, isNode := strings.CutPrefix(fam, "node")
	if !isNode || major == "" || a.cfg.NodeDir == "" {
		return "", nil, false
	}
	path = filepath.Join(a.cfg.NodeDir, "node"+major, "bin", "node")
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		return "", nil, false
	}
	return path, []string{a.cfg.NodeBootstrap}, true
}

// runtimeSpec says how to start the runtime for msg; false if it is unknown.
func (a *Agent) runtimeSpec(msg hostapi.Init) (supervisor.Spec, bool) {
	path, args, ok := a.interpreter(family(msg.Runtime))
	if !ok {
		return supervisor.Spec{}, false
	}
	return supervisor.Spec{
		Path: path,
		Args: args,
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
	for k, v := range a.platformEnv(family(msg.Runtime)) {
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
// the function: all a prestarted runtime gets before its assignment. fam is
// the runtime's family ("python", "node22"): LAMBDA_RUNTIME_DIR is its
// bootstrap's directory.
func (a *Agent) platformEnv(fam string) map[string]string {
	runtimeDir := filepath.Dir(a.cfg.PythonBootstrap)
	if strings.HasPrefix(fam, "node") {
		runtimeDir = filepath.Dir(a.cfg.NodeBootstrap)
	}
	return map[string]string{
		"AWS_LAMBDA_RUNTIME_API":  a.api.Addr(),
		"LAMBDA_TASK_ROOT":        a.cfg.TaskDir,
		"LAMBDA_RUNTIME_DIR":      runtimeDir,
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
