// Package browsertest drives the gateway's page in headless Chromium: it
// places orders through the page's form, sees the fills appear, kills and
// restarts the gateway on the same directory, and checks that the page's
// stream resumed with no gap and no duplicate. It is a module of its own so
// that the engine's module does not depend on a browser driver.
//
//	go test ./examples/gateway/browsertest/   # needs chromium on PATH or at /usr/bin/chromium
//
// Without Chromium the test skips, unless CI=true, where it fails.
// BenchmarkGateway measures the gateway under a Go client (see its doc).
package browsertest
