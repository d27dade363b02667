// Command modtool keeps the repository's Go modules publishable. It lives
// under .ci, where the ./... pattern of the root module does not reach, and
// uses the standard library only, so it runs with
//
//	go run .ci/modtool/main.go <subcommand> [flags]
//
// from the repository root. Subcommands:
//
//	modules              print "dir module-path" for every go.mod of the working tree
//	version [-dir D] [-commit C]
//	                     print the version the go command gives the module in D
//	                     at commit C (default HEAD): its tag if C is tagged,
//	                     otherwise a pseudo-version
//	dependents -path M   print the dir of every other module that requires M
//	work [-check]        write go.work: use every module, and replace every
//	                     version of a repository module that another one
//	                     requires by its directory; -check reports a stale
//	                     go.work instead of writing it
//	proxy -out P [-head] write a GOPROXY=file://P module proxy holding every
//	                     version of a repository module that a go.mod of the
//	                     working tree requires; -head adds each module at HEAD
//	                     and points its @latest there
//
// The proxy's zip files follow the rules the go command applies when it
// fetches a module from git: the files of `git archive` under the module's
// directory, without nested modules' directories, vendored packages or
// anything but regular files, plus the repository's LICENSE for a module in
// a subdirectory that has none. Their go.sum hashes therefore are the ones a
// public proxy computes for the same commits.
//
// Every go.mod is checked on the way: a replace directive is an error,
// because the go command refuses to install from a module that has one.
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: modtool modules|version|dependents|work|proxy [flags]")
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "modules":
		err = cmdModules(args)
	case "version":
		err = cmdVersion(args)
	case "dependents":
		err = cmdDependents(args)
	case "work":
		err = cmdWork(args)
	case "proxy":
		err = cmdProxy(args)
	default:
		err = fmt.Errorf("unknown subcommand %q", cmd)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "modtool:", err)
		os.Exit(1)
	}
}

// A module is one go.mod of the working tree.
type module struct {
	Dir      string // slash-separated, relative to the repository root; "." for the root
	Path     string
	Go       string
	Requires []requirement
}

type requirement struct{ Path, Version string }

// parseGoMod reads the module path, go version and requirements of a go.mod.
// It rejects replace directives.
func parseGoMod(name string, data []byte) (module, error) {
	var m module
	block := ""
	for i, line := range strings.Split(string(data), "\n") {
		if j := strings.Index(line, "//"); j >= 0 {
			line = line[:j]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if block != "" {
			if f[0] == ")" {
				block = ""
				continue
			}
			f = append([]string{block}, f...)
		} else if len(f) == 2 && f[1] == "(" {
			block = f[0]
			if block == "replace" {
				return m, fmt.Errorf("%s:%d: replace directive: a published go.mod must not have one (go.work carries the development replaces)", name, i+1)
			}
			continue
		}
		unq := func(s string) string {
			if u, err := strconv.Unquote(s); err == nil {
				return u
			}
			return s
		}
		switch f[0] {
		case "module":
			if len(f) == 2 {
				m.Path = unq(f[1])
			}
		case "go":
			if len(f) == 2 {
				m.Go = f[1]
			}
		case "require":
			if len(f) != 3 {
				return m, fmt.Errorf("%s:%d: malformed require", name, i+1)
			}
			m.Requires = append(m.Requires, requirement{unq(f[1]), f[2]})
		case "replace":
			return m, fmt.Errorf("%s:%d: replace directive: a published go.mod must not have one (go.work carries the development replaces)", name, i+1)
		}
	}
	if m.Path == "" {
		return m, fmt.Errorf("%s: no module directive", name)
	}
	return m, nil
}

func git(args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	c := exec.Command("git", args...)
	c.Stderr = &stderr
	out, err := c.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// workingModules returns the modules of the working tree: every go.mod that
// is tracked or untracked but not ignored, outside .git.
func workingModules() ([]module, error) {
	out, err := git("ls-files", "--cached", "--others", "--exclude-standard", "--", ":(glob)go.mod", ":(glob)**/go.mod")
	if err != nil {
		return nil, err
	}
	var mods []module
	seen := map[string]bool{}
	for _, name := range strings.Fields(string(out)) {
		if seen[name] {
			continue
		}
		seen[name] = true
		data, err := os.ReadFile(filepath.FromSlash(name))
		if errors.Is(err, os.ErrNotExist) {
			continue // deleted in the working tree
		}
		if err != nil {
			return nil, err
		}
		m, err := parseGoMod(name, data)
		if err != nil {
			return nil, err
		}
		m.Dir = path.Dir(name)
		mods = append(mods, m)
	}
	slices.SortFunc(mods, func(a, b module) int { return strings.Compare(a.Dir, b.Dir) })
	if len(mods) == 0 || mods[0].Dir != "." {
		return nil, errors.New("no go.mod at the repository root")
	}
	return mods, nil
}

func cmdModules(args []string) error {
	if len(args) != 0 {
		return errors.New("modules takes no arguments")
	}
	mods, err := workingModules()
	if err != nil {
		return err
	}
	for _, m := range mods {
		fmt.Println(m.Dir, m.Path)
	}
	return nil
}

func cmdDependents(args []string) error {
	fs := flag.NewFlagSet("dependents", flag.ExitOnError)
	target := fs.String("path", "", "module path")
	fs.Parse(args)
	mods, err := workingModules()
	if err != nil {
		return err
	}
	for _, m := range mods {
		for _, r := range m.Requires {
			if r.Path == *target && m.Path != *target {
				fmt.Println(m.Dir)
				break
			}
		}
	}
	return nil
}

// commitInfo returns the full hash and the committer time of a commit.
func commitInfo(rev string) (string, time.Time, error) {
	out, err := git("log", "-1", "--format=%H %ct", rev+"^{commit}", "--")
	if err != nil {
		return "", time.Time{}, err
	}
	f := strings.Fields(string(out))
	if len(f) != 2 {
		return "", time.Time{}, fmt.Errorf("git log %s: unexpected output %q", rev, out)
	}
	sec, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return "", time.Time{}, err
	}
	return f[0], time.Unix(sec, 0).UTC(), nil
}

// semver is a parsed vMAJOR.MINOR.PATCH[-PRERELEASE] version.
type semver struct {
	num [3]int
	pre string
}

var semverRE = regexp.MustCompile(`^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(?:-([0-9A-Za-z.-]+))?$`)

func parseSemver(v string) (semver, bool) {
	m := semverRE.FindStringSubmatch(v)
	if m == nil {
		return semver{}, false
	}
	var s semver
	for i := range 3 {
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return semver{}, false
		}
		s.num[i] = n
	}
	s.pre = m[4]
	return s, true
}

func compareSemver(a, b semver) int {
	for i := range 3 {
		if c := a.num[i] - b.num[i]; c != 0 {
			return c
		}
	}
	switch {
	case a.pre == b.pre:
		return 0
	case a.pre == "":
		return 1
	case b.pre == "":
		return -1
	}
	x, y := strings.Split(a.pre, "."), strings.Split(b.pre, ".")
	for i := 0; i < len(x) && i < len(y); i++ {
		nx, ex := strconv.Atoi(x[i])
		ny, ey := strconv.Atoi(y[i])
		switch {
		case ex == nil && ey == nil:
			if nx != ny {
				return nx - ny
			}
		case ex == nil:
			return -1
		case ey == nil:
			return 1
		default:
			if c := strings.Compare(x[i], y[i]); c != 0 {
				return c
			}
		}
	}
	return len(x) - len(y)
}

// major is the major version a module path admits: N for a path ending in
// /vN (N >= 2), otherwise -1 for "0 or 1".
func major(modPath string) int {
	i := strings.LastIndex(modPath, "/v")
	if i < 0 {
		return -1
	}
	n, err := strconv.Atoi(modPath[i+2:])
	if err != nil || n < 2 {
		return -1
	}
	return n
}

// tagPrefix is the prefix of a module's version tags: "" at the root,
// "dir/" for a module in a subdirectory.
func tagPrefix(dir string) string {
	if dir == "." {
		return ""
	}
	return dir + "/"
}

// versionAt computes the version the go command assigns to the module at
// dir, path modPath, at the given commit.
func versionAt(dir, modPath, rev string) (string, error) {
	hash, t, err := commitInfo(rev)
	if err != nil {
		return "", err
	}
	want := major(modPath)
	okMajor := func(s semver) bool {
		if want < 0 {
			return s.num[0] <= 1
		}
		return s.num[0] == want
	}
	best := func(tags []byte) (string, semver, bool) {
		var bv string
		var bs semver
		found := false
		for _, tag := range strings.Fields(string(tags)) {
			v, ok := strings.CutPrefix(tag, tagPrefix(dir))
			if !ok {
				continue
			}
			s, ok := parseSemver(v)
			if !ok || !okMajor(s) {
				continue
			}
			if !found || compareSemver(s, bs) > 0 {
				bv, bs, found = v, s, true
			}
		}
		return bv, bs, found
	}
	pattern := tagPrefix(dir) + "v*"
	exact, err := git("tag", "--points-at", hash, "--list", pattern)
	if err != nil {
		return "", err
	}
	if v, _, ok := best(exact); ok {
		return v, nil
	}
	merged, err := git("tag", "--merged", hash, "--list", pattern)
	if err != nil {
		return "", err
	}
	stamp := t.Format("20060102150405") + "-" + hash[:12]
	v, s, ok := best(merged)
	switch {
	case !ok && want < 0:
		return "v0.0.0-" + stamp, nil
	case !ok:
		return fmt.Sprintf("v%d.0.0-%s", want, stamp), nil
	case s.pre != "":
		return v + ".0." + stamp, nil
	default:
		return fmt.Sprintf("v%d.%d.%d-0.%s", s.num[0], s.num[1], s.num[2]+1, stamp), nil
	}
}

func cmdVersion(args []string) error {
	fs := flag.NewFlagSet("version", flag.ExitOnError)
	dir := fs.String("dir", ".", "module directory, relative to the repository root")
	rev := fs.String("commit", "HEAD", "commit")
	fs.Parse(args)
	m, err := moduleAt(*dir)
	if err != nil {
		return err
	}
	v, err := versionAt(m.Dir, m.Path, *rev)
	if err != nil {
		return err
	}
	fmt.Println(v)
	return nil
}

func moduleAt(dir string) (module, error) {
	mods, err := workingModules()
	if err != nil {
		return module{}, err
	}
	dir = path.Clean(filepath.ToSlash(dir))
	for _, m := range mods {
		if m.Dir == dir {
			return m, nil
		}
	}
	return module{}, fmt.Errorf("no module in %s", dir)
}

// workFile renders go.work for the given modules.
func workFile(goVersion string, mods []module) []byte {
	var b bytes.Buffer
	b.WriteString("// Development workspace: every module of the repository, built from the\n")
	b.WriteString("// working tree. Each version of a repository module that another one\n")
	b.WriteString("// requires is replaced by its directory. Written by .ci/bump-root\n")
	b.WriteString("// (go run .ci/modtool/main.go work); go.work is never published.\n\n")
	fmt.Fprintf(&b, "go %s\n\nuse (\n", goVersion)
	for _, m := range mods {
		fmt.Fprintf(&b, "\t%s\n", useDir(m.Dir))
	}
	b.WriteString(")\n")
	dirOf := map[string]string{}
	for _, m := range mods {
		dirOf[m.Path] = m.Dir
	}
	type rep struct{ path, version, dir string }
	var reps []rep
	seen := map[rep]bool{}
	for _, m := range mods {
		for _, r := range m.Requires {
			d, ok := dirOf[r.Path]
			if !ok {
				continue
			}
			x := rep{r.Path, r.Version, d}
			if !seen[x] {
				seen[x] = true
				reps = append(reps, x)
			}
		}
	}
	slices.SortFunc(reps, func(a, b rep) int {
		return strings.Compare(a.path+" "+a.version, b.path+" "+b.version)
	})
	if len(reps) > 0 {
		b.WriteString("\n")
	}
	for _, r := range reps {
		target := useDir(r.dir)
		if target == "." {
			target = "./"
		}
		fmt.Fprintf(&b, "replace %s %s => %s\n", r.path, r.version, target)
	}
	return b.Bytes()
}

func useDir(dir string) string {
	if dir == "." {
		return "."
	}
	return "./" + dir
}

func cmdWork(args []string) error {
	fs := flag.NewFlagSet("work", flag.ExitOnError)
	check := fs.Bool("check", false, "report a stale go.work instead of writing it")
	fs.Parse(args)
	mods, err := workingModules()
	if err != nil {
		return err
	}
	goVersion := mods[0].Go
	old, err := os.ReadFile("go.work")
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	for _, line := range strings.Split(string(old), "\n") {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "go" {
			goVersion = f[1]
		}
	}
	if goVersion == "" {
		return errors.New("no go version in go.work or the root go.mod")
	}
	want := workFile(goVersion, mods)
	if *check {
		if !bytes.Equal(old, want) {
			return fmt.Errorf("go.work is stale; run .ci/bump-root or go run .ci/modtool/main.go work. Want:\n%s", want)
		}
		return nil
	}
	return os.WriteFile("go.work", want, 0o644)
}

// pseudoRE matches the timestamp and revision of a pseudo-version.
var pseudoRE = regexp.MustCompile(`[-.]([0-9]{14})-([0-9a-f]{12})$`)

// resolve finds the commit of a version of the module in dir.
func resolve(dir, version string) (string, time.Time, error) {
	if m := pseudoRE.FindStringSubmatch(version); m != nil {
		hash, t, err := commitInfo(m[2])
		if err != nil {
			return "", time.Time{}, fmt.Errorf("%s: commit %s is not in this clone (fetch the full history: git fetch --unshallow): %w", version, m[2], err)
		}
		if !strings.HasPrefix(hash, m[2]) {
			return "", time.Time{}, fmt.Errorf("%s: %s names commit %s", version, m[2], hash)
		}
		if got := t.Format("20060102150405"); got != m[1] {
			return "", time.Time{}, fmt.Errorf("%s: commit %s was made at %s UTC, not %s", version, hash[:12], got, m[1])
		}
		return hash, t, nil
	}
	if _, ok := parseSemver(version); !ok {
		return "", time.Time{}, fmt.Errorf("%s: not a version", version)
	}
	return commitInfo("refs/tags/" + tagPrefix(dir) + version)
}

// escape applies the module proxy's case encoding.
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isVendoredPackage reports whether a file belongs to a vendored package,
// which a module zip leaves out. It keeps the go command's historical
// offset quirk, which module checksums depend on.
func isVendoredPackage(name string) bool {
	var i int
	if strings.HasPrefix(name, "vendor/") {
		i += len("vendor/")
	} else if strings.Contains(name, "/vendor/") {
		i += len("/vendor/")
	} else {
		return false
	}
	return strings.Contains(name[i:], "/")
}

// archive reads the regular files of a commit, keyed by slash path.
func archive(hash string) (map[string][]byte, error) {
	out, err := git("archive", "--format=tar", hash)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, nil
		}
		if err != nil {
			return nil, err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, err
		}
		files[h.Name] = data
	}
}

// moduleZip builds the zip of the module at dir from a commit's files and
// returns it with the module's go.mod.
func moduleZip(files map[string][]byte, dir, modPath, version string) (zipData, goMod []byte, err error) {
	prefix := tagPrefix(dir)
	goMod, ok := files[prefix+"go.mod"]
	if !ok {
		return nil, nil, fmt.Errorf("%s@%s: no %sgo.mod in that commit", modPath, version, prefix)
	}
	m, err := parseGoMod(prefix+"go.mod@"+version, goMod)
	if err != nil {
		return nil, nil, err
	}
	if m.Path != modPath {
		return nil, nil, fmt.Errorf("%s@%s: %sgo.mod declares module %s", modPath, version, prefix, m.Path)
	}
	var nested []string
	for name := range files {
		if path.Base(name) == "go.mod" && name != prefix+"go.mod" && strings.HasPrefix(name, prefix) {
			nested = append(nested, strings.TrimSuffix(name, "go.mod"))
		}
	}
	var names []string
	for name := range files {
		rel, ok := strings.CutPrefix(name, prefix)
		if !ok || isVendoredPackage(rel) {
			continue
		}
		if slices.ContainsFunc(nested, func(n string) bool { return strings.HasPrefix(name, n) }) {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(rel string, data []byte) error {
		w, err := zw.CreateHeader(&zip.FileHeader{
			Name:     modPath + "@" + version + "/" + rel,
			Method:   zip.Deflate,
			Modified: time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC),
		})
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	}
	haveLicense := false
	for _, name := range names {
		rel := strings.TrimPrefix(name, prefix)
		haveLicense = haveLicense || rel == "LICENSE"
		if err := add(rel, files[name]); err != nil {
			return nil, nil, err
		}
	}
	if lic, ok := files["LICENSE"]; ok && !haveLicense && prefix != "" {
		if err := add("LICENSE", lic); err != nil {
			return nil, nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, nil, err
	}
	return buf.Bytes(), goMod, nil
}

func cmdProxy(args []string) error {
	fs := flag.NewFlagSet("proxy", flag.ExitOnError)
	out := fs.String("out", "", "proxy directory (created)")
	head := fs.Bool("head", false, "add every module at HEAD and make it @latest")
	fs.Parse(args)
	if *out == "" {
		return errors.New("proxy: -out is required")
	}
	mods, err := workingModules()
	if err != nil {
		return err
	}
	byPath := map[string]module{}
	for _, m := range mods {
		if o, dup := byPath[m.Path]; dup {
			return fmt.Errorf("module %s is declared in both %s and %s", m.Path, o.Dir, m.Dir)
		}
		byPath[m.Path] = m
	}
	type want struct {
		mod     module
		version string
		latest  bool
	}
	var wants []want
	for _, m := range mods {
		for _, r := range m.Requires {
			if d, ok := byPath[r.Path]; ok {
				wants = append(wants, want{d, r.Version, false})
			}
		}
	}
	if *head {
		for _, m := range mods {
			v, err := versionAt(m.Dir, m.Path, "HEAD")
			if err != nil {
				return err
			}
			wants = append(wants, want{m, v, true})
		}
	}
	cache := map[string]map[string][]byte{}
	done := map[string]bool{}
	for _, w := range wants {
		key := w.mod.Path + "@" + w.version
		if done[key] && !w.latest {
			continue
		}
		hash, t, err := resolve(w.mod.Dir, w.version)
		if err != nil {
			return fmt.Errorf("%s: %w", w.mod.Path, err)
		}
		info, err := json.Marshal(struct {
			Version string
			Time    time.Time
		}{w.version, t})
		if err != nil {
			return err
		}
		vdir := filepath.Join(*out, filepath.FromSlash(escape(w.mod.Path)), "@v")
		if w.latest {
			if err := os.MkdirAll(vdir, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(vdir, "..", "@latest"), info, 0o644); err != nil {
				return err
			}
		}
		if done[key] {
			continue
		}
		done[key] = true
		files, ok := cache[hash]
		if !ok {
			if files, err = archive(hash); err != nil {
				return err
			}
			cache[hash] = files
		}
		zipData, goMod, err := moduleZip(files, w.mod.Dir, w.mod.Path, w.version)
		if err != nil {
			return err
		}
		if err := os.MkdirAll(vdir, 0o755); err != nil {
			return err
		}
		ev := escape(w.version)
		for name, data := range map[string][]byte{ev + ".info": info, ev + ".mod": goMod, ev + ".zip": zipData} {
			if err := os.WriteFile(filepath.Join(vdir, name), data, 0o644); err != nil {
				return err
			}
		}
		list := filepath.Join(vdir, "list")
		old, err := os.ReadFile(list)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		versions := strings.Fields(string(old))
		if !slices.Contains(versions, w.version) {
			versions = append(versions, w.version)
		}
		slices.Sort(versions)
		if err := os.WriteFile(list, []byte(strings.Join(versions, "\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}
