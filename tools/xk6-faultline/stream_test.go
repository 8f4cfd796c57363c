package faultline

import (
	"testing"
	"time"

	"go.k6.io/k6/metrics"
)

func sample(t *testing.T, name string, value float64, tags map[string]string) metrics.Sample {
	t.Helper()
	registry := metrics.NewRegistry()
	m, err := registry.NewMetric(name, metrics.Trend)
	if err != nil {
		t.Fatal(err)
	}
	return metrics.Sample{
		TimeSeries: metrics.TimeSeries{Metric: m, Tags: registry.RootTagSet().WithTagsFromMap(tags)},
		Time:       time.UnixMicro(1_700_000_000_123_456),
		Value:      value,
	}
}

func TestRequestLine(t *testing.T) {
	s := sample(t, "fl_req", 12.5, map[string]string{
		"endpoint": "GET /products/:id", "tenant": "acme", "outcome": "degraded", "status": "200",
		"priority": "critical", "source": "load", "retry": "", "degraded": "stale\tcache",
	})
	got, ok := appendSample(nil, s)
	want := "R\t1700000000123.456\t12.500\t200\tdegraded\tGET /products/:id\tacme\tcritical\tload\t0\tstale cache\n"
	if !ok || string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestOtherLines(t *testing.T) {
	cases := []struct {
		s    metrics.Sample
		want string
	}{
		{sample(t, "fl_started", 1, nil), "S\t1700000000123.456\n"},
		{sample(t, "fl_ack", 1, map[string]string{"endpoint": "POST /orders", "key": "k1", "order": "7"}), "A\t1700000000123.456\tPOST /orders\tk1\t7\n"},
		{sample(t, "dropped_iterations", 3, map[string]string{"scenario": "fault_0"}), "D\t1700000000123.456\t3\tfault_0\n"},
	}
	for _, c := range cases {
		got, ok := appendSample(nil, c.s)
		if !ok || string(got) != c.want {
			t.Errorf("%s: got %q, want %q", c.s.Metric.Name, got, c.want)
		}
	}
}

func TestSkipsOtherMetrics(t *testing.T) {
	for _, s := range []metrics.Sample{
		sample(t, "http_req_duration", 1, map[string]string{"endpoint": "GET /"}),
		sample(t, "fl_req", 1, map[string]string{"endpoint": "GET /", "outcome": "weird"}),
		sample(t, "fl_ack", 1, nil),
	} {
		if got, ok := appendSample(nil, s); ok {
			t.Errorf("%s: wrote %q, want nothing", s.Metric.Name, got)
		}
	}
}
