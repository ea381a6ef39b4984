import { parseCommentCommand } from "../../../../cli/github/comment-commands";

describe("parseCommentCommand", () => {
  it.each([
    ["/preview", "preview", false],
    ["/update", "update", false],
    ["/destroy", "destroy", false],
    ["/preview reset-db", "preview", true],
    ["/update   reset-db  ", "update", true],
    ["Looks good.\r\n/preview\r\n", "preview", false],
    ["  /preview", "preview", false],
    ["first line\n\n/destroy\nthanks", "destroy", false],
    ["/preview\n/preview", "preview", false],
    ["```\n/destroy\n```\n/preview", "preview", false],
  ])("runs the command in %j", (body, name, resetDatabase) => {
    const parsed = parseCommentCommand(body);
    expect(parsed).toMatchObject({ kind: "command", command: { name, resetDatabase } });
  });

  it.each([
    ["please don't /preview yet"],
    ["Can someone /destroy this?"],
    ["> /preview"],
    ["  > /preview"],
    ["> quoted\n> /destroy"],
    ["```\n/preview\n```"],
    ["~~~sh\n/destroy\n~~~"],
    ["````\n```\n/preview\n```\n````"],
    ["    /preview"],
    ["\t/preview"],
    ["`/preview`"],
    ["/previews"],
    ["/preview-it"],
    ["/Preview"],
    ["<!-- /preview -->"],
    ["<!--\n/destroy\n-->"],
    ["preview"],
    [""],
  ])("finds no command in %j", (body) => {
    expect(parseCommentCommand(body)).toEqual({ kind: "none" });
  });

  it("refuses an unknown option and names the ones accepted", () => {
    expect(parseCommentCommand("/preview now")).toEqual({
      kind: "invalid",
      line: "/preview now",
      problem: "`/preview` does not know the option `now`; it accepts only `reset-db`.",
    });
  });

  it("refuses options on /destroy", () => {
    expect(parseCommentCommand("/destroy reset-db")).toMatchObject({
      kind: "invalid",
      problem: "`/destroy` does not know the option `reset-db`; it takes no options.",
    });
  });

  it("refuses two different commands in one comment", () => {
    expect(parseCommentCommand("/preview\n/destroy")).toMatchObject({ kind: "invalid", line: "/preview / /destroy" });
  });

  // The blank line ends the quote: without it, CommonMark (and GitHub) reads the command into the quote's paragraph.
  it("keeps reading after a fence that was closed and a quote that was ended", () => {
    expect(parseCommentCommand("```\ncode\n```\n> quote\n\n/update reset-db")).toMatchObject({
      kind: "command",
      command: { name: "update", resetDatabase: true, line: "/update reset-db" },
    });
  });

  it("treats an unclosed fence as code to the end of the comment", () => {
    expect(parseCommentCommand("```\n/preview\nstill code")).toEqual({ kind: "none" });
  });
});
