// Command agora-audit lets a third party check the journal of a durable
// Agora exchange: it verifies the audit chain and re-verifies the
// signature of every binding command (place, amend, cancel; open, bid,
// close and cancel of a tender) with the key valid at the command's
// sequence number, then prints who signed each binding action.
//
//	agora-audit [-keys FILE] [-workers N] [-q] DIR
//
// DIR is the exchange's directory (journal segments and snapshots); it is
// only read. The exchange must run on the sample catalog
// (catalog.Sample), which the replay uses.
//
// It prints one line per binding action as the replay reaches it:
// sequence number, command, participant, key (with the first bytes of
// its SHA-256 fingerprint), whether the signature verified and whether
// the engine accepted the command; then the keys registered in the
// journal with their owners and the full fingerprints. It exits 0 when both
// checks pass, 1 naming the first failing record (sequence number,
// segment file, offset, participant, key, reason), 2 on bad usage.
//
// # What it proves
//
// The chain check proves that the journal was not changed after it was
// written, up to a chain head the auditor compares with one the operator
// published. The signature check proves that each accepted signed
// command was signed by the holder of the private key of the public key
// that the journal registered for its participant, and confirmed, before
// it, and that no command flagged as verified lacks a valid signature.
//
// Without -keys it does not prove whose key that is: the operator
// registered and confirmed the keys, and could have registered its own.
// Compare the printed fingerprints with the companies out of band. With
// -keys FILE, a file of public keys the auditor obtained from the
// companies themselves, every accepted signed command must be signed with
// one of them: the check then proves that those companies signed. Each
// line of FILE is
//
//	ALGORITHM PUBLIC-KEY [LABEL...]
//
// where ALGORITHM is "ed25519" or a decimal algorithm number, PUBLIC-KEY
// is hex or standard base64, and LABEL (for example the company and its
// INN) is printed with the key; blank lines and lines starting with '#'
// are ignored.
//
// Neither check proves that the commands a signer sent all reached the
// journal, nor that the journal is complete after the last anchored head.
package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/agora-exchange/agora/audit"
	"github.com/agora-exchange/agora/engine"
	"github.com/agora-exchange/agora/wire"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// trustedKey is a public key from the -keys file.
type trustedKey struct {
	alg   wire.Algorithm
	pub   []byte
	label string
}

// run runs the command with args and returns its exit code.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("agora-audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	keysFile := fs.String("keys", "", "file of trusted public keys: `FILE` with lines ALGORITHM PUBLIC-KEY [LABEL]")
	workers := fs.Int("workers", 0, "goroutines verifying signatures (0: one per core)")
	quiet := fs.Bool("q", false, "print only the summary or the failure")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: agora-audit [-keys FILE] [-workers N] [-q] DIR")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	dir := fs.Arg(0)
	var trusted []trustedKey
	if *keysFile != "" {
		var err error
		if trusted, err = readKeys(*keysFile); err != nil {
			fmt.Fprintln(stderr, "agora-audit:", err)
			return 2
		}
	}
	label := func(alg wire.Algorithm, pub []byte) (string, bool) {
		for _, k := range trusted {
			if k.alg == alg && bytes.Equal(k.pub, pub) {
				return k.label, true
			}
		}
		return "", false
	}

	opts := audit.SignatureOptions{Workers: *workers}
	if trusted != nil {
		opts.Trust = func(k engine.KeyInfo) bool {
			_, ok := label(k.Algorithm, k.PublicKey)
			return ok
		}
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	if !*quiet {
		fmt.Fprintln(w, "binding actions:")
		opts.OnSigner = func(s *audit.Signer) error {
			fmt.Fprintf(w, "  seq %d  %v  participant %d  ", s.Seq, s.Kind, s.Participant)
			switch {
			case s.KeyID == 0:
				fmt.Fprint(w, "unsigned")
			case s.PublicKey == nil:
				fmt.Fprintf(w, "key %d (unknown)", s.KeyID)
			default:
				fmt.Fprintf(w, "key %d %v %x", s.KeyID, s.Algorithm, s.Fingerprint[:8])
				if s.Valid {
					fmt.Fprint(w, " signature valid")
				} else {
					fmt.Fprint(w, " signature INVALID")
				}
			}
			if s.Flagged {
				fmt.Fprint(w, ", flagged verified")
			}
			if s.Rejected != wire.ReasonNone {
				fmt.Fprintf(w, ", refused: %v", s.Rejected)
			} else {
				fmt.Fprint(w, ", accepted")
			}
			fmt.Fprintln(w)
			return nil
		}
	}
	rep, err := audit.VerifySignatures(dir, engine.Config{}, opts)
	if !*quiet && len(rep.Keys) > 0 {
		fmt.Fprintln(w, "keys registered in the journal (compare the fingerprints out of band):")
		for _, k := range rep.Keys {
			o := rep.Owners[k.Owner]
			fmt.Fprintf(w, "  key %d  participant %d %q INN %s  %v  SHA-256 %x  registered at seq %d", k.ID, k.Owner, o.Name, o.INN, k.Algorithm, audit.Fingerprint(k.PublicKey), k.Registered)
			if k.Confirmed != 0 {
				fmt.Fprintf(w, ", confirmed at %d", k.Confirmed)
			}
			if k.Retired != 0 {
				fmt.Fprintf(w, ", retired at %d", k.Retired)
			}
			if k.Revoked != 0 {
				fmt.Fprintf(w, ", revoked at %d", k.Revoked)
			}
			if l, ok := label(k.Algorithm, k.PublicKey); ok {
				fmt.Fprintf(w, "  trusted: %s", l)
			} else if trusted != nil {
				fmt.Fprint(w, "  NOT in the trusted keys")
			}
			fmt.Fprintln(w)
		}
	}
	if err != nil {
		w.Flush()
		var se *audit.SignatureError
		switch {
		case errors.As(err, &se):
			fmt.Fprintf(stderr, "agora-audit: FAILED at seq %d in %s at offset %d: %v by participant %d, key %d: %v (%s)\n",
				se.Seq, se.File, se.Offset, se.Kind, se.Participant, se.KeyID, se.Reason, se.Detail)
		case rep.Bad != nil:
			fmt.Fprintf(stderr, "agora-audit: FAILED at %v: %v\n", rep.Bad, err)
		default:
			fmt.Fprintf(stderr, "agora-audit: FAILED: %v\n", err)
		}
		return 1
	}
	c := rep.Signatures
	fmt.Fprintf(w, "OK: records %d to %d (from the state at seq %d), chain head %x\n", rep.FirstSeq, rep.LastSeq, rep.StartSeq, rep.Head)
	fmt.Fprintf(w, "OK: %d binding actions, %d signed, %d with a valid signature, %d refused by the engine\n", c.Binding, c.Signed, c.Valid, c.Rejected)
	if rep.StartSeq > 0 {
		fmt.Fprintf(w, "note: the records up to seq %d are covered by a snapshot and were not re-verified\n", rep.StartSeq)
	}
	return 0
}

// readKeys reads a file of trusted public keys.
func readKeys(name string) ([]trustedKey, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	keys := []trustedKey{}
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			return nil, fmt.Errorf("%s:%d: want ALGORITHM PUBLIC-KEY [LABEL]", name, i+1)
		}
		var k trustedKey
		if f[0] == wire.AlgEd25519.String() {
			k.alg = wire.AlgEd25519
		} else if n, err := strconv.ParseUint(f[0], 10, 8); err == nil && n != 0 {
			k.alg = wire.Algorithm(n)
		} else {
			return nil, fmt.Errorf("%s:%d: unknown algorithm %q", name, i+1, f[0])
		}
		if k.pub, err = hex.DecodeString(f[1]); err != nil {
			if k.pub, err = base64.StdEncoding.DecodeString(f[1]); err != nil {
				return nil, fmt.Errorf("%s:%d: public key is neither hex nor base64", name, i+1)
			}
		}
		k.label = strings.Join(f[2:], " ")
		keys = append(keys, k)
	}
	return keys, nil
}
