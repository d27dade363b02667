package cluster

const (
	shardGolden = "59a039beafc35763cb2a3f78b3ec7742521d682fa80492e92692c66a78959cfc"
	shardSpot   = "1 2 0 0"
)
