/** Just enough of go.mod's grammar to read `require` and `replace` directives, in single-line and block form. */

export interface GoReplace {
  module: string;
  /** `module version` for a module replacement, or a file path (`../sdk`) for a local one. */
  target: string;
}

function directiveLines(text: string, directive: "require" | "replace"): string[] {
  const lines: string[] = [];
  let inBlock = false;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (inBlock) {
      if (line === ")") inBlock = false;
      else if (line) lines.push(line);
    } else if (line === `${directive} (`) {
      inBlock = true;
    } else if (line.startsWith(`${directive} `)) {
      lines.push(line.slice(directive.length + 1).trim());
    }
  }
  return lines;
}

/** module path → version, for every `require`, direct or `// indirect`. */
export function goRequires(text: string): Map<string, string> {
  return new Map(
    directiveLines(text, "require").map((line) => {
      const [module, version] = line.split(/\s+/);
      return [module, version];
    }),
  );
}

export function goReplaces(text: string): GoReplace[] {
  return directiveLines(text, "replace").map((line) => {
    const [from, to] = line.split("=>").map((side) => side.trim());
    return { module: from.split(/\s+/)[0], target: to.split(/\s+/).join(" ") };
  });
}

/** Whether a replacement points at a directory of the module's own repository rather than at another module. */
export function isLocalReplace(replace: GoReplace): boolean {
  return replace.target.startsWith("./") || replace.target.startsWith("../") || replace.target.startsWith("/");
}
