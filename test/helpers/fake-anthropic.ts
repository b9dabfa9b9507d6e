/**
 * A stand-in for the Anthropic Messages API on loopback, so tests drive the real SDK: it records
 * every request body and answers as the test says (a tool call, an error status, a malformed
 * body, or nothing at all).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** The raw body, as sent. */
  raw: string;
  body: { model?: string; tool_choice?: { type: string; name?: string }; messages?: { content: string }[]; [key: string]: unknown };
  /** "METHOD /path" the request is about, read from the prompt. */
  endpoint: string | undefined;
}

export type Reply =
  | { kind: 'tool'; input: unknown; usage?: { input_tokens: number; output_tokens: number }; delayMs?: number }
  | { kind: 'text'; text: string }
  | { kind: 'status'; status: number; headers?: Record<string, string> }
  | { kind: 'not-json' }
  | { kind: 'hang' };

export interface FakeAnthropic {
  url: string;
  requests: ReceivedRequest[];
  /** The most requests it was answering at once. */
  maxInFlight(): number;
  close(): Promise<void>;
}

/** `reply` gets each request and how many requests about the same endpoint came before it. */
export async function startFakeAnthropic(reply: (request: ReceivedRequest, previous: number) => Reply): Promise<FakeAnthropic> {
  const requests: ReceivedRequest[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer((req, res) => {
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => (inFlight -= 1));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: ReceivedRequest['body'] = {};
      try {
        body = JSON.parse(raw) as ReceivedRequest['body'];
      } catch {
        // recorded as sent
      }
      const content = body.messages?.[0]?.content;
      const endpoint = typeof content === 'string' ? /^Endpoint: (\S+ \S+)/m.exec(content)?.[1] : undefined;
      const received: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, raw, body, endpoint };
      const previous = requests.filter((r) => r.endpoint === endpoint).length;
      requests.push(received);
      if (req.method !== 'POST' || req.url !== '/v1/messages') {
        send(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no route ${req.method} ${req.url}` } });
        return;
      }
      const answer = reply(received, previous);
      switch (answer.kind) {
        case 'hang':
          return;
        case 'not-json':
          res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_fake' });
          res.end('{"id": "msg_1", "type": "message", "content": [');
          return;
        case 'status':
          send(
            res,
            answer.status,
            { type: 'error', error: { type: answer.status === 429 ? 'rate_limit_error' : 'api_error', message: `fake ${answer.status}` } },
            answer.headers,
          );
          return;
        case 'text':
          send(res, 200, message(body, [{ type: 'text', text: answer.text }], 'end_turn', { input_tokens: 120, output_tokens: 10 }));
          return;
        case 'tool': {
          const answerWith = () =>
            send(
              res,
              200,
              message(
                body,
                [{ type: 'tool_use', id: `toolu_${requests.length}`, name: body.tool_choice?.name ?? 'tool', input: answer.input }],
                'tool_use',
                answer.usage ?? { input_tokens: 1000, output_tokens: 200 },
              ),
            );
          if (answer.delayMs) setTimeout(answerWith, answer.delayMs);
          else answerWith();
          return;
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function message(body: ReceivedRequest['body'], content: unknown[], stopReason: string, usage: { input_tokens: number; output_tokens: number }) {
  return {
    id: 'msg_fake',
    type: 'message',
    role: 'assistant',
    model: body.model ?? 'claude-test',
    content,
    stop_reason: stopReason,
    stop_sequence: null,
    usage: { ...usage, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  };
}

function send(res: http.ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': 'req_fake', ...headers });
  res.end(JSON.stringify(json));
}
