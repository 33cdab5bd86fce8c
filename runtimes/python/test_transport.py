# Tests for the runtime's end of the agent's pipe (skyscale_runtime/transport.py):
# its framing against the contract's vectors, partial and large reads, the end of the
# stream, and every header it sends against the contract's schema.
# Run from the repo root: python3 -m unittest discover -s runtimes/python -p 'test_*.py'

import json
import os
import threading
import unittest

from skyscale_runtime.transport import (ConnectionDropped, PipeTransport, ProtocolError,
                                        READ_SIZE)

CONTRACTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "contracts")


def load_contract(name):
    with open(os.path.join(CONTRACTS, name)) as f:
        return json.load(f)


SCHEMA = load_contract("agent-protocol.schema.json")
VECTORS = load_contract("agent-protocol.vectors.json")

JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is(value, type_name):
    if type_name in ("integer", "number"):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return type_name == "number" or isinstance(value, int) or value.is_integer()
    return isinstance(value, JSON_TYPES[type_name])


def _check(schema, value, at, problems):
    for keyword, rule in schema.items():
        if keyword in ("description", "title", "$schema", "$id", "$defs"):
            continue
        if keyword == "$ref":
            _check(SCHEMA["$defs"][rule[len("#/$defs/"):]], value, at, problems)
        elif keyword == "type":
            if not any(_is(value, t) for t in (rule if isinstance(rule, list) else [rule])):
                problems.append("%s is %r, want type %s" % (at, value, rule))
        elif keyword == "const":
            if value != rule or isinstance(value, bool) != isinstance(rule, bool):
                problems.append("%s is %r, want %r" % (at, value, rule))
        elif keyword == "enum":
            if value not in rule:
                problems.append("%s is %r, want one of %r" % (at, value, rule))
        elif keyword == "required":
            if isinstance(value, dict):
                problems.extend("%s lacks %r" % (at, f) for f in rule if f not in value)
        elif keyword in ("properties", "additionalProperties"):
            if not isinstance(value, dict) or (keyword == "additionalProperties"
                                               and "properties" in schema):
                continue  # "properties" handles both
            props = schema.get("properties", {})
            extra = schema.get("additionalProperties")
            for field, item in value.items():
                if field in props:
                    _check(props[field], item, at + "." + field, problems)
                elif isinstance(extra, dict):
                    _check(extra, item, at + "." + field, problems)
                else:
                    problems.append("%s has %r, which the schema does not list" % (at, field))
        elif keyword == "items":
            if isinstance(value, list):
                for i, item in enumerate(value):
                    _check(rule, item, "%s[%d]" % (at, i), problems)
        else:
            problems.append("the schema uses %r, which this checker does not implement" % keyword)


def schema_check(name, value):
    """Check a header against contracts/agent-protocol.schema.json's $defs[name]
    with the few keywords it uses. Strict: every field sent must be listed."""
    if name not in SCHEMA["$defs"]:
        raise AssertionError("the schema has no message %r (got %r)" % (name, value))
    problems = []
    _check(SCHEMA["$defs"][name], value, name, problems)
    if problems:
        raise AssertionError("; ".join(problems))


class Pipes:
    """A PipeTransport wired to this test: `agent` writes what the runtime
    reads, `answers` reads what it sends."""

    def __init__(self, test):
        events_r, self.agent = os.pipe()
        self.answers, answers_w = os.pipe()
        self.transport = PipeTransport(events_r, answers_w)
        for fd in (events_r, self.agent, self.answers, answers_w):
            test.addCleanup(self._close, fd)

    @staticmethod
    def _close(fd):
        try:
            os.close(fd)
        except OSError:
            pass

    def write(self, data):
        view = memoryview(data)
        while view:
            view = view[os.write(self.agent, view):]

    def write_later(self, data):
        """Write from a thread: for more than a pipe holds."""
        thread = threading.Thread(target=self.write, args=(data,), daemon=True)
        thread.start()
        return thread

    def sent(self):
        """The frames the runtime sent so far, as (header, body)."""
        os.set_blocking(self.answers, False)
        data = b""
        try:
            while True:
                data += os.read(self.answers, 1 << 20)
        except BlockingIOError:
            pass
        frames = []
        while data:
            h, b = int.from_bytes(data[:4], "big"), int.from_bytes(data[4:8], "big")
            frames.append((json.loads(data[8:8 + h]), data[8 + h:8 + h + b]))
            data = data[8 + h + b:]
        return frames


def frame(header, body=b""):
    head = json.dumps(header).encode()
    return len(head).to_bytes(4, "big") + len(body).to_bytes(4, "big") + head + body


class FramingTests(unittest.TestCase):
    def test_contract_vectors_decode(self):
        for vector in VECTORS["valid"]:
            with self.subTest(vector["name"]):
                pipes = Pipes(self)
                pipes.write(bytes.fromhex(vector["frameHex"]))
                header, body = pipes.transport.read_frame()
                self.assertEqual(header, vector["header"])
                self.assertEqual(body.hex(), vector["bodyHex"])

    def test_contract_vectors_refused(self):
        for vector in VECTORS["invalid"]:
            with self.subTest(vector["name"]):
                pipes = Pipes(self)
                pipes.write(bytes.fromhex(vector["frameHex"]))
                os.close(pipes.agent)  # a decoder waiting for more would see the end
                with self.assertRaises(ProtocolError):
                    pipes.transport.read_frame()

    def test_contract_vectors_encode(self):
        for vector in VECTORS["valid"]:
            with self.subTest(vector["name"]):
                pipes = Pipes(self)
                pipes.transport.send(vector["header"], bytes.fromhex(vector["bodyHex"]))
                [(header, body)] = pipes.sent()
                self.assertEqual(header, vector["header"])
                self.assertEqual(body.hex(), vector["bodyHex"])

    def test_frames_arriving_in_pieces(self):
        pipes = Pipes(self)
        data = frame({"type": "invoke", "requestId": "a"}, b"first") + frame({"type": "invoke"})
        reader = []
        thread = threading.Thread(target=lambda: reader.extend(
            [pipes.transport.read_frame(), pipes.transport.read_frame()]), daemon=True)
        thread.start()
        for i in range(len(data)):  # one byte per write: every split there is
            pipes.write(data[i:i + 1])
        thread.join(10)
        self.assertEqual(reader, [({"type": "invoke", "requestId": "a"}, b"first"),
                                  ({"type": "invoke"}, b"")])

    def test_an_event_larger_than_the_read_buffer(self):
        pipes = Pipes(self)
        event = os.urandom(3 * READ_SIZE + 5)
        thread = pipes.write_later(frame({"type": "invoke", "requestId": "big"}, event))
        header, body = pipes.transport.read_frame()
        thread.join(10)
        self.assertEqual((header["requestId"], body), ("big", event))

    def test_the_agent_closing_its_end(self):
        for written in (b"", frame({"type": "invoke"}, b"cut short")[:-3]):
            with self.subTest(len(written)):
                pipes = Pipes(self)
                pipes.write(written)
                os.close(pipes.agent)
                with self.assertRaises(ConnectionDropped):
                    pipes.transport.read_frame()


class ConversationTests(unittest.TestCase):
    """What the runtime says and expects, checked against the contract."""

    def test_invocation_round(self):
        pipes = Pipes(self)
        pipes.write(frame({"type": "invoke", "requestId": "r-1", "deadlineMs": 1763900000000,
                           "invokedFunctionArn": "arn", "traceId": "Root=1-x",
                           "clientContext": '{"custom":{}}'}, b'{"n":1}'))
        headers, body = pipes.transport.next()
        self.assertEqual(body, b'{"n":1}')
        self.assertEqual(headers, {
            "lambda-runtime-aws-request-id": "r-1", "lambda-runtime-deadline-ms": "1763900000000",
            "lambda-runtime-invoked-function-arn": "arn", "lambda-runtime-trace-id": "Root=1-x",
            "lambda-runtime-client-context": '{"custom":{}}'})
        pipes.transport.answer("r-1", b'{"ok":true}', None)
        error = {"errorMessage": "no", "errorType": "ValueError", "stackTrace": []}
        pipes.transport.answer("r-1", None, error)
        pipes.transport.init_error(dict(error, errorType="Runtime.ImportModuleError"))
        sent = pipes.sent()
        self.assertEqual([h["type"] for h, _ in sent], ["next", "response", "error", "init_error"])
        self.assertEqual(sent[1][1], b'{"ok":true}')
        self.assertEqual(json.loads(sent[2][1]), error)
        self.assertEqual(sent[2][0]["errorType"], "ValueError")
        for header, _ in sent:
            schema_check("runtime-to-agent." + header["type"], header)

    def test_answers_report_the_cpu_time_used_since_the_last_one(self):
        import resource  # noqa: F401  (usage() reads it only once the runtime has loaded it)
        pipes = Pipes(self)
        for i in range(2):
            pipes.write(frame({"type": "invoke", "requestId": str(i)}))
            pipes.transport.next()
            spent = 0
            for n in range(300000 * (i + 1)):  # work the CPU, more the second time
                spent += n * n
            pipes.transport.answer(str(i), b"1", None)
        answers = [h for h, _ in pipes.sent() if h["type"] == "response"]
        self.assertEqual(len(answers), 2)
        for header in answers:
            schema_check("runtime-to-agent.response", header)
            self.assertGreater(header["cpuMs"], 0)
            self.assertGreater(header["maxRssKb"], 0)
        # a delta, not the process's running total: the first does not hold the second
        total = (resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime) * 1000
        self.assertLess(answers[0]["cpuMs"] + answers[1]["cpuMs"], total)

    def test_next_is_said_once(self):
        pipes = Pipes(self)
        for i in range(3):
            pipes.write(frame({"type": "invoke", "requestId": str(i)}))
            pipes.transport.next()
        self.assertEqual([h["type"] for h, _ in pipes.sent()], ["next"])

    def test_prestarted_then_assignment(self):
        pipes = Pipes(self)
        assignment = {"type": "assignment", "handler": "h.h", "taskRoot": "/var/task",
                      "env": {"K": "v"}, "rlimitAsBytes": 1 << 30}
        schema_check("agent-to-runtime.assignment", assignment)
        pipes.write(frame(assignment))
        self.assertEqual(pipes.transport.await_assignment(), assignment)
        [(header, _)] = pipes.sent()
        self.assertEqual(header, {"type": "prestarted"})
        schema_check("runtime-to-agent.prestarted", header)

    def test_an_unexpected_frame_is_a_protocol_error(self):
        pipes = Pipes(self)
        pipes.write(frame({"type": "assignment"}))
        with self.assertRaises(ProtocolError):
            pipes.transport.next()

    def test_open_takes_the_fds_from_the_spec(self):
        pipes = Pipes(self)
        spec = "%d,%d" % (pipes.transport.rfd, pipes.transport.wfd)
        opened = PipeTransport.open(spec)
        self.assertEqual((opened.rfd, opened.wfd), (pipes.transport.rfd, pipes.transport.wfd))
        self.assertFalse(os.get_inheritable(opened.rfd))
        self.assertIsNone(PipeTransport.open("3"))
        self.assertIsNone(PipeTransport.open("999,998"))


class SchemaCheckerTests(unittest.TestCase):
    """The checker must refuse what the schema refuses, or the checks above
    prove nothing."""

    def test_refusals(self):
        good = {"type": "response", "requestId": "r", "maxRssKb": 1}
        schema_check("runtime-to-agent.response", good)
        for bad in ({"type": "response"}, dict(good, maxRssKb=1.5), dict(good, maxRssKb=True),
                    dict(good, type="next"), dict(good, undocumented=1)):
            with self.subTest(bad):
                with self.assertRaises(AssertionError):
                    schema_check("runtime-to-agent.response", bad)
        with self.assertRaises(AssertionError):
            schema_check("agent-to-runtime.assignment", {"type": "assignment", "handler": "h",
                                                          "taskRoot": "/", "rlimitAsBytes": 1,
                                                          "env": {"K": 1}})


if __name__ == "__main__":
    unittest.main()
