package main

import (
	"errors"
	"strings"
)

// hostArgs is what the engine tells the host on its command line.
type hostArgs struct {
	engineAddress string
	tracing       string
}

// flagsWithSeparateValue are the flags the engine (or older CLIs) may pass as `--flag value` rather than
// `--flag=value`; their value must not be mistaken for the engine address.
var flagsWithSeparateValue = map[string]bool{
	"tracing": true,
	"root":    true,
}

// parseArgs accepts the engine's command line. Flags may use one or two dashes, and any flag this host does not know
// (`--logtostderr`, `-v=9`, `-root=...`, options added by newer engines) is accepted and ignored, so a CLI upgrade
// cannot stop the host from starting. The engine address is the last positional argument.
func parseArgs(argv []string) (hostArgs, error) {
	var parsed hostArgs
	var positional []string
	for i := 0; i < len(argv); i++ {
		arg := argv[i]
		if arg == "--" {
			positional = append(positional, argv[i+1:]...)
			break
		}
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			positional = append(positional, arg)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(arg, "-"), "=")
		if !hasValue && flagsWithSeparateValue[name] {
			if i+1 >= len(argv) {
				return hostArgs{}, errors.New("flag `--" + name + "` needs a value")
			}
			i++
			value = argv[i]
		}
		if name == "tracing" {
			parsed.tracing = value
		}
	}
	if len(positional) > 0 {
		parsed.engineAddress = positional[len(positional)-1]
	}
	return parsed, nil
}
