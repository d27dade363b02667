module github.com/agora-exchange/agora/natsjs

go 1.26.0

require (
	github.com/agora-exchange/agora v0.0.0-20261204212844-1d4008ae7c8a
	github.com/nats-io/nats.go v1.56.0
)

require (
	github.com/klauspost/compress v1.20.0 // indirect
	github.com/nats-io/nkeys v0.4.16 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	golang.org/x/crypto v0.57.0 // indirect
	golang.org/x/sys v0.48.0 // indirect
)
