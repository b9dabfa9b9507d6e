/**
 * One billing service in its own process, for bench/spec-tests.ts: forked with an IPC channel,
 * starts the implementation named by its argument on a free port with the rate limit out of the
 * way, and sends `{ url }` to the parent. It exits when told (SIGTERM, SIGINT) or when the parent
 * goes away (the IPC channel closes), so a crashed bench leaves no server behind.
 *
 *   fork('dist/bench/billing-server.js', ['legacy'])   // then wait for the { url } message
 */
import { startBilling, type BillingImpl } from '../examples/billing/index.js';

const impl = process.argv[2];
if (impl !== 'legacy' && impl !== 'rewrite') {
  process.stderr.write(`usage: billing-server.js legacy|rewrite (got ${String(impl)})\n`);
  process.exit(2);
}
if (!process.send) {
  process.stderr.write('billing-server.js must be forked with an IPC channel\n');
  process.exit(2);
}

const server = await startBilling(impl as BillingImpl, { port: 0, rateLimit: { burst: 1e9, refillSeconds: 1 } });
let closing = false;
const stop = () => {
  if (closing) return;
  closing = true;
  // A hard exit if close hangs on keep-alive sockets the parent left open.
  setTimeout(() => process.exit(0), 2000).unref();
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('disconnect', stop);
process.send({ url: server.url });
