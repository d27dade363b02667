package journal_test

import (
	"fmt"
	"os"

	"github.com/agora-exchange/agora/journal"
)

func Example() {
	dir, err := os.MkdirTemp("", "agora-journal")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)

	l, err := journal.Open(dir, journal.Options{}) // group commit
	if err != nil {
		fmt.Println(err)
		return
	}
	for seq := uint64(1); seq <= 3; seq++ {
		// The engine enqueues under its lock, then waits before acking.
		t, err := l.Enqueue(journal.Record{Seq: seq, Payload: fmt.Appendf(nil, "command %d", seq)})
		if err == nil {
			err = l.Wait(t)
		}
		if err != nil {
			fmt.Println(err)
			return
		}
	}
	if err := l.Close(); err != nil {
		fmt.Println(err)
		return
	}

	l, err = journal.Open(dir, journal.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	err = l.Replay(2, func(r journal.Record) error {
		fmt.Printf("%d: %s\n", r.Seq, r.Payload)
		return nil
	})
	fmt.Println(err)
	// Output:
	// 2: command 2
	// 3: command 3
	// <nil>
}
