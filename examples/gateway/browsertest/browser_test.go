package browsertest

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/agora-exchange/agora/catalog"
	"github.com/chromedp/chromedp"
)

// chromium returns the browser's path; without one the test skips, or
// fails when CI=true.
func chromium(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"chromium", "chromium-browser", "/usr/bin/chromium"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (CI=true: install it, see .ci/run)")
	}
	t.Skip("chromium is not installed")
	return ""
}

// buildGateway builds the gateway binary into a temporary directory, from
// its source next to this module.
func buildGateway(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "gateway")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build the gateway: %v\n%s", err, out)
	}
	return bin
}

// gateway is a running gateway process.
type gateway struct {
	cmd *exec.Cmd
	url string // http://127.0.0.1:port/
}

var urlRE = regexp.MustCompile(`http://127\.0\.0\.1:\d+/`)

// startGateway starts bin on dir at addr and waits for it to print its URL.
func startGateway(t testing.TB, bin, dir, addr string, args ...string) *gateway {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-dir", dir, "-addr", addr}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g := &gateway{cmd: cmd}
	t.Cleanup(g.kill)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("gateway output %q: %v", line, err)
	}
	go func() { _, _ = io.Copy(io.Discard, out) }()
	if g.url = urlRE.FindString(line); g.url == "" {
		t.Fatalf("gateway printed %q, no URL", line)
	}
	return g
}

// kill ends the process at once, as a crash would (SIGKILL).
func (g *gateway) kill() {
	if g.cmd.ProcessState == nil {
		_ = g.cmd.Process.Kill()
		_ = g.cmd.Wait()
	}
}

func (g *gateway) participant(t testing.TB, inn string) catalog.Participant {
	t.Helper()
	res, err := http.Get(g.url + "api/participants?inn=" + inn)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p catalog.Participant
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || res.StatusCode != 200 {
		t.Fatalf("lookup INN %s: %d %v", inn, res.StatusCode, err)
	}
	return p
}

// newBrowser starts headless Chromium with a fresh profile and returns its
// context. On failure a screenshot of the page is saved and its path
// logged.
func newBrowser(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	ctx, cancel := context.WithTimeout(bctx, timeout)
	t.Cleanup(func() {
		if t.Failed() {
			screenshot(t, bctx)
		}
		cancel()
		cancelBrowser()
		cancelAlloc()
	})
	return ctx
}

func screenshot(t *testing.T, ctx context.Context) {
	dir, err := os.MkdirTemp("", "agora-browsertest-")
	if err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot: %v", err)
	}
	state, _ := chromedp.Run(sctx, chromedp.Evaluate[string](`JSON.stringify({seqs: agora.seqs, gaps: agora.gaps, feedErrors: agora.feedErrors, result: document.getElementById("order-result").textContent})`))
	path := filepath.Join(dir, "page.png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("screenshot: %v", err)
		return
	}
	t.Logf("screenshot of the page: %s (page state %s)", path, state)
}

// placeThroughForm fills the page's order form, submits it, waits for the
// page to show the outcome and for its stream to deliver that command, and
// returns the command's seq.
func placeThroughForm(t *testing.T, ctx context.Context, p catalog.ParticipantID, side string, price, qty int) uint64 {
	t.Helper()
	before, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`agora.lastResult ? agora.lastResult.seq : 0`))
	if err != nil {
		t.Fatal(err)
	}
	var seq float64
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("order-participant"), fmt.Sprint(uint32(p))),
		chromedp.SetValue(chromedp.ID("order-side"), side),
		chromedp.SetValue(chromedp.ID("order-type"), "limit"),
		chromedp.SetValue(chromedp.ID("order-tif"), "gtc"),
		chromedp.SetValue(chromedp.ID("order-price"), fmt.Sprint(price)),
		chromedp.SetValue(chromedp.ID("order-qty"), fmt.Sprint(qty)),
		chromedp.Click(chromedp.ID("order-submit")),
		poll(fmt.Sprintf(`agora.lastResult && agora.lastResult.seq > %v`, before)),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) (err error) {
			seq, err = chromedp.Evaluate[float64](`agora.lastResult.seq`)(ctx, tg)
			return err
		}),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := poll(fmt.Sprintf(`agora.lastSeq >= %v`, seq))(ctx, tg)
			return err
		}),
	)
	if err != nil {
		result, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("order-result")))
		t.Fatalf("place %s %d @ %d through the form: %v (page says %q)", side, qty, price, err, result)
	}
	return uint64(seq)
}

// poll waits until the JavaScript expression is truthy.
func poll(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[any](expr)(ctx, t)
		return err
	})
}

func TestPageLiveFillsAndResumeAfterRestart(t *testing.T) {
	chromium(t)
	bin := buildGateway(t)
	dir := t.TempDir()
	g := startGateway(t, bin, dir, "127.0.0.1:0")
	addr := strings.TrimSuffix(strings.TrimPrefix(g.url, "http://"), "/")
	seller, buyer := g.participant(t, "5001007329").ID, g.participant(t, "7707083893").ID

	ctx := newBrowser(t, 90*time.Second)
	err := chromedp.Do(ctx,
		chromedp.Navigate(g.url),
		chromedp.WaitVisible(chromedp.CSS(`body[data-rendered="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#stream-status.live`)),
	)
	if err != nil {
		t.Fatalf("load the page: %v", err)
	}
	firstRender, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`agora.firstRender`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("time to first render of the book: %.1f ms after navigation start", firstRender)

	placeThroughForm(t, ctx, seller, "sell", 550000, 10)
	placeThroughForm(t, ctx, buyer, "buy", 550000, 4)
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(`#fills tr.fill`)),
		chromedp.WaitVisible(chromedp.Search(`//tbody[@id="asks"]/tr/td[text()="6"]`)),
	); err != nil {
		t.Fatalf("the fill did not appear: %v", err)
	}
	fill, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#fills tr.fill`)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(fill, "5500.00") || !strings.Contains(fill, "StroyMontazh") || !strings.Contains(fill, "CementTorg") {
		t.Fatalf("fill row %q: want 4 at 5500.00, StroyMontazh buying from CementTorg", fill)
	}

	// Crash and restart on the same directory and address.
	g.kill()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#stream-status:not(.live)`))); err != nil {
		t.Fatalf("the page did not notice the gateway was gone: %v", err)
	}
	startGateway(t, bin, dir, addr)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(`#stream-status.live`))); err != nil {
		t.Fatalf("the page did not reconnect: %v", err)
	}
	last := placeThroughForm(t, ctx, buyer, "buy", 550000, 3)
	if err := chromedp.Do(ctx,
		poll(`document.querySelectorAll("#fills tr.fill").length === 2`),
		chromedp.WaitVisible(chromedp.Search(`//tbody[@id="asks"]/tr/td[text()="3"]`)),
	); err != nil {
		t.Fatalf("the fill after the restart did not appear: %v", err)
	}
	seqs, err := chromedp.Run(ctx, chromedp.Evaluate[[]uint64](`agora.seqs`))
	if err != nil {
		t.Fatal(err)
	}
	gaps, err := chromedp.Run(ctx, chromedp.Evaluate[[]any](`agora.gaps`))
	if err != nil {
		t.Fatal(err)
	}
	feedErrors, err := chromedp.Run(ctx, chromedp.Evaluate[[]any](`agora.feedErrors`))
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != int(last) || len(gaps) != 0 || len(feedErrors) != 0 {
		t.Fatalf("the page saw seqs %v (gaps %v, feed errors %v), want 1..%d", seqs, gaps, feedErrors, last)
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("the page saw seqs %v: a gap or a duplicate at %d", seqs, i)
		}
	}
}
