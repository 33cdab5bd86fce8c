// Parses a CSV or JSON payload and reports its rows, columns and, for each numeric
// column, the sum, minimum and maximum. Event: {"format": "csv" | "json", "content": ...}
// (CSV as text with a header row; JSON as a list of objects).

/** RFC 4180 CSV: quoted fields may hold commas, newlines and doubled quotes. */
function parseCsv(text) {
  const records = [];
  let field = '';
  let record = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { record.push(field); field = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      record.push(field); field = '';
      if (record.length > 1 || record[0] !== '') records.push(record);
      record = [];
    } else field += c;
  }
  if (field !== '' || record.length) { record.push(field); records.push(record); }
  const [header = [], ...rows] = records;
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

const number = (v) => (typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : null);

export const handler = async (event) => {
  const format = String(event?.format ?? 'csv').toLowerCase();
  let rows;
  if (format === 'csv') {
    if (typeof event.content !== 'string') throw new TypeError("a CSV payload's content is the file's text");
    rows = parseCsv(event.content);
  } else if (format === 'json') {
    if (!Array.isArray(event.content) || !event.content.every((r) => r && typeof r === 'object' && !Array.isArray(r))) throw new TypeError("a JSON payload's content is a list of objects");
    rows = event.content;
  } else {
    throw new TypeError(`format must be "csv" or "json", not ${JSON.stringify(format)}`);
  }
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const numeric = {};
  for (const column of columns) {
    const values = rows.map((r) => number(r[column]));
    if (values.length && values.every((v) => v !== null)) {
      numeric[column] = { sum: Math.round(values.reduce((a, b) => a + b, 0) * 1e6) / 1e6, min: Math.min(...values), max: Math.max(...values) };
    }
  }
  console.log(`parsed ${rows.length} ${format} rows, ${Object.keys(numeric).length} numeric column(s)`);
  return { rows: rows.length, columns, numeric };
};
