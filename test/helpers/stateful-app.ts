/**
 * A small stateful JSON service for stateful-shadowing tests: users register and log in and get
 * tokens signed with the instance's own secret, items get ids from the instance's own sequence,
 * sessions are cookies with random values. Two instances fed the same requests therefore answer
 * with different ids, tokens and cookies, exactly like a legacy and its rewrite with their own
 * databases, and a client who reuses what it was given is only served right by the instance that
 * gave it.
 *
 *   POST   /users        {username, password}  201 {user: {id, username, token}}; 409 when taken
 *   POST   /login        {username, password}  200 {token} + Set-Cookie: sid=...; 401
 *   GET    /me           Authorization: Bearer <token>   200 {id, username}; 401
 *   GET    /session      Cookie: sid=...                 200 {username}; 401
 *   POST   /items        {name} (auth)         201 {id, name, owner_id} + Location: /items/{id}; 422 when `rejectName`
 *   GET    /items        ?page=&owner_id=      200 {page, items: [...]}; `pageAsString`: a planted regression
 *   GET    /items/{id}   200 {id, name, owner_id}; 404; `upperCaseNames`: a planted regression
 *   PATCH  /items/{id}   {name} (auth)         200; 404
 *   DELETE /items/{id}   (auth)                204; 404
 *
 * Registration checks the name, waits `writeDelayMs` (a slow database), then inserts: two
 * registrations of one name sent at once both pass the check and the second insert fails with a
 * 500, the race a shadow proxy must not create by sending a client's writes concurrently.
 */
import { createHmac, randomBytes } from 'node:crypto';
import http from 'node:http';

export interface StatefulAppOptions {
  /** The first id the item and user sequences hand out. */
  idStart: number;
  /** The token signing secret. */
  secret: string;
  /** Items that exist from the start, with these ids (the same on every instance: a shared snapshot). */
  seedItems?: number[];
  /** An item with this name is refused (422) by this instance only: a write rejected on one side. */
  rejectName?: string;
  /** Registration's pause between the uniqueness check and the insert. */
  writeDelayMs?: number;
  /** A planted regression on a read: `GET /items` answers its `page` as a string. */
  pageAsString?: boolean;
  /** A planted regression on a read: `GET /items/{id}` answers the name in capitals. Read per request: a test may fix it ("deploy a new build"). */
  upperCaseNames?: boolean;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Item {
  id: number;
  name: string;
  owner_id: number;
}

export function statefulApp(options: StatefulAppOptions): { server: http.Server; seen: SeenRequest[] } {
  const seen: SeenRequest[] = [];
  let nextId = options.idStart;
  const users = new Map<string, { id: number; password: string }>();
  const tokens = new Map<string, string>();
  const sessions = new Map<string, string>();
  const items = new Map<number, Item>();
  for (const id of options.seedItems ?? []) items.set(id, { id, name: `seeded ${id}`, owner_id: 0 });

  const sign = (username: string) => {
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: username, n: randomBytes(6).toString('hex') })).toString('base64url');
    const signature = createHmac('sha256', options.secret).update(`${header}.${payload}`).digest('base64url');
    const token = `${header}.${payload}.${signature}`;
    tokens.set(token, username);
    return token;
  };
  const userOf = (req: http.IncomingMessage) => {
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return auth ? tokens.get(auth[1]!) : undefined;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      void answer(req, res, body).catch((error: unknown) => send(res, 500, { error: String(error) }));
    });
  });

  async function answer(req: http.IncomingMessage, res: http.ServerResponse, text: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://app');
    const input = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
    const route = `${req.method} ${url.pathname.replace(/\/\d+$/, '/{id}')}`;
    const id = Number(/\/(\d+)$/.exec(url.pathname)?.[1]);
    switch (route) {
      case 'POST /users': {
        const username = String(input.username);
        if (users.has(username)) return send(res, 409, { error: `username ${username} is taken` });
        await new Promise((resolve) => setTimeout(resolve, options.writeDelayMs ?? 0));
        if (users.has(username)) return send(res, 500, { error: 'UNIQUE constraint failed: users.username' });
        const user = { id: nextId++, password: String(input.password) };
        users.set(username, user);
        return send(res, 201, { user: { id: user.id, username, token: sign(username) } });
      }
      case 'POST /login': {
        const user = users.get(String(input.username));
        if (!user || user.password !== input.password) return send(res, 401, { error: 'bad credentials' });
        const sid = randomBytes(12).toString('hex');
        sessions.set(sid, String(input.username));
        return send(res, 200, { token: sign(String(input.username)) }, { 'set-cookie': `sid=${sid}; Path=/; HttpOnly` });
      }
      case 'GET /me': {
        const username = userOf(req);
        if (!username) return send(res, 401, { error: 'unauthorized' });
        return send(res, 200, { id: users.get(username)!.id, username });
      }
      case 'GET /session': {
        const sid = /(?:^|;\s*)sid=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
        const username = sid === undefined ? undefined : sessions.get(sid);
        if (!username) return send(res, 401, { error: 'no session' });
        return send(res, 200, { username });
      }
      case 'POST /items': {
        const username = userOf(req);
        if (!username) return send(res, 401, { error: 'unauthorized' });
        const name = String(input.name);
        if (name === options.rejectName) return send(res, 422, { error: `name ${name} is not allowed` });
        const item = { id: nextId++, name, owner_id: users.get(username)!.id };
        items.set(item.id, item);
        return send(res, 201, item, { location: `/items/${item.id}` });
      }
      case 'GET /items': {
        const owner = url.searchParams.get('owner_id');
        const page = Number(url.searchParams.get('page') ?? '1');
        const all = [...items.values()].filter((item) => owner === null || item.owner_id === Number(owner));
        return send(res, 200, { page: options.pageAsString ? String(page) : page, items: all.slice((page - 1) * 10, page * 10) });
      }
      case 'GET /items/{id}': {
        const item = items.get(id);
        if (!item) return send(res, 404, { error: `no item ${id}` });
        return send(res, 200, options.upperCaseNames ? { ...item, name: item.name.toUpperCase() } : item);
      }
      case 'PATCH /items/{id}': {
        if (!userOf(req)) return send(res, 401, { error: 'unauthorized' });
        const item = items.get(id);
        if (!item) return send(res, 404, { error: `no item ${id}` });
        item.name = String(input.name);
        return send(res, 200, item);
      }
      case 'DELETE /items/{id}': {
        if (!userOf(req)) return send(res, 401, { error: 'unauthorized' });
        if (!items.delete(id)) return send(res, 404, { error: `no item ${id}` });
        res.writeHead(204);
        res.end();
        return;
      }
      default:
        return send(res, 404, { error: `no route ${route}` });
    }
  }

  return { server, seen };
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
