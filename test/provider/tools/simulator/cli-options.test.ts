import { parseCliOptions } from "../../../../tools/simulator/cli-options";

describe("simulator command-line options", () => {
  it("reads flags, with repeatable servers and scopes", () => {
    const options = parseCliOptions(
      [
        "--port",
        "8787",
        "--token",
        "t",
        "--org",
        "acme",
        "--server",
        "1:preview-1",
        "--server",
        "2:preview-2",
        "--profile",
        "instant",
        "--scopes",
        "server:view,site:create",
        "--openapi",
        "off",
      ],
      {},
    );
    expect(options).toMatchObject({
      port: 8787,
      token: "t",
      org: "acme",
      servers: [
        { id: 1, name: "preview-1" },
        { id: 2, name: "preview-2" },
      ],
      profile: "instant",
      tokenScopes: ["server:view", "site:create"],
      openapiPath: null,
      mariadb: null,
    });
  });

  it("falls back to env, and takes the MariaDB password from env only", () => {
    const options = parseCliOptions([], {
      FORGE_SIMULATOR_TOKEN: "from-env",
      FORGE_SIMULATOR_MARIADB: "127.0.0.1:3306",
      FORGE_SIMULATOR_MARIADB_PASSWORD: "pw",
      FORGE_SIMULATOR_SANDBOX_ROOT: "/tmp/sandbox",
      FORGE_SIMULATOR_TIME_SCALE: "0.1",
    });
    expect(options).toMatchObject({
      token: "from-env",
      port: 8787,
      org: "acme",
      profile: "realistic",
      timeScale: 0.1,
      tokenScopes: null,
      mariadb: { host: "127.0.0.1", port: 3306, user: "root", password: "pw" },
      sandboxRoot: "/tmp/sandbox",
      statePath: null,
    });
    expect(options.servers).toBeUndefined();
  });

  it("takes the hostile profile from FORGE_SIMULATOR_PROFILE", () => {
    expect(parseCliOptions([], { FORGE_SIMULATOR_TOKEN: "t", FORGE_SIMULATOR_PROFILE: "hostile" }).profile).toBe(
      "hostile",
    );
  });

  it.each([
    [["--server", "preview"], "`--server` takes ID:NAME"],
    [["--profile", "slow"], "`--profile` must be `instant`, `realistic` or `hostile`"],
    [["--mariadb", "localhost"], "`--mariadb` takes HOST:PORT"],
    [["--port", "eighty"], "`--port` must be a whole number"],
    [["--unknown"], "Unknown option"],
  ])("rejects %j with a message naming the fix", (argv, message) => {
    expect(() => parseCliOptions(argv, {})).toThrow(message);
  });
});

describe("simulator main command", () => {
  it("starts, prints its URL without the token, answers requests and stops on SIGTERM", async () => {
    const { spawn } = await import("child_process");
    const path = await import("path");
    const root = path.resolve(__dirname, "..", "..", "..", "..");
    const child = spawn(
      process.execPath,
      [require.resolve("ts-node/dist/bin.js"), "tools/simulator/main.ts", "--port", "0", "--profile", "instant"],
      {
        cwd: root,
        env: { ...process.env, FORGE_SIMULATOR_TOKEN: "cli-secret-token", TS_NODE_TRANSPILE_ONLY: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes("\n")) resolve(out.trim());
        });
        child.on("exit", (code) => reject(new Error(`simulator exited early with ${code}`)));
      });
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+\/api)/.exec(line)?.[1];
      expect(url).toBeDefined();
      expect(line).not.toContain("cli-secret-token");
      const response = await fetch(`${url}/orgs`, { headers: { Authorization: "Bearer cli-secret-token" } });
      expect(response.status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);
});
