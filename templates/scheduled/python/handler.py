"""Runs on a schedule: the event is an EventBridge scheduled event. Reports the rule
that fired and when; put the periodic work (a cleanup, a report, a sync) in run()."""
from datetime import datetime, timezone


def handler(event, context):
    if event.get("detail-type") != "Scheduled Event":
        raise ValueError("this function expects an EventBridge scheduled event")
    fired = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    rule = (event.get("resources") or ["arn:aws:events:local:000000000000:rule/manual"])[0].rsplit("/", 1)[-1]
    late_s = max(0.0, (datetime.now(timezone.utc) - fired).total_seconds())
    print(f"rule {rule} fired at {fired.isoformat()} ({late_s:.0f} s ago)")
    return {"rule": rule, "firedAt": fired.isoformat(), "weekday": fired.strftime("%A"), "result": run(fired)}


def run(fired):
    """The periodic work. This one says what a nightly job would cover."""
    return {"coversDay": fired.date().isoformat(), "hourUtc": fired.hour}
