import qs from 'qs';

/**
 * Query strings are read with `qs`, as the service always has read them (Express uses it): `a=1&a=2`
 * is a list and `a[b]=1` an object, so such parameters keep meaning what they meant to clients.
 */
export function parseQueryString(text: string): Record<string, unknown> {
  return qs.parse(text, { allowPrototypes: true });
}
