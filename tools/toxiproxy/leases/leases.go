// Package leases gives a fault on Toxiproxy a dead man's switch: a toxic (or a disabled proxy)
// carries a lease that its holder, the faultline harness, renews every second or so. A lease not
// renewed for its TTL runs out, and the server itself undoes the fault: it removes the toxic, or
// enables the proxy again. So a fault never outlives its harness by more than the TTL, even when
// the harness was SIGKILLed and this server keeps running (a shared proxy, --keep-up).
//
// A lease is granted before the toxic is added (so no kill between the two can leave a toxic
// without one) and released after the toxic is removed. A lease that runs out on a toxic that is
// no longer there just goes. What ran out is kept, per holder, until the holder's next renewal
// reports it: a harness that was only slow (a debugger pause) learns that its fault was lifted.
package leases

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/rs/zerolog"
)

// Limits of a lease's time to live.
const (
	MinTTL = 100 * time.Millisecond
	MaxTTL = time.Hour
	// lapses are kept this long for their holder to hear of them, and at most maxLapses of them
	lapseRetention = 10 * time.Minute
	maxLapses      = 1000
)

// Target is what a lease acts on when it runs out: the server's proxies.
type Target interface {
	// HasProxy says whether a proxy of that name exists.
	HasProxy(proxy string) bool
	// RemoveToxic removes a toxic; existed is false when it was not there (nothing to do).
	RemoveToxic(proxy, toxic string) (existed bool, err error)
	// EnableProxy enables a disabled proxy; wasDisabled is false when it was enabled already.
	EnableProxy(proxy string) (wasDisabled bool, err error)
}

// ErrProxyGone is what a Target answers for a proxy that no longer exists.
var ErrProxyGone = errors.New("proxy not found")

// What a lease holds: a toxic (removed when the lease runs out) or a proxy's disabled state
// (the proxy enabled again).
type Subject struct {
	Proxy string `json:"proxy"`
	// Toxic is the toxic's name; empty for a lease on the proxy's disabled state.
	Toxic string `json:"toxic,omitempty"`
}

// ID is the lease's key: "<proxy>/toxics/<toxic>" or "<proxy>/disabled".
func (s Subject) ID() string {
	if s.Toxic == "" {
		return s.Proxy + "/disabled"
	}
	return s.Proxy + "/toxics/" + s.Toxic
}

// Lease is one lease as the API shows it.
type Lease struct {
	ID     string `json:"id"`
	Holder string `json:"holder"`
	Subject
	TTLMs       int64 `json:"ttl_ms"`
	ExpiresInMs int64 `json:"expires_in_ms"`
}

// Lapse is a lease that ran out, and what the server did about it.
type Lapse struct {
	ID     string `json:"id"`
	Holder string `json:"holder"`
	Subject
	TTLMs int64 `json:"ttl_ms"`
	// LapsedMsAgo is how long ago it ran out (when reported).
	LapsedMsAgo int64 `json:"lapsed_ms_ago"`
	// Outcome: "removed the toxic", "the toxic was already gone", "enabled the proxy",
	// "the proxy was enabled already", "the proxy is gone", or "failed: ..."
	Outcome string `json:"outcome"`
}

type lease struct {
	holder  string
	subject Subject
	ttl     time.Duration
	expires time.Time
}

type lapse struct {
	Lapse
	at time.Time
}

// Table holds the leases of one server. Its methods are safe for concurrent use; what a lease
// does when it runs out happens under the table's lock, so a grant for the same subject that
// comes meanwhile is never undone by the old lease.
type Table struct {
	mu     sync.Mutex
	leases map[string]*lease
	lapsed []lapse
	target Target
	now    func() time.Time
	logger zerolog.Logger
}

// New makes an empty table acting on target. now is the clock (time.Now outside tests); Go's
// time.Now carries a monotonic reading, so a wall-clock jump neither ends nor stretches a lease.
func New(target Target, now func() time.Time, logger zerolog.Logger) *Table {
	return &Table{leases: map[string]*lease{}, target: target, now: now, logger: logger}
}

// GrantError is a refused grant, with the HTTP status it maps to.
type GrantError struct {
	Status  int
	Message string
}

func (e *GrantError) Error() string { return e.Message }

// Grant makes a lease on subject for holder, replacing any lease on it (another holder's too:
// the newest grant owns the subject). created is false when one was replaced.
func (t *Table) Grant(holder string, subject Subject, ttl time.Duration) (l Lease, created bool, err error) {
	switch {
	case holder == "" || len(holder) > 200:
		return Lease{}, false, &GrantError{400, "holder must be 1 to 200 characters"}
	case subject.Proxy == "":
		return Lease{}, false, &GrantError{400, "proxy is missing"}
	case ttl < MinTTL || ttl > MaxTTL:
		return Lease{}, false, &GrantError{400, fmt.Sprintf("ttl_ms %d is outside [%d, %d]", ttl.Milliseconds(), MinTTL.Milliseconds(), MaxTTL.Milliseconds())}
	case !t.target.HasProxy(subject.Proxy):
		return Lease{}, false, &GrantError{404, "proxy not found"}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	id := subject.ID()
	old, replaced := t.leases[id]
	if replaced && old.holder != holder {
		t.logger.Info().Str("lease", id).Str("holder", holder).Str("previous_holder", old.holder).Msg("Lease taken over by another holder")
	}
	t.forgetLapse(id) // a fresh grant: an old lapse of this subject is no news to anyone
	entry := &lease{holder: holder, subject: subject, ttl: ttl, expires: now.Add(ttl)}
	t.leases[id] = entry
	return entry.view(now), !replaced, nil
}

// Release ends a lease without acting on it (its holder removed the toxic itself). It says
// whether there was one.
func (t *Table) Release(subject Subject) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.leases[subject.ID()]
	delete(t.leases, subject.ID())
	return ok
}

// Renew extends every lease of holder by its TTL, and hands over (once) the holder's leases that
// ran out since it last asked.
func (t *Table) Renew(holder string) (renewed []Lease, lapsed []Lapse) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.sweepLocked(now) // what ran out before this renewal stays run out
	for _, l := range t.leases {
		if l.holder == holder {
			l.expires = now.Add(l.ttl)
			renewed = append(renewed, l.view(now))
		}
	}
	kept := t.lapsed[:0]
	for _, x := range t.lapsed {
		if x.Holder == holder {
			lapsed = append(lapsed, x.view(now))
		} else {
			kept = append(kept, x)
		}
	}
	t.lapsed = kept
	sortLeases(renewed)
	return renewed, orEmpty(lapsed)
}

// List shows every lease and every lapse not yet handed over.
func (t *Table) List() (leases []Lease, lapsed []Lapse) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	for _, l := range t.leases {
		leases = append(leases, l.view(now))
	}
	for _, x := range t.lapsed {
		lapsed = append(lapsed, x.view(now))
	}
	sortLeases(leases)
	if leases == nil {
		leases = []Lease{}
	}
	return leases, orEmpty(lapsed)
}

// Sweep acts on every lease that has run out and returns what it did.
func (t *Table) Sweep() []Lapse {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sweepLocked(t.now())
}

// Run sweeps every interval until stop is closed.
func (t *Table) Run(stop <-chan struct{}, interval time.Duration) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
			t.Sweep()
		}
	}
}

func (t *Table) sweepLocked(now time.Time) []Lapse {
	var done []Lapse
	for id, l := range t.leases {
		if now.Before(l.expires) {
			continue
		}
		delete(t.leases, id)
		x := lapse{Lapse: Lapse{ID: id, Holder: l.holder, Subject: l.subject, TTLMs: l.ttl.Milliseconds(), Outcome: t.undo(l.subject)}, at: l.expires}
		t.logger.Info().Str("lease", id).Str("holder", l.holder).Int64("ttl_ms", x.TTLMs).Str("outcome", x.Outcome).
			Msg("Lease ran out: its holder did not renew it")
		t.lapsed = append(t.lapsed, x)
		done = append(done, x.view(now))
	}
	t.trimLapsesLocked(now)
	return done
}

// undo lifts the fault a lease held, and says what it found.
func (t *Table) undo(s Subject) string {
	if s.Toxic == "" {
		wasDisabled, err := t.target.EnableProxy(s.Proxy)
		switch {
		case errors.Is(err, ErrProxyGone):
			return "the proxy is gone"
		case err != nil:
			return "failed: " + err.Error()
		case wasDisabled:
			return "enabled the proxy"
		default:
			return "the proxy was enabled already"
		}
	}
	existed, err := t.target.RemoveToxic(s.Proxy, s.Toxic)
	switch {
	case errors.Is(err, ErrProxyGone):
		return "the proxy is gone"
	case err != nil:
		return "failed: " + err.Error()
	case existed:
		return "removed the toxic"
	default:
		return "the toxic was already gone"
	}
}

func (t *Table) forgetLapse(id string) {
	kept := t.lapsed[:0]
	for _, x := range t.lapsed {
		if x.ID != id {
			kept = append(kept, x)
		}
	}
	t.lapsed = kept
}

func (t *Table) trimLapsesLocked(now time.Time) {
	kept := t.lapsed[:0]
	for _, x := range t.lapsed {
		if now.Sub(x.at) < lapseRetention {
			kept = append(kept, x)
		}
	}
	if len(kept) > maxLapses {
		kept = kept[len(kept)-maxLapses:]
	}
	t.lapsed = kept
}

func (l *lease) view(now time.Time) Lease {
	return Lease{ID: l.subject.ID(), Holder: l.holder, Subject: l.subject, TTLMs: l.ttl.Milliseconds(), ExpiresInMs: l.expires.Sub(now).Milliseconds()}
}

func (x lapse) view(now time.Time) Lapse {
	out := x.Lapse
	out.LapsedMsAgo = now.Sub(x.at).Milliseconds()
	return out
}

func sortLeases(ls []Lease) { sort.Slice(ls, func(i, j int) bool { return ls[i].ID < ls[j].ID }) }

func orEmpty(xs []Lapse) []Lapse {
	if xs == nil {
		return []Lapse{}
	}
	return xs
}
