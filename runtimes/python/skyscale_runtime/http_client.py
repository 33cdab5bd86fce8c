# The Lambda Runtime API over HTTP: the built-in runtime's fallback when the agent
# gives it no pipe (or when it is run against another Runtime API server by hand).
# Imported only then. http.client is not used: importing it costs ~20 ms (email, ssl,
# ...) on Debian's python3.11, more than the interpreter's own start, so a small
# HTTP/1.1 client over _socket (socket.py would add ~3 ms of enum/selectors) speaks to
# the Runtime API instead.

import json
import sys

import _socket

from .transport import ConnectionDropped

API_PREFIX = "/2018-06-01/runtime"
NEXT_PATH = API_PREFIX + "/invocation/next"
INIT_ERROR_PATH = API_PREFIX + "/init/error"
ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
RECV_SIZE = 256 * 1024


def open_connection(address):
    """Connect to "host:port" with TCP_NODELAY set.

    Without TCP_NODELAY a request written after a small response waits for the
    peer's delayed ACK (Nagle): ~40 ms per invocation instead of <1 ms.
    """
    host, _, port = address.rpartition(":")
    # bytes, because a str host makes getaddrinfo import the idna codec (~1 ms).
    host = (host.strip("[]") or "127.0.0.1").encode("ascii")
    last_error = OSError("no address for %r" % address)
    for family, type_, proto, _, sockaddr in _socket.getaddrinfo(
        host, int(port), 0, _socket.SOCK_STREAM
    ):
        sock = _socket.socket(family, type_, proto)
        try:
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
            sock.connect(sockaddr)
            return sock
        except OSError as e:
            sock.close()
            last_error = e
    raise last_error


class RuntimeAPIClient:
    """One persistent HTTP/1.1 connection to the Runtime API.

    Handles Content-Length, chunked and close-delimited bodies, which is all a
    Runtime API server (the Go agent, or a test's http.server) sends.
    """

    def __init__(self, address):
        self.address = address
        self.sock = None
        self.buf = bytearray()

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None
        self.buf = bytearray()

    def request(self, method, path, body=b"", headers=None):
        """Send one request; returns (status, headers, body).

        A dropped connection (the server closed an idle keep-alive, or restarted)
        is retried once on a new connection.
        """
        head = "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n" % (
            method, path, self.address, len(body))
        for name, value in (headers or {}).items():
            head += "%s: %s\r\n" % (name, value)
        data = head.encode("latin-1", "replace") + b"\r\n" + body
        for attempt in (1, 2):
            try:
                if self.sock is None:
                    self.sock = open_connection(self.address)
                self.sock.sendall(data)
                return self._read_response()
            except (OSError, ConnectionDropped):
                self.close()
                if attempt == 2:
                    raise

    def _fill(self):
        chunk = self.sock.recv(RECV_SIZE)
        if not chunk:
            raise ConnectionDropped()
        self.buf += chunk

    def _readline(self):
        while True:
            end = self.buf.find(b"\n")
            if end >= 0:
                line = bytes(self.buf[:end + 1])
                del self.buf[:end + 1]
                return line
            self._fill()

    def _read_exactly(self, n):
        while len(self.buf) < n:
            self._fill()
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def _read_until_close(self):
        try:
            while True:
                self._fill()
        except ConnectionDropped:
            pass
        return bytes(self.buf)

    def _read_chunked(self):
        parts = []
        while True:
            size = int(self._readline().split(b";", 1)[0], 16)
            if size == 0:
                break
            parts.append(self._read_exactly(size))
            self._readline()  # CRLF after the chunk
        while self._readline().strip():  # trailers, up to the blank line
            pass
        return b"".join(parts)

    def _read_response(self):
        status_line = self._readline().split(None, 2)
        version, status = status_line[0], int(status_line[1])
        headers = {}
        while True:
            line = self._readline()
            if not line.strip():
                break
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()

        connection = headers.get("connection", "").lower()
        keep_alive = (connection != "close" if version == b"HTTP/1.1"
                      else connection == "keep-alive")
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._read_chunked()
        elif "content-length" in headers:
            body = self._read_exactly(int(headers["content-length"]))
        elif status in (204, 304):
            body = b""
        else:
            body = self._read_until_close()
            keep_alive = False
        if not keep_alive:
            self.close()
        return status, headers, body


class HTTPTransport:
    """Invocations over the Lambda Runtime API (any Runtime API server)."""

    def __init__(self, address):
        self.client = RuntimeAPIClient(address)

    def next(self):
        status, headers, body = self.client.request("GET", NEXT_PATH)
        if status != 200:
            raise RuntimeError("GET %s answered %d: %r" % (NEXT_PATH, status, body[:200]))
        return headers, body

    def answer(self, request_id, result, error):
        path = "%s/invocation/%s/" % (API_PREFIX, request_id)
        if error is None:
            status, _, body = self.client.request("POST", path + "response", result,
                                                  {"Content-Type": "application/json"})
        else:
            status, _, body = self.client.request(
                "POST", path + "error", json.dumps(error).encode("utf-8"),
                {"Content-Type": "application/json", ERROR_TYPE_HEADER: error["errorType"]})
        if status >= 300:
            # The agent reports what went wrong (e.g. 413 too large); keep serving.
            sys.stderr.write("[skyscale] runtime API answered %d to %s: %s\n"
                             % (status, request_id, body[:200].decode("utf-8", "replace")))

    def init_error(self, error):
        self.client.request("POST", INIT_ERROR_PATH, json.dumps(error).encode("utf-8"),
                            {"Content-Type": "application/json",
                             ERROR_TYPE_HEADER: error["errorType"]})
