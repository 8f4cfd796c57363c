package toxics_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/rs/zerolog"

	"faultline.local/tools/toxiproxy/toxics"
)

// The counter must see bytes while the connection is still open (that is its whole point) and
// must pass them on unchanged.
func TestByteCounterCountsBytesOnAnOpenConnectionAndPassesThemOn(t *testing.T) {
	upstream, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer upstream.Close()
	go func() { // echo
		conn, err := upstream.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		_, _ = io.Copy(conn, conn)
	}()

	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	proxy := toxiproxy.NewProxy(server, "count_test", "127.0.0.1:0", upstream.Addr().String())
	if err := proxy.Start(); err != nil {
		t.Fatal(err)
	}
	defer proxy.Stop()
	conn, err := net.Dial("tcp", proxy.Listen)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// added while the connection is open, as the harness does mid-run
	for _, stream := range []string{"upstream", "downstream"} {
		_, err = proxy.Toxics.AddToxicJson(strings.NewReader(
			`{"name":"count_` + stream + `","type":"byte_counter","stream":"` + stream + `","attributes":{"tag":"t:` + stream + `"}}`))
		if err != nil {
			t.Fatal("adding byte_counter through the API path:", err)
		}
	}

	if _, err := conn.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 5)
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(conn, reply); err != nil || string(reply) != "hello" {
		t.Fatalf("echo through the counters: %q, %v", reply, err)
	}
	for _, stream := range []string{"upstream", "downstream"} {
		if got := testutil.ToFloat64(toxics.BytesTotal.WithLabelValues("t:" + stream)); got != 5 {
			t.Fatalf("%s counter = %v with the connection open, want 5", stream, got)
		}
	}
}
