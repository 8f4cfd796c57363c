package toxics

import (
	"github.com/prometheus/client_golang/prometheus"

	tp "github.com/Shopify/toxiproxy/v2/toxics"
)

// ByteCounterToxic changes nothing: it passes every chunk on and counts its bytes under Tag in
// faultline_toxic_bytes_total, exported on the server's /metrics. The harness adds one next to
// each fault to prove the system really sent traffic across the edge while the fault was in
// force. Toxiproxy's own per-proxy byte counters cannot tell: they are added to only when a
// connection closes, and pooled connections stay open through a whole fault.
type ByteCounterToxic struct {
	// Tag names the series, e.g. "catalog_to_redis:faultline-0-latency:upstream".
	Tag string `json:"tag"`
}

// BytesTotal is registered on the server's metrics registry by the server binary.
var BytesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "faultline_toxic_bytes_total",
	Help: "Bytes that passed a byte_counter toxic, by its tag.",
}, []string{"tag"})

func (t *ByteCounterToxic) Pipe(stub *tp.ToxicStub) {
	counter := BytesTotal.WithLabelValues(t.Tag) // the series exists from the first attached link
	for {
		select {
		case <-stub.Interrupt:
			return
		case c := <-stub.Input:
			if c == nil {
				stub.Close()
				return
			}
			counter.Add(float64(len(c.Data)))
			stub.Output <- c
		}
	}
}

func init() {
	tp.Register("byte_counter", new(ByteCounterToxic))
}
