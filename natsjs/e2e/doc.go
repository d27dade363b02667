// Package e2e holds the end-to-end tests and benchmarks of module natsjs
// against an embedded 3-node NATS JetStream cluster on loopback.
package e2e
