package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// exitCodeAlreadyReported is the exit code @pulumi/pulumi/cmd/run uses after it has logged the program's error to
// the engine itself; the engine must then stop without printing a second, generic error.
const exitCodeAlreadyReported = 32

const runScript = "@pulumi/pulumi/cmd/run"

// Run executes the program once: `node [nodeargs] <@pulumi/pulumi/cmd/run> <flags> <entry point> [args]`, with the
// flags and environment that cmd/run reads (see node_modules/@pulumi/pulumi/cmd/run/index.js and run.js). Its
// stdout and stderr are the host's own, so the engine shows them as the program's output. A failing program is
// reported in RunResponse.Error (or Bail, when cmd/run already logged the error); a gRPC error is kept for requests
// the host cannot make sense of.
func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	opts, err := readRuntimeOptions(req.GetInfo().GetOptions())
	if err != nil {
		return nil, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return &pulumirpc.RunResponse{Error: errNodeMissing(err).Error()}, nil
	}

	programDir, pwd := runDirectories(req)
	runPath, err := resolveRunScript(ctx, node, programDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	env, err := runEnvironment(req, opts)
	if err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, node, runArguments(req, opts, runPath, h.engine(), h.tracing, programDir, pwd)...)
	cmd.Dir = pwd
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	return runResponse(cmd.Run()), nil
}

// runDirectories returns the directory holding the program and the directory to run it in. Engines send both; the
// program directory falls back to pwd for engines that only fill the deprecated fields.
func runDirectories(req *pulumirpc.RunRequest) (programDir, pwd string) {
	programDir = req.GetInfo().GetProgramDirectory()
	pwd = req.GetPwd()
	if pwd == "" {
		pwd = programDir
	}
	if programDir == "" {
		programDir = pwd
	}
	return programDir, pwd
}

// runArguments builds cmd/run's command line. Values are passed as `--flag=value` so a value starting with a dash
// cannot be read as a flag.
func runArguments(
	req *pulumirpc.RunRequest, opts runtimeOptions, runPath, engineAddress, tracing, programDir, pwd string,
) []string {
	args := append([]string{}, opts.nodeArgs...)
	args = append(args, runPath)
	add := func(flag, value string) {
		if value != "" {
			args = append(args, "--"+flag+"="+value)
		}
	}
	add("monitor", req.GetMonitorAddress())
	add("engine", engineAddress)
	add("organization", req.GetOrganization())
	add("project", req.GetProject())
	add("root-directory", req.GetInfo().GetRootDirectory())
	add("stack", req.GetStack())
	add("pwd", pwd)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() != 0 {
		add("parallel", strconv.Itoa(int(req.GetParallel())))
	}
	add("tracing", tracing)
	args = append(args, entryPoint(req, programDir, pwd))
	return append(args, req.GetArgs()...)
}

// entryPoint is the program argument for cmd/run, relative to pwd. "." lets cmd/run pick the entry point from
// package.json (`exports` or `main`), which is how a project without `main` in Pulumi.yaml is run.
func entryPoint(req *pulumirpc.RunRequest, programDir, pwd string) string {
	entry := req.GetInfo().GetEntryPoint()
	if entry == "" {
		entry = req.GetProgram()
	}
	if entry == "" {
		entry = "."
	}
	if filepath.IsAbs(entry) || filepath.Clean(programDir) == filepath.Clean(pwd) {
		return entry
	}
	return filepath.Join(programDir, entry)
}

// runEnvironment passes stack config the way the SDK reads it: PULUMI_CONFIG is a JSON object of `project:key`
// names to values, PULUMI_CONFIG_SECRET_KEYS a JSON array of the names whose values are secret (the values arrive
// decrypted, and the SDK re-wraps them as secrets).
func runEnvironment(req *pulumirpc.RunRequest, opts runtimeOptions) ([]string, error) {
	config := req.GetConfig()
	if config == nil {
		config = map[string]string{}
	}
	configJSON, err := json.Marshal(config)
	if err != nil {
		return nil, fmt.Errorf("encoding stack config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("encoding secret config keys: %w", err)
	}

	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(configJSON),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON),
		"PULUMI_NODEJS_TYPESCRIPT="+strconv.FormatBool(opts.typescript),
	)
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	return env, nil
}

// resolveRunScript finds @pulumi/pulumi/cmd/run the way the program itself will find @pulumi/pulumi: with Node's
// resolution from the program directory (node_modules up the tree, then NODE_PATH).
func resolveRunScript(ctx context.Context, node, programDir string) (string, error) {
	cmd := exec.CommandContext(ctx, node, "-e", "process.stdout.write(require.resolve(process.argv[1]))", runScript)
	cmd.Dir = programDir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("could not resolve %s from %s (is @pulumi/pulumi installed? run `npm ci` at the "+
			"repository root): %v: %s", runScript, programDir, err, firstLine(stderr.String()))
	}
	return string(out), nil
}

// runResponse turns node's exit into the engine's terms.
func runResponse(err error) *pulumirpc.RunResponse {
	if err == nil {
		return &pulumirpc.RunResponse{}
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run node: %v", err)}
	}
	if status, ok := exitErr.Sys().(syscall.WaitStatus); ok && status.Signaled() {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("program was stopped by signal %v", status.Signal())}
	}
	if exitErr.ExitCode() == exitCodeAlreadyReported {
		return &pulumirpc.RunResponse{Bail: true}
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited with non-zero exit code: %d", exitErr.ExitCode())}
}

// runtimeOptions are Pulumi.yaml's `runtime.options` for nodejs.
type runtimeOptions struct {
	typescript bool     // run the program through ts-node (default true)
	tsconfig   string   // tsconfig path for ts-node, relative to the program directory
	nodeArgs   []string // extra arguments for node itself, e.g. --max-old-space-size=4096
}

func readRuntimeOptions(options *structpb.Struct) (runtimeOptions, error) {
	opts := runtimeOptions{typescript: true}
	for name, value := range options.GetFields() {
		switch name {
		case "typescript":
			b, ok := value.GetKind().(*structpb.Value_BoolValue)
			if !ok {
				return opts, fmt.Errorf("Pulumi.yaml `runtime.options.typescript` must be true or false")
			}
			opts.typescript = b.BoolValue
		case "tsconfig":
			s, ok := value.GetKind().(*structpb.Value_StringValue)
			if !ok {
				return opts, fmt.Errorf("Pulumi.yaml `runtime.options.tsconfig` must be a path string")
			}
			opts.tsconfig = s.StringValue
		case "nodeargs":
			s, ok := value.GetKind().(*structpb.Value_StringValue)
			if !ok {
				return opts, fmt.Errorf("Pulumi.yaml `runtime.options.nodeargs` must be a string of node flags")
			}
			opts.nodeArgs = strings.Fields(s.StringValue)
		}
		// Other options (packagemanager, ...) concern dependency installation, which this host leaves to npm.
	}
	return opts, nil
}

func errNodeMissing(err error) error {
	return fmt.Errorf("could not find `node` on PATH (run `bash scripts/setup.sh` and put the directories it prints on PATH): %w", err)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
