/**
 * One request/response pair seen by the recording proxy or read from a HAR file: the input of
 * turning real traffic into spec examples.
 */
export interface RecordedExchange {
  /** Upper case, such as "POST". */
  method: string;
  /** Path and query string as the client sent them, such as "/customers?limit=2". */
  target: string;
  /** Lower-case header names; repeated headers joined with ", ". */
  requestHeaders: Record<string, string>;
  requestBody: Buffer | null;
  status: number;
  /** Lower-case header names; repeated headers joined with ", ". */
  responseHeaders: Record<string, string>;
  /** The body with any content-encoding already decoded. */
  responseBody: Buffer | null;
  /** When the request started, in milliseconds since the epoch; exchanges are processed in this order. */
  startedAt: number;
}
