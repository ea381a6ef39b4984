/** The rules of the alert channels that need no server: which webhook URLs are used, and how a failure is classed. */
import { alertsFromEnv } from "../../../../cli/alerts/alerts";
import { upFailureKind } from "../../../../cli/alerts/kinds";
import { webhookUrlProblem } from "../../../../cli/alerts/webhook-channel";
import { Redactor } from "../../../../cli/github/redactor";

describe("the webhook URL", () => {
  it.each([
    ["https://hooks.slack.com/services/T0/B0/x", null],
    ["http://127.0.0.1:8080/hook", null],
    ["http://hooks.example.com/services/T0/B0/x", "must be an https URL"],
    ["hooks.slack.com/services/x", "is not a URL"],
  ])("%s is %s", (url, problem) => {
    expect(webhookUrlProblem(url)).toBe(problem);
  });

  it("is refused in a warning that does not repeat it, and then no alert goes anywhere", () => {
    const out: string[] = [];
    const alerts = alertsFromEnv(
      {
        env: {
          GITHUB_ACTIONS: "true",
          FORGE_PREVIEWS_ALERT_WEBHOOK: "http://hooks.example.com/services/T0/hook-key-77",
        },
        out: (line) => out.push(line),
        now: () => new Date(),
      },
      { issueRepository: null },
      new Redactor(),
    );
    expect(alerts.enabled).toBe(false);
    expect(out).toEqual(["::warning::FORGE_PREVIEWS_ALERT_WEBHOOK must be an https URL; alerts go to no webhook."]);
  });
});

describe("a failed up", () => {
  it.each([
    ["create forge:index:LetsEncryptCert pr-12-certificate", true, "certificate-failed"],
    ["update forge:index:LetsEncryptCert pr-12-certificate", false, "certificate-failed"],
    ["create forge:index:Site pr-12", true, "creation-failed"],
    ["create forge:index:Deployment pr-12-deployment", false, "deployment-failed"],
  ])("failing at %s (creating: %s) is a %s", (step, creating, kind) => {
    expect(upFailureKind(step, creating)).toBe(kind);
  });
});
