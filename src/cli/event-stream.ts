// Reads a server-sent event stream (text/event-stream) as it arrives: each event's name
// and its JSON data. Comment lines (the server's keep-alives) are skipped.
export interface StreamEvent {
  event: string;
  data: Record<string, unknown>;
}

export async function* readEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<StreamEvent> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body) {
    buf += decoder.decode(chunk, { stream: true });
    let end;
    while ((end = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length === 0) continue;
      try {
        yield { event, data: JSON.parse(data.join('\n')) as Record<string, unknown> };
      } catch {
        // not JSON: not one of ours
      }
    }
  }
}
