package toxics_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/Shopify/toxiproxy/v2"
	"github.com/Shopify/toxiproxy/v2/stream"
	tp "github.com/Shopify/toxiproxy/v2/toxics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"faultline.local/tools/toxiproxy/toxics"
)

// pipeChunks runs the toxic over n one-byte chunks (byte i%256 for chunk i) and returns the
// bytes that came out, once the toxic has seen end of stream and closed its output.
func pipeChunks(t *testing.T, toxic *toxics.PacketLossToxic, n int) []byte {
	t.Helper()
	input := make(chan *stream.StreamChunk)
	output := make(chan *stream.StreamChunk, n)
	stub := tp.NewToxicStub(input, output)
	stub.State = toxic.NewState()
	done := make(chan struct{})
	go func() {
		toxic.Pipe(stub)
		close(done)
	}()
	for i := 0; i < n; i++ {
		input <- &stream.StreamChunk{Data: []byte{byte(i)}, Timestamp: time.Now()}
	}
	close(input)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Pipe did not return after end of stream")
	}
	var out []byte
	for c := range output { // closed by stub.Close()
		out = append(out, c.Data...)
	}
	return out
}

func TestPassesEverythingAtZeroLossAndClosesOnEndOfStream(t *testing.T) {
	out := pipeChunks(t, &toxics.PacketLossToxic{LossRate: 0}, 500)
	if len(out) != 500 {
		t.Fatalf("got %d chunks, want 500", len(out))
	}
	for i, b := range out {
		if b != byte(i) {
			t.Fatalf("chunk %d out of order: %d", i, b)
		}
	}
}

func TestDropsEverythingAtFullLoss(t *testing.T) {
	if out := pipeChunks(t, &toxics.PacketLossToxic{LossRate: 1}, 500); len(out) != 0 {
		t.Fatalf("got %d chunks through, want 0", len(out))
	}
}

func TestDropsAboutLossRateOfChunks(t *testing.T) {
	toxics.SetSeed(42)
	const n = 20000
	out := pipeChunks(t, &toxics.PacketLossToxic{LossRate: 0.3}, n)
	rate := 1 - float64(len(out))/n
	if rate < 0.28 || rate > 0.32 {
		t.Fatalf("dropped %.3f of chunks, want 0.30 +- 0.02", rate)
	}
}

func TestCorrelationMakesDropsComeInBursts(t *testing.T) {
	toxics.SetSeed(7)
	const n = 20000
	toxic := &toxics.PacketLossToxic{LossRate: 0.2, Correlation: 0.5}
	out := pipeChunks(t, toxic, n)

	// Recover which chunks were dropped from the gaps in the byte sequence.
	dropped := make([]bool, n)
	j := 0
	for i := 0; i < n; i++ {
		if j < len(out) && out[j] == byte(i) {
			j++
		} else {
			dropped[i] = true
		}
	}
	var afterDrop, droppedAfterDrop int
	for i := 1; i < n; i++ {
		if dropped[i-1] {
			afterDrop++
			if dropped[i] {
				droppedAfterDrop++
			}
		}
	}
	conditional := float64(droppedAfterDrop) / float64(afterDrop)
	if conditional < 0.66 || conditional > 0.74 {
		t.Fatalf("P(drop | previous dropped) = %.3f, want 0.70 +- 0.04", conditional)
	}
}

func TestClampsOutOfRangeAttributes(t *testing.T) {
	if out := pipeChunks(t, &toxics.PacketLossToxic{LossRate: -3}, 100); len(out) != 100 {
		t.Fatalf("negative loss_rate let %d of 100 chunks through, want all", len(out))
	}
	if out := pipeChunks(t, &toxics.PacketLossToxic{LossRate: 7}, 100); len(out) != 0 {
		t.Fatalf("loss_rate above 1 let %d chunks through, want none", len(out))
	}
}

func TestReturnsOnInterruptAndKeepsItsStateForTheNextPipe(t *testing.T) {
	toxic := &toxics.PacketLossToxic{LossRate: 1}
	input := make(chan *stream.StreamChunk)
	output := make(chan *stream.StreamChunk, 10)
	stub := tp.NewToxicStub(input, output)
	stub.State = toxic.NewState()

	done := make(chan struct{})
	go func() {
		toxic.Pipe(stub)
		close(done)
	}()
	input <- &stream.StreamChunk{Data: []byte("x")}
	stub.Interrupt <- struct{}{}
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Pipe did not return after Interrupt")
	}
	if stub.Closed() {
		t.Fatal("an interrupt must not close the stub")
	}
	state := stub.State.(*toxics.PacketLossState)
	if state.Dropped != 1 {
		t.Fatalf("state counted %d drops, want 1", state.Dropped)
	}
}

// The toxic must be reachable by name through the real Toxiproxy API code path, with the
// JSON attribute names scenarios use.
func TestRegisteredToxicDropsTrafficThroughARealProxy(t *testing.T) {
	upstream, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer upstream.Close()
	received := make(chan []byte, 1)
	go func() {
		conn, err := upstream.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		data, _ := io.ReadAll(conn)
		received <- data
	}()

	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	proxy := toxiproxy.NewProxy(server, "test", "127.0.0.1:0", upstream.Addr().String())
	if err := proxy.Start(); err != nil {
		t.Fatal(err)
	}
	defer proxy.Stop()
	_, err = proxy.Toxics.AddToxicJson(strings.NewReader(
		`{"name":"loss","type":"packet_loss","stream":"upstream","attributes":{"loss_rate":1,"correlation":0}}`))
	if err != nil {
		t.Fatal("adding packet_loss through the API path:", err)
	}

	conn, err := net.Dial("tcp", proxy.Listen)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 20; i++ {
		if _, err := conn.Write([]byte("lost ")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	conn.Close()
	select {
	case data := <-received:
		if len(data) != 0 {
			t.Fatalf("upstream received %q through a loss_rate 1 toxic", data)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("upstream never saw the connection end")
	}
}
