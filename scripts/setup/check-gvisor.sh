#!/usr/bin/env bash
# scripts/setup/check-gvisor.sh [RUNSC] [ROOTFS] — prove that gVisor works on this
# machine with Skyscale's root filesystem, and find the runsc flags that work.
#
#   RUNSC   default $SKYSCALE_RUNSC ($SKYSCALE_CACHE_DIR/bin/runsc, see runsc.sh)
#   ROOTFS  default $SKYSCALE_ROOTFS ($SKYSCALE_CACHE_DIR/rootfs/current, see rootfs.sh)
#
# Builds a temporary OCI bundle (read-only root = ROOTFS, tmpfs /tmp and /var/task with
# size=64m,mode=1777, read-only bind of a host dir at /opt/skyscale, uid/gid 65534,
# 256 MiB memory limit, own network namespace) and runs it in the foreground with
#   runsc --root=STATE --platform=P --network=none --overlay2=none run --bundle B ID
# with stdio as pipes. It then checks stdin->stdout, writable /tmp and /var/task,
# read-only / and /opt/skyscale, tmpfs size limit, no network but lo (host listeners
# unreachable), a working 127.0.0.1 TCP/HTTP server inside, and the memory limit (a
# sandbox allocating past it must die), and times sandbox start -> first reply.
#
# Platforms tried in order: $SKYSCALE_GVISOR_PLATFORMS (default "systrap ptrace"; kvm
# hangs on these machines). Overlay flags tried in order: --overlay2=none,
# --overlay2=root:memory, none at all (runsc versions differ).
#
# stdout: key=value lines (runsc, version, platform, flags, timings); progress on stderr.
# Exits non-zero with a message if gVisor does not work. Cleans up every sandbox, state
# dir and cgroup it made. Env: SKYSCALE_GVISOR_TIMING_RUNS (default 5),
# SKYSCALE_GVISOR_SKIP_MEMTEST=1, SKYSCALE_GVISOR_SAVE_CONFIG=FILE (copy of the probe's
# config.json).
set -euo pipefail
# shellcheck source=scripts/lib/cache-paths.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/cache-paths.sh"

RUNSC="${1:-$SKYSCALE_RUNSC}"
ROOTFS="${2:-$SKYSCALE_ROOTFS}"

[[ $(id -u) -eq 0 ]] || skyscale_die "gvisor: runsc needs root here (no --rootless setup)"
[[ -x "$RUNSC" ]] || skyscale_die "gvisor: no runsc at $RUNSC (run scripts/setup/runsc.sh)"
"$RUNSC" --version >/dev/null 2>&1 || skyscale_die "gvisor: $RUNSC --version fails"
[[ -x "$ROOTFS/usr/bin/python3" ]] || skyscale_die "gvisor: no python3 in rootfs $ROOTFS (run scripts/setup/rootfs.sh)"
command -v python3 >/dev/null || skyscale_die "gvisor: host python3 missing (run scripts/setup/system-packages.sh)"

WORK=$(mktemp -d /tmp/skyscale-gvisor-check.XXXXXX)
CGROUP_PARENT="skyscale-check-${WORK##*.}"

cleanup() {
  local id pid
  # Sandboxes still known to runsc (normally none: `runsc run` deletes on exit).
  if [[ -d "$WORK/state" ]]; then
    for id in $("$RUNSC" --root="$WORK/state" list -quiet 2>/dev/null || true); do
      timeout 20 "$RUNSC" --root="$WORK/state" delete -force "$id" >/dev/null 2>&1 || true
    done
  fi
  # Any runsc process (sandbox, gofer) of ours: their command lines name our WORK dir.
  for pid in $(pgrep -f -- "--root=$WORK/state" 2>/dev/null || true); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
  # runsc removes a sandbox's cgroup when it ends normally, but not the parent we named,
  # nor the sandbox's own when the start failed: remove both, leaves first.
  find /sys/fs/cgroup -maxdepth 6 -type d -name "$CGROUP_PARENT" 2>/dev/null |
    while IFS= read -r d; do
      find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 - "$RUNSC" "$ROOTFS" "$WORK" "$CGROUP_PARENT" <<'PY'
import json, os, queue, socket, statistics, subprocess, sys, threading, time

runsc, rootfs, work, cgparent = sys.argv[1:5]
rootfs = os.path.realpath(rootfs)  # name the immutable hashed dir, not the symlink
PLATFORMS = os.environ.get("SKYSCALE_GVISOR_PLATFORMS", "systrap ptrace").split()
OVERLAYS = [["--overlay2=none"], ["--overlay2=root:memory"], []]
RUNS = int(os.environ.get("SKYSCALE_GVISOR_TIMING_RUNS", "5"))
MEM_LIMIT = 256 << 20
state = os.path.join(work, "state")
hostdir = os.path.join(work, "opt-skyscale")  # bind-mounted read-only at /opt/skyscale
os.makedirs(hostdir)
seq = 0


def log(msg):
    print("[setup] gvisor: " + msg, file=sys.stderr, flush=True)


def die(msg):
    log("ERROR: " + msg)
    sys.exit(1)


version = subprocess.run([runsc, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
log(f"checking {runsc} ({version}) with rootfs {rootfs}")

with open(os.path.join(hostdir, "hello.txt"), "w") as f:
    f.write("hello from the host\n")
with open(os.path.join(hostdir, "probe.py"), "w") as f:
    f.write(r'''
import errno, json, os, socket, sys, threading
mode = sys.argv[1]
line = sys.stdin.readline()
print("echo:" + line.strip(), flush=True)
if mode == "echo":
    sys.exit(0)
if mode == "rootwrite":  # run as uid 0: only the read-only mounts can refuse
    res = {}
    for p in ("/probe", "/etc/probe", "/opt/skyscale/probe"):
        try:
            open(p, "w").close()
            res[p] = "ok"
        except OSError as e:
            res[p] = errno.errorcode.get(e.errno, e.errno)
    print("result:" + json.dumps(res), flush=True)
    sys.exit(0)
if mode == "alloc":
    chunks = []
    for i in range(1, int(sys.argv[2]) // 16 + 1):
        chunks.append(b"\x01" * (16 << 20))  # touched, so really committed
        print("alloc:%d" % (i * 16), flush=True)
    print("alloc:done", flush=True)
    sys.exit(0)

def attempt(fn):
    try:
        return {"ok": True, "value": fn()}
    except OSError as e:
        return {"ok": False, "errno": errno.errorcode.get(e.errno, e.errno), "error": str(e)}

def write(path):
    with open(path, "w") as f:
        return f.write("x")

def connect(host, port):
    s = socket.create_connection((host, port), timeout=3)
    s.close()
    return "connected"

def fill(path, limit_mib=100):
    n = 0
    try:
        with open(path, "wb") as f:
            for n in range(1, limit_mib + 1):
                f.write(b"\0" * (1 << 20))
                f.flush()
        return {"mib": n, "errno": None}
    except OSError as e:
        return {"mib": n - 1, "errno": errno.errorcode.get(e.errno, e.errno)}
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass

def loopback_http():
    import http.client, http.server
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"pong"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *a):
            pass
    srv = http.server.HTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.handle_request, daemon=True).start()
    c = http.client.HTTPConnection("127.0.0.1", srv.server_address[1], timeout=5)
    c.request("GET", "/")
    r = c.getresponse()
    return "%d %s" % (r.status, r.read().decode())

port, host_ip = int(sys.argv[2]), sys.argv[3]
st = lambda p: round(os.statvfs(p).f_blocks * os.statvfs(p).f_frsize / 2**20)
r = {
    "uid": os.getuid(), "gid": os.getgid(),
    "write_tmp": attempt(lambda: write("/tmp/probe")),
    "write_var_task": attempt(lambda: write("/var/task/probe")),
    "write_root": attempt(lambda: write("/probe")),
    "write_etc": attempt(lambda: write("/etc/probe")),
    "read_opt": attempt(lambda: open("/opt/skyscale/hello.txt").read().strip()),
    "write_opt": attempt(lambda: write("/opt/skyscale/probe")),
    "tmp_size_mib": st("/tmp"), "var_task_size_mib": st("/var/task"),
    "fill_var_task": fill("/var/task/fill"),
    "interfaces": sorted(n for _, n in socket.if_nameindex()),
    "connect_host_loopback": attempt(lambda: connect("127.0.0.1", port)),
    "connect_host_ip": attempt(lambda: connect(host_ip, port)) if host_ip else None,
    "loopback_http": attempt(loopback_http),
    "mounts": [l.strip() for l in open("/proc/mounts")
               if l.split()[1] in ("/", "/tmp", "/var/task", "/opt/skyscale")],
    "mem_total": [l.split(None, 1)[1].strip() for l in open("/proc/meminfo") if l.startswith("MemTotal")][0],
}
print("result:" + json.dumps(r), flush=True)
''')


def config(args, cgroup_id, uid=65534):
    """The OCI config Skyscale's gVisor driver uses (see docs/gvisor.md)."""
    return {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": uid, "gid": uid},
            "args": args,
            "env": [
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "LANG=C.UTF-8",
                "HOME=/tmp",
                "PYTHONDONTWRITEBYTECODE=1",
            ],
            "cwd": "/var/task",
            "capabilities": {k: [] for k in ("bounding", "effective", "inheritable", "permitted", "ambient")},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
            "noNewPrivileges": True,
        },
        "root": {"path": rootfs, "readonly": True},
        "hostname": "skyscale",
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc"},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "nodev", "mode=1777", "size=64m"]},
            {"destination": "/var/task", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "nodev", "mode=1777", "size=64m"]},
            {"destination": "/opt/skyscale", "type": "bind", "source": hostdir,
             "options": ["rbind", "ro"]},
        ],
        "linux": {
            "namespaces": [{"type": t} for t in ("pid", "ipc", "uts", "mount", "network")],
            "resources": {"memory": {"limit": MEM_LIMIT}},
            # relative: nested under runsc's own cgroup (per v1 controller)
            "cgroupsPath": f"{cgparent}/{cgroup_id}",
        },
    }


def reader(stream, q):
    for line in iter(stream.readline, b""):
        q.put(line.decode(errors="replace"))
    q.put(None)


def run(flags, args, timeout=30.0, uid=65534):
    """runsc run in the foreground, stdio as pipes. Returns a dict with rc, stdout lines,
    stderr text, t_first (start -> first stdout line, s) and t_exit."""
    global seq
    seq += 1
    sid = f"skyscale-check-{os.getpid()}-{seq}"
    bundle = os.path.join(work, "bundle-" + sid)
    os.makedirs(bundle)
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(config(args, sid, uid), f, indent=2)
    cmd = [runsc, f"--root={state}", *flags, "run", "--bundle", bundle, sid]
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    qo, qe = queue.Queue(), queue.Queue()
    threading.Thread(target=reader, args=(p.stdout, qo), daemon=True).start()
    threading.Thread(target=reader, args=(p.stderr, qe), daemon=True).start()
    p.stdin.write(b"ping\n")
    p.stdin.flush()
    lines, t_first, timed_out = [], None, False
    deadline = t0 + timeout
    while True:
        try:
            line = qo.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            timed_out = True
            break
        if line is None:
            break
        if t_first is None:
            t_first = time.monotonic() - t0
        lines.append(line.rstrip("\n"))
    try:
        p.stdin.close()
    except OSError:
        pass
    if timed_out:
        p.kill()
    try:
        rc = p.wait(timeout=max(1.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
        timed_out = True
    t_exit = time.monotonic() - t0
    err = []
    while True:
        try:
            e = qe.get(timeout=1)
        except queue.Empty:
            break
        if e is None:
            break
        err.append(e)
    # `runsc run` deletes the container when it exits; make sure after a kill/timeout.
    subprocess.run([runsc, f"--root={state}", "delete", "-force", sid],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    return {"rc": rc, "lines": lines, "stderr": "".join(err), "t_first": t_first,
            "t_exit": t_exit, "timed_out": timed_out}


def err_line(res):
    if res["timed_out"]:
        return "timed out"
    errs = [l.strip() for l in res["stderr"].splitlines() if l.strip()]
    return (errs[-1] if errs else f"exit {res['rc']}, stdout {res['lines'][:2]}")[:300]


# ---- 1. find platform + overlay flags -----------------------------------------------
chosen = None
for plat in PLATFORMS:
    for ov in OVERLAYS:
        flags = [f"--platform={plat}", "--network=none", *ov]
        res = run(flags, ["python3", "/opt/skyscale/probe.py", "echo"], timeout=30)
        if res["rc"] == 0 and res["lines"][:1] == ["echo:ping"]:
            log(f"works: {' '.join(flags)} (start -> first reply {res['t_first']*1000:.0f} ms)")
            chosen = flags
            break
        msg = err_line(res)
        log(f"fails: {' '.join(flags)}: {msg}")
        if "overlay" not in msg:
            break  # not an overlay-flag problem: next platform
    if chosen:
        break
if not chosen:
    die(f"gVisor does not work with {runsc} on any of: {' '.join(PLATFORMS)}")

# ---- 2. the full probe -----------------------------------------------------------
host_ip = ""
try:
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"],
                         capture_output=True, text=True).stdout.split()
    host_ip = out[out.index("inet") + 1].split("/")[0] if "inet" in out else ""
except (OSError, ValueError):
    pass
listeners = []
lo = socket.socket()
lo.bind(("127.0.0.1", 0))
lo.listen(8)
port = lo.getsockname()[1]
listeners.append(lo)
if host_ip:
    try:
        s = socket.socket()
        s.bind((host_ip, port))
        s.listen(8)
        listeners.append(s)
    except OSError:
        host_ip = ""
res = run(chosen, ["python3", "/opt/skyscale/probe.py", "full", str(port), host_ip], timeout=60)
if os.environ.get("SKYSCALE_GVISOR_SAVE_CONFIG"):  # keep the probe's config.json for reference
    with open(os.environ["SKYSCALE_GVISOR_SAVE_CONFIG"], "w") as f:
        json.dump(config(["python3", "/opt/skyscale/probe.py", "full", str(port), host_ip],
                         f"skyscale-check-{os.getpid()}-{seq}"), f, indent=2)
accepted = 0
for s in listeners:
    s.setblocking(False)
    try:
        s.accept()[0].close()
        accepted += 1
    except BlockingIOError:
        pass
    s.close()
result = next((json.loads(l[7:]) for l in res["lines"] if l.startswith("result:")), None)
if res["rc"] != 0 or result is None:
    die(f"probe sandbox failed: {err_line(res)}\n{res['stderr'][-2000:]}")

failed = []


def check(name, ok, detail):
    log(f"{'PASS' if ok else 'FAIL'} {name}: {detail}")
    if not ok:
        failed.append(name)


def errno_of(a):
    return "ok" if a["ok"] else a["errno"]


check("stdin->stdout", res["lines"][:1] == ["echo:ping"], f"first line {res['lines'][:1]}")
check("non-root user", result["uid"] == 65534 and result["gid"] == 65534,
      f"uid={result['uid']} gid={result['gid']}")
check("/tmp writable", result["write_tmp"]["ok"], errno_of(result["write_tmp"]))
check("/var/task writable", result["write_var_task"]["ok"], errno_of(result["write_var_task"]))
check("/ read-only", not result["write_root"]["ok"], f"write /probe: {errno_of(result['write_root'])}")
check("/etc read-only", not result["write_etc"]["ok"], f"write /etc/probe: {errno_of(result['write_etc'])}")
check("/opt/skyscale bind readable", result["read_opt"].get("value") == "hello from the host",
      str(result["read_opt"].get("value", result["read_opt"])))
check("/opt/skyscale read-only", not result["write_opt"]["ok"], errno_of(result["write_opt"]))
fv = result["fill_var_task"]
check("tmpfs size=64m enforced", fv["errno"] == "ENOSPC" and fv["mib"] <= 64,
      f"statvfs /tmp {result['tmp_size_mib']} MiB, /var/task {result['var_task_size_mib']} MiB; "
      f"filling /var/task stopped at {fv['mib']} MiB with {fv['errno']}")
check("no network but lo", result["interfaces"] == ["lo"], f"interfaces {result['interfaces']}")
check("host 127.0.0.1 listener unreachable", not result["connect_host_loopback"]["ok"],
      errno_of(result["connect_host_loopback"]))
if result["connect_host_ip"] is not None:
    check(f"host {host_ip} listener unreachable", not result["connect_host_ip"]["ok"],
          errno_of(result["connect_host_ip"]))
check("host listeners got no connection", accepted == 0, f"{accepted} accepted")
check("127.0.0.1 HTTP server inside", result["loopback_http"].get("value") == "200 pong",
      str(result["loopback_http"].get("value", result["loopback_http"])))
res = run(chosen, ["python3", "/opt/skyscale/probe.py", "rootwrite"], timeout=30, uid=0)
rw = next((json.loads(l[7:]) for l in res["lines"] if l.startswith("result:")), {})
check("read-only even for uid 0", bool(rw) and all(v == "EROFS" for v in rw.values()),
      ", ".join(f"{k}: {v}" for k, v in rw.items()) or err_line(res))
for m in result["mounts"]:
    log(f"  mount: {m}")
log(f"  MemTotal inside: {result['mem_total']}")

# ---- 3. memory limit -------------------------------------------------------------
if os.environ.get("SKYSCALE_GVISOR_SKIP_MEMTEST") != "1":
    res = run(chosen, ["python3", "/opt/skyscale/probe.py", "alloc", "768"], timeout=60)
    got = [int(l[6:]) for l in res["lines"] if l.startswith("alloc:") and l[6:].isdigit()]
    done = "alloc:done" in res["lines"]
    check(f"memory limit {MEM_LIMIT >> 20} MiB kills the sandbox",
          not done and res["rc"] != 0 and not res["timed_out"],
          f"allocated {got[-1] if got else 0} MiB of 768, runsc exit {res['rc']}"
          + (" (timed out)" if res["timed_out"] else "") + "; runsc stderr: " + (res["stderr"].strip()[-200:] or "(empty)"))

# ---- 4. timing -------------------------------------------------------------------
firsts, exits = [], []
for _ in range(RUNS):
    res = run(chosen, ["python3", "/opt/skyscale/probe.py", "echo"], timeout=30)
    if res["rc"] != 0 or res["lines"][:1] != ["echo:ping"]:
        die(f"timing run failed: {err_line(res)}")
    firsts.append(res["t_first"] * 1000)
    exits.append(res["t_exit"] * 1000)
if firsts:
    log("start -> first reply (ms): " + " ".join(f"{x:.0f}" for x in firsts)
        + f"; median {statistics.median(firsts):.0f}; run -> exit median {statistics.median(exits):.0f}")

if failed:
    die("gVisor check failed: " + ", ".join(failed))
platform = chosen[0].split("=", 1)[1]
log(f"OK: {runsc} ({version}) works with: {' '.join(chosen)}")
print(f"runsc={runsc}")
print(f"runsc_version={version}")
print(f"platform={platform}")
print(f"flags={' '.join(chosen)}")
if firsts:
    print(f"start_to_first_reply_ms_median={statistics.median(firsts):.0f}")
PY
