def handler(event, context):
    """Called once per invocation. `event` is the JSON payload, `context` describes the call."""
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    print(f"hello {name} from {context.function_name} (request {context.aws_request_id})")
    return {"message": f"Hello, {name}!"}
