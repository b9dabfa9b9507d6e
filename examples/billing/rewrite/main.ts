import { buildRewrite } from './app.js';
import { configFromEnv } from './config.js';

/** The standalone rewrite: `node dist/examples/billing/rewrite/main.js`, configured by the environment. */
async function main(): Promise<void> {
  const config = configFromEnv();
  const app = await buildRewrite(config);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  process.stdout.write(`billing rewrite listening on http://${config.host}:${port}\n`);

  let closing = false;
  const shutdown = (): void => {
    if (closing) return;
    closing = true;
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
