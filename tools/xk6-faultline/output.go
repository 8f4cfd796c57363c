// Package faultline is a k6 output (`k6 run --out faultline=unix:/path/to.sock`) that streams one
// compact line per request to faultline's collector, and nothing else k6 measures. It replaces
// k6's JSON output on the hot path: about 14 JSON lines (~4 KB) per request become one line of
// ~80 bytes, and the harness parses only what it judges.
//
// The stream format is described in stream.go; the collector is harness/load/collector.ts.
package faultline

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"go.k6.io/k6/metrics"
	"go.k6.io/k6/output"
)

func init() {
	output.RegisterExtension("faultline", New)
}

const (
	flushEvery     = 500 * time.Millisecond // each flush is a read event in the harness: 2 a second (it was 10, then 4)
	heartbeatEvery = time.Second
	dialTimeout    = 5 * time.Second
	bufferBytes    = 64 * 1024
)

// Output streams faultline's records to one collector.
type Output struct {
	network, address string
	token, runner    string
	segment          string
	logger           logrus.FieldLogger

	mu        sync.Mutex
	conn      net.Conn
	w         *bufio.Writer
	line      []byte
	records   uint64
	lastWrite time.Time
	failed    error
	stopTest  func(error)
	stopFlush chan struct{}
	flushDone chan struct{}
}

var _ output.WithTestRunStop = (*Output)(nil)

// New parses `--out faultline=<network>:<address>`: unix:/path/x.sock or tcp:host:port. The
// runner's id and the run token come from FL_RUNNER and FL_RUN_TOKEN in k6's environment.
func New(params output.Params) (output.Output, error) {
	network, address, ok := strings.Cut(params.ConfigArgument, ":")
	if !ok || (network != "unix" && network != "tcp") || address == "" {
		return nil, fmt.Errorf("faultline output: %q is not unix:<path> or tcp:<host:port>", params.ConfigArgument)
	}
	segment := "0:1"
	if es := params.ScriptOptions.ExecutionSegment; es != nil {
		segment = es.String()
	}
	return &Output{
		network: network,
		address: address,
		token:   params.Environment["FL_RUN_TOKEN"],
		runner:  params.Environment["FL_RUNNER"],
		segment: segment,
		logger:  params.Logger.WithField("output", "faultline"),
		line:    make([]byte, 0, 256),
	}, nil
}

// Description is what k6 prints for this output.
func (o *Output) Description() string {
	return fmt.Sprintf("faultline (%s:%s, runner %s)", o.network, o.address, o.runner)
}

// SetTestRunStopCallback lets a lost collector stop the test: load nobody records is harm only.
func (o *Output) SetTestRunStopCallback(stop func(error)) { o.stopTest = stop }

// Start connects to the collector and introduces this runner; k6 does not start without it.
func (o *Output) Start() error {
	conn, err := net.DialTimeout(o.network, o.address, dialTimeout)
	if err != nil {
		return fmt.Errorf("faultline output: cannot reach the collector at %s:%s: %w", o.network, o.address, err)
	}
	o.conn = conn
	o.w = bufio.NewWriterSize(conn, bufferBytes)
	o.mu.Lock()
	o.line = appendHello(o.line[:0], o.token, o.runner, o.segment)
	o.write(o.line)
	o.flush()
	err = o.failed
	o.mu.Unlock()
	if err != nil {
		return err
	}
	o.stopFlush = make(chan struct{})
	o.flushDone = make(chan struct{})
	go o.flusher()
	return nil
}

// AddMetricSamples keeps the four metrics faultline judges and drops the rest unread.
func (o *Output) AddMetricSamples(containers []metrics.SampleContainer) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.failed != nil {
		return
	}
	for _, c := range containers {
		for _, s := range c.GetSamples() {
			var ok bool
			o.line, ok = appendSample(o.line[:0], s)
			if !ok {
				continue
			}
			if o.line[0] == 'R' {
				o.records++
			}
			o.write(o.line)
		}
	}
}

// Stop writes the end line (the collector's proof that this runner finished, not died) and closes.
func (o *Output) Stop() error {
	if o.stopFlush != nil {
		close(o.stopFlush)
		<-o.flushDone
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.conn == nil {
		return nil
	}
	o.line = appendEnd(o.line[:0], o.records)
	o.write(o.line)
	o.flush()
	err := o.failed
	_ = o.conn.Close()
	o.conn = nil
	return err
}

func (o *Output) flusher() {
	defer close(o.flushDone)
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	for {
		select {
		case <-o.stopFlush:
			return
		case now := <-tick.C:
			o.mu.Lock()
			// an idle runner still says it is alive, so a silent one can be told from a quiet one
			if now.Sub(o.lastWrite) >= heartbeatEvery {
				o.line = appendHeartbeat(o.line[:0], now)
				o.write(o.line)
			}
			o.flush()
			o.mu.Unlock()
		}
	}
}

// write and flush are called with o.mu held.
func (o *Output) write(b []byte) {
	if o.failed != nil {
		return
	}
	if _, err := o.w.Write(b); err != nil {
		o.fail(err)
		return
	}
	o.lastWrite = time.Now()
}

func (o *Output) flush() {
	if o.failed != nil || o.w.Buffered() == 0 {
		return
	}
	if err := o.w.Flush(); err != nil {
		o.fail(err)
	}
}

func (o *Output) fail(err error) {
	o.failed = fmt.Errorf("faultline output: the collector at %s:%s stopped reading: %w", o.network, o.address, err)
	o.logger.Error(o.failed)
	if o.stopTest != nil {
		go o.stopTest(o.failed)
	}
}
