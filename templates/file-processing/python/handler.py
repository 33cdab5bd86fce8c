"""Parses a CSV or JSON payload and reports its rows, columns and, for each numeric
column, the sum, minimum and maximum. Event: {"format": "csv" | "json", "content": ...}
(CSV as text with a header row; JSON as a list of objects)."""
import csv
import io


def handler(event, context):
    fmt = (event.get("format") or "csv").lower()
    content = event.get("content")
    if fmt == "csv":
        if not isinstance(content, str):
            raise ValueError("a CSV payload's content is the file's text")
        rows = list(csv.DictReader(io.StringIO(content)))
    elif fmt == "json":
        if not isinstance(content, list) or not all(isinstance(r, dict) for r in content):
            raise ValueError("a JSON payload's content is a list of objects")
        rows = content
    else:
        raise ValueError(f'format must be "csv" or "json", not {fmt!r}')
    columns = []
    for row in rows:
        columns += [c for c in row if c not in columns]
    numeric = {}
    for column in columns:
        values = [number(row.get(column)) for row in rows]
        if values and all(v is not None for v in values):
            numeric[column] = {"sum": round(sum(values), 6), "min": min(values), "max": max(values)}
    print(f"parsed {len(rows)} {fmt} rows, {len(numeric)} numeric column(s)")
    return {"rows": len(rows), "columns": columns, "numeric": numeric}


def number(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
