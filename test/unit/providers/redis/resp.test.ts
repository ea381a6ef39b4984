import fc from "fast-check";
import {
  RedisReplyError,
  RespParser,
  RespProtocolError,
  type RespValue,
  encodeCommand,
} from "../../../../providers/redis";

describe("encodeCommand", () => {
  it("encodes every argument as a length-prefixed bulk string", () => {
    expect(encodeCommand(["SET", "k", 12]).toString()).toBe("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\n12\r\n");
  });

  it("counts bytes, not characters, and leaves CRLF inside arguments alone", () => {
    expect(encodeCommand(["ECHO", "€\r\n"]).toString()).toBe("*2\r\n$4\r\nECHO\r\n$5\r\n€\r\n\r\n");
  });

  it("refuses an empty command", () => {
    expect(() => encodeCommand([])).toThrow("needs at least its name");
  });
});

describe("RespParser", () => {
  const parseAll = (text: string): RespValue[] => new RespParser().push(Buffer.from(text));

  it.each<[string, RespValue]>([
    ["+OK\r\n", "OK"],
    [":42\r\n", 42],
    [":-3\r\n", -3],
    ["$5\r\nhello\r\n", "hello"],
    ["$0\r\n\r\n", ""],
    ["$-1\r\n", null],
    ["*-1\r\n", null],
    ["*0\r\n", []],
    ["*3\r\n$4\r\nheld\r\n:7\r\n*2\r\n$1\r\na\r\n$-1\r\n", ["held", 7, ["a", null]]],
    ["$4\r\na\r\nb\r\n", "a\r\nb"],
  ])("parses %j", (wire, value) => {
    expect(parseAll(wire)).toStrictEqual([value]);
  });

  it("returns error replies as values with their code", () => {
    const [reply] = parseAll("-WRONGPASS invalid username-password pair\r\n");

    expect(reply).toBeInstanceOf(RedisReplyError);
    expect(reply).toMatchObject({ code: "WRONGPASS", message: "WRONGPASS invalid username-password pair" });
  });

  it("waits for the rest of a reply split across chunks", () => {
    const parser = new RespParser();

    expect(parser.push(Buffer.from("*2\r\n$3\r\nfo"))).toStrictEqual([]);
    expect(parser.push(Buffer.from("o\r\n:1"))).toStrictEqual([]);
    expect(parser.push(Buffer.from("\r\n+PONG\r\n"))).toStrictEqual([["foo", 1], "PONG"]);
    expect(parser.pendingBytes).toBe(0);
  });

  it("yields the same replies however the bytes are chunked", () => {
    const wire = Buffer.from("+OK\r\n*2\r\n$6\r\n€uro\r\n:5\r\n$-1\r\n-ERR no\r\n*1\r\n*1\r\n$0\r\n\r\n");
    const whole = new RespParser().push(wire);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: wire.length - 1 }), { maxLength: 8 }), (cuts) => {
        const parser = new RespParser();
        const points = [0, ...[...cuts].sort((a, b) => a - b), wire.length];
        const replies = points.slice(1).flatMap((end, i) => parser.push(wire.subarray(points[i], end)));
        expect(replies).toStrictEqual(whole);
      }),
    );
    expect(whole).toHaveLength(5);
  });

  it("rejects bytes that are not RESP, as from a port that is not Redis", () => {
    expect(() => parseAll("SSH-2.0-OpenSSH_9.2\r\n")).toThrow(RespProtocolError);
    expect(() => parseAll("$abc\r\n")).toThrow(RespProtocolError);
  });
});
