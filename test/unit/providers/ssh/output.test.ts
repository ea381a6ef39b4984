import { OutputTail, tailOf } from "../../../../providers/ssh/output-tail";
import { PidLineReader, buildTrackedCommand } from "../../../../providers/ssh/remote-pid";

describe("OutputTail", () => {
  it("keeps everything under the limit and streams whole characters to the callback", () => {
    const seen: string[] = [];
    const tail = new OutputTail(100, (chunk) => seen.push(chunk));
    const euro = Buffer.from("€", "utf8");
    tail.push(Buffer.concat([Buffer.from("a"), euro.subarray(0, 1)]));
    tail.push(euro.subarray(1));

    expect(tail.finish()).toBe("a€");
    expect(seen).toStrictEqual(["a", "€"]);
  });

  it("keeps only the most recent bytes once the limit is passed", () => {
    const tail = new OutputTail(5);
    tail.push(Buffer.from("0123"));
    tail.push(Buffer.from("456789"));

    expect(tail.finish()).toBe("56789");
  });

  it("drops the remains of a character cut at the start of the kept tail", () => {
    const tail = new OutputTail(4);
    tail.push(Buffer.from("x€yz", "utf8"));

    expect(tail.finish()).toBe("yz");
  });
});

describe("tailOf", () => {
  it("returns short text unchanged and marks long text as cut", () => {
    expect(tailOf("short\n")).toBe("short");
    expect(tailOf("abcdef", 3)).toBe("…def");
  });
});

describe("PidLineReader", () => {
  const read = (chunks: string[]): { pid: number | undefined; rest: string } => {
    const forwarded: Buffer[] = [];
    const reader = new PidLineReader((chunk) => forwarded.push(chunk));
    for (const chunk of chunks) reader.push(Buffer.from(chunk));
    reader.finish();
    return { pid: reader.pid, rest: Buffer.concat(forwarded).toString() };
  };

  it.each([
    [["4242\nboom\n"], 4242, "boom\n"],
    [["42", "42\n", "bo", "om"], 4242, "boom"],
    [["4242\n"], 4242, ""],
    [["not a pid\n"], undefined, "not a pid\n"],
    [["12345678901234567 long line without newline"], undefined, "12345678901234567 long line without newline"],
    [["7"], undefined, "7"],
  ])("reads %j as pid %s followed by %j", (chunks, pid, rest) => {
    expect(read(chunks)).toStrictEqual({ pid, rest });
  });

  it("prefixes the quoted command with the pid report and exec", () => {
    expect(buildTrackedCommand(["printf", "%s", "a'b"])).toBe(`printf '%s\\n' "$$" >&2; exec 'printf' '%s' 'a'\\''b'`);
  });
});
