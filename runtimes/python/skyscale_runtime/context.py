# The handler's `context` argument, with the attributes of AWS's LambdaContext.

import json
import os
import sys
import time


class CognitoIdentity:
    __slots__ = ("cognito_identity_id", "cognito_identity_pool_id")


class Client:
    __slots__ = ("installation_id", "app_title", "app_version_name",
                 "app_version_code", "app_package_name")


class ClientContext:
    __slots__ = ("custom", "env", "client")


def obj_from_dict(cls, values):
    """Like AWS's make_obj_from_dict: every slot set, missing keys None."""
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field))
    return obj


def parse_json_header(value):
    if not value:
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


class LambdaContext:
    def __init__(self, request_id, headers, static):
        self.aws_request_id = request_id
        self.request_id = request_id  # Skyscale alias (the seeds' examples use it)
        self.function_name = static["function_name"]
        self.function_version = static["function_version"]
        self.memory_limit_in_mb = static["memory_limit_in_mb"]
        self.log_group_name = static["log_group_name"]
        self.log_stream_name = static["log_stream_name"]
        self.invoked_function_arn = (headers.get("lambda-runtime-invoked-function-arn")
                                     or static["invoked_function_arn"])
        try:
            self._deadline_ms = int(headers.get("lambda-runtime-deadline-ms", ""))
        except ValueError:
            self._deadline_ms = int(time.time() * 1000) + 3000

        client_context = parse_json_header(headers.get("lambda-runtime-client-context"))
        self.client_context = obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = obj_from_dict(Client, self.client_context.client)

        identity = parse_json_header(headers.get("lambda-runtime-cognito-identity")) or {}
        self.identity = CognitoIdentity()
        self.identity.cognito_identity_id = identity.get("cognitoIdentityId")
        self.identity.cognito_identity_pool_id = identity.get("cognitoIdentityPoolId")

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def log(self, msg):
        sys.stdout.write(str(msg))


def static_context_fields():
    """The environment-derived context attributes, read once at init."""
    env = os.environ
    try:
        memory = int(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
    except ValueError:
        memory = 128
    return {
        "function_name": env.get("AWS_LAMBDA_FUNCTION_NAME", ""),
        "function_version": env.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
        "memory_limit_in_mb": memory,
        "log_group_name": env.get("AWS_LAMBDA_LOG_GROUP_NAME", ""),
        "log_stream_name": env.get("AWS_LAMBDA_LOG_STREAM_NAME", ""),
        "invoked_function_arn": env.get("SKYSCALE_INVOKED_FUNCTION_ARN", ""),
    }
