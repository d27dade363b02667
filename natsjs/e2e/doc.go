// Package e2e holds the end-to-end tests and benchmarks of module natsjs
// against an embedded 3-node NATS JetStream cluster on loopback.
//
// The failover, partition and global fan-out tests spend most of their
// time waiting for JetStream to elect leaders and recover sources, not on
// the CPU, so they run in parallel (each on a cluster of its own); the
// others run one at a time.
package e2e
