import net from 'node:net';

/** A free loopback port, for a process that cannot be told to listen on port 0 (nginx, a child's CLI): bind one, note it, release it. */
export async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
