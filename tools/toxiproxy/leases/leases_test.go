package leases_test

import (
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"faultline.local/tools/toxiproxy/leases"
)

// fakeTarget records what the table asked of it.
type fakeTarget struct {
	proxies  map[string]bool // name -> enabled
	toxics   map[string]bool // "proxy/toxic"
	calls    []string
	failWith error
}

func newFake() *fakeTarget {
	return &fakeTarget{proxies: map[string]bool{"db": true}, toxics: map[string]bool{}}
}

func (f *fakeTarget) HasProxy(p string) bool { _, ok := f.proxies[p]; return ok }

func (f *fakeTarget) RemoveToxic(p, toxic string) (bool, error) {
	f.calls = append(f.calls, "remove "+p+"/"+toxic)
	if f.failWith != nil {
		return false, f.failWith
	}
	if _, ok := f.proxies[p]; !ok {
		return false, leases.ErrProxyGone
	}
	existed := f.toxics[p+"/"+toxic]
	delete(f.toxics, p+"/"+toxic)
	return existed, nil
}

func (f *fakeTarget) EnableProxy(p string) (bool, error) {
	f.calls = append(f.calls, "enable "+p)
	enabled, ok := f.proxies[p]
	if !ok {
		return false, leases.ErrProxyGone
	}
	f.proxies[p] = true
	return !enabled, nil
}

// clock is a hand-moved clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTable() (*leases.Table, *fakeTarget, *clock) {
	target := newFake()
	c := &clock{t: time.Unix(1_000_000, 0)}
	return leases.New(target, c.now, zerolog.Nop()), target, c
}

var latency = leases.Subject{Proxy: "db", Toxic: "faultline-0-latency"}

func TestRemovesTheToxicOnceItsLeaseRunsOut(t *testing.T) {
	table, target, c := newTable()
	target.toxics["db/faultline-0-latency"] = true
	if _, created, err := table.Grant("run-1", latency, 5*time.Second); err != nil || !created {
		t.Fatalf("grant: created %v, err %v", created, err)
	}
	c.advance(4999 * time.Millisecond)
	if done := table.Sweep(); len(done) != 0 || len(target.calls) != 0 {
		t.Fatalf("swept %v / called %v before the TTL was up", done, target.calls)
	}
	c.advance(time.Millisecond)
	done := table.Sweep()
	if len(done) != 1 || done[0].Outcome != "removed the toxic" || done[0].ID != "db/toxics/faultline-0-latency" {
		t.Fatalf("sweep at the TTL: %+v", done)
	}
	if target.toxics["db/faultline-0-latency"] {
		t.Fatal("the toxic is still there")
	}
	if leasesNow, _ := table.List(); len(leasesNow) != 0 {
		t.Fatalf("the lease is still listed: %+v", leasesNow)
	}
}

func TestRenewalKeepsEveryLeaseOfItsHolderAndNoOther(t *testing.T) {
	table, target, c := newTable()
	for _, name := range []string{"a", "b"} {
		target.toxics["db/"+name] = true
	}
	_, _, _ = table.Grant("run-1", leases.Subject{Proxy: "db", Toxic: "a"}, 2*time.Second)
	_, _, _ = table.Grant("run-2", leases.Subject{Proxy: "db", Toxic: "b"}, 2*time.Second)
	for i := 0; i < 10; i++ { // 10 s of renewals every second
		c.advance(time.Second)
		table.Sweep()
		renewed, lapsed := table.Renew("run-1")
		if len(renewed) != 1 || renewed[0].ExpiresInMs != 2000 {
			t.Fatalf("renewal %d: renewed %+v", i, renewed)
		}
		if len(lapsed) != 0 {
			t.Fatalf("renewal %d: lapsed %+v", i, lapsed)
		}
	}
	if !target.toxics["db/a"] {
		t.Fatal("the renewed toxic was removed")
	}
	if target.toxics["db/b"] {
		t.Fatal("the toxic of the holder that never renewed is still there")
	}
}

func TestAHolderThatComesBackHearsOnceWhatRanOut(t *testing.T) {
	table, target, c := newTable()
	target.toxics["db/faultline-0-latency"] = true
	_, _, _ = table.Grant("run-1", latency, time.Second)
	c.advance(3 * time.Second) // a debugger pause, say
	renewed, lapsed := table.Renew("run-1")
	if len(renewed) != 0 {
		t.Fatalf("a lease that ran out was renewed: %+v", renewed)
	}
	if len(lapsed) != 1 || lapsed[0].Outcome != "removed the toxic" || lapsed[0].LapsedMsAgo != 2000 {
		t.Fatalf("lapsed: %+v", lapsed)
	}
	if _, again := table.Renew("run-1"); len(again) != 0 {
		t.Fatalf("the lapse was reported twice: %+v", again)
	}
}

func TestReleasedLeasesNeverAct(t *testing.T) {
	table, target, c := newTable()
	target.toxics["db/faultline-0-latency"] = true
	_, _, _ = table.Grant("run-1", latency, time.Second)
	if !table.Release(latency) {
		t.Fatal("release found no lease")
	}
	if table.Release(latency) {
		t.Fatal("a second release found a lease")
	}
	c.advance(time.Hour)
	table.Sweep()
	if len(target.calls) != 0 || !target.toxics["db/faultline-0-latency"] {
		t.Fatalf("a released lease acted: %v", target.calls)
	}
}

func TestALeaseOnADisabledProxyEnablesItAgain(t *testing.T) {
	table, target, c := newTable()
	target.proxies["db"] = false // partitioned
	disabled := leases.Subject{Proxy: "db"}
	if l, _, err := table.Grant("run-1", disabled, time.Second); err != nil || l.ID != "db/disabled" {
		t.Fatalf("grant: %+v, %v", l, err)
	}
	c.advance(time.Second)
	done := table.Sweep()
	if len(done) != 1 || done[0].Outcome != "enabled the proxy" || !target.proxies["db"] {
		t.Fatalf("sweep: %+v, proxy enabled %v", done, target.proxies["db"])
	}
}

func TestSaysWhatItFoundWhenTheFaultWasAlreadyGone(t *testing.T) {
	table, target, c := newTable()
	_, _, _ = table.Grant("run-1", latency, time.Second) // granted, the toxic never added
	_, _, _ = table.Grant("run-1", leases.Subject{Proxy: "db"}, time.Second)
	c.advance(time.Second)
	outcomes := []string{}
	for _, x := range table.Sweep() {
		outcomes = append(outcomes, x.ID+": "+x.Outcome)
	}
	sort.Strings(outcomes)
	got := strings.Join(outcomes, "; ")
	want := "db/disabled: the proxy was enabled already; db/toxics/faultline-0-latency: the toxic was already gone"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	delete(target.proxies, "db")
	_, _, _ = table.Grant("run-1", leases.Subject{Proxy: "other"}, time.Second)
	target.proxies["x"] = true
	_, _, _ = table.Grant("run-1", leases.Subject{Proxy: "x", Toxic: "t"}, time.Second)
	delete(target.proxies, "x")
	c.advance(time.Second)
	if done := table.Sweep(); len(done) != 1 || done[0].Outcome != "the proxy is gone" {
		t.Fatalf("a lease on a deleted proxy: %+v", done)
	}
	target.proxies["y"] = true
	_, _, _ = table.Grant("run-1", leases.Subject{Proxy: "y", Toxic: "t"}, time.Second)
	target.failWith = errors.New("boom")
	c.advance(time.Second)
	if done := table.Sweep(); len(done) != 1 || done[0].Outcome != "failed: boom" {
		t.Fatalf("a failed removal: %+v", done)
	}
}

func TestANewGrantTakesTheSubjectOverAndForgetsItsOldLapse(t *testing.T) {
	table, target, c := newTable()
	target.toxics["db/faultline-0-latency"] = true
	_, _, _ = table.Grant("dead-run", latency, time.Second)
	c.advance(2 * time.Second)
	table.Sweep()
	if _, created, _ := table.Grant("next-run", latency, time.Second); !created {
		t.Fatal("a grant after a lapse replaced something")
	}
	if _, lapsed := table.List(); len(lapsed) != 0 {
		t.Fatalf("the old lapse of the subject is still listed: %+v", lapsed)
	}
	if _, created, _ := table.Grant("third-run", latency, time.Second); created {
		t.Fatal("a grant over a live lease said it created one")
	}
	leasesNow, _ := table.List()
	if len(leasesNow) != 1 || leasesNow[0].Holder != "third-run" {
		t.Fatalf("leases: %+v", leasesNow)
	}
}

func TestRefusesBadGrants(t *testing.T) {
	table, _, _ := newTable()
	cases := []struct {
		holder  string
		subject leases.Subject
		ttl     time.Duration
		want    string
		status  int
	}{
		{"", latency, time.Second, "holder must be", 400},
		{"h", leases.Subject{}, time.Second, "proxy is missing", 400},
		{"h", latency, 50 * time.Millisecond, "ttl_ms 50 is outside [100, 3600000]", 400},
		{"h", latency, 2 * time.Hour, "outside", 400},
		{"h", leases.Subject{Proxy: "nope", Toxic: "t"}, time.Second, "proxy not found", 404},
	}
	for _, tc := range cases {
		_, _, err := table.Grant(tc.holder, tc.subject, tc.ttl)
		var refused *leases.GrantError
		if !errors.As(err, &refused) || !strings.Contains(refused.Message, tc.want) || refused.Status != tc.status {
			t.Errorf("grant(%q, %+v, %v): got %v, want %d %q", tc.holder, tc.subject, tc.ttl, err, tc.status, tc.want)
		}
	}
}
