package main

import "testing"

func TestParseArgsTakesTheLastPositionalAsTheEngineAddress(t *testing.T) {
	got, err := parseArgs([]string{"--logtostderr", "-v=9", "--tracing", "http://127.0.0.1:9411", "127.0.0.1:4242"})
	if err != nil {
		t.Fatal(err)
	}
	if got.engineAddress != "127.0.0.1:4242" || got.tracing != "http://127.0.0.1:9411" {
		t.Fatalf("unexpected parse: %+v", got)
	}
}

func TestParseArgsIgnoresUnknownFlagsAndSingleDashForms(t *testing.T) {
	got, err := parseArgs([]string{"-root=/tmp/project", "-tracing=", "--future-flag", "-root", "/elsewhere", "127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	if got.engineAddress != "127.0.0.1:1" || got.tracing != "" {
		t.Fatalf("unexpected parse: %+v", got)
	}
}

func TestParseArgsRejectsAFlagMissingItsValue(t *testing.T) {
	if _, err := parseArgs([]string{"127.0.0.1:1", "--tracing"}); err == nil {
		t.Fatal("expected an error for a trailing --tracing without a value")
	}
}

func TestParseArgsAllowsNoEngineAddress(t *testing.T) {
	got, err := parseArgs(nil)
	if err != nil || got.engineAddress != "" {
		t.Fatalf("unexpected parse: %+v, %v", got, err)
	}
}
