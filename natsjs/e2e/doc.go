// Package e2e holds the end-to-end tests and benchmarks of module natsjs
// against an embedded 3-node NATS JetStream cluster on loopback.
//
// The tests run one at a time, each on a cluster of its own. They spend
// most of their time waiting for JetStream to elect leaders and recover
// sources; running the failover, partition and fan-out tests side by side
// cut the run from about 70 s to 45 s, but made the partition test's
// healed stream lag for over a minute in about one run in ten, so they
// stay sequential.
package e2e
