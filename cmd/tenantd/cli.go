package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"
	"golang.org/x/term"

	"github.com/tenantd/tenantd/client"
)

// Exit codes of the command line client beyond exitError and exitUsage.
const (
	exitNotFound = 3
	exitConflict = 4
)

// apiError is an error of the API as the command line reports it: one
// line, and an exit code that says what kind of error it was.
type apiError struct{ err *client.Error }

func (e *apiError) Error() string {
	msg := e.err.Message
	if msg == "" {
		msg = http.StatusText(e.err.StatusCode)
	}
	return fmt.Sprintf("%s (%d %s)", strings.TrimSuffix(msg, "."), e.err.StatusCode, e.err.Code)
}

func (e *apiError) ExitCode() int {
	switch e.err.StatusCode {
	case http.StatusNotFound:
		return exitNotFound
	case http.StatusConflict:
		return exitConflict
	}
	return exitError
}

// cliErr turns an error of the client into the command line's.
func cliErr(err error) error {
	var ce *client.Error
	if errors.As(err, &ce) {
		return &apiError{ce}
	}
	return err
}

// session is what the command line client commands share: the connection
// settings and output format from the flags.
type session struct {
	a            *app
	url          string
	clientID     string
	clientSecret string
	json         bool
	output       string
	quiet        bool
	yes          bool

	c    *client.Client
	home string // the tenant of the credentials
}

// cliConfig is the file tenantd login writes.
type cliConfig struct {
	URL          string `json:"url"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	TenantID     string `json:"tenant_id,omitempty"`
}

// configPath is where tenantd login keeps its settings: $TENANTD_CONFIG, or
// tenantd/config.json in the user's config directory
// ($XDG_CONFIG_HOME, or ~/.config).
func (a *app) configPath() (string, error) {
	if p := a.getenv("TENANTD_CONFIG"); p != "" {
		return p, nil
	}
	dir := a.getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := a.getenv("HOME")
		if home == "" {
			return "", errors.New("neither HOME nor XDG_CONFIG_HOME is set: set TENANTD_CONFIG to the config file to use")
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "tenantd", "config.json"), nil
}

func (a *app) readConfig() (*cliConfig, error) {
	path, err := a.configPath()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &cliConfig{}, nil
	}
	if err != nil {
		return nil, err
	}
	var c cliConfig
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &c, nil
}

// writeConfig writes the config file readable by its owner only.
func (a *app) writeConfig(c *cliConfig) (string, error) {
	path, err := a.configPath()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return "", err
	}
	return path, os.Rename(tmp, path)
}

// addSessionFlags gives cmd and its subcommands the connection and output
// flags.
func (s *session) addSessionFlags(cmd *cobra.Command) {
	fs := cmd.PersistentFlags()
	fs.StringVar(&s.url, "url", "", "URL of the tenantd server (default from tenantd login; $TENANTD_URL)")
	fs.StringVar(&s.clientID, "client-id", "", "API client id (default from tenantd login; $TENANTD_CLIENT_ID)")
	fs.StringVar(&s.clientSecret, "client-secret", "", "API client secret (default from tenantd login; $TENANTD_CLIENT_SECRET)")
	fs.BoolVar(&s.json, "json", false, "print JSON")
	fs.StringVarP(&s.output, "output", "o", "table", "output format: table, json or yaml")
	fs.BoolVarP(&s.quiet, "quiet", "q", false, "print ids only")
	for _, name := range []string{"url", "client-id", "client-secret"} {
		_ = fs.SetAnnotation(name, envAnnotation, []string{envName(name)})
	}
}

// connect makes the API client from the flags, the environment and the
// config file, in that order of precedence.
func (s *session) connect(ctx context.Context) error {
	if s.c != nil {
		return nil
	}
	cfg, err := s.a.readConfig()
	if err != nil {
		return err
	}
	if s.url == "" {
		s.url = cfg.URL
	}
	if s.clientID == "" {
		s.clientID, s.home = cfg.ClientID, cfg.TenantID
	}
	if s.clientSecret == "" {
		s.clientSecret = cfg.ClientSecret
	}
	if s.url == "" || s.clientID == "" || s.clientSecret == "" {
		return &usageError{errors.New("not logged in: run tenantd login, or give --url, --client-id and --client-secret")}
	}
	c, err := client.New(s.url, client.WithClientCredentials(s.clientID, s.clientSecret), client.WithUserAgent("tenantd-cli"),
		client.WithWarningHandler(func(w client.Warning) { fmt.Fprintf(s.a.stderr, "tenantd: warning: %s\n", w.Text) }))
	if err != nil {
		return &usageError{err}
	}
	s.c = c
	if s.home == "" || cfg.ClientID != s.clientID {
		resp, err := client.Check(c.FetchClientWithResponse(ctx, s.clientID))
		if err != nil {
			return cliErr(err)
		}
		s.home = resp.JSON200.TenantID
	}
	return nil
}

// format is the output format the flags ask for.
func (s *session) format() (string, error) {
	switch {
	case s.quiet:
		return "quiet", nil
	case s.json:
		return "json", nil
	}
	switch s.output {
	case "table", "json", "yaml":
		return s.output, nil
	}
	return "", &usageError{fmt.Errorf("--output must be table, json or yaml, not %q", s.output)}
}

// table is what a command prints: for a table, the columns and rows; for
// --quiet the ids; for --json and -o yaml the value as the API gave it.
type table struct {
	header []string
	rows   [][]string
	ids    []string
	value  any
}

// print writes t in the session's format.
func (s *session) print(t table) error {
	f, err := s.format()
	if err != nil {
		return err
	}
	w := s.a.stdout
	switch f {
	case "quiet":
		for _, id := range t.ids {
			fmt.Fprintln(w, id)
		}
		return nil
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(t.value)
	case "yaml":
		return writeYAML(w, t.value)
	}
	return writeTable(w, s.width(), t.header, t.rows)
}

// writeYAML writes v as one YAML document. It goes through JSON, so that
// the keys are the API's, and keeps numbers as they were sent: a version
// such as 1796687878694 stays an integer rather than turning into a float.
func writeYAML(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return err
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(yamlNumbers(doc)); err != nil {
		return err
	}
	return enc.Close()
}

// yamlNumbers replaces the json.Numbers in v by int64 or float64.
func yamlNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64() // a number the JSON encoder wrote
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = yamlNumbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = yamlNumbers(e)
		}
	}
	return v
}

// width is the terminal's width, or 0 (no limit) when stdout is not one.
func (s *session) width() int {
	if c, err := strconv.Atoi(s.a.getenv("COLUMNS")); err == nil && c > 0 {
		return c
	}
	if f, ok := s.a.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil {
			return w
		}
	}
	return 0
}

// writeTable writes aligned columns, each line cut to width when width is
// not 0.
func writeTable(w io.Writer, width int, header []string, rows [][]string) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	if len(header) > 0 {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		line = strings.TrimRight(line, " ")
		if width > 0 && utf8.RuneCountInString(line) > width {
			r := []rune(line)
			line = string(r[:max(width-1, 0)]) + "…"
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

// confirm asks a yes/no question on stderr, reading the answer from stdin,
// unless --yes was given. No answer is no.
func (s *session) confirm(question string) error {
	if s.yes {
		return nil
	}
	fmt.Fprintf(s.a.stderr, "%s [y/N] ", question)
	line, err := bufio.NewReader(s.a.stdin).ReadString('\n')
	answer := strings.ToLower(strings.TrimSpace(line))
	if answer == "y" || answer == "yes" {
		return nil
	}
	if err != nil && answer == "" {
		fmt.Fprintln(s.a.stderr)
		return errors.New("not confirmed: no answer (give --yes to run without asking)")
	}
	return errors.New("not confirmed")
}
