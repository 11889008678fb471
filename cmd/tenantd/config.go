package main

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/tenantd/tenantd/internal/httpapi"
)

// storeConfig names the store: a PostgreSQL URL, or a data directory that
// holds the embedded SQLite database.
type storeConfig struct {
	dataDir string
	dbURL   string
}

func (c *storeConfig) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.dataDir, "data", "./tenantd-data", "directory of the embedded SQLite store")
	fs.StringVar(&c.dbURL, "db", "", "PostgreSQL URL (postgres://...); overrides --data")
}

// dsn is what sqlstore.Open takes.
func (c *storeConfig) dsn() (string, error) {
	if c.dbURL != "" {
		if !strings.HasPrefix(c.dbURL, "postgres://") && !strings.HasPrefix(c.dbURL, "postgresql://") {
			return "", fmt.Errorf("--db must be a postgres:// URL")
		}
		return c.dbURL, nil
	}
	if c.dataDir == "" {
		return "", fmt.Errorf("--data must not be empty")
	}
	return filepath.Join(c.dataDir, "tenantd.db"), nil
}

// logConfig says how to log.
type logConfig struct {
	format string
	level  string
}

func (c *logConfig) register(fs *pflag.FlagSet) {
	fs.StringVar(&c.format, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.level, "log-level", "info", "log level: debug, info, warn or error")
}

func (c *logConfig) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.level)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, not %q", c.format)
}

// serveConfig is the configuration of tenantd serve.
type serveConfig struct {
	store           storeConfig
	log             logConfig
	addr            string
	publicURL       string
	issuer          string
	tokenAlg        string
	fieldValidation string
	retention       time.Duration
	eventRetention  time.Duration
	otlpEndpoint    string
	purgeInterval   time.Duration
	smtpURL         string
	outboxInterval  time.Duration
	trialInterval   time.Duration
	reportInterval  time.Duration
	clockOffset     time.Duration
	metricsAddr     string
	shutdownTimeout time.Duration
	// Connection timeouts: a client that sends its headers, its body or
	// its next request too slowly is disconnected.
	readHeaderTimeout, readTimeout, writeTimeout, idleTimeout time.Duration
	// drainDelay is how long a SIGTERM keeps serving while /readyz is 503.
	drainDelay time.Duration
	// rateLimit bounds requests by principal and by remote address;
	// trustedProxies are the proxies whose X-Forwarded-For is believed.
	rateLimit      httpapi.RateLimit
	trustedProxies []string
}
