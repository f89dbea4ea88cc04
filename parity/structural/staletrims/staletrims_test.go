package staletrims

import (
	"testing"

	"github.com/webernetes/webernetes/parity/structural/structuraltest"
)

func TestPass(t *testing.T) {
	if fs := structuraltest.Run(t, "testdata/pass", Run); len(fs) != 0 {
		t.Errorf("the passing case has %d findings", len(fs))
	}
}

func TestFail(t *testing.T) {
	if fs := structuraltest.Run(t, "testdata/fail", Run); len(fs) == 0 {
		t.Error("the failing case has no findings")
	}
}
