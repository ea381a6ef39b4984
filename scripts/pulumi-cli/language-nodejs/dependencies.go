package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

type packageManifest struct {
	Version         string            `json:"version"`
	Dependencies    map[string]string `json:"dependencies"`
	DevDependencies map[string]string `json:"devDependencies"`
}

// programDependencies reads the nearest package.json at or above dir and, for every dependency it declares, reports
// the version installed in the nearest node_modules (as Node would resolve it), or the declared range when the
// package is not installed.
func programDependencies(dir string) ([]*pulumirpc.DependencyInfo, error) {
	manifestPath, err := findUp(dir, "package.json")
	if err != nil {
		return nil, err
	}
	manifest, err := readManifest(manifestPath)
	if err != nil {
		return nil, err
	}

	declared := map[string]string{}
	for name, spec := range manifest.DevDependencies {
		declared[name] = spec
	}
	for name, spec := range manifest.Dependencies {
		declared[name] = spec
	}

	names := make([]string, 0, len(declared))
	for name := range declared {
		names = append(names, name)
	}
	sort.Strings(names)

	deps := make([]*pulumirpc.DependencyInfo, 0, len(names))
	for _, name := range names {
		installed := declared[name]
		if path, err := findUp(dir, filepath.Join("node_modules", name, "package.json")); err == nil {
			if m, err := readManifest(path); err == nil && m.Version != "" {
				installed = m.Version
			}
		}
		deps = append(deps, &pulumirpc.DependencyInfo{Name: name, Version: installed})
	}
	return deps, nil
}

// findUp returns the first dir/rel, dir/../rel, ... that exists.
func findUp(dir, rel string) (string, error) {
	start, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for current := start; ; {
		candidate := filepath.Join(current, rel)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(current)
		if parent == current {
			return "", fmt.Errorf("no %s found in %s or any parent directory", rel, start)
		}
		current = parent
	}
}

func readManifest(path string) (packageManifest, error) {
	var m packageManifest
	raw, err := os.ReadFile(path)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("%s is not valid JSON: %w", path, err)
	}
	return m, nil
}
