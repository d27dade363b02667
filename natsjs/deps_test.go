package natsjs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestNoServerDependency: a program that imports only natsjs builds
// without any package of the NATS server.
func TestNoServerDependency(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	var sawNATS bool
	for _, d := range deps {
		if strings.Contains(d, "nats-server") {
			t.Errorf("natsjs depends on %s", d)
		}
		if d == "github.com/nats-io/nats.go/jetstream" {
			sawNATS = true
		}
	}
	if !sawNATS {
		t.Fatalf("the dependency list lacks the JetStream client, so it is not natsjs's:\n%s", out)
	}
	// And the module requires no server at all.
	mod, err := os.ReadFile(filepath.Join(".", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mod), "nats-server") {
		t.Error("natsjs/go.mod requires the NATS server")
	}
}
