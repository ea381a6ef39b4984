import { type Socket, connect } from "node:net";
import { RedisCommandError, RespClient } from "../../../../providers/redis";
import { type TcpServer, errorOf, startTcpServer } from "../../../support/net";
import { testServices } from "../../../support/services";

const { redis } = testServices();

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => resolve(socket));
    socket.once("error", reject);
  });
}

describe("RespClient against the local Redis", () => {
  let client: RespClient;

  beforeEach(async () => {
    client = new RespClient(await openSocket(redis.port), { where: "test Redis" });
  });

  afterEach(async () => {
    await client.close();
  });

  it("authenticates and runs pipelined commands, matching replies to commands in order", async () => {
    await client.command(["AUTH", redis.password]);
    const key = `resp-client-test:${process.pid}:${Date.now()}`;
    const replies = await Promise.all([
      client.command(["SELECT", 9]),
      client.command(["SET", key, "v€"]),
      client.command(["GET", key]),
      client.command(["DEL", key]),
      client.command(["GET", key]),
      client.command(["EVAL", "return {1, 'two', {3}}", 0]),
    ]);

    expect(replies).toStrictEqual(["OK", "OK", "v€", 1, null, [1, "two", [3]]]);
  });

  it("rejects an error reply with the command's name and the server's text, never its arguments", async () => {
    const error = await errorOf(client.command(["AUTH", "not-the-password-4711"]));

    expect(error).toBeInstanceOf(RedisCommandError);
    expect(error).toMatchObject({ command: "AUTH", code: "WRONGPASS" });
    expect(error.message).toMatch(/^test Redis answered AUTH with: WRONGPASS/);
    expect(error.message).not.toContain("not-the-password-4711");
  });

  it("reports NOAUTH when a command is sent before AUTH", async () => {
    await expect(client.command(["PING"])).rejects.toMatchObject({ command: "PING", code: "NOAUTH" });
  });

  it("rejects commands after close", async () => {
    await client.close();

    await expect(client.command(["PING"])).rejects.toThrow(
      "PING not sent: test Redis: connection closed by the client",
    );
  });
});

describe("RespClient against servers that misbehave", () => {
  let server: TcpServer;
  let port: number;
  let onConnection: (socket: Socket) => void = () => undefined;

  beforeAll(async () => {
    server = await startTcpServer((socket) => onConnection(socket));
    ({ port } = server);
  });

  afterAll(() => server?.close());

  it("gives up on a reply after the command timeout and fails everything pending", async () => {
    onConnection = () => undefined;
    const client = new RespClient(await openSocket(port), { where: "silent server", commandTimeoutMs: 200 });
    const first = errorOf(client.command(["PING"]));
    const second = errorOf(client.command(["GET", "k"]));

    expect((await first).message).toBe("PING failed: silent server: no reply to PING within 200 ms");
    expect((await second).message).toBe("GET failed: silent server: no reply to PING within 200 ms");
    await client.close();
  });

  it("fails pending commands when the server closes the connection", async () => {
    onConnection = (socket) => socket.end();
    const client = new RespClient(await openSocket(port), { where: "closing server" });

    await expect(client.command(["PING"])).rejects.toThrow(/^PING failed: closing server: connection closed/);
  });

  it("refuses replies that are not RESP", async () => {
    onConnection = (socket) => socket.write("SSH-2.0-OpenSSH_9.2\r\n");
    const client = new RespClient(await openSocket(port), { where: "ssh server" });

    await expect(client.command(["PING"])).rejects.toThrow("is this port really Redis");
  });
});
