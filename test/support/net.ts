import { type Socket, createServer } from "node:net";

export interface TcpServer {
  port: number;
  /** Destroys every connection it accepted, then stops listening. */
  close(): Promise<void>;
}

/** A TCP server on 127.0.0.1 that hands each connection to `onConnection`, e.g. to play a server that misbehaves. */
export async function startTcpServer(onConnection: (socket: Socket) => void = () => undefined): Promise<TcpServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port on 127.0.0.1 nothing listens on: it was handed out and closed again a moment ago. */
export async function closedPort(): Promise<number> {
  const { port, close } = await startTcpServer();
  await close();
  return port;
}

/** The error `promise` rejects with; throws when it resolves, so a test cannot pass on a call that succeeded. */
export async function errorOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the promise to reject");
}
