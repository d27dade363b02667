// Package e2e holds the end-to-end tests and benchmarks of module natsjs
// against an embedded 3-node NATS JetStream cluster on loopback
// (StartCluster), and the cluster itself, for tests and examples.
//
// Each test runs on a cluster of its own, and all but the partition test
// run in parallel with each other: they spend most of their time waiting
// for JetStream to elect leaders and recover sources. The partition test
// runs alone first (side by side with the others its healed streams were
// seen to lag for over a minute). The benchmarks that do not partition run
// on a cluster routed without the test's proxies (ClusterOptions.Direct);
// AGORA_E2E_PROXIED=1 routes them through the proxies. BenchmarkSubmit
// runs 4 shards; AGORA_E2E_SHARDS sets another number.
package e2e
