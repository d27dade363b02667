package contacts

import (
	"runtime/debug"
	"strconv"
	"strings"
)

// ModulePath is the module whose version every output carries.
const ModulePath = "github.com/agora-exchange/agora"

// Version returns the version of the agora module in the running binary:
// its module version, or "(devel)" for a local build, followed by
// "+" and the VCS revision (with "-dirty" for uncommitted changes) when the
// build recorded one. Cost: reads the build information once per call.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := ""
	if bi.Main.Path == ModulePath {
		v = bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == ModulePath {
			v = d.Version
			if d.Replace != nil {
				v = "(devel)" // the local tree, replaced by path
			}
		}
	}
	if v == "" {
		v = "(devel)"
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if rev != "" {
		v += "+" + rev[:min(12, len(rev))] + dirty
	}
	return v
}

// Params are every parameter of a run, with the module version, as the
// CSV columns and the JSON "parameters" object show them.
type Params struct {
	Version     string  `json:"version"`
	Buyers      int     `json:"buyers"`
	Sellers     int     `json:"sellers"`
	Markets     int     `json:"markets"`
	Bases       int     `json:"bases"`
	Depth       int     `json:"depth"`
	Zipf        float64 `json:"zipf"`
	Activity    int     `json:"activity"`
	Compat      float64 `json:"compat"` // 0 for NoCompat
	Arrival     string  `json:"arrival"`
	Subscribe   string  `json:"subscribe"`
	Search      string  `json:"search"` // the models, comma-separated
	ContactCost int64   `json:"contact_cost"`
	Seed        uint64  `json:"seed"`
}

// paramsOf returns the parameters of cfg (with defaults filled in).
func paramsOf(cfg Config) Params {
	cfg = cfg.withDefaults()
	names := make([]string, len(cfg.Search))
	for i, m := range cfg.Search {
		names[i] = m.String()
	}
	compat := cfg.Compat
	if compat == NoCompat {
		compat = 0
	}
	return Params{
		Version: Version(), Buyers: cfg.Buyers, Sellers: cfg.Sellers, Markets: cfg.Markets, Bases: cfg.Bases,
		Depth: cfg.Depth, Zipf: cfg.Zipf, Activity: cfg.Activity, Compat: compat,
		Arrival: cfg.Arrival.String(), Subscribe: cfg.Subscribe.String(),
		Search: strings.Join(names, ","), ContactCost: cfg.ContactCost, Seed: cfg.Seed,
	}
}

// paramColumns are the CSV columns of Params, in order.
const paramColumns = "version,buyers,sellers,markets,bases,depth,zipf,activity,compat,arrival,subscribe,search,contact_cost,seed"

// appendParams appends the Params columns of p, each followed by a comma.
// The search list is quoted, as it holds commas.
func appendParams(dst []byte, p *Params) []byte {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for _, s := range [...]string{
		csvField(p.Version), strconv.Itoa(p.Buyers), strconv.Itoa(p.Sellers), strconv.Itoa(p.Markets),
		strconv.Itoa(p.Bases), strconv.Itoa(p.Depth), f(p.Zipf), strconv.Itoa(p.Activity), f(p.Compat),
		p.Arrival, p.Subscribe, csvField(p.Search), strconv.FormatInt(p.ContactCost, 10), strconv.FormatUint(p.Seed, 10),
	} {
		dst = append(dst, s...)
		dst = append(dst, ',')
	}
	return dst
}

// csvField quotes s if it holds a comma, a quote or a newline.
func csvField(s string) string {
	if !strings.ContainsAny(s, ",\"\n") {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
