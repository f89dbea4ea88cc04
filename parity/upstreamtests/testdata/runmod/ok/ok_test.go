package ok

import "testing"

func TestPass(t *testing.T) {}

func TestExcluded(t *testing.T) { t.Fatal("excluded test ran") }

func TestTable(t *testing.T) {
	for _, name := range []string{"good", "bad case"} {
		t.Run(name, func(t *testing.T) {
			if name != "good" {
				t.Fatal("excluded subtest ran")
			}
		})
	}
}
