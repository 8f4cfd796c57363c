package leases_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"faultline.local/tools/toxiproxy/leases"
)

// A real Toxiproxy API (upstream's router) with the lease routes, as main.go serves them.
func startServer(t *testing.T) (*httptest.Server, func()) {
	t.Helper()
	server := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	table := leases.New(leases.CollectionTarget(server.Collection), time.Now, zerolog.Nop())
	stop := make(chan struct{})
	go table.Run(stop, 10*time.Millisecond)
	router := server.Routes()
	router.PathPrefix("/faultline/").Handler(table.Handler())
	api := httptest.NewServer(router)
	return api, func() {
		close(stop)
		api.Close()
		_ = server.Collection.Clear()
	}
}

func call(t *testing.T, api *httptest.Server, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, api.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	text, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(text)
}

func mustCall(t *testing.T, api *httptest.Server, method, path, body string, want int) string {
	t.Helper()
	status, text := call(t, api, method, path, body)
	if status != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, status, text, want)
	}
	return text
}

func toxicNames(t *testing.T, api *httptest.Server, proxy string) []string {
	t.Helper()
	var toxics []struct{ Name string }
	if err := json.Unmarshal([]byte(mustCall(t, api, "GET", "/proxies/"+proxy+"/toxics", "", 200)), &toxics); err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, x := range toxics {
		names = append(names, x.Name)
	}
	return names
}

func TestTheServerRemovesAToxicWhoseLeaseWasNotRenewed(t *testing.T) {
	api, stop := startServer(t)
	defer stop()
	mustCall(t, api, "POST", "/proxies", `{"name":"db","listen":"127.0.0.1:0","upstream":"127.0.0.1:1"}`, 201)
	// the lease first, then the toxic (as the harness does), and one the harness keeps renewing
	mustCall(t, api, "PUT", "/faultline/leases/db/toxics/slow", `{"holder":"dead","ttl_ms":300}`, 201)
	mustCall(t, api, "POST", "/proxies/db/toxics", `{"name":"slow","type":"latency","attributes":{"latency":400}}`, 200)
	mustCall(t, api, "PUT", "/faultline/leases/db/toxics/kept", `{"holder":"alive","ttl_ms":300}`, 201)
	mustCall(t, api, "POST", "/proxies/db/toxics", `{"name":"kept","type":"latency","attributes":{"latency":1}}`, 200)
	mustCall(t, api, "POST", "/proxies/db/toxics", `{"name":"unleased","type":"latency","attributes":{"latency":1}}`, 200)

	start := time.Now()
	for time.Since(start) < 2*time.Second && strings.Contains(fmt.Sprint(toxicNames(t, api, "db")), "slow") {
		mustCall(t, api, "POST", "/faultline/leases/renew", `{"holder":"alive"}`, 200)
		time.Sleep(50 * time.Millisecond)
	}
	gone := time.Since(start)
	if got := fmt.Sprint(toxicNames(t, api, "db")); got != "[kept unleased]" {
		t.Fatalf("toxics after %v: %s, want [kept unleased]", gone, got)
	}
	if gone < 250*time.Millisecond || gone > 600*time.Millisecond {
		t.Fatalf("the unrenewed toxic went after %v, want about its 300 ms TTL", gone)
	}
	var renewal struct {
		Renewed []leases.Lease
		Lapsed  []leases.Lapse
	}
	_ = json.Unmarshal([]byte(mustCall(t, api, "POST", "/faultline/leases/renew", `{"holder":"dead"}`, 200)), &renewal)
	if len(renewal.Renewed) != 0 || len(renewal.Lapsed) != 1 || renewal.Lapsed[0].Outcome != "removed the toxic" {
		t.Fatalf("the dead holder's renewal: %+v", renewal)
	}
	// released: the harness removed its toxic itself, and nothing is done for it later
	mustCall(t, api, "DELETE", "/faultline/leases/db/toxics/kept", "", 204)
	mustCall(t, api, "DELETE", "/faultline/leases/db/toxics/kept", "", 404)
	time.Sleep(400 * time.Millisecond)
	if got := fmt.Sprint(toxicNames(t, api, "db")); got != "[kept unleased]" {
		t.Fatalf("after the release: %s", got)
	}
}

func TestTheServerEnablesAPartitionedProxyWhoseLeaseRanOut(t *testing.T) {
	api, stop := startServer(t)
	defer stop()
	mustCall(t, api, "POST", "/proxies", `{"name":"db","listen":"127.0.0.1:0","upstream":"127.0.0.1:1"}`, 201)
	mustCall(t, api, "PUT", "/faultline/leases/db/disabled", `{"holder":"dead","ttl_ms":200}`, 201)
	mustCall(t, api, "POST", "/proxies/db", `{"enabled":false}`, 200)
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(mustCall(t, api, "GET", "/proxies/db", "", 200), `"enabled":true`) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the proxy is still disabled 2 s after its 200 ms lease ran out")
}

func TestTheAPIRefusesWhatItCannotLease(t *testing.T) {
	api, stop := startServer(t)
	defer stop()
	for _, tc := range []struct{ method, path, body, want string }{
		{"PUT", "/faultline/leases/nope/toxics/t", `{"holder":"h","ttl_ms":1000}`, `404 {"error":"proxy not found","status":404}`},
		{"PUT", "/faultline/leases/nope/toxics/t", `not json`, `400 {"error":"bad request body: invalid character 'o' in literal null (expecting 'u')","status":400}`},
		{"POST", "/faultline/leases/renew", `{}`, `400 {"error":"bad request body: want {\"holder\": \"...\"}","status":400}`},
		{"GET", "/faultline/leases", ``, `200 {"lapsed":[],"leases":[]}`},
	} {
		status, text := call(t, api, tc.method, tc.path, tc.body)
		if got := fmt.Sprintf("%d %s", status, strings.TrimSpace(text)); got != tc.want {
			t.Errorf("%s %s %s: got %s, want %s", tc.method, tc.path, tc.body, got, tc.want)
		}
	}
}
