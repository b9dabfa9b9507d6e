/**
 * Traffic for the json-server pair the way clients of json-server 0.17 use it (they are the
 * legacy's clients; the rewrite must serve them): lists with filters (`field=`, `_gte`, `_ne`,
 * `_like`), pagination and slices (`_page`, `_limit`, `_start`/`_end`), sorting (`_sort`, `_order`),
 * relations (`_embed`, `_expand`), full-text search (`q`), reads of seeded records, 404s, and
 * writes whose results the client uses afterwards: it creates a post, reads it back by the id it
 * was given, comments on it, patches and replaces it, deletes it (every other client with its
 * comment still there) and finds it gone; at the end the singular profile is patched and read
 * back. Deterministic for a seed.
 */
import { seededRandom } from '../../src/random.js';

export interface TrafficOptions {
  /** How many client sessions (each a create → read → comment → update → delete flow, plus reads). */
  rounds: number;
  /** For the choices between requests. */
  seed?: number;
}

export interface TrafficSummary {
  requests: number;
  /** Responses by status class ("2xx", "4xx", ...). */
  statuses: Record<string, number>;
}

const SEARCH_TERMS = ['history', 'compiler', 'languages', 'orbital', 'nothing-matches-this'];
const LIKE_TERMS = ['engine', '^The', 'program'];

export async function jsonServerTraffic(base: string, options: TrafficOptions): Promise<TrafficSummary> {
  const next = seededRandom(options.seed ?? 1);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const summary: TrafficSummary = { requests: 0, statuses: {} };
  const send = async (method: string, target: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${base}${target}`, {
      method,
      headers: { accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    summary.requests += 1;
    const bucket = `${Math.floor(res.status / 100)}xx`;
    summary.statuses[bucket] = (summary.statuses[bucket] ?? 0) + 1;
    let json: unknown = undefined;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      // a text answer (the rewrite's 404) is not JSON
    }
    return { status: res.status, json };
  };

  for (let round = 0; round < options.rounds; round++) {
    // Reads of what was there from the start.
    const seeded = 1 + Math.floor(next() * 11);
    await send('GET', '/posts');
    await send('GET', `/posts/${seeded}`);
    await send('GET', `/posts/${seeded}?_embed=comments`);
    await send('GET', `/comments/${1 + Math.floor(next() * 19)}?_expand=post`);
    await send('GET', `/posts/${seeded}/comments`);
    await send('GET', `/users/${1 + Math.floor(next() * 5)}`);
    await send('GET', `/posts?userId=${1 + Math.floor(next() * 5)}`);
    await send('GET', '/posts?published=true');
    await send('GET', `/posts?_page=${1 + Math.floor(next() * 3)}&_limit=5`);
    await send('GET', `/posts?_sort=${pick(['views', 'title'])}&_order=${pick(['asc', 'desc'])}`);
    await send('GET', '/posts?_sort=title&_order=desc&_limit=5');
    await send('GET', `/posts?_start=${pick([0, 2, 4])}&_end=${pick([6, 8])}`);
    await send('GET', `/posts?views_gte=${pick([100, 200, 300])}`);
    await send('GET', `/posts?userId_ne=${1 + Math.floor(next() * 5)}`);
    await send('GET', `/posts?title_like=${pick(LIKE_TERMS)}`);
    await send('GET', '/posts?q=languages');
    await send('GET', `/posts?q=${pick(SEARCH_TERMS)}`);
    await send('GET', '/profile');
    await send('GET', `/posts/${900 + round}`);

    // A client session: create, then use the id it was given.
    const created = await send('POST', '/posts', { title: `Field notes ${round}`, body: 'Written by the traffic script.', userId: 1 + (round % 5), views: 0 });
    const id = (created.json as { id?: string | number } | undefined)?.id;
    if (created.status !== 201 || id === undefined) continue;
    await send('GET', `/posts/${id}`);
    const comment = await send('POST', '/comments', { postId: id, userId: 2, body: 'First!' });
    await send('GET', `/posts/${id}?_embed=comments`);
    await send('PATCH', `/posts/${id}`, { views: 1 + round });
    await send('GET', `/posts/${id}`);
    await send('PUT', `/posts/${id}`, { title: `Field notes ${round}, revised`, body: 'Rewritten by the traffic script.', userId: 1 + (round % 5), views: 2 });
    await send('GET', `/posts/${id}`);
    const commentId = (comment.json as { id?: string | number } | undefined)?.id;
    // Every other client deletes its comment first; the others delete the post and expect its comment gone with it.
    const commentFirst = round % 2 === 0;
    if (commentId !== undefined && commentFirst) await send('DELETE', `/comments/${commentId}`);
    await send('DELETE', `/posts/${id}`);
    await send('GET', `/posts/${id}`);
    if (commentId !== undefined && !commentFirst) await send('GET', `/comments/${commentId}`);
  }
  // The blog changes hands once, at the end: the owner is patched and read back.
  await send('PATCH', '/profile', { owner: 'grace' });
  await send('GET', '/profile');
  return summary;
}
