"""A small JSON API behind a function URL: the event is a payload 2.0 HTTP request,
the answer a statusCode, headers and body."""
import base64
import json


def handler(event, context):
    http = event.get("requestContext", {}).get("http", {})
    method, path = http.get("method", "GET"), event.get("rawPath", "/")
    route = ROUTES.get(path)
    if route is None:
        return reply(404, {"error": f"no route {path}"})
    if method not in route:
        return reply(405, {"error": f"{method} is not allowed on {path}"}, {"allow": ", ".join(sorted(route))})
    return route[method](event)


def health(event):
    return reply(200, {"ok": True})


def hello(event):
    name = (event.get("queryStringParameters") or {}).get("name", "world")
    return reply(200, {"message": f"Hello, {name}!"})


def echo(event):
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        return reply(400, {"error": "the body is not JSON"})
    print(f"echo {len(body)} bytes")
    return reply(200, {"youSent": parsed})


ROUTES = {"/health": {"GET": health}, "/hello": {"GET": hello}, "/echo": {"POST": echo}}


def reply(status, payload, headers=None):
    return {"statusCode": status, "headers": {"content-type": "application/json", **(headers or {})}, "body": json.dumps(payload)}
