/**
 * What a secondary's noise may cancel on one request: leaves (a value, a header, a line, the order
 * of the same items) make a request a match counted as noise; a status or a shape the two legacy
 * instances disagree on makes it inconclusive and stays in its signature.
 */
import { describe, expect, it } from 'vitest';
import { cancelNoise } from '../../shadow-proxy/compare.js';
import type { Difference } from '../../src/compare/response.js';

const d = (kind: Difference['kind'], path: string, primary?: unknown, candidate?: unknown): Difference => ({
  kind,
  path,
  pattern: path.replace(/\[\d+\]/g, '[*]'),
  primary,
  candidate,
});

describe('cancelling a secondary’s noise', () => {
  it('cancels leaves at the same concrete path: a request differing only there is noise, a match', () => {
    const raw = [d('value', '$.request_id', 'a', 'c'), d('header', 'header:x-trace'), d('line', 'line:2'), d('order', '$.tags')];
    const noise = [d('value', '$.request_id', 'a', 'b'), d('header', 'header:x-trace'), d('line', 'line:2'), d('order', '$.tags')];
    expect(cancelNoise(raw, noise)).toEqual({ outcome: 'noise', differences: [] });
  });

  it('keeps what the secondary did not show, at another path or another element', () => {
    const raw = [d('value', '$.items[0].at'), d('value', '$.items[1].price', 1, 2)];
    expect(cancelNoise(raw, [d('value', '$.items[0].at')])).toEqual({ outcome: 'compared', differences: [d('value', '$.items[1].price', 1, 2)] });
  });

  it('cancels a header parameter only by the same parameter: a differing boundary is not a differing charset', () => {
    const param = (name: string): Difference => ({ kind: 'header', path: 'header:content-type', pattern: `header:content-type;${name}` });
    expect(cancelNoise([param('charset')], [param('boundary')])).toEqual({ outcome: 'compared', differences: [param('charset')] });
    expect(cancelNoise([param('charset')], [param('charset')])).toEqual({ outcome: 'noise', differences: [] });
  });

  it('never cancels a status or a shape: the request is inconclusive and the signature keeps them', () => {
    const status = d('status', 'status', 200, 401);
    const extra = d('extra', '$.errors', undefined, ['denied']);
    const raw = [status, extra, d('value', '$.served_at')];
    const noise = [d('status', 'status', 200, 401), d('extra', '$.errors'), d('value', '$.served_at')];
    expect(cancelNoise(raw, noise)).toEqual({ outcome: 'inconclusive', differences: [status, extra] });
    const whole = d('body', '$', 'line 1: a', 'line 1: b');
    expect(cancelNoise([whole], [d('body', '$')])).toEqual({ outcome: 'inconclusive', differences: [whole] });
  });

  it('compares as usual without noise', () => {
    expect(cancelNoise([], [d('status', 'status')])).toEqual({ outcome: 'compared', differences: [] });
    expect(cancelNoise([d('value', '$.a')], [])).toEqual({ outcome: 'compared', differences: [d('value', '$.a')] });
  });
});
