/** The scheduled sweep appends the status report, read from the local "server", to its job summary. */
import { collectStatus } from "../../../../cli/status/collect";
import { formatBytes } from "../../../../cli/status/headroom";
import { readServerMetrics } from "../../../../cli/status/server-metrics";
import { summary } from "../../../support/github/fake-operations";
import { type Harness, startHarness } from "../../../support/github/harness";
import { sshTarget, testServices } from "../../../support/services";
import { localServerConfig } from "../../../support/status-server";

const services = testServices();
let h: Harness;

beforeEach(async () => {
  h = await startHarness();
  h.env.GITHUB_REPOSITORY = "acme/forge-previews";
  h.ops.previews = [summary({ stack: "pr-8", pr: 8 })];
});

afterEach(async () => {
  await h.close();
});

describe("the sweep's job summary", () => {
  it("ends with the server's and the previews' status", async () => {
    const { entries, config } = localServerConfig(services, "sweep_summary_master");
    h.readStatus = async () =>
      collectStatus({
        config,
        entries,
        forge: null,
        now: h.now,
        previews: [{ summary: summary({ stack: "pr-8", pr: 8 }), outputs: {} }],
      });

    expect(await h.runSweep(["--dry-run"])).toBe(0);

    const text = await h.summaryText();
    expect(text.indexOf("### Preview server")).toBeGreaterThan(text.indexOf("`pr-8`"));
    const total = (await readServerMetrics(sshTarget(services))).memoryTotalBytes;
    expect(text).toMatch(new RegExp(`\\| memory \\| \\S+ \\w+ of ${formatBytes(total).replace(".", "\\.")} used`));
    expect(text).toMatch(/\| pr-8 \| customer \| 8 \| ok \|/);
    expect(text).not.toContain(services.mariadb.password);
  });

  it("still succeeds when the status cannot be read, and says so in the log", async () => {
    h.readStatus = async () => {
      throw new Error("no route to the server");
    };
    expect(await h.runSweep(["--dry-run"])).toBe(0);
    expect(h.out).toContain("status: could not be read: no route to the server");
  });
});
