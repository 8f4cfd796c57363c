package faultline

import (
	"bufio"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"go.k6.io/k6/metrics"
	"go.k6.io/k6/output"
)

// The output against a real unix socket: hello first, only the metrics faultline reads, the end
// line with the request count last.
func TestStreamsToACollector(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "c.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	lines := make(chan []string, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		var got []string
		s := bufio.NewScanner(conn)
		for s.Scan() {
			got = append(got, s.Text())
		}
		lines <- got
	}()

	out, err := New(output.Params{
		ConfigArgument: "unix:" + sock,
		Logger:         logrus.New(),
		Environment:    map[string]string{"FL_RUN_TOKEN": "tok", "FL_RUNNER": "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Start(); err != nil {
		t.Fatal(err)
	}
	req := sample(t, "fl_req", 5, map[string]string{"endpoint": "GET /", "tenant": "a", "outcome": "ok", "status": "200"})
	out.AddMetricSamples([]metrics.SampleContainer{
		metrics.Samples{sample(t, "fl_started", 1, nil), req, sample(t, "http_reqs", 1, nil), req},
	})
	if err := out.Stop(); err != nil {
		t.Fatal(err)
	}
	var got []string
	select {
	case got = <-lines:
	case <-time.After(5 * time.Second):
		t.Fatal("the collector got nothing")
	}
	if len(got) != 5 || got[0] != "H\t1\ttok\t1\t0:1" || !strings.HasPrefix(got[1], "S\t") || !strings.HasPrefix(got[2], "R\t") || got[4] != "E\t2" {
		t.Fatalf("stream was %q", got)
	}
}

func TestRefusesAnAddressItCannotDial(t *testing.T) {
	if _, err := New(output.Params{ConfigArgument: "file:/x", Logger: logrus.New()}); err == nil {
		t.Fatal("file:/x was accepted")
	}
	out, err := New(output.Params{ConfigArgument: "unix:" + filepath.Join(t.TempDir(), "none.sock"), Logger: logrus.New()})
	if err != nil {
		t.Fatal(err)
	}
	if err := out.Start(); err == nil || !strings.Contains(err.Error(), "cannot reach the collector") {
		t.Fatalf("Start with no collector: %v", err)
	}
}
