import { parseCliOptions, USAGE } from "./cli-options";
import { startSimulator } from "./index";

async function main(): Promise<void> {
  const { help, ...options } = parseCliOptions(process.argv.slice(2), process.env);
  if (help) {
    process.stdout.write(USAGE);
    return;
  }
  const simulator = await startSimulator(options);
  const check = simulator.contractCheck ? "contract check on" : "contract check OFF";
  process.stdout.write(
    `Forge simulator listening on ${simulator.url} (org ${options.org}, ${options.profile} profile, ${check})\n`,
  );
  const stop = (): void => {
    simulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`forge simulator: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
  process.exit(2);
});
