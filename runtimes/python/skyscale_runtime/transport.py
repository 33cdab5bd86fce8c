# The built-in runtime channel (contracts/agent-protocol.md, "Built-in runtime
# channel"): two pipes from the agent (events in, answers out) carrying frames in the
# host protocol's framing: u32 header length, u32 body length (big-endian), a JSON
# header object with a string "type", the raw body. A prestarted runtime gets its
# function here too, so the built-in runtime needs no HTTP at all. Inside gVisor the
# HTTP hop costs more than the handler itself.

import json
import os
import sys

MIN_HEADER, MAX_HEADER = 2, 4 << 20
MAX_BODY = 512 << 20
READ_SIZE = 256 * 1024
DIRECT_BODY = 65536  # bodies under this go out in the same write as the header


class ConnectionDropped(Exception):
    """The agent closed its end (of the pipe, or of an HTTP connection) before a
    complete frame or response arrived."""


class ProtocolError(Exception):
    """The agent sent something that is not a frame of the contract."""


def encode_head(header, body_len):
    """The frame's prefix and header; the body follows as it is."""
    head = json.dumps(header).encode("utf-8")
    return len(head).to_bytes(4, "big") + body_len.to_bytes(4, "big") + head


def parse_prefix(prefix):
    """(header length, body length) from the 8-byte prefix, checked."""
    header_len = int.from_bytes(prefix[:4], "big")
    body_len = int.from_bytes(prefix[4:], "big")
    if not MIN_HEADER <= header_len <= MAX_HEADER:
        raise ProtocolError("header length %d out of range" % header_len)
    if body_len > MAX_BODY:
        raise ProtocolError("body length %d out of range" % body_len)
    return header_len, body_len


def parse_header(raw):
    try:
        header = json.loads(raw)
    except ValueError:
        raise ProtocolError("frame header is not JSON") from None
    if type(header) is not dict or type(header.get("type")) is not str:
        raise ProtocolError("frame header is not a JSON object with a string type")
    return header


class PipeTransport:
    """The runtime's end of the channel. Blocking reads: the runtime has nothing
    else to do while it waits for the agent."""

    def __init__(self, events_fd, answers_fd):
        self.rfd, self.wfd = events_fd, answers_fd
        self.buf = bytearray()
        # Reads land in this reusable buffer: os.read(fd, 256 KiB) would mmap a
        # fresh 256 KiB bytes object, mremap it down and munmap it, three
        # syscalls per event on top of the read (each one a gVisor trap).
        self.rbuf = bytearray(READ_SIZE)
        self.announced = False
        # the CPU time (ms) the process had used at its last answer (or at the end of
        # init): each answer reports the difference, from the getrusage it makes anyway
        self.cpu_mark = None

    @staticmethod
    def open(spec):
        """From SKYSCALE_RUNTIME_PIPE ("3,4"); None if the fds are not there."""
        try:
            rfd, wfd = (int(x) for x in spec.split(","))
            for fd in (rfd, wfd):
                os.fstat(fd)
                os.set_inheritable(fd, False)  # not for the user's subprocesses
        except (ValueError, OSError):
            return None
        return PipeTransport(rfd, wfd)

    def send(self, header, body=b""):
        data = encode_head(header, len(body))
        if len(body) < DIRECT_BODY:
            data += body
            body = b""
        for chunk in (data, body):
            view = memoryview(chunk)
            while view:
                view = view[os.write(self.wfd, view):]

    def _read_exactly(self, n):
        while len(self.buf) < n:
            rbuf = self.rbuf
            if len(rbuf) < n - len(self.buf):  # a big event: one read for all of it
                rbuf = bytearray(n - len(self.buf))
            got = os.readv(self.rfd, [rbuf])
            if not got:
                raise ConnectionDropped()
            self.buf += memoryview(rbuf)[:got]
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def read_frame(self):
        """The next frame from the agent: (header dict, body bytes)."""
        header_len, body_len = parse_prefix(self._read_exactly(8))
        header = parse_header(self._read_exactly(header_len))
        return header, self._read_exactly(body_len)

    def _expect(self, frame_type):
        header, body = self.read_frame()
        if header["type"] != frame_type:
            raise ProtocolError("expected %s from the agent, got %s" % (frame_type, header["type"]))
        return header, body

    def await_assignment(self):
        """Prestart: say this runtime is loaded and waiting, then take the
        function the agent assigns (the `assignment` header)."""
        self.send({"type": "prestarted"})
        return self._expect("assignment")[0]

    def next(self):
        """The next invocation as (Runtime API style headers, event bytes)."""
        if not self.announced:  # init is over: the agent reports it now
            self.cpu_mark = usage()[1]
            self.send({"type": "next"})
            self.announced = True
        header, body = self._expect("invoke")
        headers = {
            "lambda-runtime-aws-request-id": header.get("requestId", ""),
            "lambda-runtime-deadline-ms": str(header.get("deadlineMs", "")),
            "lambda-runtime-invoked-function-arn": header.get("invokedFunctionArn", ""),
            "lambda-runtime-trace-id": header.get("traceId", ""),
        }
        if header.get("clientContext"):
            headers["lambda-runtime-client-context"] = header["clientContext"]
        return headers, body

    def answer(self, request_id, result, error):
        header = {"type": "response" if error is None else "error", "requestId": request_id}
        if error is not None:
            header["errorType"] = error["errorType"]
        header["maxRssKb"], cpu_ms = usage()
        if cpu_ms is not None and self.cpu_mark is not None:
            header["cpuMs"] = round(max(0.0, cpu_ms - self.cpu_mark), 3)
        self.cpu_mark = cpu_ms
        self.send(header, result if error is None else json.dumps(error).encode("utf-8"))

    def init_error(self, error):
        self.send({"type": "init_error", "errorType": error["errorType"]},
                  json.dumps(error).encode("utf-8"))


def usage():
    """(peak RSS in kB, CPU time user+system in ms) of the runtime from one
    getrusage: (0, None) when unknown. Cheaper than the agent reading
    /proc/<pid>/status, which gVisor renders in full. The CPU time is the
    process's, so it includes the runtime's own work around the handler (reading
    the event, writing the answer)."""
    resource = sys.modules.get("resource")
    if resource is None:
        return 0, None
    try:
        ru = resource.getrusage(resource.RUSAGE_SELF)
    except OSError:
        return 0, None
    return ru.ru_maxrss, (ru.ru_utime + ru.ru_stime) * 1000.0
