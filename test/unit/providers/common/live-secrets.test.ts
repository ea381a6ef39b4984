import { detectLiveSecret } from "../../../../providers/common/live-secrets";

describe("detectLiveSecret", () => {
  it.each([
    ["sk_live_51HxYzAbCdEf", "a live Stripe secret key"],
    ["prefix sk_live_abc", "a live Stripe secret key"],
    ["rk_live_abc123", "a live Stripe restricted key"],
    ["pk_live_abc123", "a live Stripe publishable key"],
    ["pdl_live_apikey_01abc", "a live Paddle API key"],
    ["AKIAIOSFODNN7EXAMPLE", "an AWS access key id"],
    ["xoxb-123456789012-abcdefghij", "a Slack bot or user token"],
  ])("recognises %s as %s", (value, kind) => expect(detectLiveSecret(value)).toBe(kind));

  it.each(["sk_test_51HxYzAbCdEf", "pk_test_abc", "base64:AbCdEf==", "log", "AKIA-short", "whsec_test", ""])(
    "lets %p through",
    (value) => {
      expect(detectLiveSecret(value)).toBeNull();
    },
  );
});
