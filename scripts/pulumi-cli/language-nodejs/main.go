// Command pulumi-language-nodejs is the Node.js language host the `pulumi` engine launches for `runtime: nodejs`
// projects. It serves pulumirpc.LanguageRuntime on 127.0.0.1 and runs each program by spawning `node` on
// `@pulumi/pulumi/cmd/run`, resolved from the program's directory, so the SDK version in node_modules decides how
// the program is executed.
//
// The engine starts it as `pulumi-language-nodejs [--logtostderr] [-v=N] [--tracing URL] <engine-address>` and
// reads the first stdout line as the gRPC port; everything printed afterwards (including the program's own output,
// which is passed straight through) is shown to the user as diagnostics.
package main

import (
	"fmt"
	"os"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
)

// version is stamped by scripts/pulumi-cli.sh (-X main.version=v<sdk version>) so GetPluginInfo reports the same
// version as the `pulumi` binary it is built with.
var version = "v0.0.0-dev"

func main() {
	if err := serve(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(1)
	}
}

func serve(argv []string) error {
	args, err := parseArgs(argv)
	if err != nil {
		return err
	}
	host := newNodeHost(args.engineAddress, args.tracing)

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		return fmt.Errorf("could not start the language host gRPC server: %w", err)
	}

	// The port must be the first line on stdout: the engine blocks on it before dialling.
	fmt.Printf("%d\n", handle.Port)

	if err := <-handle.Done; err != nil {
		return fmt.Errorf("language host gRPC server stopped: %w", err)
	}
	return nil
}
