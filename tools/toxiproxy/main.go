// Command toxiproxy-server is the real Toxiproxy API server (github.com/Shopify/toxiproxy/v2,
// pinned in go.mod) with faultline's own toxics registered next to the built-in ones, and
// faultline's toxic leases (package leases) served under /faultline/ on the same API port.
// It mirrors upstream's cmd/server/server.go so it behaves like the binary users know.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/Shopify/toxiproxy/v2"
	"github.com/Shopify/toxiproxy/v2/collectors"

	"faultline.local/tools/toxiproxy/leases"
	"faultline.local/tools/toxiproxy/toxics"
)

const upstreamModule = "github.com/Shopify/toxiproxy/v2"

type cliArguments struct {
	host           string
	port           string
	config         string
	seed           int64
	printVersion   bool
	proxyMetrics   bool
	runtimeMetrics bool
}

func parseArguments() cliArguments {
	result := cliArguments{}
	flag.StringVar(&result.host, "host", "localhost", "Host for toxiproxy's API to listen on")
	flag.StringVar(&result.port, "port", "8474", "Port for toxiproxy's API to listen on")
	flag.StringVar(&result.config, "config", "", "JSON file containing proxies to create on startup")
	flag.Int64Var(&result.seed, "seed", time.Now().UTC().UnixNano(), "Seed for randomizing toxics with")
	flag.BoolVar(&result.runtimeMetrics, "runtime-metrics", false,
		`enable runtime-related prometheus metrics (default "false")`)
	flag.BoolVar(&result.proxyMetrics, "proxy-metrics", false,
		`enable toxiproxy-specific prometheus metrics (default "false")`)
	flag.BoolVar(&result.printVersion, "version", false, `print the version (default "false")`)
	flag.Parse()
	return result
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
}

func run() error {
	cli := parseArguments()
	toxiproxy.Version = upstreamVersion()

	if cli.printVersion {
		fmt.Printf("toxiproxy-server version %s (faultline build, extra toxics: %s)\n",
			toxiproxy.Version, toxics.Names)
		return nil
	}

	toxics.SetSeed(cli.seed)

	logger := setupLogger()
	logger.Info().Str("version", toxiproxy.Version).Int64("seed", cli.seed).Msg("Starting Toxiproxy")

	registry := prometheus.NewRegistry()
	registry.MustRegister(toxics.BytesTotal) // byte_counter toxics, on /metrics with -proxy-metrics
	metrics := toxiproxy.NewMetricsContainer(registry)
	server := toxiproxy.NewServer(metrics, logger)
	if cli.proxyMetrics {
		server.Metrics.ProxyMetrics = collectors.NewProxyMetricCollectors()
	}
	if cli.runtimeMetrics {
		server.Metrics.RuntimeMetrics = collectors.NewRuntimeMetricCollectors()
	}
	if len(cli.config) > 0 {
		server.PopulateConfig(cli.config)
	}

	// A toxic whose lease its holder stopped renewing is removed by the server itself.
	leaseTable := leases.New(leases.CollectionTarget(server.Collection), time.Now, logger.With().Str("component", "leases").Logger())
	stopSweeping := make(chan struct{})
	defer close(stopSweeping)
	go leaseTable.Run(stopSweeping, leaseSweepInterval)

	// upstream's ApiServer.Listen, with the lease routes added to its router (Listen builds its
	// own and keeps the http.Server to itself, so this mirrors it and shuts its own server down)
	router := server.Routes()
	router.PathPrefix("/faultline/").Handler(leaseTable.Handler()).Name("FaultlineLeases")
	httpServer := &http.Server{
		Addr:         net.JoinHostPort(cli.host, cli.port),
		Handler:      router,
		WriteTimeout: 30 * time.Second,
		ReadTimeout:  15 * time.Second,
		IdleTimeout:  60 * time.Second,
	}
	logger.Info().Str("address", httpServer.Addr).Msg("Starting Toxiproxy HTTP server")

	// Listen blocks; a failure to bind must end the process so whoever started it sees the exit.
	listenErr := make(chan error, 1)
	go func() {
		err := httpServer.ListenAndServe()
		if err == http.ErrServerClosed {
			err = nil
		}
		listenErr <- err
	}()

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	select {
	case err := <-listenErr:
		if err != nil {
			return fmt.Errorf("API server: %w", err)
		}
		return nil
	case <-signals:
	}
	server.Logger.Info().Msg("Shutdown started")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := httpServer.Shutdown(ctx); err != nil {
		logger.Err(err).Msg("Shutdown finished with error")
	}
	return nil
}

// How often run-out leases are looked for: a toxic outlives its lease by at most this.
const leaseSweepInterval = 100 * time.Millisecond

// upstreamVersion reads the pinned Toxiproxy module version from the build info, so the
// version we report is the one go.mod pins (upstream injects it with -ldflags instead).
func upstreamVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return toxiproxy.Version
	}
	for _, dep := range info.Deps {
		if dep.Path == upstreamModule {
			return dep.Version
		}
	}
	return toxiproxy.Version
}

func setupLogger() zerolog.Logger {
	zerolog.TimestampFunc = func() time.Time { return time.Now().UTC() }
	zerolog.CallerMarshalFunc = func(pc uintptr, file string, line int) string {
		for i := len(file) - 1; i > 0; i-- {
			if file[i] == '/' {
				file = file[i+1:]
				break
			}
		}
		return file + ":" + strconv.Itoa(line)
	}

	logger := zerolog.New(os.Stdout).With().Caller().Timestamp().Logger()
	val, ok := os.LookupEnv("LOG_LEVEL")
	if !ok {
		return logger
	}
	lvl, err := zerolog.ParseLevel(val)
	if err != nil {
		logger.Err(err).Msgf("unknown LOG_LEVEL value: %q", val)
		return logger
	}
	return logger.Level(lvl)
}
