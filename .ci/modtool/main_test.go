package main

import (
	"archive/zip"
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"
)

func TestParseGoModRejectsReplace(t *testing.T) {
	for _, src := range []string{
		"module a/b\nreplace a/c => ../c\n",
		"module a/b\nreplace (\n\ta/c v1.0.0 => ../c\n)\n",
	} {
		if _, err := parseGoMod("go.mod", []byte(src)); err == nil || !strings.Contains(err.Error(), "replace") {
			t.Errorf("%q: err = %v, want a replace error", src, err)
		}
	}
	m, err := parseGoMod("go.mod", []byte("module a/b // c\n\ngo 1.26\n\nrequire x/y v1.2.3\n\nrequire (\n\t\"x/z\" v0.1.0 // indirect\n)\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []requirement{{"x/y", "v1.2.3"}, {"x/z", "v0.1.0"}}
	if m.Path != "a/b" || m.Go != "1.26" || !slices.Equal(m.Requires, want) {
		t.Errorf("parsed %+v", m)
	}
}

func TestCompareSemver(t *testing.T) {
	order := []string{"v0.0.1", "v0.1.0-alpha", "v0.1.0-alpha.1", "v0.1.0-alpha.beta", "v0.1.0-beta.2", "v0.1.0-beta.11", "v0.1.0", "v0.1.1", "v1.0.0", "v1.10.0"}
	for i := range order {
		for j := range order {
			a, okA := parseSemver(order[i])
			b, okB := parseSemver(order[j])
			if !okA || !okB {
				t.Fatalf("parse %s %s", order[i], order[j])
			}
			got := compareSemver(a, b)
			if (got < 0) != (i < j) || (got == 0) != (i == j) {
				t.Errorf("compare(%s, %s) = %d", order[i], order[j], got)
			}
		}
	}
	for _, bad := range []string{"1.0.0", "v1.0", "v01.0.0", "v1.0.0+meta"} {
		if _, ok := parseSemver(bad); ok {
			t.Errorf("parseSemver(%q) accepted", bad)
		}
	}
}

func TestPseudoRE(t *testing.T) {
	for v, rev := range map[string]string{
		"v0.0.0-20261127043252-ff893c031b29":        "ff893c031b29",
		"v0.1.1-0.20261127043252-ff893c031b29":      "ff893c031b29",
		"v0.2.0-rc.1.0.20261127043252-ff893c031b29": "ff893c031b29",
		"v0.1.0": "",
	} {
		got := ""
		if m := pseudoRE.FindStringSubmatch(v); m != nil {
			got = m[2]
		}
		if got != rev {
			t.Errorf("%s: revision %q, want %q", v, got, rev)
		}
	}
}

func TestModuleZip(t *testing.T) {
	files := map[string][]byte{
		"LICENSE":               []byte("license"),
		"go.mod":                []byte("module ex.com/r\n"),
		"a.go":                  []byte("package r"),
		"vendor/modules.txt":    []byte("x"),
		"vendor/x.com/y/y.go":   []byte("package y"),
		"sub/go.mod":            []byte("module ex.com/r/sub\nrequire ex.com/r v0.0.0-20261127043252-ff893c031b29\n"),
		"sub/main.go":           []byte("package main"),
		"sub/inner/go.mod":      []byte("module ex.com/r/sub/inner\n"),
		"sub/inner/i.go":        []byte("package inner"),
		"sub/testdata/t.txt":    []byte("t"),
		"subway/not-nested.txt": []byte("n"),
	}
	names := func(data []byte) []string {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, f := range zr.File {
			out = append(out, f.Name)
			if f.Name == "ex.com/r/sub@v1.0.0/LICENSE" {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				if string(b) != "license" {
					t.Errorf("copied LICENSE = %q", b)
				}
			}
		}
		slices.Sort(out)
		return out
	}
	root, mod, err := moduleZip(files, ".", "ex.com/r", "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if string(mod) != "module ex.com/r\n" {
		t.Errorf("root go.mod %q", mod)
	}
	want := []string{"ex.com/r@v1.0.0/LICENSE", "ex.com/r@v1.0.0/a.go", "ex.com/r@v1.0.0/go.mod", "ex.com/r@v1.0.0/subway/not-nested.txt", "ex.com/r@v1.0.0/vendor/modules.txt"}
	if got := names(root); !slices.Equal(got, want) {
		t.Errorf("root zip:\n got %q\nwant %q", got, want)
	}
	sub, _, err := moduleZip(files, "sub", "ex.com/r/sub", "v1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"ex.com/r/sub@v1.0.0/LICENSE", "ex.com/r/sub@v1.0.0/go.mod", "ex.com/r/sub@v1.0.0/main.go", "ex.com/r/sub@v1.0.0/testdata/t.txt"}
	if got := names(sub); !slices.Equal(got, want) {
		t.Errorf("sub zip:\n got %q\nwant %q", got, want)
	}
	if _, _, err := moduleZip(files, "sub", "ex.com/r/other", "v1.0.0"); err == nil {
		t.Error("a go.mod of another module path was accepted")
	}
}

func TestWorkFile(t *testing.T) {
	mods := []module{
		{Dir: ".", Path: "ex.com/r"},
		{Dir: "a", Path: "ex.com/r/a", Requires: []requirement{{"ex.com/r", "v0.0.0-20261127043252-ff893c031b29"}, {"x.com/y", "v1.0.0"}}},
		{Dir: "b/c", Path: "ex.com/r/b/c", Requires: []requirement{{"ex.com/r", "v0.0.0-20261127043252-ff893c031b29"}, {"ex.com/r/a", "v0.1.0"}}},
	}
	got := string(workFile("1.26", mods))
	for _, want := range []string{
		"go 1.26\n\nuse (\n\t.\n\t./a\n\t./b/c\n)\n",
		"\nreplace ex.com/r v0.0.0-20261127043252-ff893c031b29 => ./\nreplace ex.com/r/a v0.1.0 => ./a\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("go.work lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "x.com/y") || strings.Count(got, "replace ex.com/r v0") != 1 {
		t.Errorf("go.work replaces too much:\n%s", got)
	}
}

func TestEscape(t *testing.T) {
	if got := escape("github.com/BurntSushi/toml"); got != "github.com/!burnt!sushi/toml" {
		t.Errorf("escape = %q", got)
	}
}
