// Package toxics holds faultline's own Toxiproxy toxics, one per file like upstream's, each
// registered by name in init() so the server binary only has to import this package.
package toxics

import (
	"math/rand/v2"
	"sync/atomic"

	tp "github.com/Shopify/toxiproxy/v2/toxics"
)

// Names lists the toxics this package registers (printed by -version).
const Names = "packet_loss, byte_counter"

// PacketLossToxic drops whole stream chunks (one read from the socket, up to 32 KiB) with
// probability LossRate; right after a drop the probability rises by Correlation, so losses
// come in bursts as they do on a congested link. A dropped chunk is gone for good: this is a
// TCP proxy, so there is no retransmit and the peer sees a gap in the byte stream.
type PacketLossToxic struct {
	// LossRate is the probability, 0..1, that a chunk is dropped.
	LossRate float64 `json:"loss_rate"`
	// Correlation is the extra drop probability, 0..1, for the chunk right after a drop.
	Correlation float64 `json:"correlation"`
}

// PacketLossState is kept per connection and direction for as long as the toxic is attached,
// so the random sequence and the burst state survive the toxic being interrupted and updated.
type PacketLossState struct {
	rng         *rand.Rand
	lastDropped bool
	Dropped     uint64
	Passed      uint64
}

var (
	baseSeed    atomic.Uint64
	connCounter atomic.Uint64
)

// SetSeed makes the per-connection random sequences derive from seed (the server's -seed).
func SetSeed(seed int64) {
	baseSeed.Store(uint64(seed))
}

func (t *PacketLossToxic) NewState() interface{} {
	return &PacketLossState{rng: rand.New(rand.NewPCG(baseSeed.Load(), connCounter.Add(1)))}
}

// dropProbability is the chance the next chunk is dropped, given whether the last one was.
func (t *PacketLossToxic) dropProbability(lastDropped bool) float64 {
	p := t.LossRate
	if lastDropped {
		p += t.Correlation
	}
	return min(max(p, 0), 1)
}

func (t *PacketLossToxic) Pipe(stub *tp.ToxicStub) {
	state, ok := stub.State.(*PacketLossState)
	if !ok {
		state = t.NewState().(*PacketLossState)
		stub.State = state
	}
	for {
		select {
		case <-stub.Interrupt:
			return
		case c := <-stub.Input:
			if c == nil {
				stub.Close()
				return
			}
			p := t.dropProbability(state.lastDropped)
			state.lastDropped = p > 0 && state.rng.Float64() < p
			if state.lastDropped {
				state.Dropped++
				continue
			}
			state.Passed++
			stub.Output <- c
		}
	}
}

func init() {
	tp.Register("packet_loss", new(PacketLossToxic))
}
