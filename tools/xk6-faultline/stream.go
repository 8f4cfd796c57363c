package faultline

// The stream: UTF-8 lines, fields separated by tabs, the first field a one-letter kind. Times
// are Unix epoch milliseconds with three decimals. Text fields never hold a tab or a newline
// (replaced by a space).
//
//	H  1  <run token>  <runner>  <execution segment>              hello: first line of a connection
//	S  <time>                                                     fl_started: the load clock's zero
//	R  <end time>  <latency ms>  <status>  <outcome>  <endpoint>  <tenant>  <priority>  <source>  <retry-after 0|1>  <degraded reason>
//	A  <time>  <endpoint>  <idempotency key>  <created id>         fl_ack
//	D  <time>  <count>  <k6 scenario>                             dropped_iterations
//	B  <time>                                                     heartbeat (a second without other lines)
//	E  <requests written>                                         end: the runner finished, nothing was lost

import (
	"strconv"
	"time"

	"go.k6.io/k6/metrics"
)

const version = "1"

func appendHello(b []byte, token, runner, segment string) []byte {
	b = append(b, 'H', '\t')
	b = append(b, version...)
	b = appendText(append(b, '\t'), token)
	b = appendText(append(b, '\t'), runner)
	b = appendText(append(b, '\t'), segment)
	return append(b, '\n')
}

func appendEnd(b []byte, records uint64) []byte {
	b = append(b, 'E', '\t')
	b = strconv.AppendUint(b, records, 10)
	return append(b, '\n')
}

func appendHeartbeat(b []byte, t time.Time) []byte {
	return append(appendTime(append(b, 'B', '\t'), t), '\n')
}

// appendSample appends the line a sample becomes; false for the metrics faultline does not read.
func appendSample(b []byte, s metrics.Sample) ([]byte, bool) {
	if s.Metric == nil {
		return b, false
	}
	switch s.Metric.Name {
	case "fl_req":
		outcome := tag(s, "outcome")
		endpoint := tag(s, "endpoint")
		if endpoint == "" || (outcome != "ok" && outcome != "degraded" && outcome != "error") {
			return b, false
		}
		b = appendTime(append(b, 'R', '\t'), s.Time)
		b = strconv.AppendFloat(append(b, '\t'), s.Value, 'f', 3, 64)
		b = appendText(append(b, '\t'), tag(s, "status"))
		b = append(append(b, '\t'), outcome...)
		b = appendText(append(b, '\t'), endpoint)
		b = appendText(append(b, '\t'), tag(s, "tenant"))
		b = appendText(append(b, '\t'), tag(s, "priority"))
		b = appendText(append(b, '\t'), tag(s, "source"))
		if tag(s, "retry") == "1" {
			b = append(b, '\t', '1')
		} else {
			b = append(b, '\t', '0')
		}
		b = appendText(append(b, '\t'), tag(s, "degraded"))
	case "fl_started":
		b = appendTime(append(b, 'S', '\t'), s.Time)
	case "fl_ack":
		endpoint := tag(s, "endpoint")
		if endpoint == "" {
			return b, false
		}
		b = appendTime(append(b, 'A', '\t'), s.Time)
		b = appendText(append(b, '\t'), endpoint)
		b = appendText(append(b, '\t'), tag(s, "key"))
		b = appendText(append(b, '\t'), tag(s, "order"))
	case "dropped_iterations":
		b = appendTime(append(b, 'D', '\t'), s.Time)
		b = strconv.AppendFloat(append(b, '\t'), s.Value, 'f', -1, 64)
		scenario := tag(s, "scenario")
		if scenario == "" {
			scenario = "main"
		}
		b = appendText(append(b, '\t'), scenario)
	default:
		return b, false
	}
	return append(b, '\n'), true
}

func tag(s metrics.Sample, name string) string {
	if s.Tags == nil {
		return ""
	}
	v, _ := s.Tags.Get(name)
	return v
}

func appendTime(b []byte, t time.Time) []byte {
	us := t.UnixMicro()
	b = strconv.AppendInt(b, us/1000, 10)
	frac := us % 1000
	b = append(b, '.', byte('0'+frac/100), byte('0'+frac/10%10), byte('0'+frac%10))
	return b
}

func appendText(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' || c == '\n' || c == '\r' {
			c = ' '
		}
		b = append(b, c)
	}
	return b
}
